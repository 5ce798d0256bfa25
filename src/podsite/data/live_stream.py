"""Live streams on YouTube, and the listeners who asked to hear when one starts."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from podsite.data.base import Base, utc_now


def _new_guid() -> str:
    return str(uuid.uuid4())


class LiveStream(Base):
    """A stream is upcoming, live or past by the clock alone; nothing is written when it
    starts or ends."""

    __tablename__ = 'live_stream'

    id: Mapped[int] = mapped_column(primary_key=True)
    guid: Mapped[str] = mapped_column(String(36), unique=True, default=_new_guid)
    """Stable for the stream's life: the feed's guid and the calendar's UID."""
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default='')
    """Markdown, as the admin wrote it."""
    description_html: Mapped[str] = mapped_column(Text, default='')
    """`description` rendered by the service that writes it, which also sets `ends_at`
    (services/catalogue/derived_columns.py)."""
    starts_at: Mapped[datetime] = mapped_column(index=True)
    duration_minutes: Mapped[int]
    ends_at: Mapped[datetime] = mapped_column(index=True)
    """`starts_at` plus the duration, stored so "live now" is one indexed comparison."""
    youtube_id: Mapped[str] = mapped_column(String(11))
    episode_id: Mapped[int | None] = mapped_column(
        ForeignKey('episode.id', ondelete='SET NULL'), default=None
    )
    """The episode the stream became, once it is published."""
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)


class StreamSubscriber(Base):
    """An address that asked to be told when a stream starts. It gets mail only once
    confirmed (double opt-in); only hashes of its confirmation token are kept."""

    __tablename__ = 'stream_subscriber'

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    """Stored lowercased, like account addresses."""
    consent_at: Mapped[datetime] = mapped_column(default=utc_now)
    """When the address was entered on the form: the consent we keep as evidence."""
    confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_expires_at: Mapped[datetime]
    confirmation_sent_at: Mapped[datetime] = mapped_column(default=utc_now)


class StreamNotification(Base):
    """One "going live soon" message queued for one subscriber: sending twice is impossible."""

    __tablename__ = 'stream_notification'

    stream_id: Mapped[int] = mapped_column(
        ForeignKey('live_stream.id', ondelete='CASCADE'), primary_key=True
    )
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey('stream_subscriber.id', ondelete='CASCADE'), primary_key=True, index=True
    )
    queued_at: Mapped[datetime] = mapped_column(default=utc_now)
