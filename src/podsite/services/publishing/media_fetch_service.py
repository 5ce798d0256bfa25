"""Bringing an imported show's audio into the media folder (`podsite import-feed
--fetch-media`): each episode's file is downloaded from its media URL, read for its real
size and duration (the feed's enclosure length and `itunes:duration` are often wrong), and
stored as an upload would be. A download cut short is resumed with a Range request on the
next run; an episode whose file is already stored is not fetched again."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import select, update

from podsite.data import Episode
from podsite.formats.audio_facts import AudioFileError, claimed_format, read_audio_facts
from podsite.infrastructure import db
from podsite.infrastructure.media_files import content_digest, keep_file, stored_name
from podsite.infrastructure.uploads import incoming_folder
from podsite.services.publishing import media_service

TIMEOUT = httpx.Timeout(30.0, connect=10.0)


@dataclass(frozen=True)
class RemoteMedia:
    episode_id: int
    number: int
    slug: str
    media_url: str
    media_type: str
    announced_bytes: int
    """The enclosure length the feed gave: the progress bar's estimate until the server
    says."""


@dataclass
class MediaFetchReport:
    stored: list[tuple[int, str]] = field(default_factory=list)
    """Episode number and the stored file's name."""
    resumed: list[int] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)


async def remote_media() -> list[RemoteMedia]:
    """Episodes whose audio is at an http(s) URL and not yet stored, by number."""
    rows = await db.session().execute(
        select(
            Episode.id, Episode.number, Episode.slug, Episode.media_url, Episode.media_type,
            Episode.media_size_bytes,
        )
        .where(Episode.media_file.is_(None), Episode.media_url.startswith('http'))
        .order_by(Episode.number)
    )  # fmt: skip
    return [
        RemoteMedia(row.id, row.number, row.slug, row.media_url, row.media_type,
                    row.media_size_bytes)
        for row in rows
    ]  # fmt: skip


async def fetch_media(
    episodes: list[RemoteMedia],
    *,
    media_folder: Path,
    on_bytes: Callable[[int], None] = lambda _: None,
    on_size: Callable[[int, int], None] = lambda _announced, _actual: None,
) -> MediaFetchReport:
    """Downloads, reads and stores each episode's file, one at a time; `on_bytes` is told
    each chunk's size (and the bytes already there when a download resumes), `on_size` the
    size the feed announced and the one the server gives, as each download starts."""
    async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=True) as client:
        return await _fetch_each(episodes, media_folder, client, on_bytes, on_size)


async def _fetch_each(
    episodes: list[RemoteMedia],
    media_folder: Path,
    client: httpx.AsyncClient,
    on_bytes: Callable[[int], None],
    on_size: Callable[[int, int], None],
) -> MediaFetchReport:
    report = MediaFetchReport()
    for episode in episodes:
        partial = _partial_path(media_folder, episode)
        try:
            resumed = await _download(episode, partial, client, on_bytes, on_size)
        except (httpx.HTTPError, OSError) as error:
            report.failed.append((episode.number, f'{type(error).__name__}: {error}'))
            continue
        if resumed:
            report.resumed.append(episode.number)
        try:
            report.stored.append((episode.number, await _store(episode, partial, media_folder)))
        except AudioFileError as error:
            partial.unlink(missing_ok=True)
            report.failed.append((episode.number, f'{error} Its audio stays at its URL.'))
    return report


def _partial_path(media_folder: Path, episode: RemoteMedia) -> Path:
    """Named after the episode and its URL, so that a changed URL starts afresh."""
    url_hash = hashlib.sha256(episode.media_url.encode()).hexdigest()[:12]
    return incoming_folder(media_folder) / f'fetch-{episode.number}-{url_hash}.part'


async def _download(
    episode: RemoteMedia,
    partial: Path,
    client: httpx.AsyncClient,
    on_bytes: Callable[[int], None],
    on_size: Callable[[int, int], None],
) -> bool:
    """Completes `partial`; True when it went on from bytes a previous run left."""
    have = _bytes_present(partial)
    # Identity: byte ranges count the bytes of the file, not of a compressed body.
    headers = {'Accept-Encoding': 'identity'} | ({'Range': f'bytes={have}-'} if have else {})
    async with client.stream('GET', episode.media_url, headers=headers) as response:
        if have and response.status_code == 416:
            on_bytes(have)
            return True  # the previous run had it all
        response.raise_for_status()
        resuming = have > 0 and response.status_code == 206
        if resuming:
            on_bytes(have)
        expected = response.headers.get('Content-Length')
        if expected is not None and expected.isdigit():
            on_size(episode.announced_bytes, (have if resuming else 0) + int(expected))
        written = 0
        with partial.open('ab' if resuming else 'wb') as target:
            # As they arrive: what came before a dropped connection is kept for the next run.
            async for chunk in response.aiter_raw():
                target.write(chunk)
                written += len(chunk)
                on_bytes(len(chunk))
        if expected is not None and expected.isdigit() and written < int(expected):
            raise httpx.ReadError(f'the connection ended after {written:,} of {expected} bytes')
    return resuming


def _bytes_present(partial: Path) -> int:
    """What a previous run left of the file (its folder made if need be). A command-line
    path, so plain blocking file calls are fine here."""
    partial.parent.mkdir(parents=True, exist_ok=True)
    return partial.stat().st_size if partial.exists() else 0


async def _store(episode: RemoteMedia, partial: Path, media_folder: Path) -> str:
    claimed = claimed_format(episode.media_url.split('?')[0], episode.media_type)
    facts = read_audio_facts(partial, claimed=claimed)
    name = stored_name(
        number=episode.number, slug=episode.slug, digest=content_digest(partial),
        extension=facts.format,
    )  # fmt: skip
    keep_file(partial, media_folder, name)
    session = db.session()
    await session.execute(
        update(Episode)
        .where(Episode.id == episode.episode_id)
        .values(
            media_file=name, media_size_bytes=facts.size_bytes, media_type=facts.media_type,
            duration_seconds=facts.whole_seconds, media_bitrate_bps=facts.bitrate_bps,
            media_sample_rate_hz=facts.sample_rate_hz, media_channels=facts.channels,
            media_header_bytes=facts.header_bytes,
        )
    )  # fmt: skip
    await session.commit()
    if facts.format == 'mp3':
        await media_service.probe_stored_file(
            episode_id=episode.episode_id, path=media_folder / name
        )
    return name
