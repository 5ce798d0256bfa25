"""Importing a podcast from its feed: the show, every episode (by GUID), people, and the
transcripts and chapters it links to. One transaction: a failure changes nothing.

What a moved show keeps (README.md, "Moving a show in"):

- Numbers. The site number (`Episode.number`, the episode's URLs) is given once and never
  changed by a later import. When the source numbers every episode and no two alike, the site
  numbers are the source's; otherwise (no numbers, numbering per season, unnumbered bonus
  episodes) they follow publication order, oldest first, and a newer feed's new episodes come
  after the highest one. The source's own season and number (`Episode.season`,
  `Episode.episode_number`) are what the feed and the pages show, whatever the site number.
- Notes as written: HTML sanitised, plain text with its paragraphs (`formats/show_notes.py`).
- Linked transcripts and chapters: fetched and served by podsite when they can be, and in any
  case remembered, so that the feed and the page point to the originals when they could not.
- The show's identity (`podcast:guid`), type, people and every element podsite does not model.

Linked files are fetched before the transaction opens, several at a time, through a fetcher
the caller chooses (`fetch_over_http`, or a stand-in in tests); None fetches nothing remote.
"""

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx
from pydantic import BaseModel
from sqlalchemy import delete, select

from podsite.data import Episode, EpisodeGuest, Guest, Podcast, Transcript
from podsite.formats.chapters import parse_chapters
from podsite.formats.feed_document import podcast_guid, site_podcast_guid
from podsite.formats.feed_parser import (
    APPEARANCE_ROLE_OF,
    ElementCount,
    FeedError,
    LinkedFile,
    ParsedEpisode,
    ParsedFeed,
)
from podsite.formats.transcript_formats import (
    FORMAT_BY_MEDIA_TYPE,
    FORMAT_BY_SUFFIX,
    FORMAT_PREFERENCE,
    ParsedTranscript,
    TranscriptFormat,
    TranscriptFormatError,
    parse_transcript,
)
from podsite.formats.xml_text import clean_json
from podsite.infrastructure import clock, db
from podsite.infrastructure.slugs import slugify
from podsite.services.catalogue.derived_columns import episode_columns
from podsite.services.publishing import transcript_service
from podsite.settings import current_settings
from podsite.urls import artwork_url

MAX_FEED_BYTES = 50 * 1024 * 1024
MAX_LINKED_FILE_BYTES = 20 * 1024 * 1024
# Linked files fetched at once: enough to hide each host's latency, few enough to be polite.
FETCHES_AT_ONCE = 8
PODCAST_FIELDS = (
    'title', 'subtitle', 'description', 'author', 'owner_name', 'owner_email', 'language',
    'categories', 'explicit', 'artwork_url', 'website_url', 'copyright', 'show_type', 'locked',
    'funding_url', 'funding_text', 'update_frequency_text', 'update_frequency_rrule',
    'extra_elements',
)  # fmt: skip
EPISODE_FIELDS = (
    'title', 'subtitle', 'summary', 'show_notes', 'show_notes_format', 'media_url',
    'media_size_bytes', 'media_type', 'duration_seconds', 'season', 'episode_type', 'explicit',
    'image_url', 'soundbites', 'extra_elements',
)  # fmt: skip

Fetcher = Callable[[str], Awaitable[bytes]]
"""Fetches a URL's body, raising OSError or httpx.HTTPError when it cannot."""


class FeedLockedError(FeedError):
    """The feed says `podcast:locked`: only its owner may move it."""

    def __init__(self, owner: str) -> None:
        who = f'its owner, {owner}' if owner else 'its owner'
        super().__init__(
            f'the feed is locked (podcast:locked is "yes"): {who} has asked that no other host '
            'import it. If the show is yours, import it again with --i-own-this-feed.'
        )
        self.owner = owner


class EpisodeWarning(BaseModel):
    """Something about one episode that a podcaster may want to put right."""

    title: str
    guid: str
    message: str

    def __str__(self) -> str:
        return f'"{self.title}" ({self.guid}): {self.message}'


class FeedImportReport(BaseModel):
    created: int = 0
    updated: int = 0
    skipped: list[tuple[str, str]] = []
    numbering: str = ''
    """How the site numbered the episodes, in a sentence."""
    identity: str = ''
    """Where the show's `podcast:guid` came from, in a sentence."""
    elements: list[ElementCount] = []
    transcripts_copied: int = 0
    transcripts_linked: int = 0
    """Episodes whose feed and page point to the source's transcript (no copy of podsite's)."""
    chapters_copied: int = 0
    chapters_linked: int = 0
    warnings: list[EpisodeWarning] = []
    feed_warnings: list[str] = []
    """About the feed as a whole (characters left out to read it)."""


@dataclass(frozen=True)
class FeedSource:
    data: bytes
    base_dir: Path | None
    """The folder relative links are read from (a feed read from a file)."""
    url: str = ''
    """The address it was downloaded from (a feed read over http)."""


def read_source(source: str) -> FeedSource:
    """The feed's bytes, from a file or over http(s)."""
    if source.startswith(('http://', 'https://')):
        try:
            response = httpx.get(source, timeout=30, follow_redirects=True)
            response.raise_for_status()
        except httpx.HTTPError as error:
            raise FeedError(f'could not download {source}: {error}') from error
        if len(response.content) > MAX_FEED_BYTES:
            raise FeedError('the feed is larger than 50 MB')
        return FeedSource(response.content, None, str(response.url))
    path = Path(source)
    if not path.is_file():
        raise FeedError(f'{source} is neither a file nor an http(s) URL')
    if path.stat().st_size > MAX_FEED_BYTES:
        raise FeedError('the feed is larger than 50 MB')
    return FeedSource(path.read_bytes(), path.resolve().parent)


async def fetch_over_http(url: str) -> bytes:
    """A linked file's body; an error status or a file over 20 MB raises."""
    async with httpx.AsyncClient(timeout=15, follow_redirects=True) as client:
        response = await client.get(url)
        response.raise_for_status()
    if len(response.content) > MAX_LINKED_FILE_BYTES:
        raise OSError(f'larger than {MAX_LINKED_FILE_BYTES // 2**20} MB')
    return response.content


async def _linked_bytes(url: str, base_dir: Path | None, fetcher: Fetcher | None) -> bytes:
    """A transcript or chapters file named by the feed: a local path, or over http(s)."""
    parts = urlsplit(url)
    if parts.scheme in {'http', 'https'}:
        if fetcher is None:
            raise OSError('not fetched (--no-fetch)')
        return await fetcher(url)
    if parts.scheme not in {'', 'file'}:
        raise OSError(f'{parts.scheme}: links cannot be fetched')
    path = Path(unquote(parts.path)) if parts.scheme == 'file' else Path(url)
    if not path.is_absolute():
        if base_dir is None:
            raise OSError(f'{url} is relative but the feed was not read from a file')
        path = base_dir / path
    return await asyncio.to_thread(path.read_bytes)


def transcript_format_of(link: LinkedFile) -> TranscriptFormat | None:
    by_type = FORMAT_BY_MEDIA_TYPE.get(link.type.split(';')[0].strip().lower())
    return by_type or FORMAT_BY_SUFFIX.get(Path(urlsplit(link.url).path).suffix.lower())


def readable_transcripts(links: Iterable[LinkedFile]) -> list[tuple[LinkedFile, TranscriptFormat]]:
    """The links podsite can read, best first: timed formats give the page speaker turns and
    search its timestamps."""
    readable = [(link, found) for link in links if (found := transcript_format_of(link))]
    return sorted(readable, key=lambda pair: FORMAT_PREFERENCE.index(pair[1]))


@dataclass
class _Fetched:
    """What fetching an episode's linked files gave: a transcript, chapters, and problems."""

    transcript: ParsedTranscript | None = None
    chapters: dict[str, object] | None = None
    problems: tuple[str, ...] = ()


async def _fetch_linked(
    episode: ParsedEpisode, *, base_dir: Path | None, fetcher: Fetcher | None
) -> _Fetched:
    """The best transcript that can be read (the next one when a file fails), and chapters."""
    fetched = _Fetched()
    problems: list[str] = []
    for link, transcript_format in readable_transcripts(episode.transcripts):
        try:
            source = (await _linked_bytes(link.url, base_dir, fetcher)).decode('utf-8-sig')
            fetched.transcript = parse_transcript(source, transcript_format=transcript_format)
        except (OSError, httpx.HTTPError, TranscriptFormatError, UnicodeDecodeError) as error:
            problems.append(f'transcript {link.url} not imported: {_reason(error)}')
            continue
        problems += [f'transcript {link.url}, {warning}' for warning in fetched.transcript.warnings]
        break
    if episode.chapters is not None:
        try:
            fetched.chapters = parse_chapters(
                await _linked_bytes(episode.chapters.url, base_dir, fetcher)
            )
        except (OSError, httpx.HTTPError, ValueError) as error:
            problems.append(f'chapters {episode.chapters.url} not imported: {_reason(error)}')
    fetched.problems = tuple(problems)
    return fetched


def _reason(error: Exception) -> str:
    if isinstance(error, httpx.HTTPStatusError):
        return f'the server answered {error.response.status_code}'
    if isinstance(error, httpx.HTTPError):
        return f'could not be fetched ({type(error).__name__}: {error})'
    return str(error) or type(error).__name__


@dataclass
class _Stored:
    """An episode already on the site, as the import needs it."""

    episode: Episode
    has_transcript: bool


async def import_feed(
    feed: ParsedFeed,
    *,
    base_dir: Path | None,
    fetcher: Fetcher | None = None,
    source_url: str = '',
    owner_consents: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> FeedImportReport:
    """Stores the show and its episodes; `fetcher` None leaves remote linked files unfetched
    (their links are kept). A locked feed is refused unless `owner_consents`."""
    if feed.locked and not owner_consents:
        raise FeedLockedError(feed.locked_owner)
    session = db.session()
    report = FeedImportReport(
        skipped=list(feed.skipped), elements=feed.elements, feed_warnings=list(feed.warnings)
    )
    try:
        stored = await _stored_episodes()
        fetched = await _fetch_all(feed, stored, base_dir=base_dir, fetcher=fetcher)
        await _save_show(feed, report, source_url=source_url)
        numbers = await _site_numbers(feed, stored, report)
        guests = _Guests({guest.slug: guest for guest in await session.scalars(select(Guest))})
        appearances = await _appearances()
        episodes = []
        for index, parsed in enumerate(feed.episodes, start=1):
            known = stored.get(parsed.guid)
            if known is None:
                episode = Episode(guid=parsed.guid, number=numbers[parsed.guid], is_published=True)
                session.add(episode)
                report.created += 1
            else:
                episode = known.episode
                report.updated += 1
            _set_fields(episode, parsed, position=index)
            episodes.append(episode)
        # One flush gives the new episodes their ids, rather than one round trip each.
        await session.flush()
        for index, (episode, parsed) in enumerate(zip(episodes, feed.episodes, strict=True), 1):
            await _save_people(episode.id, parsed, guests, appearances.get(episode.id, []))
            known = stored.get(parsed.guid)
            await _save_linked(episode, parsed, fetched.get(parsed.guid), known, report)
            if on_progress is not None:
                on_progress(index, len(feed.episodes))
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    return report


async def _stored_episodes() -> dict[str, _Stored]:
    session = db.session()
    with_transcript = set(await session.scalars(select(Transcript.episode_id)))
    return {
        episode.guid: _Stored(episode, episode.id in with_transcript)
        for episode in await session.scalars(select(Episode))
    }


async def _fetch_all(
    feed: ParsedFeed,
    stored: dict[str, _Stored],
    *,
    base_dir: Path | None,
    fetcher: Fetcher | None,
) -> dict[str, _Fetched]:
    """Linked files of the episodes that need them: new links, or no copy yet. An episode
    whose links are unchanged and whose copies are stored is not fetched again."""
    gate = asyncio.Semaphore(FETCHES_AT_ONCE)

    async def fetch(episode: ParsedEpisode) -> tuple[str, _Fetched]:
        async with gate:
            return episode.guid, await _fetch_linked(episode, base_dir=base_dir, fetcher=fetcher)

    wanted = [episode for episode in feed.episodes if _needs_fetching(episode, stored)]
    return dict(await asyncio.gather(*(fetch(episode) for episode in wanted)))


def _needs_fetching(episode: ParsedEpisode, stored: dict[str, _Stored]) -> bool:
    if not episode.transcripts and episode.chapters is None:
        return False
    known = stored.get(episode.guid)
    if known is None:
        return True
    links = [link.model_dump() for link in episode.transcripts]
    chapters_url = episode.chapters.url if episode.chapters else ''
    return (
        known.episode.linked_transcripts != links
        or known.episode.linked_chapters_url != chapters_url
        or (bool(readable_transcripts(episode.transcripts)) and not known.has_transcript)
        or (episode.chapters is not None and known.episode.chapters is None)
    )


def _set_fields(episode: Episode, parsed: ParsedEpisode, *, position: int) -> None:
    # Rendering the notes is the import's costliest step: a re-import of unchanged notes
    # keeps what was rendered.
    notes_changed = (episode.show_notes, episode.show_notes_format) != (
        parsed.show_notes,
        parsed.show_notes_format,
    ) or not episode.show_notes_html
    for field in EPISODE_FIELDS:
        setattr(episode, field, getattr(parsed, field))
    episode.artwork_file = _kept_artwork_file(episode.artwork_file, episode.image_url)
    episode.episode_number = parsed.number
    # An item without a date keeps the one it was given first; a new one is placed in feed
    # order (newest first), a day apart, before now.
    episode.published_at = (
        parsed.published_at or episode.published_at or clock.now() - timedelta(days=position)
    )
    if notes_changed:
        rendered = episode_columns(
            show_notes=parsed.show_notes, notes_format=parsed.show_notes_format
        )
        for field, value in rendered.items():
            setattr(episode, field, value)
    episode.slug = slugify(parsed.title) or f'episode-{episode.number}'


def _kept_artwork_file(artwork_file: str | None, image_url: str) -> str:
    """Uploaded artwork stays only while the imported image is still its address: the
    pages show its copies, and they must not show another picture than the feed."""
    if artwork_file and image_url.endswith(artwork_url(artwork_file)):
        return artwork_file
    return ''


async def _save_show(feed: ParsedFeed, report: FeedImportReport, *, source_url: str) -> None:
    session = db.session()
    podcast = await session.scalar(select(Podcast).order_by(Podcast.id).limit(1))
    if podcast is None:
        podcast = Podcast(id=1, guid='')
        session.add(podcast)
    for field in PODCAST_FIELDS:
        setattr(podcast, field, getattr(feed, field))
    podcast.artwork_file = _kept_artwork_file(podcast.artwork_file, podcast.artwork_url)
    podcast.people = [person.model_dump() for person in feed.people]
    old_address = feed.self_url or source_url
    if feed.guid:
        report.identity = f'podcast:guid {feed.guid} kept from the feed'
        podcast.guid = feed.guid
    elif podcast.guid:
        report.identity = f'podcast:guid {podcast.guid} kept from the site'
    elif old_address:
        podcast.guid = podcast_guid(old_address)
        report.identity = (
            f'podcast:guid {podcast.guid} derived from the old feed address {old_address}, '
            'as podcast apps and directories derive it'
        )
    else:
        podcast.guid = site_podcast_guid(current_settings().public_base_url)
        report.identity = f'podcast:guid {podcast.guid} made for the show'


async def _site_numbers(
    feed: ParsedFeed, stored: dict[str, _Stored], report: FeedImportReport
) -> dict[str, int]:
    """Site numbers for the feed's new episodes (see the module's docstring)."""
    source_numbers = [episode.number for episode in feed.episodes]
    by_source = (
        all(number is not None and number > 0 for number in source_numbers)
        and len(set(source_numbers)) == len(source_numbers)
        and all(s.episode.episode_number == s.episode.number for s in stored.values())
    )
    taken = {known.episode.number for known in stored.values()}
    fresh = [(index, e) for index, e in enumerate(feed.episodes) if e.guid not in stored]
    # Oldest first; undated items keep feed order (newest first) among themselves.
    undated = datetime.max.replace(tzinfo=clock.now().tzinfo)
    fresh.sort(key=lambda pair: (pair[1].published_at or undated, -pair[0]))
    numbers: dict[str, int] = {}
    for _, episode in fresh:
        wanted = episode.number if by_source else None
        if wanted is not None and wanted not in taken:
            number = wanted
        else:
            number = max(taken, default=0) + 1
            if wanted is not None:
                report.warnings.append(
                    EpisodeWarning(
                        title=episode.title,
                        guid=episode.guid,
                        message=f"number {wanted} is another episode's on the site: this one "
                        f'is at #{number} (its feed still says {wanted})',
                    )
                )
        taken.add(number)
        numbers[episode.guid] = number
    report.numbering = (
        "site numbers are the feed's episode numbers"
        if by_source
        else 'site numbers follow publication order, oldest first (the feed numbers '
        'per season, leaves episodes unnumbered or numbers none); the pages and the feed '
        "show the feed's own season and episode numbers"
    )
    return numbers


class _Guests:
    """The site's people by slug and by web address, so one person is one guest however the
    feeds spell their name."""

    def __init__(self, by_slug: dict[str, Guest]) -> None:
        self.by_slug = by_slug
        self.by_href = {g.website_url: g for g in by_slug.values() if g.website_url}

    async def find_or_add(self, name: str, href: str, img: str) -> Guest:
        guest = (self.by_href.get(href) if href else None) or self.by_slug.get(
            slugify(name) or 'guest'
        )
        if guest is None:
            guest = Guest(name=name, slug=slugify(name) or 'guest', photo_url=img,
                          website_url=href, social_links={})  # fmt: skip
            db.session().add(guest)
            await db.session().flush()
            self.by_slug[guest.slug] = guest
        if href and not guest.website_url:
            guest.website_url = href
        if img and not guest.photo_url:
            guest.photo_url = img
        if guest.website_url:
            self.by_href.setdefault(guest.website_url, guest)
        return guest


async def _appearances() -> dict[int, list[tuple[int, str, int]]]:
    """Who appears in each stored episode: (guest, role, position) in billing order."""
    rows = await db.session().execute(
        select(EpisodeGuest.episode_id, EpisodeGuest.guest_id, EpisodeGuest.role,
               EpisodeGuest.position).order_by(EpisodeGuest.episode_id, EpisodeGuest.position)
    )  # fmt: skip
    found: dict[int, list[tuple[int, str, int]]] = {}
    for episode_id, guest_id, role, position in rows:
        found.setdefault(episode_id, []).append((guest_id, role, position))
    return found


async def _save_people(
    episode_id: int,
    parsed: ParsedEpisode,
    guests: _Guests,
    stored: list[tuple[int, str, int]],
) -> None:
    """The episode's people as the feed lists them; rows are rewritten only on a change."""
    wanted: list[tuple[int, str, int]] = []
    for position, person in enumerate(parsed.people):
        guest = await guests.find_or_add(person.name, person.href, person.img)
        if all(guest.id != seen for seen, _, _ in wanted):
            wanted.append((guest.id, APPEARANCE_ROLE_OF[person.role], position))
    if wanted == stored:
        return
    session = db.session()
    if stored:
        await session.execute(
            delete(EpisodeGuest).where(EpisodeGuest.episode_id == episode_id),
            execution_options={'synchronize_session': False},
        )
    session.add_all(
        EpisodeGuest(episode_id=episode_id, guest_id=guest_id, role=role, position=position)
        for guest_id, role, position in wanted
    )


async def _save_linked(
    episode: Episode,
    parsed: ParsedEpisode,
    fetched: _Fetched | None,
    known: _Stored | None,
    report: FeedImportReport,
) -> None:
    """Keeps the links, stores what was fetched, and counts what podsite serves itself."""
    episode.linked_transcripts = [link.model_dump() for link in parsed.transcripts]
    episode.linked_chapters_url = parsed.chapters.url if parsed.chapters else ''
    for problem in fetched.problems if fetched else ():
        report.warnings.append(
            EpisodeWarning(title=parsed.title, guid=parsed.guid, message=problem)
        )
    has_transcript = known is not None and known.has_transcript
    if fetched is not None and fetched.transcript is not None:
        await transcript_service.save_transcript(
            episode_id=episode.id, transcript=fetched.transcript
        )
        has_transcript = True
    if fetched is not None and fetched.chapters is not None:
        episode.chapters = clean_json(fetched.chapters)
    if parsed.transcripts:
        if has_transcript:
            report.transcripts_copied += 1
        else:
            report.transcripts_linked += 1
    if parsed.chapters is not None:
        if episode.chapters is not None:
            report.chapters_copied += 1
        else:
            report.chapters_linked += 1
