"""Turns raw download events into counted downloads (IAB v2.3), incrementally.

Each run reads the events stored since the last run, and recomputes the days they can
change: their own, and the day before (a window opened then may still be open). Every
event of those days, plus one earlier day for the windows already open, is read again,
so a run replaces whole days and running it twice gives the same numbers.
"""

from collections import Counter, defaultdict
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from quart import Quart
from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from podsite.data import AggregationProgress, DownloadCount, DownloadEvent, Episode
from podsite.infrastructure import db
from podsite.infrastructure.periodic import PeriodicTask
from podsite.schemas.analytics import Window
from podsite.services.analytics import storage
from podsite.services.analytics.agents import classify
from podsite.services.analytics.iab_rules import (
    MediaFacts,
    RawDownload,
    TrafficFilters,
    counted_downloads,
)
from podsite.settings import Settings, current_settings

PROGRESS_ID = 1
# Any constant works: it names the lock every instance takes on PostgreSQL.
ADVISORY_LOCK_KEY = 0x706F6473


@dataclass(frozen=True)
class AggregationResult:
    events_read: int
    first_day: date | None
    """The first day recomputed; None when there was nothing new."""
    downloads: int
    """Counted downloads on the recomputed days."""


def media_facts(
    size_bytes: int, duration_seconds: int, header_bytes: int | None, bitrate_bps: int | None
) -> MediaFacts:
    """An unprobed file's bitrate is its size over its duration, and its header nothing:
    the threshold comes out slightly low rather than lost."""
    if bitrate_bps is None and duration_seconds > 0:
        bitrate_bps = size_bytes * 8 // duration_seconds
    return MediaFacts(size_bytes, header_bytes or 0, bitrate_bps or 0, duration_seconds)


def traffic_filters(settings: Settings) -> TrafficFilters:
    return TrafficFilters(
        datacenters=settings.analytics_datacenter_filter,
        high_volume_limit=settings.analytics_high_volume_limit,
    )


async def aggregate_downloads(
    window: Window,
    *,
    rebuild: bool = False,
    now: datetime | None = None,
    filters: TrafficFilters | None = None,
) -> AggregationResult:
    """One counting run, in one transaction; the steps below, in order. The filters are
    the settings' unless given."""
    filters = filters or traffic_filters(current_settings())
    session = db.session()
    await _keep_other_instances_out(session)
    progress = await _progress(session, window, rebuild=rebuild)
    first_new, last_id = await _new_events(session, progress)
    if first_new is None:
        await session.commit()
        return AggregationResult(0, None, 0)
    first_day = _first_day_to_recount(first_new, progress)
    events = await _events_from(first_day - timedelta(days=1), up_to_id=last_id)
    media, published = await _media_of({event.episode_id for event in events})
    counts = _count(events, media, window=window, first_day=first_day, filters=filters)
    await _replace_counts(session, first_day, counts, published)
    progress.last_event_id = last_id
    progress.updated_at = now or datetime.now(UTC)
    await session.commit()
    await storage.forget_old_salts((now or datetime.now(UTC)).date())
    return AggregationResult(len(events), first_day, sum(counts.values()))


def schedule(app: Quart, settings: Settings) -> None:
    """Counts new events every `analytics_interval_seconds` while the app serves (0: never,
    `podsite aggregate` does it); stopped before the database closes."""

    async def count_new_events() -> None:
        async with app.app_context():
            await aggregate_downloads(settings.analytics_window)

    task = PeriodicTask(
        count_new_events, name='download aggregation', interval=settings.analytics_interval_seconds
    )

    @app.while_serving
    async def counting() -> AsyncGenerator[None]:
        task.start()
        yield
        await task.stop()


async def _keep_other_instances_out(session: AsyncSession) -> None:
    """Two instances counting at once would delete and insert the same days; on SQLite
    the transaction's write lock already keeps them apart."""
    if session.get_bind().dialect.name == 'postgresql':
        lock = text('SELECT pg_advisory_xact_lock(:key)')
        await session.execute(lock, {'key': ADVISORY_LOCK_KEY})


async def _progress(session: AsyncSession, window: Window, *, rebuild: bool) -> AggregationProgress:
    """How far counting got; back to the start (and no counts) for a rebuild or a new window."""
    progress = await session.get(AggregationProgress, PROGRESS_ID, with_for_update=True)
    if progress is None:
        progress = AggregationProgress(id=PROGRESS_ID, last_event_id=0, window=window.value)
        session.add(progress)
    if rebuild or progress.window != window.value:
        await session.execute(delete(DownloadCount))
        progress.last_event_id = 0
        progress.window = window.value
    return progress


async def _new_events(
    session: AsyncSession, progress: AggregationProgress
) -> tuple[datetime | None, int]:
    """When the first event stored since the last run happened, and the last one's id."""
    first_new, last_id = (
        await session.execute(
            select(func.min(DownloadEvent.occurred_at), func.max(DownloadEvent.id)).where(
                DownloadEvent.id > progress.last_event_id
            )
        )
    ).one()
    return first_new, last_id


def _first_day_to_recount(first_new: datetime, progress: AggregationProgress) -> date:
    """The new events' first day, and the day before: a window opened then may still be
    open. A first run has no earlier counts to correct."""
    return first_new.date() - timedelta(days=0 if progress.last_event_id == 0 else 1)


async def _events_from(first_day: date, *, up_to_id: int) -> list[RawDownload]:
    """Every event from `first_day` on, in time order, each under its listener's identity."""
    rows = (
        await db.session().execute(
            select(
                DownloadEvent.occurred_at,
                DownloadEvent.episode_id,
                DownloadEvent.ip_hash,
                DownloadEvent.ip_hash_previous,
                DownloadEvent.user_agent,
                DownloadEvent.range_header,
                DownloadEvent.method,
                DownloadEvent.status,
                DownloadEvent.from_datacenter,
            )
            .where(
                DownloadEvent.occurred_at >= datetime.combine(first_day, time(), UTC),
                DownloadEvent.id <= up_to_id,
            )
            .order_by(DownloadEvent.occurred_at)
        )
    ).all()
    listener = ListenerIdentity()
    return [
        RawDownload(
            occurred_at=row.occurred_at,
            episode_id=row.episode_id,
            ip_hash=listener(row.occurred_at.date(), row.ip_hash, row.ip_hash_previous),
            user_agent=row.user_agent,
            range_header=row.range_header,
            method=row.method,
            status=row.status,
            from_datacenter=row.from_datacenter,
        )
        for row in rows
    ]


type DownloadCounts = Counter[tuple[date, int, str, str]]
"""Counted downloads by day, episode id, app and platform."""


def _count(
    events: list[RawDownload],
    media: dict[int, MediaFacts],
    *,
    window: Window,
    first_day: date,
    filters: TrafficFilters,
) -> DownloadCounts:
    """The IAB rules applied to the events; the days before `first_day` were read only for
    the windows still open on it."""
    counts: DownloadCounts = Counter()
    for download in counted_downloads(events, media, window=window, filters=filters):
        if download.day >= first_day:
            counts[(download.day, download.episode_id, *classify(download.user_agent))] += 1
    return counts


async def _replace_counts(
    session: AsyncSession, first_day: date, counts: DownloadCounts, published: dict[int, date]
) -> None:
    """Whole days replaced, so that counting twice gives the same numbers."""
    await session.execute(delete(DownloadCount).where(DownloadCount.day >= first_day))
    if not counts:
        return
    await session.execute(
        insert(DownloadCount),
        [
            {'day': day, 'episode_id': episode, 'app': app, 'platform': platform,
             'age_days': (day - published[episode]).days, 'downloads': downloads}
            for (day, episode, app, platform), downloads in counts.items()
        ],
    )  # fmt: skip


class ListenerIdentity:
    """The same listener under each day's salt: a hash seen today under yesterday's salt
    (`ip_hash_previous`) is yesterday's listener, so a 24-hour window crossing midnight
    is kept whole. Events must come in time order."""

    def __init__(self) -> None:
        self._known: dict[date, dict[str, str]] = defaultdict(dict)

    def __call__(self, day: date, ip_hash: str, ip_hash_previous: str | None) -> str:
        today = self._known[day]
        identity = today.get(ip_hash)
        if identity is None:
            yesterday = self._known.get(day - timedelta(days=1), {})
            identity = yesterday.get(ip_hash_previous or '', ip_hash)
            today[ip_hash] = identity
        return identity


async def _media_of(episode_ids: set[int]) -> tuple[dict[int, MediaFacts], dict[int, date]]:
    """What the byte rule needs of each episode, and the day each was published."""
    if not episode_ids:
        return {}, {}
    rows = (
        await db.session().execute(
            select(
                Episode.id,
                Episode.published_at,
                Episode.media_size_bytes,
                Episode.duration_seconds,
                Episode.media_header_bytes,
                Episode.media_bitrate_bps,
            ).where(Episode.id.in_(episode_ids))
        )
    ).all()
    media = {
        row.id: media_facts(
            row.media_size_bytes, row.duration_seconds, row.media_header_bytes,
            row.media_bitrate_bps,
        )
        for row in rows
    }  # fmt: skip
    return media, {row.id: row.published_at.date() for row in rows}
