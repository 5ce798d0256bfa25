"""`podsite import-transcripts DIR` on real transcripts: the best file per episode stored, bad
files reported by name and line and never touching what is stored, re-runs updating; and
the imported transcripts found by search and served as files."""

import asyncio
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from quart import Quart
from quart.typing import TestClientProtocol as Client
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from typer.testing import CliRunner

from podsite.cli import cli
from podsite.data import Episode, Transcript
from podsite.formats.transcript_formats import parse_transcript
from podsite.schemas.catalogue import TranscriptCue
from podsite.services.publishing import transcript_service


class TranscriptFolder(NamedTuple):
    path: Path
    broken_line: int


@pytest.fixture
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wide enough that no row of the command's table wraps."""
    monkeypatch.setenv('COLUMNS', '200')


def real_file(source: Path, number: int, suffix: str) -> Path:
    return next(source.glob(f'{number:03d}[-_]*{suffix}'))


@pytest.fixture
def folder(shared_data: Path, tmp_path: Path) -> TranscriptFolder:
    """Real transcripts for episodes 1-12 and 39 (some in a sub-folder, some as both .vtt and
    .txt), two real files for episode 402, and files no import should accept."""
    source = shared_data / 'talkpython-transcripts' / 'transcripts'
    target = tmp_path / 'transcripts'
    (target / 'season 1').mkdir(parents=True)
    for number in range(1, 11):
        shutil.copy(real_file(source, number, '.vtt'), target / ('season 1' if number <= 3 else ''))
    for number in (1, 2, 3, 11, 12):
        shutil.copy(real_file(source, number, '.txt'), target)
    for path in (real_file(source, 39, '.vtt'), *source.glob('402-polars*.vtt')):
        shutil.copy(path, target)

    lines = real_file(source, 13, '.vtt').read_text('utf-8').split('\n')
    broken = [index for index, line in enumerate(lines) if '-->' in line][40]
    lines[broken] = lines[broken].replace(':', 'x', 1)
    (target / '013_broken.vtt').write_text('\n'.join(lines), 'utf-8')
    latin1 = real_file(source, 14, '.txt').read_bytes().split(b'\n')
    latin1[6] = 'caf\xe9 '.encode('latin-1') + latin1[6]
    (target / '014_latin1.txt').write_bytes(b'\n'.join(latin1))
    (target / '015_binary.srt').write_bytes(b'1\n00:00:00,000 --> 00:00:01,000\nok\x00\x01\x02\n')
    (target / 'bonus-episode.vtt').write_text('WEBVTT\n\n00:00.000 --> 00:01.000\nHi\n')
    (target / 'README.rst').write_text('Our transcripts\n')
    (target / '.DS_Store').write_bytes(b'\x00\x00\x00\x01Bud1')
    return TranscriptFolder(target, broken_line=broken + 1)


def stored(database_url: str) -> dict[int, tuple[str, list[dict[str, Any]] | None]]:
    """Every stored transcript by episode number."""

    async def read() -> dict[int, tuple[str, list[dict[str, Any]] | None]]:
        engine = create_async_engine(database_url)
        try:
            async with engine.connect() as connection:
                rows = await connection.execute(
                    select(Episode.number, Transcript.text, Transcript.cues).join(
                        Transcript, Transcript.episode_id == Episode.id
                    )
                )
                return {row.number: (row.text, row.cues) for row in rows}
        finally:
            await engine.dispose()

    return asyncio.run(read())


def forget_transcripts(database_url: str, numbers: Iterable[int]) -> None:
    async def remove() -> None:
        engine = create_async_engine(database_url)
        try:
            async with engine.begin() as connection:
                episodes = select(Episode.id).where(Episode.number.in_(numbers))
                await connection.execute(
                    delete(Transcript).where(Transcript.episode_id.in_(episodes))
                )
        finally:
            await engine.dispose()

    asyncio.run(remove())


def row(output: str, name: str) -> str:
    """The table row of one file, with its cells separated by single spaces."""
    found = [line for line in output.splitlines() if line.startswith(f'│ {name} ')]
    assert len(found) == 1, output
    return ' '.join(found[0].replace('│', ' ').split())


def test_discover_picks_the_best_file_of_each_episode(folder: TranscriptFolder) -> None:
    files = transcript_service.discover(folder.path)
    chosen = {f.episode_number: f for f in files if f.skip_reason is None}
    assert set(chosen) == {*range(1, 16), 39, 402}
    assert {chosen[n].transcript_format for n in range(1, 11)} == {'vtt'}
    assert (chosen[11].transcript_format, chosen[12].transcript_format) == ('text', 'text')
    assert chosen[3].path.parent.name == 'season 1'
    assert chosen[402].path.name == '402-polars-v2.vtt'
    skipped = {f.path.name: f.skip_reason for f in files if f.skip_reason is not None}
    assert skipped == {
        '402-polars.vtt': '402-polars-v2.vtt is used for episode #402 instead',
        'README.rst': 'not a transcript file (.rst; expected .vtt, .srt, .txt or .md)',
        'bonus-episode.vtt': 'the name does not start with an episode number',
    }


@pytest.mark.usefixtures('demo_site', 'wide_terminal')
def test_import_stores_the_best_files_and_reports_the_bad_ones(
    runner: CliRunner, database_url: str, folder: TranscriptFolder, shared_data: Path
) -> None:
    forget_transcripts(database_url, [*range(1, 6), 39])
    before = stored(database_url)

    result = runner.invoke(cli, ['import-transcripts', str(folder.path)])

    assert result.exit_code == 1, result.output
    output = result.output
    # Created: 1-5 and 39 (forgotten); updated: 6-12.
    assert '6 created, 7 updated, 4 skipped, 3 failed.' in output
    assert row(output, '013_broken.vtt').startswith(
        f'013_broken.vtt failed {folder.broken_line} cue timing "00x'
    )
    assert row(output, '013_broken.vtt').endswith('is not a valid timestamp')
    assert row(output, '014_latin1.txt').startswith('014_latin1.txt failed 7 not UTF-8 text')
    assert row(output, '015_binary.srt').startswith('015_binary.srt failed 3 binary data')
    assert row(output, '402-polars-v2.vtt') == '402-polars-v2.vtt skipped no episode #402'
    assert row(output, '402-polars.vtt').endswith('is used for episode #402 instead')
    assert row(output, 'bonus-episode.vtt').endswith('does not start with an episode number')
    assert row(output, 'README.rst').startswith('README.rst skipped not a transcript file')
    assert '.DS_Store' not in output

    after = stored(database_url)
    assert len(after) == len(before) + 6
    for number in (13, 14, 15):  # bad files left what was stored alone
        assert after[number] == before[number]
    for number in (16, 20):  # and no file, no change
        assert after[number] == before[number]
    source = shared_data / 'talkpython-transcripts' / 'transcripts'
    vtt = parse_transcript(real_file(source, 5, '.vtt').read_text('utf-8'), transcript_format='vtt')
    assert stored_cues(after[5][1]) == vtt.cues
    assert after[5][0] == vtt.text
    text = parse_transcript(
        real_file(source, 11, '.txt').read_text('utf-8'), transcript_format='text'
    )
    assert stored_cues(after[11][1]) == text.cues
    assert after[11][0].startswith(text.cues[0].text)


@pytest.mark.usefixtures('demo_site', 'wide_terminal')
def test_importing_again_updates_and_never_duplicates(
    runner: CliRunner, database_url: str, folder: TranscriptFolder
) -> None:
    forget_transcripts(database_url, [*range(1, 6), 39])
    first = runner.invoke(cli, ['import-transcripts', str(folder.path)])
    assert '6 created' in first.output
    imported = stored(database_url)

    again = runner.invoke(cli, ['import-transcripts', str(folder.path)])

    assert again.exit_code == 1
    assert '0 created, 13 updated, 4 skipped, 3 failed.' in again.output
    assert stored(database_url) == imported


@pytest.mark.usefixtures('demo_site', 'wide_terminal')
def test_skipped_files_alone_do_not_fail_the_import(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / 'few'
    folder.mkdir()
    (folder / '5.srt').write_text('1\n00:00:00,000 --> 00:00:02,000\nHello.\n')
    (folder / '777 unknown.txt').write_text('00:00 Nobody hears this.\n')

    result = runner.invoke(cli, ['import-transcripts', str(folder)])

    assert result.exit_code == 0, result.output
    assert '0 created, 1 updated, 1 skipped, 0 failed.' in result.output
    assert row(result.output, '777 unknown.txt') == '777 unknown.txt skipped no episode #777'


@pytest.mark.usefixtures('demo_site', 'wide_terminal')
def test_the_directory_must_exist(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / 'file.vtt').write_text('WEBVTT\n')
    for argument in (tmp_path / 'missing', tmp_path / 'file.vtt'):
        result = runner.invoke(cli, ['import-transcripts', str(argument)])
        assert result.exit_code == 2
        assert 'Invalid value' in result.output


def stored_cues(stored: list[dict[str, Any]] | None) -> list[TranscriptCue]:
    """Cues as the database keeps them (JSON), read back."""
    return [TranscriptCue.model_validate(cue) for cue in stored or []]


# The service under the command, and what the pages make of its work


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
    # The demo's published episodes (a scheduled one too) have one each; its draft has none.
    published = await session.scalar(select(func.count(Episode.id)).where(Episode.is_published))
    assert count == published


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


NAMED_VTT = (
    'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Ada>Hello.\n\n'
    '00:00:02.000 --> 00:00:03.000\n<v Bo>Hi.\n'
)
NAMELESS_VTT = (
    'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello.\n\n00:00:02.000 --> 00:00:03.000\nHi.\n'
)
NAMED_TEXT = '00:00:01 Ada: Hello.\n\n00:00:02 Bo: Hi.\n\n00:00:03 Ada: Bye.\n\n00:00:04 Bo: Bye.\n'


def test_the_file_that_names_its_speakers_wins(tmp_path: Path) -> None:
    (tmp_path / '007-interview-no-names.vtt').write_text(NAMELESS_VTT)
    (tmp_path / '007-interview.txt').write_text(NAMED_TEXT)
    (tmp_path / '008-talk.srt').write_text('1\n00:00:00,000 --> 00:00:01,000\nHello.\n')
    (tmp_path / '008-talk.vtt').write_text(NAMED_VTT)
    (tmp_path / '009-plain.txt').write_text('00:00:01 Hello.\n')
    (tmp_path / '009-plain.vtt').write_text(NAMELESS_VTT)
    chosen = {f.episode_number: f for f in transcript_service.discover(tmp_path)}
    assert chosen[7].path.name == '007-interview.txt'
    assert [a.path.name for a in chosen[7].alternatives] == ['007-interview-no-names.vtt']
    assert chosen[8].path.name == '008-talk.vtt'
    assert chosen[9].path.name == '009-plain.vtt'  # neither names anyone: the timed format


@pytest.mark.usefixtures('demo_site', 'wide_terminal')
def test_a_vtt_that_cannot_be_read_gives_way_to_the_txt(
    runner: CliRunner, tmp_path: Path, database_url: str
) -> None:
    broken = NAMED_VTT.replace('00:00:01.000 --> 00:00:02.000', '00:00:01.000 -> 00:00:02.000')
    (tmp_path / '006-broken.vtt').write_text(broken)
    (tmp_path / '006-broken.txt').write_text('00:00:01 Hello.\n\n00:00:02 Hi.\n')

    result = runner.invoke(cli, ['import-transcripts', str(tmp_path)])

    assert result.exit_code == 0, result.output
    assert '0 created, 1 updated, 0 skipped, 0 failed.' in result.output
    output = ' '.join(result.output.split())
    assert 'warning #6: 006-broken.vtt could not be read (line 4: expected a cue timing' in output
    assert '006-broken.txt was imported instead' in output
    assert stored(database_url)[6][0] == 'Hello. Hi.'


@pytest.mark.usefixtures('demo_site', 'wide_terminal')
def test_a_bad_cue_is_repaired_with_a_warning_naming_its_line(
    runner: CliRunner, tmp_path: Path, database_url: str
) -> None:
    cues = [f'00:00:{n:02d}.000 --> 00:00:{n + 1:02d}.000\n<v Ada>Cue {n}.' for n in range(20)]
    cues[10] = '00:00:10.000 --> 00:00:09.000\n<v Ada>Cue 10.'
    (tmp_path / '004-one-bad-cue.vtt').write_text('WEBVTT\n\n' + '\n\n'.join(cues) + '\n')

    result = runner.invoke(cli, ['import-transcripts', str(tmp_path)])

    assert result.exit_code == 0, result.output
    output = ' '.join(result.output.split())
    assert 'warning #4: 004-one-bad-cue.vtt, line 33: cue timing' in output
    assert len(stored(database_url)[4][1] or []) == 20


@pytest.mark.usefixtures('demo_site', 'wide_terminal')
def test_a_file_named_for_one_episode_that_says_another_is_imported_by_its_name(
    runner: CliRunner, tmp_path: Path, shared_data: Path, database_url: str
) -> None:
    source = shared_data / 'talkpython-transcripts' / 'transcripts'
    # A real file: named 079, it says "episode 76" in its opening lines.
    shutil.copy(real_file(source, 79, '.txt'), tmp_path / '003-beeware.txt')

    result = runner.invoke(cli, ['import-transcripts', str(tmp_path)])

    assert result.exit_code == 0, result.output
    output = ' '.join(result.output.split())
    assert 'warning #3: 003-beeware.txt says "episode 76" near its start' in output
    assert 'imported as #3, as its name says' in output
    assert stored(database_url)[3][0].startswith('Can you write me a Python app')
