"""Importing a podcast from its feed: the show, every episode (by GUID), people, and the
transcripts and chapters it links to. One transaction: a failure changes nothing."""

import json
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx
from pydantic import BaseModel
from sqlalchemy import delete, select

from podsite.data import Episode, EpisodeGuest, Guest, Podcast
from podsite.formats.feed_parser import FeedError, LinkedFile, ParsedEpisode, ParsedFeed
from podsite.formats.transcript_formats import (
    FORMAT_BY_MEDIA_TYPE,
    FORMAT_BY_SUFFIX,
    TranscriptFormatError,
    parse_transcript,
)
from podsite.formats.xml_text import clean_json
from podsite.infrastructure import db
from podsite.infrastructure.slugs import slugify
from podsite.services.catalogue.derived_columns import episode_columns
from podsite.services.publishing import transcript_service

MAX_FEED_BYTES = 50 * 1024 * 1024
PODCAST_FIELDS = (
    'title', 'subtitle', 'description', 'author', 'owner_name', 'owner_email', 'language',
    'categories', 'explicit', 'artwork_url', 'website_url', 'copyright', 'locked',
    'funding_url', 'funding_text', 'update_frequency_text', 'update_frequency_rrule',
    'extra_podcast_elements',
)  # fmt: skip
EPISODE_FIELDS = (
    'title', 'subtitle', 'summary', 'show_notes', 'published_at', 'media_url',
    'media_size_bytes', 'media_type', 'duration_seconds', 'season', 'episode_type', 'explicit',
    'image_url', 'soundbites', 'extra_podcast_elements',
)  # fmt: skip


class FeedImportReport(BaseModel):
    created: int = 0
    updated: int = 0
    skipped: list[tuple[str, str]] = []
    warnings: list[str] = []


def read_source(source: str) -> tuple[bytes, Path | None]:
    """The feed's bytes, and the folder its relative links are read from (files only)."""
    if source.startswith(('http://', 'https://')):
        try:
            response = httpx.get(source, timeout=30, follow_redirects=True)
            response.raise_for_status()
        except httpx.HTTPError as error:
            raise FeedError(f'could not download {source}: {error}') from error
        if len(response.content) > MAX_FEED_BYTES:
            raise FeedError('the feed is larger than 50 MB')
        return response.content, None
    path = Path(source)
    if not path.is_file():
        raise FeedError(f'{source} is neither a file nor an http(s) URL')
    if path.stat().st_size > MAX_FEED_BYTES:
        raise FeedError('the feed is larger than 50 MB')
    return path.read_bytes(), path.resolve().parent


def _linked_text(url: str, base_dir: Path | None, *, fetch_remote: bool) -> str:
    """A transcript or chapters file named by the feed: a local path, or over http(s)."""
    parts = urlsplit(url)
    if parts.scheme in {'http', 'https'}:
        if not fetch_remote:
            raise OSError('not fetched (remote files are off for this import)')
        response = httpx.get(url, timeout=15, follow_redirects=True)
        response.raise_for_status()
        return response.text
    path = Path(unquote(parts.path)) if parts.scheme == 'file' else Path(url)
    if not path.is_absolute():
        if base_dir is None:
            raise OSError(f'{url} is relative but the feed was not read from a file')
        path = base_dir / path
    return path.read_text('utf-8')


async def import_feed(
    feed: ParsedFeed,
    *,
    base_dir: Path | None,
    fetch_remote: bool = True,
    on_progress: Callable[[int, int], None] | None = None,
) -> FeedImportReport:
    session = db.session()
    report = FeedImportReport(skipped=list(feed.skipped), warnings=list(feed.warnings))
    try:
        await _save_show(feed)
        numbers_taken = set(await session.scalars(select(Episode.number)))
        next_number = max(numbers_taken, default=0) + 1
        for index, parsed in enumerate(feed.episodes, start=1):
            episode = await session.scalar(select(Episode).where(Episode.guid == parsed.guid))
            if episode is None:
                number = (
                    parsed.number if parsed.number and parsed.number not in numbers_taken else None
                )
                if number is None:
                    number, next_number = next_number, next_number + 1
                numbers_taken.add(number)
                next_number = max(next_number, number + 1)
                episode = Episode(guid=parsed.guid, number=number, is_published=True)
                session.add(episode)
                report.created += 1
            else:
                report.updated += 1
            for field in EPISODE_FIELDS:
                setattr(episode, field, getattr(parsed, field))
            for field, value in episode_columns(show_notes=parsed.show_notes).items():
                setattr(episode, field, value)
            episode.slug = slugify(parsed.title) or f'episode-{episode.number}'
            await session.flush()
            await _save_people(episode.id, parsed)
            await _save_linked_files(episode, parsed, base_dir, report, fetch_remote)
            if on_progress is not None:
                on_progress(index, len(feed.episodes))
        await session.commit()
    except Exception:
        await session.rollback()
        raise
    return report


async def _save_show(feed: ParsedFeed) -> None:
    session = db.session()
    podcast = await session.scalar(select(Podcast).order_by(Podcast.id).limit(1))
    if podcast is None:
        podcast = Podcast(id=1)
        session.add(podcast)
    for field in PODCAST_FIELDS:
        setattr(podcast, field, getattr(feed, field))


async def _save_people(episode_id: int, parsed: ParsedEpisode) -> None:
    session = db.session()
    await session.execute(delete(EpisodeGuest).where(EpisodeGuest.episode_id == episode_id))
    seen: set[int] = set()
    for position, person in enumerate(parsed.people):
        slug = slugify(person.name) or 'guest'
        guest = await session.scalar(select(Guest).where(Guest.slug == slug))
        if guest is None:
            guest = Guest(name=person.name, slug=slug, photo_url=person.img,
                          website_url=person.href, social_links={})  # fmt: skip
            session.add(guest)
            await session.flush()
        if guest.id in seen:
            continue
        seen.add(guest.id)
        role = 'host' if person.role == 'host' else 'guest'
        session.add(
            EpisodeGuest(episode_id=episode_id, guest_id=guest.id, role=role, position=position)
        )


async def _save_linked_files(
    episode: Episode,
    parsed: ParsedEpisode,
    base_dir: Path | None,
    report: FeedImportReport,
    fetch_remote: bool,
) -> None:
    transcript = _best_transcript(parsed.transcripts)
    if transcript is not None:
        try:
            source = _linked_text(transcript.url, base_dir, fetch_remote=fetch_remote)
            transcript_format = FORMAT_BY_MEDIA_TYPE.get(transcript.type.split(';')[0].strip())
            transcript_format = transcript_format or FORMAT_BY_SUFFIX.get(
                Path(urlsplit(transcript.url).path).suffix.lower(), 'text'
            )
            await transcript_service.save_transcript(
                episode_id=episode.id,
                transcript=parse_transcript(source, transcript_format=transcript_format),
            )
        except (OSError, httpx.HTTPError, TranscriptFormatError, UnicodeDecodeError) as error:
            report.warnings.append(f'#{episode.number} transcript {transcript.url}: {error}')
    if parsed.chapters is not None:
        try:
            chapters = json.loads(
                _linked_text(parsed.chapters.url, base_dir, fetch_remote=fetch_remote)
            )
            if not isinstance(chapters, dict) or not isinstance(chapters.get('chapters'), list):
                raise ValueError('no "chapters" list')
            episode.chapters = clean_json(chapters)
        except (OSError, httpx.HTTPError, ValueError) as error:
            report.warnings.append(f'#{episode.number} chapters {parsed.chapters.url}: {error}')


def _best_transcript(links: list[LinkedFile]) -> LinkedFile | None:
    """Timed formats first: they give the page speaker turns and search its timestamps."""
    order = {'vtt': 0, 'srt': 1, 'text': 2}
    usable = [
        link
        for link in links
        if FORMAT_BY_MEDIA_TYPE.get(link.type.split(';')[0].strip())
        or Path(urlsplit(link.url).path).suffix.lower() in FORMAT_BY_SUFFIX
    ]

    def rank(link: LinkedFile) -> int:
        found = FORMAT_BY_MEDIA_TYPE.get(link.type.split(';')[0].strip()) or FORMAT_BY_SUFFIX.get(
            Path(urlsplit(link.url).path).suffix.lower(), 'text'
        )
        return order[found]

    return min(usable, key=rank) if usable else None
