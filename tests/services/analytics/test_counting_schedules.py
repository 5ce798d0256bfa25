"""Counting every few minutes gives exactly what a recount of every event gives (`podsite
aggregate --rebuild`), whatever the schedule, in each window, on the database under test:
random listeners, apps, ranges and times over several days, stored in random batches
(some late), counted on random schedules."""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from quart import Quart
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from podsite.data import (
    AggregationProgress,
    AnalyticsSalt,
    CountingCheckpoint,
    DownloadCount,
    DownloadEvent,
    Episode,
)
from podsite.schemas.analytics import PendingDownload, Window
from podsite.services.analytics import counting, storage
from podsite.services.analytics.agents import classify
from podsite.services.analytics.iab_rules import MediaFacts, RawDownload, counted_downloads
from tests.factories import add_episode

START = datetime(2026, 11, 2, tzinfo=UTC)
DAYS = 4
SIZE = 57_600_000  # the factory's episode: one hour at 128 kbit/s
HEADER = 10_000
MINUTE_OF_AUDIO = 128_000 // 8 * 60
THRESHOLD = HEADER + 128_000 // 8 * 60
HALF = THRESHOLD // 2
LISTENERS = ['203.0.113.7', '203.0.113.8', '198.51.100.20']
AGENTS = [
    'AppleCoreMedia/1.0.0.20E247 (iPhone; U; CPU OS 16_4 like Mac OS X; en_us)',
    'Spotify/8.8.12 Android/33 (SM-G991B)',
    'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
]
RANGES = [
    None,  # the whole file
    'bytes=0-',
    'bytes=0-1',  # a probe
    f'bytes=0-{HALF}',  # half a minute from the start
    f'bytes={HALF + 1}-{THRESHOLD}',  # the next half minute: play-pause-play
    'bytes=0-90000',  # a few seconds
    f'bytes={SIZE // 2}-',  # the second half of the file: a resumed play
]
type Counts = dict[tuple[date, int, str, str], int]


@dataclass(frozen=True)
class Request:
    minute: int
    """Minutes after START."""
    delay: int
    """Minutes between the request and its storing: batches of several instances, retries."""
    listener: str
    agent: str
    episode: int
    """0 or 1: which of the two episodes."""
    range_header: str | None
    status: int
    method: str

    @property
    def occurred_at(self) -> datetime:
        return START + timedelta(minutes=self.minute)

    @property
    def stored_at(self) -> datetime:
        return self.occurred_at + timedelta(minutes=self.delay)


requests = st.builds(
    Request,
    minute=st.integers(0, DAYS * 24 * 60 - 1) | st.sampled_from([23 * 60 + 59, 24 * 60, 48 * 60]),
    delay=st.sampled_from([0, 0, 0, 1, 30, 200]),
    listener=st.sampled_from(LISTENERS),
    agent=st.sampled_from(AGENTS),
    episode=st.sampled_from([0, 1]),
    range_header=st.sampled_from(RANGES),
    status=st.sampled_from([302, 302, 206, 200, 304]),
    method=st.sampled_from(['GET', 'GET', 'GET', 'HEAD']),
)
schedules = st.lists(st.integers(0, DAYS * 24 * 60 + 300), max_size=8).map(sorted)
"""When counting runs, in minutes after START."""


@pytest.fixture
async def episodes(session: AsyncSession) -> list[int]:
    """Two probed episodes (10 kB of ID3 tag, 128 kbit/s), by id."""
    ids = [(await add_episode(session, slug=slug)).id for slug in ('first', 'second')]
    await session.execute(
        update(Episode).where(Episode.id.in_(ids)).values(
            media_first_minute_bytes=HEADER + MINUTE_OF_AUDIO)
    )  # fmt: skip
    await session.commit()
    return ids


async def forget_every_event(app: Quart) -> None:
    """Each example starts from no events, counts, checkpoints or salts."""
    async with app.app_context():
        session = counting.db.session()
        for table in (CountingCheckpoint, DownloadCount, AggregationProgress, DownloadEvent,
                      AnalyticsSalt):  # fmt: skip
            await session.execute(delete(table))
        await session.commit()


async def stored_counts(app: Quart) -> Counts:
    async with app.app_context():
        rows = await counting.db.session().execute(
            select(DownloadCount.day, DownloadCount.episode_id, DownloadCount.app,
                   DownloadCount.platform, DownloadCount.downloads)
        )  # fmt: skip
        return {(row.day, row.episode_id, row.app, row.platform): row.downloads for row in rows}


async def count(app: Quart, window: Window, at: datetime, *, rebuild: bool = False) -> None:
    async with app.app_context():
        await counting.aggregate_downloads(window, rebuild=rebuild, now=at)


def pending(request: Request, episodes: list[int]) -> PendingDownload:
    return PendingDownload(
        occurred_at=request.occurred_at, episode_id=episodes[request.episode],
        client_ip=request.listener, user_agent=request.agent,
        range_header=request.range_header, bytes_served=None, method=request.method,
        status=request.status,
    )  # fmt: skip


def counted_from_the_rules(stream: list[Request], episodes: list[int], window: Window) -> Counts:
    """The rules alone, on the addresses themselves rather than daily hashes."""
    facts = MediaFacts(SIZE, HEADER + MINUTE_OF_AUDIO)
    events = [
        RawDownload(
            occurred_at=request.occurred_at, episode_id=episodes[request.episode],
            ip_hash=request.listener, user_agent=request.agent,
            range_header=request.range_header, method=request.method, status=request.status,
        )
        for request in stream
    ]  # fmt: skip
    counts: Counter[tuple[date, int, str, str]] = Counter()
    for download in counted_downloads(events, dict.fromkeys(episodes, facts), window=window):
        counts[(download.day, download.episode_id, *classify(download.user_agent))] += 1
    return dict(counts)


@pytest.mark.parametrize('window', list(Window))
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(stream=st.lists(requests, max_size=40), schedule=schedules, clock_ahead=st.booleans())
async def test_counting_on_any_schedule_gives_what_a_rebuild_gives(
    app: Quart,
    episodes: list[int],
    window: Window,
    stream: list[Request],
    schedule: list[int],
    clock_ahead: bool,
) -> None:
    """`clock_ahead` runs each count with the clock ten days on, so that only the last
    checkpoint is kept and an event stored late is counted by recounting from the first."""
    await forget_every_event(app)
    ahead = timedelta(days=10 if clock_ahead else 0)
    waiting = sorted(stream, key=lambda request: (request.stored_at, request.minute))
    # Salts are forgotten the day after next: an event stored later than that is matched
    # across midnight by a new salt, not by its address as the rules alone match it.
    salts_kept = not clock_ahead
    last_run: date | None = None
    for minute in [*schedule, DAYS * 24 * 60 + 300]:
        run_at = START + timedelta(minutes=minute)
        batch = [request for request in waiting if request.stored_at <= run_at]
        waiting = waiting[len(batch) :]
        if batch:
            if last_run and any(last_run > request.occurred_at.date() for request in batch):
                salts_kept = False
            async with app.app_context():
                await storage.store_downloads([pending(request, episodes) for request in batch])
        await count(app, window, run_at + ahead)
        last_run = run_at.date()
    assert not waiting
    incremental = await stored_counts(app)

    await count(app, window, START + timedelta(days=DAYS + 1), rebuild=True)

    assert incremental == await stored_counts(app)
    if salts_kept:
        assert incremental == counted_from_the_rules(stream, episodes, window)
