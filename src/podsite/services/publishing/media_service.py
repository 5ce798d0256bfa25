"""Probing episode audio for the facts the IAB byte rule needs (ID3 size, bitrate)."""

from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import select, update

from podsite.data import Episode
from podsite.formats.media_header import PROBE_BYTES, MediaHeader, read_media_header
from podsite.infrastructure import db
from podsite.infrastructure.media_files import local_media_file

FETCH_TIMEOUT_SECONDS = 10.0


@dataclass
class ProbeReport:
    probed: list[tuple[int, MediaHeader]] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)


async def probe_media(
    *, media_dir: Path | None, fetch: bool, everything: bool = False
) -> ProbeReport:
    """Reads the start of each episode's file: from `media_dir` when it is there, else by
    one range request when `fetch` is on. Only episodes not yet probed, unless
    `everything`. Each episode is stored as soon as it is read."""
    session = db.session()
    query = select(Episode.id, Episode.number, Episode.media_url).order_by(Episode.number)
    if not everything:
        query = query.where(Episode.media_header_bytes.is_(None))
    report = ProbeReport()
    async with httpx.AsyncClient(timeout=FETCH_TIMEOUT_SECONDS, follow_redirects=True) as client:
        for row in (await session.execute(query)).all():
            try:
                data = await _first_bytes(row.media_url, media_dir, client if fetch else None)
            except (OSError, httpx.HTTPError) as error:
                report.failed.append((row.number, f'{type(error).__name__}: {error}'))
                continue
            if data is None:
                report.skipped.append((row.number, 'no local file (use --fetch to download)'))
                continue
            header = read_media_header(data)
            await _store_header(row.id, header)
            report.probed.append((row.number, header))
    return report


async def probe_stored_file(*, episode_id: int, path: Path) -> MediaHeader:
    """Reads the header facts of a file podsite just stored for an episode (an upload, a
    fetched import) and stores them, as `probe_media` does for the others."""
    with path.open('rb') as audio:
        header = read_media_header(audio.read(PROBE_BYTES))
    await _store_header(episode_id, header)
    return header


async def _store_header(episode_id: int, header: MediaHeader) -> None:
    session = db.session()
    await session.execute(
        update(Episode)
        .where(Episode.id == episode_id)
        .values(media_header_bytes=header.header_bytes, media_bitrate_bps=header.bitrate_bps)
    )
    await session.commit()


async def _first_bytes(
    media_url: str, media_dir: Path | None, client: httpx.AsyncClient | None
) -> bytes | None:
    path = local_media_file(media_dir, media_url)
    if path is not None:
        with path.open('rb') as audio:
            return audio.read(PROBE_BYTES)
    if client is None or not media_url.startswith(('http://', 'https://')):
        return None
    headers = {'Range': f'bytes=0-{PROBE_BYTES - 1}'}
    async with client.stream('GET', media_url, headers=headers) as response:
        response.raise_for_status()
        data = b''
        async for chunk in response.aiter_bytes():
            data += chunk
            if len(data) >= PROBE_BYTES:
                break
        return data[:PROBE_BYTES]
