"""Episode tags written into stored audio: on saving an episode in the admin, in background
rounds after saving the show, and by `podsite retag`; the audio bytes stay, the stored size
and header facts follow the file, and a download already reading the file reads the old one
whole."""

import asyncio
import io
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from mutagen.id3 import ID3
from mutagen.mp4 import MP4
from quart import Quart
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner
from werkzeug.datastructures import FileStorage

from podsite.app import create_app
from podsite.cli import cli
from podsite.data import Episode, Podcast
from podsite.formats.media_header import read_media_header
from podsite.services.publishing import tagging_service
from tests.audio import audio_hash
from tests.clock import MovableClock
from tests.databases import settings_for
from tests.formats.test_artwork import artwork_image, encoded
from tests.visitors import Browser, edit_form, logged_in

CHAPTERS = {
    'version': '1.2.0',
    'chapters': [
        {'startTime': 0, 'title': 'Hello'},
        {'startTime': 2.5, 'title': 'Sponsor', 'url': 'https://sponsor.example/'},
    ],
}


async def store_audio(
    session: AsyncSession,
    media: Path,
    source: Path,
    *,
    number: int,
    media_type: str = 'audio/mpeg',
) -> Path:
    """Puts a sample where episode `number`'s media URL points, with chapters to write."""
    episode = await session.scalar(select(Episode).where(Episode.number == number))
    assert episode is not None
    name = f'episode-{number}{source.suffix}'
    await session.execute(
        update(Episode)
        .where(Episode.number == number)
        .values(
            media_url=f'https://media.example/{name}',
            media_type=media_type,
            chapters=CHAPTERS,
            duration_seconds=5,
        )
    )
    await session.commit()
    target = media / name
    shutil.copyfile(source, target)
    return target


async def episode_row(session: AsyncSession, number: int) -> Episode:
    session.expire_all()
    episode = await session.scalar(select(Episode).where(Episode.number == number))
    assert episode is not None
    return episode


def id3_size(path: Path) -> int:
    header = path.read_bytes()[:10]
    return 10 + sum((b & 0x7F) << (7 * (3 - i)) for i, b in enumerate(header[6:10]))


def leftovers(media: Path) -> list[str]:
    return [path.name for path in media.iterdir() if path.name.startswith('.')]


async def test_retagging_writes_the_tags_and_updates_size_and_header(
    media_app: Quart, session: AsyncSession, media_folder: Path, audio_samples: dict[str, Path]
) -> None:
    path = await store_audio(session, media_folder, audio_samples['vbr'], number=1)
    before = audio_hash(path)
    async with media_app.app_context():
        result = await tagging_service.retag_episode((await episode_row(session, 1)).id)
    assert result is not None and result.outcome == 'tagged'
    episode = await episode_row(session, 1)
    show = await session.scalar(select(Podcast.title))
    tag = ID3(path)
    assert tag['TIT2'].text == [episode.title]
    assert tag['TALB'].text == [show]
    assert tag['TRCK'].text == [str(episode.episode_number)]
    assert [c.sub_frames['TIT2'].text[0] for c in tag.getall('CHAP')] == ['Hello', 'Sponsor']
    assert audio_hash(path) == before
    assert episode.media_size_bytes == path.stat().st_size == result.size_bytes
    # probed again, behind the new tags
    assert episode.media_first_minute_bytes == read_media_header(path).first_minute_bytes
    assert episode.media_first_minute_bytes is not None
    assert episode.media_first_minute_bytes > id3_size(path)
    assert leftovers(media_folder) == []


async def test_retagging_one_episode_reads_no_other_episodes_file(
    media_app: Quart, session: AsyncSession, media_folder: Path, audio_samples: dict[str, Path]
) -> None:
    await store_audio(session, media_folder, audio_samples['vbr'], number=1)
    await store_audio(session, media_folder, audio_samples['vbr'], number=2)
    await session.execute(
        update(Episode).where(Episode.number == 2).values(media_first_minute_bytes=None)
    )
    await session.commit()

    async with media_app.app_context():
        await tagging_service.retag_episode((await episode_row(session, 1)).id)

    assert (await episode_row(session, 1)).media_first_minute_bytes is not None
    assert (await episode_row(session, 2)).media_first_minute_bytes is None


async def test_a_download_under_way_keeps_reading_the_old_file_whole(
    media_app: Quart, session: AsyncSession, media_folder: Path, audio_samples: dict[str, Path]
) -> None:
    path = await store_audio(session, media_folder, audio_samples['cbr'], number=1)
    original = path.read_bytes()
    with path.open('rb') as download:
        first = download.read(1000)
        async with media_app.app_context():
            await tagging_service.retag_episodes(1)
        rest = download.read()
    assert first + rest == original
    assert path.read_bytes() != original


async def test_saving_an_episode_in_the_admin_retags_its_m4a(
    media_app: Quart, session: AsyncSession, media_folder: Path, audio_samples: dict[str, Path]
) -> None:
    path = await store_audio(
        session, media_folder, audio_samples['m4a'], number=2, media_type='audio/mp4'
    )
    before = audio_hash(path)
    episode = await episode_row(session, 2)
    episode_id = episode.id
    admin = await logged_in(media_app, role='admin', email='admin@example.com')
    form = await edit_form(admin, episode_id)
    saved = await admin.submit(f'/admin/episodes/{episode_id}', form | {'title': 'Retitled'})
    assert saved.status_code == 302
    assert 'Tags rewritten in the audio file.' in await admin.page(saved.headers['Location'])
    atoms = MP4(path).tags
    assert atoms is not None and atoms['\xa9nam'] == ['Retitled']
    assert audio_hash(path) == before
    assert (await episode_row(session, 2)).media_size_bytes == path.stat().st_size


async def test_new_show_artwork_goes_into_every_stored_file(
    media_app: Quart, session: AsyncSession, media_folder: Path, audio_samples: dict[str, Path]
) -> None:
    path = await store_audio(session, media_folder, audio_samples['cbr'], number=3)
    before = audio_hash(path)
    admin = await logged_in(media_app, role='admin', email='admin@example.com')
    html = await admin.page('/admin/settings')
    token = Browser.TOKEN.search(html)
    assert token is not None
    podcast = await session.scalar(select(Podcast))
    assert podcast is not None
    form = {
        'title': podcast.title, 'author': 'New Author', 'language': 'en', 'locked': 'on',
        'csrf_token': token.group(1),
    }  # fmt: skip
    artwork = encoded(artwork_image(1400), 'PNG')
    upload = FileStorage(io.BytesIO(artwork), filename='cover.png', content_type='image/png')
    response = await admin.client.post('/admin/settings', form=form, files={'artwork': upload})
    assert response.status_code == 200
    assert (
        'The new tags are being written into one audio file in the background'
        in await response.get_data(as_text=True)
    )
    assert 'TPE1' not in ID3(path)  # the answer did not wait for the file

    async with media_app.app_context():
        assert await tagging_service.rewrite_queued() == {'tagged': 1}
    tag = ID3(path)
    assert tag['TPE1'].text == ['New Author']
    assert tag.getall('APIC')[0].data == artwork  # a compliant PNG is kept as sent
    assert audio_hash(path) == before


async def test_a_show_edit_queues_each_stored_file_once_and_the_settings_page_follows_it(
    media_app: Quart, session: AsyncSession, media_folder: Path, audio_samples: dict[str, Path]
) -> None:
    mp3 = await store_audio(session, media_folder, audio_samples['cbr'], number=1)
    m4a = await store_audio(
        session, media_folder, audio_samples['m4a'], number=2, media_type='audio/mp4'
    )
    await session.execute(update(Podcast).values(title='Renamed Show'))
    await session.commit()
    admin = await logged_in(media_app, role='admin', email='admin@example.com')
    async with media_app.app_context():
        assert await tagging_service.queue_every_episode() == 2  # the files, not the episodes
        assert await tagging_service.queue_every_episode() == 2  # still waiting: not again
        assert (await tagging_service.queued_rewrites()).waiting == 2
    page = await admin.page('/admin/settings')
    assert "The show's tags are still to be written into 2 audio files." in page

    async with media_app.app_context():
        assert await tagging_service.rewrite_queued() == {'tagged': 2}
        assert await tagging_service.rewrite_queued() == {}
    assert ID3(mp3)['TALB'].text == ['Renamed Show']
    atoms = MP4(m4a).tags
    assert atoms is not None and atoms['\xa9alb'] == ['Renamed Show']
    assert 'still to be written' not in await admin.page('/admin/settings')


async def test_a_queued_file_that_fails_is_tried_again_later_then_given_up(
    media_app: Quart,
    session: AsyncSession,
    media_folder: Path,
    audio_samples: dict[str, Path],
    clock: MovableClock,
) -> None:
    path = await store_audio(session, media_folder, audio_samples['cbr'], number=4)
    path.write_bytes(b'not audio at all\n' * 100)
    admin = await logged_in(media_app, role='admin', email='admin@example.com')
    async with media_app.app_context():
        await tagging_service.queue_every_episode()
        assert await tagging_service.rewrite_queued() == {'failed': 1}
        assert await tagging_service.rewrite_queued() == {}  # not due again at once
    page = await admin.page('/admin/settings')
    assert 'still to be written into one audio file (1 failed and will be tried again)' in page

    async with media_app.app_context():
        for _ in range(5):  # the retries, further apart each time
            clock.advance(timedelta(hours=1))
            assert await tagging_service.rewrite_queued() == {'failed': 1}
        clock.advance(timedelta(days=1))
        assert await tagging_service.rewrite_queued() == {}  # given up
    page = await admin.page('/admin/settings')
    assert 'still to be written' not in page
    assert "Episode 4's audio file could not be tagged (HeaderNotFoundError" in page
    assert path.read_bytes() == b'not audio at all\n' * 100
    assert leftovers(media_folder) == []

    # The next edit of the show tries the file again, in place of the old failure.
    async with media_app.app_context():
        await tagging_service.queue_every_episode()
        rewrites = await tagging_service.queued_rewrites()
    assert (rewrites.waiting, rewrites.failed) == (1, [])


async def test_retagging_every_file_at_once_empties_the_queue(
    media_app: Quart, session: AsyncSession, media_folder: Path, audio_samples: dict[str, Path]
) -> None:
    """Where no instance writes the queue (`tagging_interval_seconds` 0), `podsite retag`
    does, and the settings page stops saying files are waiting."""
    await store_audio(session, media_folder, audio_samples['cbr'], number=1)
    broken = await store_audio(session, media_folder, audio_samples['cbr'], number=2)
    broken.write_bytes(b'not audio at all\n' * 100)
    admin = await logged_in(media_app, role='admin', email='admin@example.com')
    async with media_app.app_context():
        await tagging_service.queue_every_episode()
        results = await tagging_service.retag_episodes()
        rewrites = await tagging_service.queued_rewrites()
    assert [r.outcome for r in results if r.number in (1, 2)] == ['tagged', 'failed']
    assert (rewrites.waiting, rewrites.failed) == (0, [])
    page = await admin.page('/admin/settings')
    assert 'still to be written' not in page and 'could not be tagged' not in page


async def test_a_serving_instance_writes_the_queued_files_by_itself(
    database_url: str,
    media_folder: Path,
    clock: MovableClock,
    session: AsyncSession,
    audio_samples: dict[str, Path],
) -> None:
    path = await store_audio(session, media_folder, audio_samples['vbr'], number=3)
    await session.execute(update(Podcast).values(author='Someone Else'))
    await session.commit()
    settings = settings_for(database_url, media_dir=media_folder, tagging_interval_seconds=0.05)
    app = create_app(settings, clock=clock)
    async with app.test_app():
        async with app.app_context():
            await tagging_service.queue_every_episode()
        for _ in range(200):  # 10 s at most; usually a round or two
            if 'TPE1' in ID3(path):
                break
            await asyncio.sleep(0.05)
    assert ID3(path)['TPE1'].text == ['Someone Else']


async def test_a_broken_file_is_reported_and_left_as_it_was(
    media_app: Quart, session: AsyncSession, media_folder: Path, audio_samples: dict[str, Path]
) -> None:
    path = await store_audio(session, media_folder, audio_samples['cbr'], number=4)
    path.write_bytes(b'not audio at all\n' * 100)
    size_before = (await episode_row(session, 4)).media_size_bytes
    episode_id = (await episode_row(session, 4)).id
    admin = await logged_in(media_app, role='admin', email='admin@example.com')
    saved = await admin.submit(f'/admin/episodes/{episode_id}', await edit_form(admin, episode_id))
    assert saved.status_code == 302  # the episode is saved all the same
    page = await admin.page(saved.headers['Location'])
    assert "audio file could not be tagged (HeaderNotFoundError: can't sync" in page
    assert path.read_bytes() == b'not audio at all\n' * 100
    assert (await episode_row(session, 4)).media_size_bytes == size_before
    assert leftovers(media_folder) == []


async def test_episodes_without_a_stored_file_are_skipped(media_app: Quart) -> None:
    async with media_app.app_context():
        results = await tagging_service.retag_episodes()
    assert results and {result.outcome for result in results} == {'skipped'}


def test_the_retag_command_tags_one_episode_or_says_what_is_wrong(
    runner: CliRunner,
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    media_folder: Path,
    audio_samples: dict[str, Path],
) -> None:
    monkeypatch.setenv('PODSITE_DATABASE_URL', database_url)
    monkeypatch.setenv('PODSITE_MEDIA_DIR', str(media_folder))
    shutil.copyfile(audio_samples['cbr'], media_folder / 'placeholder.mp3')
    nothing = runner.invoke(cli, ['retag', '--episode', '999999'])
    assert nothing.exit_code == 1
    assert 'There is no episode 999999.' in nothing.output
    bad = runner.invoke(cli, ['retag', '--episode', 'one'])
    assert bad.exit_code == 2
    one = runner.invoke(cli, ['retag', '--episode', '1'])
    assert one.exit_code == 0, one.output
    assert '0 tagged, 1 skipped' in one.output
