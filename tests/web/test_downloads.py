"""Counted downloads: redirect or local file with Range support, every request recorded."""

import hashlib
import shutil
import socket
from pathlib import Path

import pytest
from quart import Quart, Response, send_file
from quart.typing import TestClientProtocol as Client
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from podsite.app import create_app
from podsite.data import AnalyticsSalt, DownloadCount, DownloadEvent, Episode
from podsite.infrastructure.event_recorder import recorder_of
from podsite.schemas.analytics import Window
from podsite.services.analytics import counting
from podsite.services.analytics.storage import hash_address, listener_address
from podsite.services.publishing import media_service
from tests.audio import Mp3
from tests.databases import settings_for
from tests.factories import add_episode, first_published_episode, silent_mp3
from tests.servers import serve_podsite, served_podsite

AUDIO = bytes(range(256)) * 40  # 10,240 bytes


async def stored_events(database_url: str) -> list[DownloadEvent]:
    engine = create_async_engine(database_url)
    try:
        async with AsyncSession(engine) as session:
            return list(
                (await session.scalars(select(DownloadEvent).order_by(DownloadEvent.id))).all()
            )
    finally:
        await engine.dispose()


async def flush(app: Quart) -> None:
    await recorder_of(app).downloads.flush()


async def test_download_redirects_to_the_media_and_is_recorded(
    app: Quart, client: Client, session: AsyncSession, database_url: str
) -> None:
    episode = await first_published_episode(session)
    path = f'/episodes/download/{episode.number}/{episode.slug}.mp3'
    headers = {'User-Agent': 'AppleCoreMedia/1.0', 'Range': 'bytes=0-1'}
    response = await client.get(path, headers=headers)
    assert response.status_code == 302
    assert response.headers['Location'] == episode.media_url
    head = await client.head(path)
    assert head.status_code == 302
    stale_slug = await client.get(f'/episodes/download/{episode.number}/old-title.mp3')
    assert stale_slug.status_code == 302
    await flush(app)
    events = await stored_events(database_url)
    assert [(e.method, e.status, e.range_header) for e in events] == [
        ('GET', 302, 'bytes=0-1'),
        ('HEAD', 302, None),
        ('GET', 302, None),
    ]
    assert events[0].user_agent == 'AppleCoreMedia/1.0'
    assert all(e.episode_id == episode.id and len(e.ip_hash) == 64 for e in events)
    assert all('127.0.0.1' not in e.ip_hash for e in events)


@pytest.mark.parametrize(
    'path', ['/episodes/download/99999/x.mp3', '/episodes/download/abc/x.mp3',
             '/episodes/download/99999999999999999999/x.mp3']
)  # fmt: skip
async def test_unknown_episodes_are_404_and_not_recorded(
    app: Quart, client: Client, database_url: str, path: str
) -> None:
    assert (await client.get(path)).status_code == 404
    await flush(app)
    assert await stored_events(database_url) == []


async def test_draft_episodes_cannot_be_downloaded(client: Client, session: AsyncSession) -> None:
    draft = await add_episode(session, slug='draft', published=False)
    assert (await client.get(f'/episodes/download/{draft.number}/draft.mp3')).status_code == 404


async def test_no_event_is_lost_across_a_clean_restart(
    database_url: str, session: AsyncSession
) -> None:
    episode = await first_published_episode(session)
    path = f'/episodes/download/{episode.number}/{episode.slug}.mp3'
    app = create_app(settings_for(database_url))
    async with app.test_app():
        client = app.test_client()
        for _ in range(25):
            await client.get(path)
    # Shutdown wrote them: a new app on the same database sees all 25.
    assert len(await stored_events(database_url)) == 25


@pytest.fixture
async def local_episode(session: AsyncSession, media_folder: Path) -> Episode:
    episode = await add_episode(session, slug='local-audio')
    (media_folder / f'{episode.number}.mp3').write_bytes(AUDIO)
    await session.execute(
        update(Episode).where(Episode.id == episode.id).values(media_size_bytes=len(AUDIO))
    )
    await session.commit()
    return episode


async def test_local_media_is_served_whole_with_ranges_advertised(
    media_app: Quart, local_episode: Episode
) -> None:
    client = media_app.test_client()
    path = f'/episodes/download/{local_episode.number}/local-audio.mp3'
    response = await client.get(path)
    assert response.status_code == 200
    assert await response.get_data() == AUDIO
    assert response.headers['Accept-Ranges'] == 'bytes'
    assert response.headers['Content-Length'] == str(len(AUDIO))
    assert response.headers['Content-Type'] == 'audio/mpeg'
    head = await client.head(path)
    assert head.status_code == 200
    assert head.headers['Content-Length'] == str(len(AUDIO))


@pytest.mark.parametrize(
    ('range_header', 'start', 'end'),
    [('bytes=0-1', 0, 1), ('bytes=100-', 100, len(AUDIO) - 1), ('bytes=-500', len(AUDIO) - 500,
     len(AUDIO) - 1), ('bytes=1000-99999999', 1000, len(AUDIO) - 1),
     ('bytes=-99999', 0, len(AUDIO) - 1)],  # a suffix longer than the file is all of it
)  # fmt: skip
async def test_range_requests_get_206_with_exactly_those_bytes(
    media_app: Quart, local_episode: Episode, range_header: str, start: int, end: int
) -> None:
    client = media_app.test_client()
    response = await client.get(
        f'/episodes/download/{local_episode.number}/local-audio.mp3',
        headers={'Range': range_header},
    )
    assert response.status_code == 206
    assert await response.get_data() == AUDIO[start : end + 1]
    assert response.headers['Content-Range'] == f'bytes {start}-{end}/{len(AUDIO)}'


async def test_unsatisfiable_range_is_416_and_recorded(
    media_app: Quart, local_episode: Episode, database_url: str
) -> None:
    client = media_app.test_client()
    response = await client.get(
        f'/episodes/download/{local_episode.number}/local-audio.mp3',
        headers={'Range': f'bytes={len(AUDIO) + 10}-'},
    )
    assert response.status_code == 416
    assert response.headers['Content-Range'] == f'bytes */{len(AUDIO)}'
    await flush(media_app)
    (event,) = await stored_events(database_url)
    assert (event.status, event.bytes_served) == (416, 0)


@pytest.mark.parametrize(
    'range_header',
    ['bytes=0-9,20-29', 'bytes=0-9,5-', 'bytes=abc', 'bytes=9-2', 'items=0-5', 'bytes=-0'],
)
async def test_several_ranges_or_a_range_not_understood_get_the_whole_file(
    media_app: Quart, local_episode: Episode, range_header: str
) -> None:
    response = await media_app.test_client().get(
        f'/episodes/download/{local_episode.number}/local-audio.mp3',
        headers={'Range': range_header},
    )
    assert response.status_code == 200
    assert await response.get_data() == AUDIO
    assert 'Content-Range' not in response.headers
    assert response.headers['Accept-Ranges'] == 'bytes'


async def test_head_with_a_range_answers_the_range_headers(
    media_app: Quart, local_episode: Episode
) -> None:
    response = await media_app.test_client().head(
        f'/episodes/download/{local_episode.number}/local-audio.mp3',
        headers={'Range': 'bytes=-500'},
    )
    assert response.status_code == 206
    assert (
        response.headers['Content-Range']
        == f'bytes {len(AUDIO) - 500}-{len(AUDIO) - 1}/{len(AUDIO)}'
    )
    assert response.headers['Content-Length'] == '500'


async def test_quarts_conditional_send_file_still_gets_suffix_and_several_ranges_wrong(
    tmp_path: Path,
) -> None:
    """Why downloads serve ranges themselves: once this fails, Quart serves these right
    and `infrastructure/file_responses.py` can hand ranges to `send_file`."""
    (tmp_path / 'a.mp3').write_bytes(AUDIO)
    app = Quart(__name__)

    @app.get('/a.mp3')
    async def audio() -> Response:
        return await send_file(tmp_path / 'a.mp3', conditional=True)

    client = app.test_client()
    suffix = await client.get('/a.mp3', headers={'Range': 'bytes=-500'})
    several = await client.get('/a.mp3', headers={'Range': 'bytes=0-9,20-29'})
    assert (suffix.status_code, several.status_code) == (500, 416)


async def test_if_range_serves_the_range_only_while_the_file_is_unchanged(
    media_app: Quart, local_episode: Episode, database_url: str
) -> None:
    client = media_app.test_client()
    path = f'/episodes/download/{local_episode.number}/local-audio.mp3'
    etag = (await client.head(path)).headers['ETag']
    same = await client.get(path, headers={'Range': 'bytes=0-9', 'If-Range': etag})
    assert same.status_code == 206
    changed = await client.get(path, headers={'Range': 'bytes=0-9', 'If-Range': '"other"'})
    assert changed.status_code == 200
    assert await changed.get_data() == AUDIO
    await flush(media_app)
    served = [(e.status, e.bytes_served) for e in await stored_events(database_url)]
    assert served == [(200, 0), (206, 10), (200, len(AUDIO))]  # a stale If-Range: all of it


async def test_if_range_with_a_date_serves_the_range_unless_the_file_changed_since(
    media_app: Quart, local_episode: Episode
) -> None:
    client = media_app.test_client()
    path = f'/episodes/download/{local_episode.number}/local-audio.mp3'
    last_modified = (await client.head(path)).headers['Last-Modified']
    same = await client.get(path, headers={'Range': 'bytes=0-9', 'If-Range': last_modified})
    assert same.status_code == 206 and await same.get_data() == AUDIO[:10]
    older = 'Mon, 01 Jan 2001 00:00:00 GMT'
    changed = await client.get(path, headers={'Range': 'bytes=0-9', 'If-Range': older})
    assert changed.status_code == 200 and await changed.get_data() == AUDIO


def test_listeners_are_identified_by_ipv4_address_or_ipv6_network() -> None:
    assert listener_address('80.22.100.101') == '80.22.100.101'
    assert listener_address('2001:db8:1:2:aaaa:bbbb:cccc:dddd') == '2001:db8:1:2::'
    assert hash_address('2001:db8:1:2::1', 'salt') == hash_address('2001:db8:1:2:ffff::9', 'salt')
    assert hash_address('80.22.100.101', 'a') != hash_address('80.22.100.101', 'b')
    assert hash_address('80.22.100.101', 's') != hashlib.sha256(b'80.22.100.101').hexdigest()


async def test_download_events_are_kept_per_episode(
    app: Quart, client: Client, session: AsyncSession, database_url: str
) -> None:
    episode = await first_published_episode(session)
    for _ in range(3):
        await client.get(f'/episodes/download/{episode.number}/{episode.slug}.mp3')
    await flush(app)
    count = await session.scalar(
        select(func.count())
        .select_from(DownloadEvent)
        .where(DownloadEvent.episode_id == episode.id)
    )
    assert count == 3


def test_an_ipv4_address_in_ipv6_form_is_its_own_listener() -> None:
    """IAB v2.3, 5.5.4 ("Working with IPv6 Addresses"): full IPv4 addresses, IPv6 by /64.
    A dual-stack socket reports IPv4 peers as `::ffff:a.b.c.d`; those are not one /64."""
    assert listener_address('::ffff:198.51.100.7') == '198.51.100.7'
    assert listener_address('::ffff:198.51.100.8') == '198.51.100.8'
    assert hash_address('::ffff:198.51.100.7', 's') == hash_address('198.51.100.7', 's')
    assert hash_address('::ffff:198.51.100.7', 's') != hash_address('::ffff:198.51.100.8', 's')


async def test_downloads_through_a_proxy_are_told_apart_by_the_address_it_forwards(
    database_url: str, session: AsyncSession
) -> None:
    """Listeners behind a trusted proxy: `X-Forwarded-For` with a port, the standard
    `Forwarded` header, and IPv4 addresses in IPv6 form are each their own listener."""
    episode = await first_published_episode(session)
    path = f'/episodes/download/{episode.number}/{episode.slug}.mp3'
    app = create_app(settings_for(database_url, trusted_proxies=['127.0.0.1/32']))
    clients = {
        '198.51.100.7': {'X-Forwarded-For': '198.51.100.7:51234'},
        '198.51.100.8': {'Forwarded': 'for="198.51.100.8:4711";proto=https'},
        '2001:db8:cafe::': {'Forwarded': 'for="[2001:db8:cafe::17]:4711"'},
        '203.0.113.9': {'X-Forwarded-For': '::ffff:203.0.113.9'},
    }
    async with app.test_app():
        client = app.test_client()
        for headers in clients.values():
            await client.get(path, headers=headers, scope_base={'client': ('127.0.0.1', 50000)})
    events = await stored_events(database_url)
    engine = create_async_engine(database_url)
    async with AsyncSession(engine) as fresh:
        salt = await fresh.scalar(
            select(AnalyticsSalt.salt).where(AnalyticsSalt.day == events[0].occurred_at.date())
        )
    await engine.dispose()
    assert salt is not None
    assert [event.ip_hash for event in events] == [hash_address(ip, salt) for ip in clients]


async def test_a_media_file_name_too_long_for_the_disk_is_fetched_from_the_media_url(
    media_app: Quart, session: AsyncSession
) -> None:
    episode = await add_episode(session, slug='long-name')
    long_url = f'https://media.podcast.test/{"x" * 300}.mp3'
    await session.execute(
        update(Episode).where(Episode.id == episode.id).values(media_url=long_url)
    )
    await session.commit()
    response = await media_app.test_client().get(
        f'/episodes/download/{episode.number}/long-name.mp3'
    )
    assert response.status_code == 302
    assert response.headers['Location'] == long_url


CHROME = (
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) '
    'Chrome/131.0.0.0 Safari/537.36'
)


async def test_a_play_in_the_sites_player_with_seeks_counts_one_download(
    media_app: Quart, session: AsyncSession, media_folder: Path
) -> None:
    """The player asks for the counted download URL with a range request per seek, as
    browsers do; one listener (address and user agent) within the window is one download,
    however many requests a play makes. Another listener's play is another."""
    audio = silent_mp3(seconds=120)
    episode = await add_episode(session, slug='played-here')
    await session.execute(
        update(Episode)
        .where(Episode.id == episode.id)
        .values(media_size_bytes=len(audio), duration_seconds=120)
    )
    await session.commit()
    (media_folder / f'{episode.number}.mp3').write_bytes(audio)
    client = media_app.test_client()
    path = f'/episodes/download/{episode.number}/played-here.mp3'
    play_with_seeks = ['bytes=0-', f'bytes={len(audio) // 2}-', 'bytes=144000-', 'bytes=0-']
    for listener in ('198.51.100.7', '198.51.100.8'):
        for range_header in play_with_seeks:
            response = await client.get(
                path,
                headers={'User-Agent': CHROME, 'Range': range_header},
                scope_base={'client': (listener, 50000)},
            )
            assert response.status_code == 206
    await flush(media_app)
    async with media_app.app_context():
        result = await counting.aggregate_downloads(Window.ROLLING_FIRST_TOUCH)
    assert result.events_read == 8
    counted = await session.scalar(
        select(func.sum(DownloadCount.downloads)).where(DownloadCount.episode_id == episode.id)
    )
    assert counted == 2


IPHONE = 'AppleCoreMedia/1.0.0.20E247 (iPhone; U; CPU OS 16_4 like Mac OS X; en_us)'


async def counted_downloads(app: Quart) -> int:
    async with app.app_context():
        result = await counting.aggregate_downloads(Window.ROLLING_FIRST_TOUCH)
    return result.downloads


async def test_a_revalidation_gets_304_without_the_file_and_is_never_counted(
    media_app: Quart, local_episode: Episode, database_url: str
) -> None:
    """IAB v2.3, 5.5.2 step 1.1: a 304 delivers no media, so it is no download."""
    client = media_app.test_client()
    path = f'/episodes/download/{local_episode.number}/local-audio.mp3'
    first = await client.get(path, headers={'User-Agent': IPHONE})
    etag, last_modified = first.headers['ETag'], first.headers['Last-Modified']

    by_tag = await client.get(path, headers={'If-None-Match': etag, 'User-Agent': IPHONE})
    by_date = await client.get(
        path, headers={'If-Modified-Since': last_modified, 'User-Agent': IPHONE}
    )
    head = await client.head(path, headers={'If-None-Match': etag, 'User-Agent': IPHONE})

    for response in (by_tag, by_date, head):
        assert response.status_code == 304
        assert await response.get_data() == b''
        assert response.headers['ETag'] == etag
        assert response.headers['Last-Modified'] == last_modified
    await flush(media_app)
    events = await stored_events(database_url)
    assert [(e.method, e.status, e.bytes_served) for e in events] == [
        ('GET', 200, len(AUDIO)), ('GET', 304, 0), ('GET', 304, 0), ('HEAD', 304, 0)
    ]  # fmt: skip
    assert await counted_downloads(media_app) == 1


async def test_if_none_match_decides_before_if_modified_since(
    media_app: Quart, local_episode: Episode
) -> None:
    """RFC 9110 §13.2.2: with If-None-Match, If-Modified-Since is not looked at."""
    client = media_app.test_client()
    path = f'/episodes/download/{local_episode.number}/local-audio.mp3'
    last_modified = (await client.head(path)).headers['Last-Modified']

    other_version = await client.get(
        path, headers={'If-None-Match': '"other"', 'If-Modified-Since': last_modified}
    )
    any_version = await client.get(path, headers={'If-None-Match': '*'})
    older_copy = await client.get(
        path, headers={'If-Modified-Since': 'Mon, 01 Jan 2001 00:00:00 GMT'}
    )
    junk_date = await client.get(path, headers={'If-Modified-Since': 'yesterday'})

    assert other_version.status_code == 200 and await other_version.get_data() == AUDIO
    assert any_version.status_code == 304
    assert older_copy.status_code == 200
    assert junk_date.status_code == 200


async def test_a_failed_if_match_or_if_unmodified_since_is_412_and_not_counted(
    media_app: Quart, local_episode: Episode, database_url: str
) -> None:
    client = media_app.test_client()
    path = f'/episodes/download/{local_episode.number}/local-audio.mp3'
    etag = (await client.head(path)).headers['ETag']

    wrong_tag = await client.get(path, headers={'If-Match': '"other"'})
    old_date = await client.get(
        path, headers={'If-Unmodified-Since': 'Mon, 01 Jan 2001 00:00:00 GMT'}
    )
    right_tag = await client.get(path, headers={'If-Match': etag, 'Range': 'bytes=0-9'})

    assert (wrong_tag.status_code, old_date.status_code) == (412, 412)
    assert right_tag.status_code == 206
    await flush(media_app)
    statuses = [e.status for e in await stored_events(database_url)]
    assert statuses == [200, 412, 412, 206]


async def test_the_bytes_sent_are_recorded_once_the_body_is_over(
    media_app: Quart, local_episode: Episode, database_url: str
) -> None:
    client = media_app.test_client()
    path = f'/episodes/download/{local_episode.number}/local-audio.mp3'
    await client.get(path)
    await client.get(path, headers={'Range': 'bytes=100-'})
    await client.get(path, headers={'Range': 'bytes=0-9,20-29'})  # answered with all of it

    await flush(media_app)
    sent = [
        (e.status, e.served_from, e.bytes_served, e.ended_early)
        for e in await stored_events(database_url)
    ]
    assert sent == [
        (200, 0, len(AUDIO), False),
        (206, 100, len(AUDIO) - 100, False),
        (200, 0, len(AUDIO), False),
    ]


BIG_FILE = 32 * 1024 * 1024
"""More than the socket buffers between a server and a client on loopback hold."""


async def test_a_client_that_hangs_up_counts_for_the_bytes_it_got(
    database_url: str, session: AsyncSession, tmp_path: Path
) -> None:
    """IAB v2.3, 5.3 "Byte-range requests" and 5.5: a client that asked for the whole file
    and read 64 KB got 64 KB, not a download. Served by Granian, read through a socket."""
    episode = await add_episode(session, slug='big')
    media = tmp_path / 'media'
    media.mkdir()
    with (media / f'{episode.number}.mp3').open('wb') as audio:
        audio.truncate(BIG_FILE)
    site = serve_podsite(database_url, tmp_path, media_dir=str(media))
    try:
        site.wait_until_serving()
        port = int(site.base.rsplit(':', 1)[1])
        with socket.create_connection(('127.0.0.1', port)) as connection:
            connection.sendall(
                f'GET /episodes/download/{episode.number}/big.mp3 HTTP/1.1\r\n'
                f'Host: 127.0.0.1:{port}\r\nUser-Agent: {IPHONE}\r\n\r\n'.encode()
            )
            received = 0
            while received < 64 * 1024:
                received += len(connection.recv(16 * 1024))
        assert site.stop() == 0  # a clean stop writes what was recorded
    finally:
        if site.process.poll() is None:
            site.stop()

    (event,) = await stored_events(database_url)
    assert event.status == 200 and event.served_from == 0
    assert event.ended_early is True
    assert event.bytes_served is not None and event.bytes_served < BIG_FILE // 2


@pytest.mark.parametrize(
    'kind', ['cbr', 'vbr', 'mpeg2', 'short', 'artwork', 'm4a', 'm4a_moov_last', 'm4a_short']
)
async def test_the_first_minute_line_decides_through_the_download_url(
    database_url: str, session: AsyncSession, tmp_path: Path, mp3s: dict[str, Mp3], kind: str
) -> None:
    """IAB v2.3, 5.5 "Minimum one-minute duration": a listener whose range stops one byte
    short of the end of the first minute (read from the file, ffprobe's reading here; the
    whole file when it is shorter) is no download; one that reaches it is."""
    mp3 = mp3s[kind]
    episode = await add_episode(session, slug='minute')
    await session.execute(
        update(Episode).where(Episode.id == episode.id).values(media_size_bytes=mp3.size)
    )
    await session.commit()
    media = tmp_path / 'media'
    media.mkdir()
    shutil.copy(mp3.path, media / f'{episode.number}.mp3')
    app = create_app(settings_for(database_url, media_dir=media))
    async with app.test_app():
        async with app.app_context():
            await media_service.probe_media(media_dir=media, fetch=False)
        client = app.test_client()
        path = f'/episodes/download/{episode.number}/minute.mp3'
        line = mp3.first_minute_bytes
        assert (line == mp3.size) == kind.endswith('short')
        short = await client.get(
            path,
            headers={'Range': f'bytes=0-{line - 2}', 'User-Agent': IPHONE},
            scope_base={'client': ('198.51.100.1', 5000)},
        )
        enough = await client.get(
            path,
            headers={'Range': f'bytes=0-{line - 1}', 'User-Agent': IPHONE},
            scope_base={'client': ('198.51.100.2', 5000)},
        )
        assert (short.status_code, enough.status_code) == (206, 206)
        await flush(app)
        assert await counted_downloads(app) == 1


async def test_a_transfer_cut_by_a_worker_killed_at_stop_is_kept_and_counts_nothing(
    database_url: str, session: AsyncSession, tmp_path: Path
) -> None:
    """A stopping worker is killed after `--stop-timeout` when a client holds a transfer
    open: the download was recorded as it started, and the next start stores it. What it
    received is not known, so it is no download."""
    episode = await add_episode(session, slug='big')
    media = tmp_path / 'media'
    media.mkdir()
    with (media / f'{episode.number}.mp3').open('wb') as audio:
        audio.truncate(BIG_FILE)
    site = serve_podsite(
        database_url, tmp_path, media_dir=str(media), options=['--stop-timeout', '1']
    )
    try:
        site.wait_until_serving()
        port = int(site.base.rsplit(':', 1)[1])
        with socket.create_connection(('127.0.0.1', port)) as connection:
            connection.sendall(
                f'GET /episodes/download/{episode.number}/big.mp3 HTTP/1.1\r\n'
                f'Host: 127.0.0.1:{port}\r\nUser-Agent: {IPHONE}\r\n\r\n'.encode()
            )
            received = 0
            while received < 64 * 1024:
                received += len(connection.recv(16 * 1024))
            site.stop()  # the client still holds the transfer open
        assert 'Killing worker-1' in site.log_text()
    finally:
        if site.process.poll() is None:
            site.stop()
    assert await stored_events(database_url) == []

    with served_podsite(database_url, tmp_path, media_dir=str(media)):
        pass  # starting stores what the killed worker left in the spool

    (event,) = await stored_events(database_url)
    assert (event.status, event.bytes_served, event.ended_early) == (200, 0, None)
    app = create_app(settings_for(database_url))
    async with app.test_app():
        assert await counted_downloads(app) == 0
