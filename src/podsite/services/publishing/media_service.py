"""Probing episode audio for the fact the IAB byte rule needs: where the first minute of
audio ends (`formats.media_header`)."""

import asyncio
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

import httpx
from sqlalchemy import select, update

from podsite.data import Episode
from podsite.formats.media_header import MediaHeader, read_media_header, read_media_header_from
from podsite.infrastructure import db
from podsite.infrastructure.media_files import local_media_file

FETCH_TIMEOUT_SECONDS = 10.0
REMOTE_PROBE_BYTES = 8 * 1024 * 1024
"""The start of a remote file fetched to find its first minute: a minute at MPEG's highest
bitrate (448 kbit/s, 3.4 MB) after tags with large cover art. A file whose minute ends past
it, or an M4A whose sample table comes after its audio, keeps no offset, and is counted by
the whole-file rule."""


@dataclass
class ProbeReport:
    probed: list[tuple[int, MediaHeader]] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)


async def probe_media(
    *, media_dir: Path | None, fetch: bool, everything: bool = False
) -> ProbeReport:
    """Reads each episode's file: from `media_dir` when it is there (only as far as its
    first minute), else the start of it by one range request when `fetch` is on. Only
    episodes whose first minute is not known yet, unless `everything`. Each episode is
    stored as soon as it is read."""
    session = db.session()
    query = select(Episode.id, Episode.number, Episode.media_url).order_by(Episode.number)
    if not everything:
        query = query.where(Episode.media_first_minute_bytes.is_(None))
    report = ProbeReport()
    async with httpx.AsyncClient(timeout=FETCH_TIMEOUT_SECONDS, follow_redirects=True) as client:
        for row in (await session.execute(query)).all():
            try:
                header = await _read(row.media_url, media_dir, client if fetch else None)
            except (OSError, httpx.HTTPError) as error:
                report.failed.append((row.number, f'{type(error).__name__}: {error}'))
                continue
            if header is None:
                report.skipped.append((row.number, 'no local file (use --fetch to download)'))
                continue
            await _store_first_minute(row.id, header)
            report.probed.append((row.number, header))
    return report


async def probe_stored_file(*, episode_id: int, path: Path) -> MediaHeader:
    """Reads where the first minute ends in a file podsite just stored for an episode (an
    upload, a fetched import) and stores it, as `probe_media` does for the others."""
    header = await asyncio.to_thread(read_media_header, path)
    await _store_first_minute(episode_id, header)
    return header


async def _store_first_minute(episode_id: int, header: MediaHeader) -> None:
    session = db.session()
    await session.execute(
        update(Episode)
        .where(Episode.id == episode_id)
        .values(media_first_minute_bytes=header.first_minute_bytes)
    )
    await session.commit()


async def _read(
    media_url: str, media_dir: Path | None, client: httpx.AsyncClient | None
) -> MediaHeader | None:
    path = local_media_file(media_dir, media_url)
    if path is not None:
        return read_media_header(path)
    if client is None or not media_url.startswith(('http://', 'https://')):
        return None
    headers = {'Range': f'bytes=0-{REMOTE_PROBE_BYTES - 1}'}
    async with client.stream('GET', media_url, headers=headers) as response:
        response.raise_for_status()
        data = bytearray()
        async for chunk in response.aiter_bytes():
            data += chunk
            if len(data) >= REMOTE_PROBE_BYTES:
                break
    # Shorter than asked for: the whole file came.
    complete = len(data) < REMOTE_PROBE_BYTES
    return read_media_header_from(BytesIO(data[:REMOTE_PROBE_BYTES]), complete=complete)
