"""The episode's tags, written into its stored audio file (formats/audio_tags.py) after an
edit of the episode or of the show, and by `podsite retag`.

The file is copied, the copy tagged, then renamed over the original: a download that has
the file open keeps reading the old one whole, and the next one gets the new one whole.
The work runs in a worker thread (copying a long episode takes seconds). Afterwards the
episode's size is the new file's, and the counter's header facts are probed again, since
the audio now starts at another offset.

An edit of one episode rewrites its file before the editor's page answers. An edit of the
show changes every file, which could take minutes: `queue_every_episode` only queues them,
and `rewrite_queued` writes them in the background, every `tagging_interval_seconds` on
every serving instance (`podsite retag` writes every file at once), one at a time, through
the same delivery queue as the outbox's email (`services/operations/delivery_queue.py`):
whichever instance takes a file first writes it, so running it twice at once writes no file
twice, and a failed one is tried again a few times, further apart each time.
"""

import asyncio
import os
import shutil
import tempfile
from collections import Counter
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Select, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from podsite.data import Episode, Podcast, TagRewrite
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
from podsite.infrastructure import clock, db
from podsite.infrastructure.artwork_files import MIMETYPES, artwork_folder
from podsite.infrastructure.media_files import local_media_file
from podsite.services.operations.delivery_queue import DeliveryQueue, retry_at
from podsite.settings import current_settings

QUEUE = DeliveryQueue(TagRewrite)

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


class QueuedRewrites(BaseModel):
    """Where the show's last change stands in the stored files."""

    model_config = ConfigDict(frozen=True)

    waiting: int
    """Files still to be written, those being written and those to be tried again."""
    retrying: int
    """Of those waiting, the files whose last attempt failed."""
    failed: list[RetagResult]
    """Files given up after failing every attempt, by episode."""


async def retag_episode(episode_id: int) -> RetagResult | None:
    """None when there is no such episode."""
    results = await _retag(select(*EPISODE_COLUMNS).where(Episode.id == episode_id))
    return results[0] if results else None


async def retag_episodes(number: int | None = None) -> list[RetagResult]:
    """Every episode with a stored file, or the one with this site number. Every file
    written, the queue is done with: what was queued before is taken off it, failures too
    (this run's own are in its results)."""
    started = clock.now()
    query = select(*EPISODE_COLUMNS).order_by(Episode.number)
    if number is not None:
        query = query.where(Episode.number == number)
    results = await _retag(query)
    if number is None:
        session = db.session()
        await session.execute(delete(TagRewrite).where(TagRewrite.queued_at <= started))
        await session.commit()
    return results


async def queue_every_episode() -> int:
    """Queues every stored MP3 or M4A file for the background rounds; how many. A file
    that is waiting and not yet taken is not queued twice (it will be written with the new
    tags), and the outcomes of earlier rounds make way for this one."""
    settings = current_settings()
    session = db.session()
    now = clock.now()
    rows = (await session.execute(select(Episode.id, Episode.media_url, Episode.media_type))).all()

    def stored(media_url: str, media_type: str) -> bool:
        path = local_media_file(settings.media_folder, media_url)
        return path is not None and audio_kind(media_type, path) is not None

    # A look at the disk for every episode: off the event loop.
    episode_ids = await asyncio.to_thread(
        lambda: [row.id for row in rows if stored(row.media_url, row.media_type)]
    )
    await session.execute(delete(TagRewrite).where(TagRewrite.next_attempt_at.is_(None)))
    untaken = set(
        await session.scalars(
            select(TagRewrite.episode_id).where(TagRewrite.next_attempt_at <= now)
        )
    )
    new = [episode_id for episode_id in episode_ids if episode_id not in untaken]
    if new:
        await session.execute(
            insert(TagRewrite),
            [
                {'episode_id': episode_id, 'queued_at': now, 'next_attempt_at': now}
                for episode_id in new
            ],
        )
    await session.commit()
    return len(episode_ids)


async def rewrite_queued() -> Counter[str]:
    """Writes every queued file that is due, one at a time; how many were `tagged`,
    `skipped` (the file is gone), `failed` (tried again later, unless it failed too often
    already) or `taken` (by another instance at the same time)."""
    session = db.session()
    return await QUEUE.drain(session, clock.now, partial(_rewrite_queued, session))


async def _rewrite_queued(session: AsyncSession, rewrite_id: int) -> str:
    rewrite = await QUEUE.claim(
        session, rewrite_id, clock.now(), TagRewrite.episode_id, TagRewrite.attempts
    )
    if rewrite is None:
        return 'taken'
    result = await retag_episode(rewrite.episode_id)
    now = clock.now()
    attempts = rewrite.attempts + 1
    if result is not None and result.outcome == 'failed':
        values: dict[str, object] = {
            'error': result.detail,
            'next_attempt_at': retry_at(attempts, now),
        }
    else:
        values = {'sent_at': now, 'next_attempt_at': None, 'error': None}
    await QUEUE.finish(session, rewrite_id, attempts=attempts, **values)
    await session.commit()
    return 'skipped' if result is None else result.outcome


async def queued_rewrites() -> QueuedRewrites:
    session = db.session()
    waiting = TagRewrite.next_attempt_at.is_not(None)
    counts = (
        await session.execute(
            select(
                func.count().filter(waiting),
                func.count().filter(waiting, TagRewrite.attempts > 0),
            ).select_from(TagRewrite)
        )
    ).one()
    given_up = await session.execute(
        select(Episode.number, TagRewrite.error)
        .join(Episode, Episode.id == TagRewrite.episode_id)
        .where(TagRewrite.sent_at.is_(None), TagRewrite.next_attempt_at.is_(None))
        .order_by(Episode.number)
    )
    return QueuedRewrites(
        waiting=counts[0],
        retrying=counts[1],
        failed=[
            RetagResult(number=number, outcome='failed', detail=error or '')
            for number, error in given_up
        ],
    )


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
