"""Publishing's background work: telling the podcast world the feed changed (WebSub hubs
and publish pings), and writing the show's new tags into every stored audio file."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from podsite.data.base import Base, utc_now


class FeedAnnouncement(Base):
    """An episode whose going public the hubs and pings were told about. A row per episode,
    so a scheduled episode going live is announced once, by whichever instance sees it first.
    """

    __tablename__ = 'feed_announcement'

    episode_id: Mapped[int] = mapped_column(
        ForeignKey('episode.id', ondelete='CASCADE'), primary_key=True
    )
    announced_at: Mapped[datetime] = mapped_column(default=utc_now)


class FeedNotification(Base):
    """One notice to one hub or ping URL that the feed changed, sent in the background and
    retried like the outbox's emails (`services/publishing/feed_notification_service.py`)."""

    __tablename__ = 'feed_notification'

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    """`websub` (a form POST of `hub.mode=publish`) or `ping` (`GET <url>?url=<feed>`)."""
    target_url: Mapped[str] = mapped_column(String(2000))
    feed_url: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    """Why the last attempt failed."""
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=utc_now, index=True)
    """Due once queued; moved on while a sender has it and after a failure; None once sent
    or given up."""


class TagRewrite(Base):
    """An episode whose stored audio file waits for its tags to be written again, after an
    edit of the show changed what every file holds (`services/publishing/tagging_service.py`).
    Written in the background through the delivery queue, as the outbox sends email."""

    __tablename__ = 'tag_rewrite'

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(
        ForeignKey('episode.id', ondelete='CASCADE'), index=True
    )
    queued_at: Mapped[datetime] = mapped_column(default=utc_now)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    """When the file was written (the delivery queue's name for done)."""
    error: Mapped[str | None] = mapped_column(Text, default=None)
    """Why the last attempt failed."""
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=utc_now, index=True)
    """Due once queued; moved on while an instance writes the file and after a failure; None
    once written or given up."""
