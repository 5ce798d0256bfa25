"""Publishing audio from the admin: the file is uploaded with the episode form, read for its
facts, stored under a name of its own, and used by the feed and the counted download; a file
that is not publishable audio, a form with problems, a forged or oversized post leave
nothing behind and change nothing."""

import asyncio
import re
import socket
import time
from io import BytesIO
from pathlib import Path

import httpx
from lxml import etree
from quart import Quart
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from werkzeug.datastructures import FileStorage

from podsite.app import create_app
from podsite.data import Episode
from podsite.infrastructure import db
from podsite.services.accounts import account_service
from tests.audio import SECONDS, AudioSamples, audio_hash
from tests.databases import QueryCounter, settings_for
from tests.factories import add_episode, add_guest
from tests.servers import podsite_server
from tests.visitors import ADMIN_PASSWORD, Browser, logged_in

NEW = {
    'number': '9001', 'title': 'Brand new', 'status': 'published', 'episode_type': 'full',
    'show_notes': 'Hello',
}  # fmt: skip
ITUNES = '{http://www.itunes.com/dtds/podcast-1.0.dtd}'


async def stored_episode(app: Quart, number: int = 9001) -> Episode | None:
    async with db.Database.of(app).sessionmaker() as session:
        return await session.scalar(select(Episode).where(Episode.number == number))


def files_in(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob('*') if p.is_file())


async def enclosure(app: Quart, number: int) -> etree._Element:
    response = await app.test_client().get('/episodes/rss')
    feed = etree.fromstring(await response.get_data())
    item = next(i for i in feed.iter('item') if i.findtext(f'{ITUNES}episode') == str(number))
    found = item.find('enclosure')
    assert found is not None
    return found


async def test_an_uploaded_mp3_is_read_stored_and_published(
    media_app: Quart, media_folder: Path, audio: AudioSamples
) -> None:
    admin = await logged_in(media_app, role='admin', email='admin@example.com')
    response = await admin.upload('/admin/episodes/new', NEW, {'audio': audio.mp3_cbr})
    assert response.status_code == 302, await response.get_data(as_text=True)

    episode = await stored_episode(media_app)
    assert episode is not None and episode.media_file is not None
    assert re.fullmatch(r'9001-brand-new-[0-9a-f]{10}\.mp3', episode.media_file)
    assert files_in(media_folder) == [episode.media_file]  # nothing left in .incoming
    # The episode's tags were written into the stored file as it was saved.
    size = (media_folder / episode.media_file).stat().st_size
    assert size > audio.mp3_cbr.stat().st_size
    assert (episode.media_size_bytes, episode.duration_seconds) == (size, SECONDS)
    assert (episode.media_type, episode.media_bitrate_bps) == ('audio/mpeg', 64_000)
    assert (episode.media_sample_rate_hz, episode.media_channels) == (44_100, 1)
    assert episode.media_header_bytes is not None and episode.media_header_bytes > 10

    item = await enclosure(media_app, 9001)
    url = f'https://podcast.test/episodes/download/9001/{episode.media_file}'
    assert item.attrib == {'url': url, 'length': str(size), 'type': 'audio/mpeg'}
    listener = media_app.test_client()
    download = await listener.get(url.removeprefix('https://podcast.test'))
    assert download.status_code == 200
    stored = media_folder / episode.media_file
    assert await download.get_data() == stored.read_bytes()
    assert audio_hash(stored) == audio_hash(audio.mp3_cbr)  # tagged, the audio untouched
    ranged = await listener.get(
        url.removeprefix('https://podcast.test'), headers={'Range': 'bytes=0-99'}
    )
    assert ranged.status_code == 206 and len(await ranged.get_data()) == 100

    form = await admin.page(f'/admin/episodes/{episode.id}')
    for fact in (episode.media_file, f'{size:,} bytes', '0:00:05', '64 kbit/s', 'mono'):
        assert fact in form
    assert 'name="media_size_bytes"' not in form  # facts, not fields, once a file is stored


async def test_an_m4a_is_published_as_audio_x_m4a(media_app: Quart, audio: AudioSamples) -> None:
    admin = await logged_in(media_app, role='admin', email='admin@example.com')
    response = await admin.upload('/admin/episodes/new', NEW, {'audio': audio.m4a})
    assert response.status_code == 302
    episode = await stored_episode(media_app)
    assert episode is not None and episode.media_file is not None
    assert episode.media_file.endswith('.m4a')
    item = await enclosure(media_app, 9001)
    assert item.get('type') == 'audio/x-m4a' and item.get('url', '').endswith('.m4a')
    download = await media_app.test_client().get(item.get('url', '').split('.test', 1)[1])
    assert download.content_type == 'audio/x-m4a'


async def test_files_that_are_not_publishable_audio_are_refused_and_nothing_is_kept(
    media_app: Quart, media_folder: Path, audio: AudioSamples
) -> None:
    admin = await logged_in(media_app, role='admin', email='admin@example.com')
    for sample, message in (
        (audio.png_named_mp3, 'cover.mp3: The file is a PNG image, not MP3 or M4A audio.'),
        (audio.truncated_mp3, 'cut.mp3: The MP3 is cut short'),
        (audio.truncated_m4a, 'cut.m4a: The M4A file is cut short'),
        (audio.mp3_named_m4a, 'The file is MP3 audio but its name or type says M4A'),
    ):
        response = await admin.upload('/admin/episodes/new', NEW, {'audio': sample})
        assert response.status_code == 400
        assert message in await response.get_data(as_text=True)
        assert await stored_episode(media_app) is None
        assert files_in(media_folder) == []


async def test_a_form_with_problems_keeps_its_values_and_not_the_file(
    media_app: Quart, media_folder: Path, audio: AudioSamples
) -> None:
    admin = await logged_in(media_app, role='admin', email='admin@example.com')
    response = await admin.upload(
        '/admin/episodes/new', NEW | {'number': 'abc'}, {'audio': audio.mp3_vbr}
    )
    html = await response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="Brand new"' in html
    assert 'The file was not kept because of the problems above: choose it again.' in html
    assert files_in(media_folder) == []


async def test_an_upload_without_the_csrf_token_is_refused_and_leaves_nothing(
    media_app: Quart, media_folder: Path, audio: AudioSamples
) -> None:
    admin = await logged_in(media_app, role='admin', email='admin@example.com')
    response = await admin.upload('/admin/episodes/new', NEW, {'audio': audio.mp3_cbr}, token=False)
    assert response.status_code == 400
    assert await stored_episode(media_app) is None
    assert files_in(media_folder) == []


async def test_a_wrong_token_in_the_header_refuses_the_upload_before_reading_it(
    media_app: Quart, media_folder: Path, audio: AudioSamples
) -> None:
    admin = await logged_in(media_app, role='admin', email='admin@example.com')
    response = await admin.client.post(
        '/admin/episodes/new',
        form=NEW,
        files={'audio': FileStorage(BytesIO(audio.mp3_cbr.read_bytes()), filename='a.mp3')},
        headers={'X-CSRF-Token': 'forged'},
    )
    assert response.status_code == 400
    assert await stored_episode(media_app) is None
    assert files_in(media_folder) == []


async def test_only_administrators_get_an_upload_read(
    media_app: Quart, media_folder: Path, audio: AudioSamples
) -> None:
    listener = await logged_in(media_app, role='listener', email='listener@example.com')
    refused = await listener.upload('/admin/episodes/new', NEW, {'audio': audio.mp3_cbr})
    assert refused.status_code == 403
    anonymous = Browser(media_app.test_client())
    sent_away = await anonymous.upload('/admin/episodes/new', NEW, {'audio': audio.mp3_cbr})
    assert sent_away.status_code == 302
    assert sent_away.headers['Location'].startswith('/account/login')
    assert files_in(media_folder) == []


async def test_a_file_over_the_limit_is_refused_and_the_episode_is_unchanged(
    database_url: str, tmp_path: Path, audio: AudioSamples
) -> None:
    media = tmp_path / 'media'
    app = create_app(settings_for(database_url, media_dir=media, max_upload_mb=1))
    async with app.test_app():
        admin = await logged_in(app, role='admin', email='admin@example.com')
        large = tmp_path / 'long.mp3'
        large.write_bytes(audio.mp3_cbr.read_bytes() * 40)  # about 1.6 MB
        response = await admin.upload('/admin/episodes/new', NEW, {'audio': large})
        assert response.status_code == 413
        assert await stored_episode(app) is None
        assert files_in(media) == []


async def test_other_routes_keep_the_small_body_limit(admin: Browser) -> None:
    html = await admin.page('/admin/episodes/new')
    token = Browser.TOKEN.search(html)
    assert token is not None
    response = await admin.client.post(
        '/admin/preview',
        form={'csrf_token': token.group(1), 'markdown': 'x' * (17 * 2**20)},
    )
    assert response.status_code == 413


async def test_replacing_the_audio_gives_a_new_url_and_keeps_the_old_file_for_a_while(
    media_app: Quart, media_folder: Path, audio: AudioSamples
) -> None:
    admin = await logged_in(media_app, role='admin', email='admin@example.com')
    await admin.upload('/admin/episodes/new', NEW, {'audio': audio.mp3_cbr})
    first = await stored_episode(media_app)
    assert first is not None and first.media_file is not None
    response = await admin.upload(
        f'/admin/episodes/{first.id}', NEW | {'title': 'Brand new, again'}, {'audio': audio.mp3_vbr}
    )
    assert response.status_code == 302
    second = await stored_episode(media_app)
    assert second is not None and second.media_file not in {None, first.media_file}
    assert second.media_size_bytes == (media_folder / second.media_file).stat().st_size
    assert files_in(media_folder) == sorted([second.media_file, f'retired/{first.media_file}'])
    assert (await enclosure(media_app, 9001)).get('url', '').endswith(f'/{second.media_file}')
    listener = media_app.test_client()
    old = await listener.get(f'/episodes/download/9001/{first.media_file}')
    retired = media_folder / 'retired' / first.media_file
    assert await old.get_data() == retired.read_bytes()  # an app resuming the old file
    new = await listener.get('/episodes/download/9001/brand-new.mp3')
    assert await new.get_data() == (media_folder / second.media_file).read_bytes()


async def test_editing_without_a_file_keeps_the_stored_audio(
    media_app: Quart, audio: AudioSamples
) -> None:
    admin = await logged_in(media_app, role='admin', email='admin@example.com')
    await admin.upload('/admin/episodes/new', NEW, {'audio': audio.m4a})
    before = await stored_episode(media_app)
    assert before is not None
    response = await admin.submit(
        f'/admin/episodes/{before.id}',
        NEW | {'title': 'Retitled', 'media_url': '', 'media_size_bytes': '0', 'duration': ''},
    )
    assert response.status_code == 302
    after = await stored_episode(media_app)
    assert after is not None and after.title == 'Retitled'
    for column in ('media_file', 'media_url', 'media_size_bytes', 'duration_seconds',
                   'media_type', 'media_bitrate_bps', 'media_sample_rate_hz'):  # fmt: skip
        assert getattr(after, column) == getattr(before, column), column


async def test_audio_elsewhere_needs_its_real_size_and_length(
    admin: Browser, session: AsyncSession
) -> None:
    response = await admin.submit(
        '/admin/episodes/new',
        NEW | {'media_url': 'https://cdn.example.com/9001.mp3', 'media_size_bytes': '0',
               'duration': '0:00:00'},
    )  # fmt: skip
    html = await response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'Give the size of the file at this URL in bytes, or upload the file.' in html
    assert 'Give the length of the audio at this URL, or upload the file.' in html
    assert await session.scalar(select(Episode).where(Episode.number == 9001)) is None


async def test_deleting_asks_first_names_what_goes_and_removes_the_files(
    media_app: Quart, media_folder: Path, audio: AudioSamples
) -> None:
    admin = await logged_in(media_app, role='admin', email='admin@example.com')
    await admin.upload('/admin/episodes/new', NEW | {'transcript': 'Hello there.',
                       'transcript_format': 'text'}, {'audio': audio.mp3_cbr})  # fmt: skip
    episode = await stored_episode(media_app)
    assert episode is not None
    await admin.upload(f'/admin/episodes/{episode.id}', NEW, {'audio': audio.mp3_vbr})
    assert len(files_in(media_folder)) == 2  # the file and the replaced one

    confirm = await admin.page(f'/admin/episodes/{episode.id}/delete')
    assert 'Delete <strong>#9001 Brand new</strong>?' in confirm
    assert 'its download history: 0 counted downloads' in confirm
    assert 'its transcript' in confirm and 'its audio file, 9001-brand-new-' in confirm
    assert 'method="post"' in confirm and '<script>' not in confirm
    assert await stored_episode(media_app) is not None  # asking deletes nothing

    html = await admin.page('/admin/episodes')
    token = Browser.TOKEN.search(html)
    assert token is not None
    response = await admin.client.post(
        f'/admin/episodes/{episode.id}/delete', form={'csrf_token': token.group(1)}
    )
    assert response.status_code == 302
    assert await stored_episode(media_app) is None
    assert files_in(media_folder) == []
    listener = media_app.test_client()
    assert (await listener.get('/episodes/show/9001/brand-new')).status_code == 404
    assert (await listener.get('/episodes/download/9001/brand-new.mp3')).status_code == 404
    audit = await admin.page('/admin/audit')
    assert '#9001 Brand new' in audit and 'delete' in audit

    forged = await admin.client.post(f'/admin/episodes/{episode.id}/delete')
    assert forged.status_code == 400
    gone = await admin.client.post(
        f'/admin/episodes/{episode.id}/delete', form={'csrf_token': token.group(1)}
    )
    assert gone.status_code == 404


async def test_an_admin_previews_a_draft_that_nobody_else_can_see(
    media_app: Quart, audio: AudioSamples
) -> None:
    admin = await logged_in(media_app, role='admin', email='admin@example.com')
    await admin.upload(
        '/admin/episodes/new', NEW | {'status': 'draft', 'show_notes': 'Secret **notes**'},
        {'audio': audio.mp3_cbr},
    )  # fmt: skip
    episode = await stored_episode(media_app)
    assert episode is not None
    preview_path = f'/admin/episodes/{episode.id}/preview'
    response = await admin.client.get(preview_path)
    page = await response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'Preview: a draft, not published.' in page
    assert '<strong>notes</strong>' in page and '<h1>Brand new</h1>' in page
    assert f'/episodes/download/9001/{episode.media_file}' in page
    assert '&lt;enclosure url=' in page and 'audio/mpeg' in page  # its feed item
    assert 'no-store' in response.headers['Cache-Control']

    anonymous = media_app.test_client()
    assert (await anonymous.get('/episodes/show/9001/brand-new')).status_code == 404
    assert (await anonymous.get(preview_path)).status_code == 302  # to the login page
    listener = await logged_in(media_app, role='listener', email='listener@example.com')
    assert (await listener.client.get(preview_path)).status_code == 403
    assert (await listener.client.get('/episodes/show/9001/brand-new')).status_code == 404
    feed = await (await anonymous.get('/episodes/rss')).get_data(as_text=True)
    assert 'Brand new' not in feed
    assert (await admin.client.get('/admin/episodes/999999/preview')).status_code == 404


def test_an_upload_the_client_abandons_leaves_nothing_behind(
    database_url: str, tmp_path: Path, audio: AudioSamples
) -> None:
    media = tmp_path / 'media'
    asyncio.run(create_admin(database_url))
    with podsite_server(database_url, tmp_path, media_dir=str(media)) as base:
        with httpx.Client(base_url=base, timeout=10) as client:
            token = Browser.TOKEN.search(client.get('/account/login').text)
            assert token is not None
            client.post('/account/login', data={'email': 'admin@example.com',
                        'password': ADMIN_PASSWORD, 'csrf_token': token.group(1)})  # fmt: skip
            cookie = '; '.join(f'{name}={value}' for name, value in client.cookies.items())
        boundary = 'abandoned'
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
            f'{token.group(1)}\r\n--{boundary}\r\nContent-Disposition: form-data; '
            'name="audio"; filename="long.mp3"\r\nContent-Type: audio/mpeg\r\n\r\n'
        ).encode()
        sent = head + audio.mp3_cbr.read_bytes() * 25  # about 1 MB of the 10 MB announced
        port = int(base.rsplit(':', 1)[1])

        def parts_on_disk() -> list[Path]:
            incoming = media / '.incoming'  # made by the first upload
            return list(incoming.iterdir()) if incoming.exists() else []

        with socket.create_connection(('127.0.0.1', port)) as connection:
            connection.sendall(
                f'POST /admin/episodes/new HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n'
                f'Cookie: {cookie}\r\nContent-Length: {10 * 2**20}\r\n'
                f'Content-Type: multipart/form-data; boundary={boundary}\r\n\r\n'.encode()
                + sent
            )
            for _ in range(100):  # the server begins writing the part to disk
                if parts_on_disk():
                    break
                time.sleep(0.05)
            assert parts_on_disk()
        for _ in range(50):  # the worker notices the closed connection and cleans up
            if not parts_on_disk():
                break
            time.sleep(0.1)
        assert parts_on_disk() == []
        assert (media / '.incoming').is_dir()
        assert [p for p in media.iterdir() if p.name != '.incoming'] == []
        assert httpx.get(f'{base}/health').status_code == 200


async def create_admin(database_url: str) -> None:
    app = create_app(settings_for(database_url))
    async with app.test_app(), app.app_context():
        await account_service.create_user(
            name='Admin', email='admin@example.com', password=ADMIN_PASSWORD, role='admin'
        )


async def test_the_preview_runs_as_many_queries_however_many_people_appear(
    admin: Browser, session: AsyncSession, queries: QueryCounter
) -> None:
    alone = await add_episode(session, slug='alone', published=False)
    guests = tuple(
        [await add_guest(session, name=f'Guest {i}', slug=f'guest-{i}') for i in range(6)]
    )
    crowded = await add_episode(session, slug='crowded', published=False, guests=guests)
    await admin.client.get(f'/admin/episodes/{alone.id}/preview')  # the layout's, kept
    counts = []
    for episode in (alone, crowded):
        queries.reset()
        response = await admin.client.get(f'/admin/episodes/{episode.id}/preview')
        assert response.status_code == 200
        counts.append(queries.page_count)
    # The signed-in account; the stored episode (its status) with its people and sponsors;
    # the page's one read; the feed item's: the show, the item, its people, its sponsors.
    assert counts[0] == counts[1] == 9


async def test_a_refused_replacement_leaves_the_episode_and_its_file_as_they_were(
    media_app: Quart, media_folder: Path, audio: AudioSamples
) -> None:
    admin = await logged_in(media_app, role='admin', email='admin@example.com')
    await admin.upload('/admin/episodes/new', NEW, {'audio': audio.m4a})
    before = await stored_episode(media_app)
    assert before is not None
    files_before = files_in(media_folder)
    for sample in (audio.truncated_m4a, audio.png_named_mp3):
        response = await admin.upload(
            f'/admin/episodes/{before.id}', NEW | {'title': 'Not saved'}, {'audio': sample}
        )
        assert response.status_code == 400
        after = await stored_episode(media_app)
        assert after is not None and after.title == 'Brand new'
        assert (after.media_file, after.media_size_bytes, after.updated_at) == (
            before.media_file,
            before.media_size_bytes,
            before.updated_at,
        )
        assert files_in(media_folder) == files_before
