"""What analytics keep besides raw downloads: counted downloads, short links and their
clicks, and sponsor impressions."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from podsite.data.base import Base, utc_now


class DownloadCount(Base):
    """Counted downloads (IAB v2.3) of an episode on the day of the request that made each
    count, per listening app; rebuilt from `download_event` by the aggregation."""

    __tablename__ = 'download_count'

    day: Mapped[date] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(
        ForeignKey('episode.id', ondelete='CASCADE'), primary_key=True, index=True
    )
    app: Mapped[str] = mapped_column(String(60), primary_key=True)
    platform: Mapped[str] = mapped_column(String(60), primary_key=True)
    age_days: Mapped[int]
    """Days from the episode's publication to `day`, for "first 7 / 30 / 90 days" reports;
    set when counted (a rebuild follows a changed publication date)."""
    downloads: Mapped[int]


class AggregationProgress(Base):
    """One row: how far the aggregation has read `download_event`, and with which window."""

    __tablename__ = 'aggregation_progress'

    id: Mapped[int] = mapped_column(primary_key=True)
    last_event_id: Mapped[int] = mapped_column(BigInteger, default=0)
    window: Mapped[str] = mapped_column(String(30))
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)
    checkpoints_from: Mapped[date | None] = mapped_column(default=None)
    """The first midnight (UTC) whose `CountingCheckpoint` is kept; None: none yet."""
    checkpoints_until: Mapped[date | None] = mapped_column(default=None)
    """The last one; every midnight from `checkpoints_from` to it has its checkpoint."""


class CountingCheckpoint(Base):
    """Where one listener's requests for an episode stood at a midnight (UTC): what
    counting needs to go on from that midnight and give what a recount from the first
    event gives. Only states a later request could still depend on are kept."""

    __tablename__ = 'counting_checkpoint'

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, 'sqlite'), primary_key=True)
    day: Mapped[date] = mapped_column(index=True)
    """The state is the one at 00:00 UTC of this day."""
    listener: Mapped[str] = mapped_column(String(64))
    """The address hash under the previous day's salt, as `download_event.ip_hash` had it."""
    user_agent: Mapped[str] = mapped_column(String(1000))
    episode_id: Mapped[int] = mapped_column(ForeignKey('episode.id', ondelete='CASCADE'))
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    """An `iab_rules.ListenerState`, as `counting` writes it."""


class ShortLink(Base):
    """`/r/<name>`: a tracked redirect. Sponsor placements get one each, made with them."""

    __tablename__ = 'short_link'

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    target_url: Mapped[str] = mapped_column(String(2000))
    episode_id: Mapped[int | None] = mapped_column(
        ForeignKey('episode.id', ondelete='SET NULL'), default=None, index=True
    )
    sponsor_id: Mapped[int | None] = mapped_column(
        ForeignKey('sponsor.id', ondelete='SET NULL'), default=None, index=True
    )
    guest_id: Mapped[int | None] = mapped_column(
        ForeignKey('guest.id', ondelete='SET NULL'), default=None, index=True
    )
    placement_id: Mapped[int | None] = mapped_column(
        ForeignKey('sponsor_placement.id', ondelete='CASCADE'), default=None, unique=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    # A link with clicks is archived rather than deleted: `/r/<name>` stops leading anywhere,
    # its clicks stay in the reports, and it can be restored.
    archived_at: Mapped[datetime | None] = mapped_column(default=None)


class ClickEvent(Base):
    __tablename__ = 'click_event'

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, 'sqlite'), primary_key=True)
    short_link_id: Mapped[int] = mapped_column(
        ForeignKey('short_link.id', ondelete='CASCADE'), index=True
    )
    occurred_at: Mapped[datetime]
    day: Mapped[date] = mapped_column(index=True)
    """The UTC day of `occurred_at`, stored so reports group by it alike on every database."""
    ip_hash: Mapped[str] = mapped_column(String(64))
    user_agent: Mapped[str] = mapped_column(String(1000), default='')
    referrer: Mapped[str] = mapped_column(String(2000), default='')


class PlacementImpression(Base):
    """How often an episode page showing a sponsor placement was viewed, per day."""

    __tablename__ = 'placement_impression'

    placement_id: Mapped[int] = mapped_column(
        ForeignKey('sponsor_placement.id', ondelete='CASCADE'), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    impressions: Mapped[int]


class SpooledSegment(Base):
    """How many lines of a spool segment (`infrastructure/spool.py`) the database has,
    written in the same transaction as their events: whoever writes the segment after a
    crash resumes after them, so no event is stored twice. A row goes once its segment is
    stored in full and deleted."""

    __tablename__ = 'spooled_segment'

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    stored_lines: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)
