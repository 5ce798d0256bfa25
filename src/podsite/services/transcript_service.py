"""Storing transcripts, and importing a folder of transcript files named by episode."""

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import select

from podsite.data import Episode, Transcript
from podsite.infrastructure import db
from podsite.services.transcript_formats import (
    FORMAT_BY_SUFFIX,
    ParsedTranscript,
    TranscriptFormatError,
    cues_to_json,
    parse_transcript,
)

# When an episode has several files, the one with timings and speakers wins.
PREFERENCE = ('.vtt', '.srt', '.txt')
_LEADING_NUMBER = re.compile(r'^(\d+)')
MAX_FILE_BYTES = 20 * 1024 * 1024


class TranscriptFile(BaseModel):
    path: Path
    episode_number: int | None
    skip_reason: str | None = None


class FileOutcome(BaseModel):
    path: Path
    episode_number: int | None
    status: Literal['created', 'updated', 'skipped', 'failed']
    reason: str = ''
    line: int | None = None


async def save_transcript(
    *, episode_id: int, transcript: ParsedTranscript
) -> Literal['created', 'updated']:
    """Inserts or replaces the episode's transcript; the caller commits."""
    session = db.session()
    existing = await session.get(Transcript, episode_id)
    cues = cues_to_json(transcript.cues) or None
    if existing is None:
        session.add(Transcript(episode_id=episode_id, text=transcript.text, cues=cues))
        await session.flush()
        return 'created'
    existing.text = transcript.text
    existing.cues = cues
    existing.updated_at = datetime.now(UTC)
    await session.flush()
    return 'updated'


async def episode_ids_by_number() -> dict[int, int]:
    rows = await db.session().execute(select(Episode.number, Episode.id))
    return {row.number: row.id for row in rows}


def discover(directory: Path) -> list[TranscriptFile]:
    """Every transcript file below the folder: one per episode number, the best format."""
    chosen: dict[int, Path] = {}
    skipped: list[TranscriptFile] = []
    for path in sorted(p for p in directory.rglob('*') if p.is_file()):
        if path.name.startswith('.') or path.name in {'LICENSE', 'README.md'}:
            continue
        suffix = path.suffix.lower()
        number = _LEADING_NUMBER.match(path.name)
        reason = None
        reason = None
        if suffix not in FORMAT_BY_SUFFIX:
            reason = f'not a transcript ({suffix or "no suffix"})'
        elif number is None:
            reason = 'the name does not start with an episode number'
        if reason is not None or number is None:
            skipped.append(TranscriptFile(path=path, episode_number=None, skip_reason=reason))
            continue
        episode = int(number.group(1))
        current = chosen.get(episode)
        if current is None or PREFERENCE.index(suffix) < PREFERENCE.index(current.suffix.lower()):
            chosen[episode] = path
    found = [TranscriptFile(path=path, episode_number=n) for n, path in sorted(chosen.items())]
    return found + skipped


async def import_file(file: TranscriptFile, *, episode_ids: dict[int, int]) -> FileOutcome:
    """Parses and stores one file in its own transaction: a bad file changes nothing."""
    if file.skip_reason is not None or file.episode_number is None:
        return FileOutcome(path=file.path, episode_number=None, status='skipped',
                           reason=file.skip_reason or '')  # fmt: skip
    episode_id = episode_ids.get(file.episode_number)
    if episode_id is None:
        return FileOutcome(path=file.path, episode_number=file.episode_number, status='skipped',
                           reason=f'no episode #{file.episode_number}')  # fmt: skip
    try:
        if file.path.stat().st_size > MAX_FILE_BYTES:
            raise TranscriptFormatError('the file is larger than 20 MB')
        raw = file.path.read_bytes()
        try:
            source = raw.decode('utf-8')
        except UnicodeDecodeError as error:
            line = raw[: error.start].count(b'\n') + 1
            raise TranscriptFormatError('the file is not UTF-8 text', line) from error
        parsed = parse_transcript(
            source, transcript_format=FORMAT_BY_SUFFIX[file.path.suffix.lower()]
        )
    except TranscriptFormatError as error:
        return FileOutcome(path=file.path, episode_number=file.episode_number, status='failed',
                           reason=str(error), line=error.line)  # fmt: skip
    session = db.session()
    try:
        status = await save_transcript(episode_id=episode_id, transcript=parsed)
        await session.commit()
    except Exception:
        await session.rollback()
        raise
    return FileOutcome(path=file.path, episode_number=file.episode_number, status=status)
