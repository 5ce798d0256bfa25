"""Turns raw download events into counted downloads (IAB v2.3), incrementally.

Every rule of `iab_rules` looks back less than 24 hours from a request, but a listener's
state (a last-touch window kept open by a request every 20 hours, requests waiting to
reach the threshold) can go back further than any fixed number of days. So each run keeps
a checkpoint at every midnight: each listener's state that a later request could still
depend on. A run starts from the checkpoint of the midnight before the first event stored
since the last run (events may be stored late), replays every event from there, and
replaces the counts of those days and the checkpoints after it: the same counts a recount
of every event from the first one gives, on any schedule. Checkpoints are kept for
`CHECKPOINT_DAYS`; an event stored later than that makes the run recount from the first
event, slower but still exact.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from podsite.data import (
    AggregationProgress,
    CountingCheckpoint,
    DownloadCount,
    DownloadEvent,
    Episode,
)
from podsite.infrastructure import db
from podsite.schemas.analytics import Window
from podsite.services.analytics import storage
from podsite.services.analytics.agents import classify
from podsite.services.analytics.iab_rules import (
    DownloadCounter,
    ListenerState,
    MediaFacts,
    RawDownload,
    TrafficFilters,
    filtered_day,
)
from podsite.settings import Settings, current_settings

PROGRESS_ID = 1
# Any constant works: it names the lock every instance takes on PostgreSQL.
ADVISORY_LOCK_KEY = 0x706F6473
CHECKPOINT_DAYS = 8
"""How far back an event can be stored late and still be counted from a checkpoint."""
READ_BATCH = 5000


@dataclass(frozen=True)
class AggregationResult:
    events_read: int
    first_day: date | None
    """The first day recomputed; None when there was nothing new."""
    downloads: int
    """Counted downloads on the recomputed days."""


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
    the settings' unless given. Every serving instance runs one every
    `analytics_interval_seconds`, and `podsite aggregate` one on demand."""
    filters = filters or traffic_filters(current_settings())
    today = (now or datetime.now(UTC)).date()
    session = db.session()
    await _keep_other_instances_out(session)
    progress = await _progress(session, window, rebuild=rebuild)
    first_new, last_id = await _new_events(session, progress)
    if first_new is None:
        await session.commit()
        return AggregationResult(0, None, 0)
    start = _checkpoint_to_start_from(first_new.date(), progress)
    media, published = await _media()
    replay = Replay(window, media, filters, keep_from=today - timedelta(days=CHECKPOINT_DAYS))
    if start is not None:
        replay.restore(start, await _checkpoint(session, start))
    events_read = await replay.run(session, start, up_to_id=last_id)
    first_day = start or replay.first_day or first_new.date()
    await _replace_counts(session, first_day if start else None, replay.counts, published)
    await _replace_checkpoints(session, progress, first_day, replay, recount=start is None)
    progress.last_event_id = last_id
    progress.updated_at = now or datetime.now(UTC)
    await session.commit()
    await storage.forget_old_salts(today)
    return AggregationResult(events_read, first_day, sum(replay.counts.values()))


async def _keep_other_instances_out(session: AsyncSession) -> None:
    """Two instances counting at once would delete and insert the same days; on SQLite
    the transaction's write lock already keeps them apart."""
    if session.get_bind().dialect.name == 'postgresql':
        lock = text('SELECT pg_advisory_xact_lock(:key)')
        await session.execute(lock, {'key': ADVISORY_LOCK_KEY})


async def _progress(session: AsyncSession, window: Window, *, rebuild: bool) -> AggregationProgress:
    """How far counting got; back to the start (no counts, no checkpoints) for a rebuild or
    a new window."""
    progress = await session.get(AggregationProgress, PROGRESS_ID, with_for_update=True)
    if progress is None:
        progress = AggregationProgress(id=PROGRESS_ID, last_event_id=0, window=window.value)
        session.add(progress)
    if rebuild or progress.window != window.value:
        await session.execute(delete(DownloadCount))
        await session.execute(delete(CountingCheckpoint))
        progress.last_event_id = 0
        progress.window = window.value
        progress.checkpoints_from = progress.checkpoints_until = None
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


def _checkpoint_to_start_from(first_new: date, progress: AggregationProgress) -> date | None:
    """The last kept midnight on or before the first new event's day; None: recount from
    the first event (no checkpoint yet, or the event is older than every one kept). After
    the last checkpoint, states only expire until the next event, so it serves any later day."""
    if progress.checkpoints_from is None or progress.checkpoints_until is None:
        return None
    if first_new < progress.checkpoints_from:
        return None
    return min(first_new, progress.checkpoints_until)


type DownloadCounts = Counter[tuple[date, int, str, str]]
"""Counted downloads by day, episode id, app and platform."""

type Checkpoint = list[tuple[str, str, int, dict[str, Any]]]
"""Listener hash (under the previous day's salt), user agent, episode id, state."""


class Replay:
    """The events from a midnight on, through the IAB rules, in time order: the counts,
    and a checkpoint at every midnight crossed from `keep_from` on."""

    def __init__(
        self,
        window: Window,
        media: dict[int, MediaFacts],
        filters: TrafficFilters,
        *,
        keep_from: date,
    ):
        self.counter = DownloadCounter(window)
        self.media = media
        self.filters = filters
        self.keep_from = keep_from
        self.identity = ListenerIdentity()
        self.counts: DownloadCounts = Counter()
        self.checkpoints: dict[date, Checkpoint] = {}
        """From `keep_from` on, and always the last midnight crossed."""
        self.first_day: date | None = None
        """The day of the first event read."""
        self.day: date | None = None

    def restore(self, day: date, checkpoint: Checkpoint) -> None:
        """Goes on from the states at 00:00 of `day`."""
        self.day = day
        for listener, user_agent, episode_id, state in checkpoint:
            self.identity.remember(day - timedelta(days=1), listener)
            self.counter.states[(listener, user_agent, episode_id)] = state_from_json(state)

    async def run(self, session: AsyncSession, start: date | None, *, up_to_id: int) -> int:
        """Feeds every event from 00:00 of `start` (None: the first one) with an id up to
        `up_to_id`, in time order; the number of events read."""
        query = (
            select(
                DownloadEvent.occurred_at, DownloadEvent.episode_id, DownloadEvent.ip_hash,
                DownloadEvent.ip_hash_previous, DownloadEvent.user_agent,
                DownloadEvent.range_header, DownloadEvent.method, DownloadEvent.status,
                DownloadEvent.from_datacenter, DownloadEvent.served_from,
                DownloadEvent.bytes_served,
            )
            .where(DownloadEvent.id <= up_to_id)
            .order_by(DownloadEvent.occurred_at, DownloadEvent.id)
            .execution_options(yield_per=READ_BATCH)
        )  # fmt: skip
        if start is not None:
            query = query.where(DownloadEvent.occurred_at >= datetime.combine(start, time(), UTC))
        events_read = 0
        # A day's requests are fed together: whether an address is high-volume depends on
        # its whole day.
        day_events: list[RawDownload] = []
        async for row in await session.stream(query):
            events_read += 1
            day = row.occurred_at.date()
            if day_events and day_events[0].occurred_at.date() != day:
                self._feed_day(day_events)
                day_events = []
            if self.day is None:
                self.day = day
            if self.first_day is None:
                self.first_day = day
            while self.day < day:
                self.day += timedelta(days=1)
                self._checkpoint(self.day)
            day_events.append(
                RawDownload(
                    occurred_at=row.occurred_at,
                    episode_id=row.episode_id,
                    ip_hash=self.identity(day, row.ip_hash, row.ip_hash_previous),
                    user_agent=row.user_agent,
                    range_header=row.range_header,
                    method=row.method,
                    status=row.status,
                    from_datacenter=row.from_datacenter,
                    served=_served(row.served_from, row.bytes_served),
                )
            )
        if day_events:
            self._feed_day(day_events)
        return events_read

    def _feed_day(self, events: list[RawDownload]) -> None:
        for event in filtered_day(events, self.media, self.filters):
            download = self.counter.observe(event, self.media[event.episode_id])
            if download is not None:
                self.counts[
                    (download.day, download.episode_id, *classify(download.user_agent))
                ] += 1

    def _checkpoint(self, day: date) -> None:
        """At 00:00 of `day`: drops the states no later request depends on, keeps the rest
        under the listener's hash of the day before (every one of them had a request then)."""
        midnight = datetime.combine(day, time(), UTC)
        states = self.counter.states
        for key in [key for key, state in states.items() if not state.matters_after(midnight)]:
            del states[key]
        hashes = self.identity.hashes_of(day - timedelta(days=1))
        self.identity.forget_before(day - timedelta(days=1))
        self.checkpoints = {
            kept: checkpoint
            for kept, checkpoint in self.checkpoints.items()
            if kept >= self.keep_from
        }
        self.checkpoints[day] = [
            (hashes[listener], user_agent, episode_id, state_to_json(state))
            for (listener, user_agent, episode_id), state in states.items()
        ]


def state_to_json(state: ListenerState) -> dict[str, Any]:
    def when(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment else None

    return {
        'pending': [
            [at.isoformat(), [list(span) for span in spans]] for at, spans in state.pending
        ],
        'opened_at': when(state.opened_at),
        'last_at': when(state.last_at),
        'fetched': [list(span) for span in state.fetched],
    }


def state_from_json(data: dict[str, Any]) -> ListenerState:
    def when(text: str | None) -> datetime | None:
        return datetime.fromisoformat(text) if text else None

    return ListenerState(
        pending=[
            (datetime.fromisoformat(at), [(start, stop) for start, stop in spans])
            for at, spans in data['pending']
        ],
        opened_at=when(data['opened_at']),
        last_at=when(data['last_at']),
        fetched=[(start, stop) for start, stop in data['fetched']],
    )


async def _checkpoint(session: AsyncSession, day: date) -> Checkpoint:
    rows = await session.execute(
        select(
            CountingCheckpoint.listener, CountingCheckpoint.user_agent,
            CountingCheckpoint.episode_id, CountingCheckpoint.state,
        ).where(CountingCheckpoint.day == day)
    )  # fmt: skip
    return [(row.listener, row.user_agent, row.episode_id, row.state) for row in rows]


async def _replace_counts(
    session: AsyncSession,
    first_day: date | None,
    counts: DownloadCounts,
    published: dict[int, date],
) -> None:
    """Whole days replaced (from `first_day` on; None: all), so that counting twice gives
    the same numbers."""
    replaced = delete(DownloadCount)
    if first_day is not None:
        replaced = replaced.where(DownloadCount.day >= first_day)
    await session.execute(replaced)
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


async def _replace_checkpoints(
    session: AsyncSession,
    progress: AggregationProgress,
    start: date,
    replay: Replay,
    *,
    recount: bool,
) -> None:
    """The checkpoints after `start` replaced by the replay's, and `progress` told which
    midnights have one. A recount's first midnight has one without rows: nothing came
    before it. Those before `replay.keep_from` go, except the last (the next run may start
    from it)."""
    stale = delete(CountingCheckpoint)
    if not recount:
        stale = stale.where(CountingCheckpoint.day > start)
    await session.execute(stale)
    new_days = sorted(replay.checkpoints)
    until = new_days[-1] if new_days else start
    if new_days and new_days[0] != start + timedelta(days=1):
        first = new_days[0]  # the replay kept only the last of those it crossed
    else:
        first = start if recount else (progress.checkpoints_from or start)
    first = max(first, min(replay.keep_from, until))
    await session.execute(delete(CountingCheckpoint).where(CountingCheckpoint.day < first))
    rows = [
        {'day': day, 'listener': listener, 'user_agent': user_agent, 'episode_id': episode_id,
         'state': state}
        for day, checkpoint in replay.checkpoints.items() if day >= first
        for listener, user_agent, episode_id, state in checkpoint
    ]  # fmt: skip
    if rows:
        await session.execute(insert(CountingCheckpoint), rows)
    progress.checkpoints_from, progress.checkpoints_until = first, until


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

    def remember(self, day: date, ip_hash: str) -> None:
        """A listener known from a checkpoint, by its hash of `day`."""
        self._known[day].setdefault(ip_hash, ip_hash)

    def hashes_of(self, day: date) -> dict[str, str]:
        """Each listener seen on `day`, by identity: its hash of that day."""
        return {identity: ip_hash for ip_hash, identity in self._known.get(day, {}).items()}

    def forget_before(self, day: date) -> None:
        for known in [known for known in self._known if known < day]:
            del self._known[known]


def _served(served_from: int | None, bytes_served: int | None) -> tuple[int, int] | None:
    """The span podsite sent; None for a redirect, and for events stored before podsite
    kept where its bytes started (their `bytes_served` was the planned length). A transfer
    whose worker was killed before it ended keeps the nothing it had sent when it started:
    what it received is not known, so it counts for nothing."""
    if served_from is None or bytes_served is None:
        return None
    return (served_from, served_from + bytes_served)


async def _media() -> tuple[dict[int, MediaFacts], dict[int, date]]:
    """What the byte rule needs of each episode, and the day each was published."""
    rows = (
        await db.session().execute(
            select(
                Episode.id,
                Episode.published_at,
                Episode.media_size_bytes,
                Episode.media_first_minute_bytes,
            )
        )
    ).all()
    media = {row.id: MediaFacts(row.media_size_bytes, row.media_first_minute_bytes) for row in rows}
    return media, {row.id: row.published_at.date() for row in rows}
