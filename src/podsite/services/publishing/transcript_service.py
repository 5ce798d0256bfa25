"""Storing transcripts, and importing a folder of transcript files named by episode number.

When an episode has several files, the one that names its speakers wins, then the better
format (timed first); when the chosen file cannot be read, the next one is imported instead.
A file is imported as the episode its name says, with a warning when its first lines say
another episode number.
"""

import asyncio
import re
from collections import defaultdict
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import insert, select, update

from podsite.data import Episode, Transcript
from podsite.data.base import utc_now
from podsite.formats.transcript_formats import (
    FORMAT_BY_SUFFIX,
    FORMAT_PREFERENCE,
    ParsedTranscript,
    TranscriptFormat,
    TranscriptFormatError,
    cues_to_json,
    parse_transcript,
    speaker_count,
)
from podsite.infrastructure import db

# Real hour-long episodes are a few hundred kilobytes of WebVTT; a larger file is not a transcript.
MAX_FILE_BYTES = 20 * 1024 * 1024
_LEADING_NUMBER = re.compile(r'\d+')
# "This is Talk Python To Me, episode 402": where a transcript says which episode it is.
_EPISODE_SAID = re.compile(r'\bepisode\s+(?:number\s+|no\.\s*|#\s*)?(\d{1,6})\b', re.IGNORECASE)
SAID_WITHIN_CHARACTERS = 2000

ImportStatus = Literal['created', 'updated', 'skipped', 'failed']


class TranscriptFile(BaseModel):
    """A file `discover` found: one to import, or one that cannot be, with the reason."""

    model_config = ConfigDict(frozen=True)

    path: Path
    episode_number: int | None
    transcript_format: TranscriptFormat | None
    skip_reason: str | None = None
    alternatives: tuple['TranscriptFile', ...] = ()
    """The episode's files in other formats, in order: imported when this one cannot be."""


class FileOutcome(BaseModel):
    """What importing one file did; `line` points at the problem in a file that failed."""

    model_config = ConfigDict(frozen=True)

    path: Path
    episode_number: int | None
    status: ImportStatus
    reason: str = ''
    line: int | None = None
    warnings: tuple[str, ...] = ()
    """What was worked around in a file that was stored: a repaired cue, another file used."""


async def save_transcript(
    *, episode_id: int, transcript: ParsedTranscript
) -> Literal['created', 'updated']:
    """Inserts or replaces the episode's transcript and flushes; the caller commits."""
    session = db.session()
    values = {
        'text': transcript.text,
        'cues': cues_to_json(transcript.cues) or None,
        'updated_at': utc_now(),
    }
    # Statements rather than loading the row: an hour's cues are hundreds of kilobytes of JSON.
    stored = await session.scalar(
        select(Transcript.episode_id).where(Transcript.episode_id == episode_id)
    )
    if stored is None:
        await session.execute(insert(Transcript).values(episode_id=episode_id, **values))
    else:
        await session.execute(
            update(Transcript).where(Transcript.episode_id == episode_id).values(**values)
        )
    await session.flush()
    return 'created' if stored is None else 'updated'


async def episode_ids_by_number() -> dict[int, int]:
    rows = await db.session().execute(select(Episode.number, Episode.id))
    return {row.number: row.id for row in rows}


def discover(directory: Path) -> list[TranscriptFile]:
    """Transcript files anywhere below the folder, named by episode number (`005_mike_bayer.vtt`,
    `003-Pyramid.txt`): the best file for each episode, then those that will not be imported.

    The best file names its speakers, then has the better format (`FORMAT_PREFERENCE`); the
    episode's files in other formats stay behind it as alternatives. A second file of the same
    format for one episode is reported as skipped, since one of them may be the wrong one.
    """
    candidates: dict[int, list[TranscriptFile]] = defaultdict(list)
    skipped: list[TranscriptFile] = []
    for path in sorted(directory.rglob('*')):
        # Hidden files and folders (.git, .DS_Store) belong to tools, not to the show.
        if any(part.startswith('.') for part in path.relative_to(directory).parts):
            continue
        if not path.is_file():
            continue
        transcript_format = FORMAT_BY_SUFFIX.get(path.suffix.lower())
        number = _LEADING_NUMBER.match(path.name)
        episode_number = None if number is None else int(number.group())
        found = TranscriptFile(
            path=path, episode_number=episode_number, transcript_format=transcript_format
        )
        if transcript_format is None:
            suffix = path.suffix or 'no suffix'
            reason = f'not a transcript file ({suffix}; expected .vtt, .srt, .txt or .md)'
            skipped.append(found.model_copy(update={'skip_reason': reason}))
        elif episode_number is None:
            reason = 'the name does not start with an episode number'
            skipped.append(found.model_copy(update={'skip_reason': reason}))
        else:
            candidates[episode_number].append(found)
    chosen: list[TranscriptFile] = []
    for episode, files in sorted(candidates.items()):
        ranked = _ranked(files)
        usable: list[TranscriptFile] = []
        for file in ranked:
            same = [u for u in usable if u.transcript_format == file.transcript_format]
            if not same:
                usable.append(file)
            else:
                reason = f'{same[0].path.name} is used for episode #{episode} instead'
                skipped.append(file.model_copy(update={'skip_reason': reason}))
        best, *others = usable
        chosen.append(best.model_copy(update={'alternatives': tuple(others)}))
    return chosen + skipped


def _ranked(files: list[TranscriptFile]) -> list[TranscriptFile]:
    """Files that name their speakers first, then by format, then by name."""
    if len(files) == 1:
        return files

    def rank(file: TranscriptFile) -> tuple[bool, int, str]:
        assert file.transcript_format is not None
        try:
            named = speaker_count(read_transcript_file(file.path), file.transcript_format) > 0
        except (OSError, TranscriptFormatError):
            named = False  # unreadable: it goes last, and fails with its reason if reached
        return not named, FORMAT_PREFERENCE.index(file.transcript_format), str(file.path)

    return sorted(files, key=rank)


async def import_file(file: TranscriptFile, *, episode_ids: dict[int, int]) -> FileOutcome:
    """Reads, parses and stores one file in its own transaction: a bad file changes nothing.
    When the file cannot be read, its alternatives are tried in turn."""
    number = file.episode_number
    if file.skip_reason is not None or file.transcript_format is None or number is None:
        reason = file.skip_reason or 'not a transcript file'
        return FileOutcome(path=file.path, episode_number=number, status='skipped', reason=reason)
    episode_id = episode_ids.get(number)
    if episode_id is None:
        return FileOutcome(
            path=file.path, episode_number=number, status='skipped', reason=f'no episode #{number}'
        )
    failures: list[FileOutcome] = []
    for candidate in (file, *file.alternatives):
        outcome = await _read(candidate)
        if isinstance(outcome, FileOutcome):
            failures.append(outcome)
            continue
        source, parsed = outcome
        warnings = [
            f'{failed.path.name} could not be read ({_where(failed)}{failed.reason}); '
            f'{candidate.path.name} was imported instead'
            for failed in failures
        ]
        warnings += [f'{candidate.path.name}, {warning}' for warning in parsed.warnings]
        said = _EPISODE_SAID.search(source[:SAID_WITHIN_CHARACTERS])
        if said is not None and int(said.group(1)) != number:
            warnings.append(
                f'{candidate.path.name} says "{said.group(0)}" near its start, but its name '
                f'says #{number}: imported as #{number}, as its name says'
            )
        session = db.session()
        try:
            status = await save_transcript(episode_id=episode_id, transcript=parsed)
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
        return FileOutcome(
            path=candidate.path, episode_number=number, status=status, warnings=tuple(warnings)
        )
    return failures[0]


def _where(outcome: FileOutcome) -> str:
    return '' if outcome.line is None else f'line {outcome.line}: '


async def _read(file: TranscriptFile) -> tuple[str, ParsedTranscript] | FileOutcome:
    """The file's text and transcript, or the failed outcome saying why not."""
    assert file.transcript_format is not None
    number = file.episode_number
    try:
        source = await asyncio.to_thread(read_transcript_file, file.path)
        return source, parse_transcript(source, transcript_format=file.transcript_format)
    except TranscriptFormatError as error:
        return FileOutcome(path=file.path, episode_number=number, status='failed',
                           reason=error.message, line=error.line)  # fmt: skip
    except OSError as error:
        return FileOutcome(path=file.path, episode_number=number, status='failed',
                           reason=f'cannot read the file: {error.strerror or error}')  # fmt: skip


def read_transcript_file(path: Path) -> str:
    """The file as UTF-8 text; anything else is refused with where the first bad byte is."""
    if path.stat().st_size > MAX_FILE_BYTES:
        raise TranscriptFormatError(f'the file is larger than {MAX_FILE_BYTES // 2**20} MB')
    raw = path.read_bytes()
    try:
        return raw.decode('utf-8')
    except UnicodeDecodeError as error:
        raise TranscriptFormatError(
            f'not UTF-8 text: byte 0x{raw[error.start]:02x} at offset {error.start}',
            line=raw.count(b'\n', 0, error.start) + 1,
        ) from error
