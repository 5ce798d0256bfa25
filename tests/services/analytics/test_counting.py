"""Counted downloads from stored events: the IAB rules applied to what the site recorded,
incrementally, on both databases."""

from datetime import UTC, date, datetime, timedelta

import pytest
from quart import Quart
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from podsite.app import create_app
from podsite.data import AnalyticsSalt, DownloadCount, DownloadEvent, Episode
from podsite.schemas.analytics import PendingDownload, Window
from podsite.services.analytics import counting, storage
from tests.clock import MovableClock
from tests.databases import settings_for
from tests.factories import add_episode

IPHONE = 'AppleCoreMedia/1.0.0.20E247 (iPhone; U; CPU OS 16_4 like Mac OS X; en_us)'
SPOTIFY = 'Spotify/8.8.12 Android/33 (SM-G991B)'
BOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)'
SIZE = 57_600_000
HEADER = 10_000
MINUTE_OF_AUDIO = 128_000 // 8 * 60  # 960,000 bytes at 128 kbit/s
THRESHOLD = HEADER + MINUTE_OF_AUDIO
DAY = datetime(2026, 11, 2, tzinfo=UTC)


@pytest.fixture
async def episode(session: AsyncSession) -> int:
    """A probed episode (10 kB of ID3 tag, 128 kbit/s), by id."""
    episode = await add_episode(session, slug='counted')
    await session.execute(
        update(Episode).where(Episode.id == episode.id).values(media_first_minute_bytes=THRESHOLD)
    )
    await session.commit()
    return episode.id


def download(
    episode: int,
    at: datetime,
    *,
    ip: str = '203.0.113.7',
    agent: str = IPHONE,
    range_header: str | None = None,
    method: str = 'GET',
    status: int = 302,
) -> PendingDownload:
    return PendingDownload(
        occurred_at=at, episode_id=episode, client_ip=ip, user_agent=agent,
        range_header=range_header, bytes_served=None, method=method, status=status,
    )  # fmt: skip


async def store(app: Quart, *events: PendingDownload) -> None:
    async with app.app_context():
        await storage.store_downloads(list(events))


async def aggregate(
    app: Quart, window: Window = Window.ROLLING_FIRST_TOUCH, *, rebuild: bool = False
) -> counting.AggregationResult:
    async with app.app_context():
        return await counting.aggregate_downloads(
            window, rebuild=rebuild, now=DAY + timedelta(days=3)
        )


async def counts(session: AsyncSession) -> dict[tuple[date, str, str], int]:
    session.expire_all()
    rows = await session.execute(
        select(DownloadCount.day, DownloadCount.app, DownloadCount.platform,
               DownloadCount.downloads)
    )  # fmt: skip
    return {(row.day, row.app, row.platform): row.downloads for row in rows}


async def test_listeners_are_counted_once_by_app_and_filtered_requests_never(
    app: Quart, session: AsyncSession, episode: int
) -> None:
    at = DAY + timedelta(hours=9)
    await store(
        app,
        download(episode, at),  # whole file, by redirect
        download(episode, at + timedelta(minutes=5)),  # same listener, same window
        download(episode, at, ip='198.51.100.1', agent=SPOTIFY),
        download(episode, at, ip='198.51.100.2', agent=BOT),
        download(episode, at, ip='198.51.100.3', range_header='bytes=0-1'),
        download(episode, at, ip='198.51.100.4', method='HEAD'),
        download(episode, at, ip='198.51.100.5', status=304),
        download(episode, at, ip='198.51.100.6', range_header=f'bytes=0-{THRESHOLD - 2}'),
    )

    result = await aggregate(app)

    assert result.downloads == 2
    assert await counts(session) == {
        (DAY.date(), 'AppleCoreMedia', 'Apple iPhone'): 1,
        (DAY.date(), 'Spotify', 'Android Phone'): 1,
    }


async def test_ranges_add_up_to_the_threshold_once_overlaps_are_merged(
    app: Quart, session: AsyncSession, episode: int
) -> None:
    at = DAY + timedelta(hours=9)
    half = THRESHOLD // 2
    await store(
        app,
        # Overlapping halves fall short by the overlap...
        download(episode, at, ip='192.0.2.1', range_header=f'bytes=0-{half}'),
        download(episode, at, ip='192.0.2.1', range_header=f'bytes=1000-{half + 1000}'),
        # ...adjoining ones reach it.
        download(episode, at, ip='192.0.2.2', range_header=f'bytes=0-{half}'),
        download(episode, at, ip='192.0.2.2', range_header=f'bytes={half + 1}-{THRESHOLD}'),
    )

    assert (await aggregate(app)).downloads == 1


async def test_a_play_pause_play_across_midnight_is_one_download_on_the_day_it_counted(
    app: Quart, session: AsyncSession, episode: int
) -> None:
    """5.5.4 scenario 2: "if a podcast consumer plays the first half of an episode ...
    clicks pause, and then resumes an hour later, that counts as one unique download", in
    every window, though the salt of the address hash changed at midnight."""
    half = THRESHOLD // 2
    before_midnight = DAY + timedelta(hours=23, minutes=30)
    await store(
        app,
        download(episode, before_midnight, range_header=f'bytes=0-{half}'),
        download(
            episode, before_midnight + timedelta(hours=1), range_header=f'bytes={half}-{THRESHOLD}'
        ),
    )
    next_day = DAY.date() + timedelta(days=1)

    for window in Window:
        result = await aggregate(app, window)
        assert result.downloads == 1, window
        assert await counts(session) == {(next_day, 'AppleCoreMedia', 'Apple iPhone'): 1}


async def test_aggregating_again_changes_nothing_and_increments_match_a_rebuild(
    app: Quart, session: AsyncSession, episode: int
) -> None:
    listeners = [f'203.0.113.{n}' for n in range(1, 30)]
    for day in range(4):
        for hour in (1, 13, 23):
            at = DAY + timedelta(days=day, hours=hour)
            for index, ip in enumerate(listeners):
                if (index + hour + day) % 3 == 0:
                    partial = f'bytes=0-{THRESHOLD // 2}' if index % 2 else None
                    await store(app, download(episode, at, ip=ip, range_header=partial))
        await aggregate(app)
        first = await counts(session)
        assert (await aggregate(app)).first_day is None
        assert await counts(session) == first

    incremental = await counts(session)
    await aggregate(app, rebuild=True)

    assert await counts(session) == incremental
    assert sum(incremental.values()) > 0


async def test_salts_older_than_yesterday_are_forgotten(
    app: Quart, session: AsyncSession, episode: int
) -> None:
    await store(app, download(episode, DAY), download(episode, DAY + timedelta(days=2)))

    await aggregate(app)  # "now" is three days after DAY

    days = set(await session.scalars(select(AnalyticsSalt.day)))
    assert days == {DAY.date() + timedelta(days=2)}


async def test_an_unprobed_file_counts_only_when_fetched_whole(
    app: Quart, session: AsyncSession
) -> None:
    """IAB v2.3, 5.5 "Minimum one-minute duration": where the first minute ends is not
    known, so the file's size over its duration is no stand-in for it."""
    unprobed = await add_episode(session, slug='unprobed')  # 57.6 MB, one hour: 128 kbit/s
    episode = unprobed.id
    enough = 'bytes=0-'
    short = f'bytes=0-{SIZE - 2}'
    await store(
        app,
        download(episode, DAY, ip='192.0.2.10', range_header=enough),
        download(episode, DAY, ip='192.0.2.11', range_header=short),
    )

    assert (await aggregate(app)).downloads == 1
    assert await session.scalar(select(func.sum(DownloadCount.downloads))) == 1


AWS = '52.95.110.1'  # Amazon's, in the shipped data-centre list
AWS_V6 = '2a05:d018::1'


async def test_downloads_from_data_centres_are_marked_when_stored_and_left_out(
    app: Quart, session: AsyncSession, episode: int
) -> None:
    """IAB v2.3, 5.5.2, step 1.2, item 2: data centres and VPNs are not podcast consumers."""
    at = DAY + timedelta(hours=9)
    await store(
        app,
        download(episode, at, ip=AWS),
        download(episode, at, ip=f'::ffff:{AWS}'),
        download(episode, at, ip=AWS_V6),
        download(episode, at, ip='198.51.100.1'),
    )
    marked = await session.scalars(select(DownloadEvent.from_datacenter).order_by(DownloadEvent.id))
    assert list(marked) == [True, True, True, False]

    assert (await aggregate(app)).downloads == 1
    assert await counts(session) == {(DAY.date(), 'AppleCoreMedia', 'Apple iPhone'): 1}


async def test_filters_switched_off_in_the_settings_count_everything(
    database_url: str, clock: MovableClock, session: AsyncSession, episode: int
) -> None:
    settings = settings_for(
        database_url, analytics_datacenter_filter=False, analytics_high_volume_limit=0
    )
    at = DAY + timedelta(hours=9)
    app = create_app(settings, clock=clock)
    async with app.test_app():
        await store(
            app,
            download(episode, at, ip=AWS),
            *(
                download(episode, at, ip='198.51.100.9', agent=f'App{n}/1.0 (iPhone)')
                for n in range(60)
            ),
        )
        assert (await aggregate(app)).downloads == 61


async def test_an_address_with_150_agents_in_an_hour_counts_nothing(
    app: Quart, session: AsyncSession, episode: int
) -> None:
    """IAB v2.3, 5.5.2, step 1.2, item 1: addresses with "a large number of downloads"."""
    at = DAY + timedelta(hours=9)
    await store(
        app,
        *(
            download(
                episode,
                at + timedelta(seconds=20 * n),
                ip='198.51.100.9',
                agent=f'Podcatcher{n}/1.0 (iPhone; iOS 17.4)',
            )
            for n in range(150)
        ),
        download(episode, at, ip='198.51.100.10'),
    )
    assert (await aggregate(app)).downloads == 1
    # Counting again from the start finds the same.
    assert (await aggregate(app, rebuild=True)).downloads == 1


def transfer(
    episode: int, at: datetime, *, key: str, ip: str, sent: int | None = None, first: int = 0
) -> PendingDownload:
    """A file podsite serves from byte `first`: as it starts (`sent` None), or as it ends
    with `sent` bytes."""
    started = download(episode, at, ip=ip, status=200 if first == 0 else 206).model_copy(
        update={'served_from': 0, 'bytes_served': 0, 'transfer': key}
    )
    if sent is None:
        return started
    return started.model_copy(
        update={'served_from': first, 'bytes_served': sent, 'ended_early': first + sent < SIZE}
    )


async def test_a_transfer_is_stored_once_and_counted_when_its_end_comes_in_a_later_batch(
    app: Quart, session: AsyncSession, episode: int
) -> None:
    """IAB v2.3, 5.3 "Byte-range requests": a transfer counts for the bytes sent, known when
    it ends; its start, stored first, is completed rather than doubled."""
    at = DAY + timedelta(hours=9)
    await store(
        app,
        transfer(episode, at, key='a' * 32, ip='192.0.2.1'),
        transfer(episode, at, key='a' * 32, ip='192.0.2.1', sent=THRESHOLD),
    )
    await store(app, transfer(episode, at, key='b' * 32, ip='192.0.2.2'))
    await store(app, transfer(episode, at, key='b' * 32, ip='192.0.2.2', sent=65_536))
    # A resumed download: from byte 65,536 on, its start and end in two batches, with a
    # counting run between them that saw the start alone.
    resumed = at + timedelta(minutes=5)
    await store(app, transfer(episode, resumed, key='c' * 32, ip='192.0.2.2', first=65_536))
    assert (await aggregate(app)).downloads == 1
    await store(
        app,
        transfer(episode, resumed, key='c' * 32, ip='192.0.2.2', first=65_536, sent=THRESHOLD),
    )

    rows = (
        await session.execute(
            select(
                DownloadEvent.transfer,
                DownloadEvent.served_from,
                DownloadEvent.bytes_served,
                DownloadEvent.ended_early,
            ).order_by(DownloadEvent.id)
        )
    ).all()
    assert [tuple(row) for row in rows] == [
        ('a' * 32, 0, THRESHOLD, True),
        ('b' * 32, 0, 65_536, True),
        ('c' * 32, 65_536, THRESHOLD, True),
    ]
    # 64 KB is not a minute; with the rest of it five minutes later, it is.
    assert (await aggregate(app)).downloads == 2
    assert await session.scalar(select(func.sum(DownloadCount.downloads))) == 2
