"""`podsite import-transcripts`: real files onto episodes, bad files reported and skipped,
re-runs update; and search finds an episode by a phrase said in it."""

import shutil
from pathlib import Path

import pytest
from quart import Quart
from quart.typing import TestClientProtocol as Client
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from podsite.data import Episode, Transcript
from podsite.services.publishing import transcript_service
from tests.databases import DEMO_EPISODES


@pytest.fixture
def transcript_folder(shared_data: Path, tmp_path: Path) -> Path:
    """Real files for episodes 1-12, and files no import should accept."""
    source = shared_data / 'talkpython-transcripts' / 'transcripts'
    for path in sorted(source.iterdir()):
        if (
            path.suffix in {'.vtt', '.txt'}
            and path.name[:3].isdigit()
            and 1 <= int(path.name[:3]) <= 12
        ):
            shutil.copy(path, tmp_path / path.name)
    (tmp_path / '013_broken.vtt').write_text('WEBVTT\n\n00:00:0x.000 --> 00:00:02.000\nbroken\n')
    (tmp_path / '014_latin1.txt').write_bytes('00:00:00 caf\xe9\n'.encode('latin-1'))
    (tmp_path / 'notes-without-number.vtt').write_text('WEBVTT\n')
    (tmp_path / '9999_unknown_episode.txt').write_text('00:00:00 Hello.\n')
    return tmp_path


async def run_import(app: Quart, folder: Path) -> list[transcript_service.FileOutcome]:
    async with app.app_context():
        files = transcript_service.discover(folder)
        ids = await transcript_service.episode_ids_by_number()
        return [await transcript_service.import_file(f, episode_ids=ids) for f in files]


async def test_import_stores_real_transcripts_and_reports_bad_files(
    app: Quart, session: AsyncSession, transcript_folder: Path
) -> None:
    episode_14 = await session.scalar(select(Episode.id).where(Episode.number == 14))
    kept = await session.get(Transcript, episode_14)
    assert kept is not None
    kept_text = kept.text
    outcomes = {o.path.name: o for o in await run_import(app, transcript_folder)}
    imported = [o for o in outcomes.values() if o.status in {'created', 'updated'}]
    assert len(imported) == 12  # one per episode, the .vtt preferred over the .txt
    assert all(o.path.suffix == '.vtt' for o in imported)
    assert outcomes['013_broken.vtt'].status == 'failed'
    assert outcomes['013_broken.vtt'].line == 3
    assert outcomes['014_latin1.txt'].status == 'failed'
    assert 'not UTF-8' in outcomes['014_latin1.txt'].reason
    assert outcomes['9999_unknown_episode.txt'].reason == 'no episode #9999'
    assert outcomes['notes-without-number.vtt'].status == 'skipped'
    await session.refresh(kept)
    assert kept.text == kept_text  # the bad file for #14 left its transcript alone
    again = await run_import(app, transcript_folder)
    assert sorted(o.status for o in again if o.status in {'created', 'updated'}) == ['updated'] * 12
    count = len((await session.scalars(select(Transcript.episode_id))).all())
    assert count == DEMO_EPISODES - 2


async def test_a_distinctive_phrase_finds_its_episode_first(
    app: Quart, client: Client, session: AsyncSession, transcript_folder: Path
) -> None:
    await run_import(app, transcript_folder)
    for number in (3, 7, 11):
        episode_id = await session.scalar(select(Episode.id).where(Episode.number == number))
        transcript = await session.get(Transcript, episode_id)
        assert transcript is not None and transcript.cues
        # A long line from the middle of the episode, quoted as a phrase.
        line = max(transcript.cues[len(transcript.cues) // 2 :][:40], key=lambda c: len(c['text']))
        words = line['text'].split()[:8]
        response = await client.get('/search/api', query_string={'q': '"' + ' '.join(words) + '"'})
        results = await response.get_json()
        assert results['episodes'][0]['number'] == number, words
        assert '#t' in results['episodes'][0]['url']


async def test_transcript_downloads_as_text_and_webvtt(
    app: Quart, client: Client, session: AsyncSession, transcript_folder: Path
) -> None:
    await run_import(app, transcript_folder)
    episode = await session.scalar(select(Episode).where(Episode.number == 5))
    assert episode is not None
    base = f'/episodes/transcript/5/{episode.slug}'
    vtt = await client.get(base + '.vtt')
    assert vtt.status_code == 200
    assert vtt.headers['Content-Type'] == 'text/vtt; charset=utf-8'
    assert vtt.headers['Access-Control-Allow-Origin'] == '*'
    assert (await vtt.get_data(as_text=True)).startswith('WEBVTT\n\n00:00:')
    text = await client.get(base + '.txt')
    assert text.headers['Content-Type'] == 'text/plain; charset=utf-8'
    assert (await text.get_data(as_text=True)).startswith('[00:00:')
    assert (await client.get('/episodes/transcript/5/x.pdf')).status_code in {301, 404}
    assert (await client.get('/episodes/transcript/99999/x.vtt')).status_code == 404
