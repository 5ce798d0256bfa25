"""`podsite import-transcripts DIR` on real transcripts: the best file per episode stored, bad
files reported by name and line and never touching what is stored, re-runs updating."""

import asyncio
import shutil
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import create_async_engine
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
def demo_site(runner: CliRunner, monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    """The command over a fresh copy of the demo catalogue (episodes 1 to 40)."""
    monkeypatch.setenv('PODSITE_DATABASE_URL', database_url)
    # Wide enough that no table row wraps.
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
    (target / 'README.md').write_text('# Our transcripts\n')
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


def forget_transcripts(database_url: str, numbers: range) -> None:
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
        'README.md': 'not a transcript file (.md; expected .vtt, .srt or .txt)',
        'bonus-episode.vtt': 'the name does not start with an episode number',
    }


@pytest.mark.usefixtures('demo_site')
def test_import_stores_the_best_files_and_reports_the_bad_ones(
    runner: CliRunner, database_url: str, folder: TranscriptFolder, shared_data: Path
) -> None:
    forget_transcripts(database_url, range(1, 6))
    before = stored(database_url)

    result = runner.invoke(cli, ['import-transcripts', str(folder.path)])

    assert result.exit_code == 1, result.output
    output = result.output
    # Created: 1-5 (forgotten) and 39 (unpublished, never had one); updated: 6-12.
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
    assert row(output, 'README.md').startswith('README.md skipped not a transcript file')
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


@pytest.mark.usefixtures('demo_site')
def test_importing_again_updates_and_never_duplicates(
    runner: CliRunner, database_url: str, folder: TranscriptFolder
) -> None:
    forget_transcripts(database_url, range(1, 6))
    first = runner.invoke(cli, ['import-transcripts', str(folder.path)])
    assert '6 created' in first.output
    imported = stored(database_url)

    again = runner.invoke(cli, ['import-transcripts', str(folder.path)])

    assert again.exit_code == 1
    assert '0 created, 13 updated, 4 skipped, 3 failed.' in again.output
    assert stored(database_url) == imported


@pytest.mark.usefixtures('demo_site')
def test_skipped_files_alone_do_not_fail_the_import(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / 'few'
    folder.mkdir()
    (folder / '5.srt').write_text('1\n00:00:00,000 --> 00:00:02,000\nHello.\n')
    (folder / '777 unknown.txt').write_text('00:00 Nobody hears this.\n')

    result = runner.invoke(cli, ['import-transcripts', str(folder)])

    assert result.exit_code == 0, result.output
    assert '0 created, 1 updated, 1 skipped, 0 failed.' in result.output
    assert row(result.output, '777 unknown.txt') == '777 unknown.txt skipped no episode #777'


@pytest.mark.usefixtures('demo_site')
def test_the_directory_must_exist(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / 'file.vtt').write_text('WEBVTT\n')
    for argument in (tmp_path / 'missing', tmp_path / 'file.vtt'):
        result = runner.invoke(cli, ['import-transcripts', str(argument)])
        assert result.exit_code == 2
        assert 'Invalid value' in result.output


def stored_cues(stored: list[dict[str, Any]] | None) -> list[TranscriptCue]:
    """Cues as the database keeps them (JSON), read back."""
    return [TranscriptCue.model_validate(cue) for cue in stored or []]
