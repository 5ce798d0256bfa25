"""The episode's tags, written into its stored audio file (formats/audio_tags.py) after an
edit of the episode or of the show, and by `podsite retag`.

The file is copied, the copy tagged, then renamed over the original: a download that has
the file open keeps reading the old one whole, and the next one gets the new one whole.
The work runs in a worker thread (copying a long episode takes seconds). Afterwards the
episode's size is the new file's, and the counter's header facts are probed again, since
the audio now starts at another offset."""

import asyncio
import os
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Select, select, update

from podsite.data import Episode, Podcast
from podsite.formats.audio_facts import AudioFileError, read_audio_facts
from podsite.formats.audio_tags import (
    Artwork,
    AudioKind,
    AudioTagsError,
    EpisodeTags,
    audio_kind,
    chapter_marks,
    plain_text,
)
from podsite.formats.audio_tags import write_tags as write_tags_into
from podsite.formats.media_header import read_media_header
from podsite.infrastructure import db
from podsite.infrastructure.artwork_files import MIMETYPES, artwork_folder
from podsite.infrastructure.media_files import local_media_file
from podsite.settings import current_settings

EPISODE_COLUMNS = (
    Episode.id,
    Episode.number,
    Episode.title,
    Episode.summary,
    Episode.show_notes_html,
    Episode.published_at,
    Episode.episode_number,
    Episode.season,
    Episode.duration_seconds,
    Episode.media_url,
    Episode.media_type,
    Episode.chapters,
    Episode.artwork_file,
)


class RetagResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: int
    outcome: Literal['tagged', 'skipped', 'failed']
    detail: str = ''
    size_bytes: int | None = None


async def retag_episode(episode_id: int) -> RetagResult | None:
    """None when there is no such episode."""
    results = await _retag(select(*EPISODE_COLUMNS).where(Episode.id == episode_id))
    return results[0] if results else None


async def retag_episodes(number: int | None = None) -> list[RetagResult]:
    """Every episode with a stored file, or the one with this site number."""
    query = select(*EPISODE_COLUMNS).order_by(Episode.number)
    if number is not None:
        query = query.where(Episode.number == number)
    return await _retag(query)


async def _retag(query: Select[Any]) -> list[RetagResult]:
    settings = current_settings()
    session = db.session()
    show = (
        await session.execute(
            select(Podcast.title, Podcast.author, Podcast.artwork_file)
            .order_by(Podcast.id)
            .limit(1)
        )
    ).first()
    rows = (await session.execute(query)).all()
    results = []
    for row in rows:
        path = local_media_file(settings.media_folder, row.media_url)
        kind = None if path is None else audio_kind(row.media_type, path)
        if path is None or kind is None:
            reason = 'no stored file' if path is None else f'{row.media_type} is not MP3 or M4A'
            results.append(RetagResult(number=row.number, outcome='skipped', detail=reason))
            continue
        artwork_name = row.artwork_file or (show.artwork_file if show else '')
        tags = EpisodeTags(
            title=row.title,
            show=show.title if show else '',
            author=show.author if show else '',
            published_at=row.published_at,
            description=plain_text(row.show_notes_html) or row.summary,
            episode_number=row.episode_number,
            season=row.season,
            chapters=chapter_marks(row.chapters, row.duration_seconds),
        )
        artwork_path = artwork_folder(settings) / artwork_name if artwork_name else None
        try:
            size = await asyncio.to_thread(_rewrite, path, kind, tags, artwork_path)
            facts = await asyncio.to_thread(read_audio_facts, path, claimed=kind)
            header = await asyncio.to_thread(read_media_header, path)
        except (AudioTagsError, AudioFileError, OSError) as error:
            results.append(RetagResult(number=row.number, outcome='failed', detail=str(error)))
            continue
        # The tags moved where the audio starts and where its first minute ends: both are
        # read again from the file just written (and no other episode's file is read).
        await session.execute(
            update(Episode)
            .where(Episode.id == row.id)
            .values(
                media_size_bytes=size,
                media_header_bytes=facts.header_bytes,
                media_first_minute_bytes=header.first_minute_bytes,
            )
        )
        await session.commit()
        results.append(RetagResult(number=row.number, outcome='tagged', size_bytes=size))
    return results


def _rewrite(path: Path, kind: AudioKind, tags: EpisodeTags, artwork_path: Path | None) -> int:
    """Tags a copy beside the file and renames it into place; the new size."""
    if artwork_path is not None and artwork_path.is_file():
        mime = MIMETYPES[artwork_path.suffix.lstrip('.')]
        tags = replace(tags, artwork=Artwork(data=artwork_path.read_bytes(), mime=mime))
    descriptor, name = tempfile.mkstemp(prefix='.retag-', suffix=path.suffix, dir=path.parent)
    os.close(descriptor)
    copy = Path(name)
    try:
        shutil.copyfile(path, copy)
        shutil.copymode(path, copy)
        write_tags_into(copy, kind, tags)
        with copy.open('rb+') as written:
            os.fsync(written.fileno())
        os.replace(copy, path)
    except BaseException:
        copy.unlink(missing_ok=True)
        raise
    return path.stat().st_size
