"""Reading a podcast's RSS feed as hosts publish it, damage and all, with a hardened parser.

Entities are never expanded and nothing is fetched while parsing: a feed that declares
entities (the "billion laughs" attack) or uses undefined ones is refused with the line.

A feed that is not well-formed only because of characters XML does not allow (a vertical tab
pasted into one description, as word processors write line breaks, or `&#11;`) is read
without them, with a warning, rather than refused whole: they mean nothing to a listener.
"""

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from lxml import etree
from pydantic import BaseModel

from podsite.formats.durations import parse_clock
from podsite.formats.xml_text import CleanText, clean_text

ITUNES = 'http://www.itunes.com/dtds/podcast-1.0.dtd'
CONTENT = 'http://purl.org/rss/1.0/modules/content/'
MEDIA = 'http://search.yahoo.com/mrss/'
PODCAST_NAMESPACES = {
    'https://podcastindex.org/namespace/1.0',
    'https://github.com/podcastindex-org/podcast-namespace/blob/main/docs/1.0.md',
}
KNOWN_PREFIXES = {
    'content': CONTENT,
    'itunes': ITUNES,
    'podcast': 'https://podcastindex.org/namespace/1.0',
    'atom': 'http://www.w3.org/2005/Atom',
    'media': 'http://search.yahoo.com/mrss/',
    'dc': 'http://purl.org/dc/elements/1.1/',
    'googleplay': 'http://www.google.com/schemas/play-podcasts/1.0',
}
MODELLED_PODCAST_TAGS = {
    'guid', 'locked', 'funding', 'updateFrequency', 'person', 'transcript', 'chapters',
    'soundbite', 'season', 'episode',
}  # fmt: skip
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
)
_ENTITY_DECLARATION = re.compile(rb'<!ENTITY', re.IGNORECASE)
# Raw control bytes, which are those characters in every encoding that keeps ASCII as it is.
_CONTROL_BYTES = re.compile(rb'[\x00-\x08\x0b\x0c\x0e-\x1f]')
_CHARACTER_REFERENCE = re.compile(rb'&#(?:x([0-9a-fA-F]{1,8})|([0-9]{1,10}));')


UNTITLED = 'Untitled podcast'


class FeedError(ValueError):
    """The input is not a feed podsite can import; the message says why and where."""


class Person(BaseModel):
    name: CleanText
    role: CleanText = 'guest'
    href: CleanText = ''
    img: CleanText = ''


class LinkedFile(BaseModel):
    url: CleanText
    type: CleanText = ''


class ParsedEpisode(BaseModel):
    guid: CleanText
    title: CleanText
    subtitle: CleanText = ''
    summary: CleanText = ''
    show_notes: CleanText = ''
    published_at: datetime
    media_url: CleanText = ''
    media_size_bytes: int = 0
    media_type: CleanText = 'audio/mpeg'
    duration_seconds: int = 0
    number: int | None = None
    season: int | None = None
    episode_type: str = 'full'
    explicit: bool = False
    image_url: CleanText = ''
    people: list[Person] = []
    transcripts: list[LinkedFile] = []
    chapters: LinkedFile | None = None
    soundbites: list[dict[str, Any]] = []
    extra_podcast_elements: list[str] = []


class ParsedFeed(BaseModel):
    title: CleanText
    subtitle: CleanText = ''
    description: CleanText = ''
    author: CleanText = ''
    owner_name: CleanText = ''
    owner_email: CleanText = ''
    language: CleanText = 'en'
    categories: list[list[CleanText]] = []
    explicit: bool = False
    artwork_url: CleanText = ''
    website_url: CleanText = ''
    copyright: CleanText = ''
    locked: bool = False
    funding_url: CleanText = ''
    funding_text: CleanText = ''
    update_frequency_text: CleanText = ''
    update_frequency_rrule: CleanText = ''
    people: list[Person] = []
    extra_podcast_elements: list[str] = []
    episodes: list[ParsedEpisode] = []
    skipped: list[tuple[str, str]] = []
    warnings: list[str] = []


def _namespace(element: etree._Element) -> str:
    return (etree.QName(element).namespace or '').lower()


def _is(element: etree._Element, namespace: str | None, name: str) -> bool:
    if not isinstance(element.tag, str) or etree.QName(element).localname != name:
        return False
    found = _namespace(element)
    if namespace == 'podcast':
        return found in PODCAST_NAMESPACES
    return found == (namespace or '').lower()


def _children(parent: etree._Element, namespace: str | None, name: str) -> list[etree._Element]:
    return [child for child in parent if _is(child, namespace, name)]


def _text(parent: etree._Element, namespace: str | None, name: str) -> str:
    found = _children(parent, namespace, name)
    return (found[0].text or '').strip() if found else ''


def duration_seconds(text: str) -> int:
    """`itunes:duration` in whole seconds; anything unreadable is unknown (0)."""
    return int(parse_clock(text) or 0)


def _explicit(text: str) -> bool:
    return text.strip().lower() in {'yes', 'true', 'explicit'}


def _date(text: str) -> datetime | None:
    text = text.strip()
    if not text:
        return None
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        try:
            moment = datetime.fromisoformat(text.replace('Z', '+00:00'))
        except ValueError:
            return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _int(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() and len(text) < 10 else None


def _parse_xml(data: bytes) -> tuple[etree._Element, int]:
    """The document's root, and how many characters XML does not allow were left out to
    read it (0 for a well-formed feed). Errors name the line of the file as it was."""
    data = data.lstrip()
    if not data:
        raise FeedError('the file is empty')
    if _ENTITY_DECLARATION.search(data[:100_000]):
        raise FeedError('the document declares XML entities, which feeds never need; refused')
    try:
        return _parse_well_formed(data), 0
    except FeedError as error:
        cleaned, removed = _without_characters_xml_refuses(data)
        if not removed:
            raise
        try:
            return _parse_well_formed(cleaned), removed
        except FeedError:
            raise error from None


def _without_characters_xml_refuses(data: bytes) -> tuple[bytes, int]:
    """The document without raw control bytes and without character references to what XML
    does not allow, and how many were removed. UTF-16 and UTF-32 documents, where a control
    byte can be half of a character, are left as they are."""
    if data.startswith((b'\xff\xfe', b'\xfe\xff')) or b'\x00' in data[:4]:
        return data, 0

    removed_references = 0

    def allowed_or_removed(reference: re.Match[bytes]) -> bytes:
        nonlocal removed_references
        hexadecimal, decimal = reference.groups()
        code = int(hexadecimal, 16) if hexadecimal else int(decimal)
        if code <= 0x10FFFF and clean_text(chr(code)):
            return reference.group()
        removed_references += 1
        return b''

    data, removed_bytes = _CONTROL_BYTES.subn(b'', data)
    data = _CHARACTER_REFERENCE.sub(allowed_or_removed, data)
    return data, removed_bytes + removed_references


def _parse_well_formed(data: bytes) -> etree._Element:
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as error:
        if 'Namespace prefix' in str(error):
            return _with_declared_prefixes(data)
        raise FeedError(f'not well-formed XML (line {error.lineno}): {error.msg}') from error


def _with_declared_prefixes(data: bytes) -> etree._Element:
    """Apple's own sample uses `content:` without declaring it: declare the usual prefixes."""
    match = re.search(rb'<rss\b', data)
    if match is None:
        raise FeedError('not an RSS feed: there is no <rss> element')
    declared = b''.join(
        b' xmlns:%s="%s"' % (prefix.encode(), uri.encode())
        for prefix, uri in KNOWN_PREFIXES.items()
        if b'xmlns:' + prefix.encode() + b'=' not in data
    )
    patched = data[: match.end()] + declared + data[match.end() :]
    try:
        return etree.fromstring(patched, _PARSER)
    except etree.XMLSyntaxError as error:
        raise FeedError(f'not well-formed XML (line {error.lineno}): {error.msg}') from error


def parse_feed(data: bytes) -> ParsedFeed:
    root, removed = _parse_xml(data)
    if not isinstance(root.tag, str) or etree.QName(root).localname != 'rss':
        name = etree.QName(root).localname if isinstance(root.tag, str) else '?'
        raise FeedError(f'not an RSS feed: the document is <{name}>, not <rss>')
    channels = _children(root, None, 'channel')
    if not channels:
        raise FeedError('not an RSS feed: <rss> has no <channel>')
    channel = channels[0]
    title = _text(channel, None, 'title') or UNTITLED
    feed = ParsedFeed(title=title, **_channel_fields(channel))
    if removed:
        feed.warnings.append(
            f'left out {removed} characters XML does not allow (control characters such as '
            'a vertical tab); the rest of the feed is read as it was'
        )
    seen: set[str] = set()
    items = _children(channel, None, 'item')
    newest = datetime.now(UTC)
    for index, item in enumerate(items):
        episode = _episode(item, fallback_date=newest - timedelta(days=index))
        if episode is None:
            feed.skipped.append((_text(item, None, 'title') or f'item {index + 1}', 'no title'))
        elif episode.guid in seen:
            feed.skipped.append((episode.guid, 'duplicate GUID: kept the first'))
        else:
            seen.add(episode.guid)
            feed.episodes.append(episode)
    return feed


def _channel_fields(channel: etree._Element) -> dict[str, Any]:
    owner = _children(channel, ITUNES, 'owner')
    image = _children(channel, ITUNES, 'image')
    rss_image = _children(channel, None, 'image')
    categories = []
    for category in _children(channel, ITUNES, 'category'):
        path = [category.get('text', '')]
        path += [sub.get('text', '') for sub in _children(category, ITUNES, 'category')][:1]
        if path[0]:
            categories.append([name for name in path if name])
    locked = _children(channel, 'podcast', 'locked')
    funding = _children(channel, 'podcast', 'funding')
    frequency = _children(channel, 'podcast', 'updateFrequency')
    artwork = (
        image[0].get('href', '')
        if image
        else (_text(rss_image[0], None, 'url') if rss_image else '')
    )
    return {
        'subtitle': _text(channel, ITUNES, 'subtitle'),
        'description': _text(channel, None, 'description') or _text(channel, ITUNES, 'summary'),
        'author': _text(channel, ITUNES, 'author'),
        'owner_name': _text(owner[0], ITUNES, 'name') if owner else '',
        'owner_email': _text(owner[0], ITUNES, 'email') if owner else '',
        'language': (_text(channel, None, 'language') or 'en')[:35],
        'categories': categories,
        'explicit': _explicit(_text(channel, ITUNES, 'explicit')),
        'artwork_url': artwork.strip(),
        'website_url': _text(channel, None, 'link'),
        'copyright': _text(channel, None, 'copyright'),
        'locked': bool(locked) and (locked[0].text or '').strip().lower() == 'yes',
        'funding_url': funding[0].get('url', '') if funding else '',
        'funding_text': ((funding[0].text or '').strip() if funding else '')[:128],
        'update_frequency_text': ((frequency[0].text or '').strip() if frequency else '')[:128],
        'update_frequency_rrule': frequency[0].get('rrule', '') if frequency else '',
        'people': _people(channel),
        'extra_podcast_elements': _extra(channel),
    }


def _people(parent: etree._Element) -> list[Person]:
    people = []
    for person in _children(parent, 'podcast', 'person'):
        name = (person.text or '').strip()
        if name:
            people.append(
                Person(
                    name=name[:200],
                    role=person.get('role', 'host' if parent.tag == 'channel' else 'guest').lower(),
                    href=person.get('href', ''),
                    img=person.get('img', ''),
                )
            )
    return people


def _extra(parent: etree._Element) -> list[str]:
    return [
        etree.tostring(child, encoding='unicode', with_tail=False)
        for child in parent
        if isinstance(child.tag, str)
        and _namespace(child) in PODCAST_NAMESPACES
        and etree.QName(child).localname not in MODELLED_PODCAST_TAGS
    ]


def _episode(item: etree._Element, *, fallback_date: datetime) -> ParsedEpisode | None:
    # Media RSS `media:content` stands in for a missing enclosure, as podcast apps read it.
    enclosures = _children(item, None, 'enclosure') or [
        content for content in _children(item, MEDIA, 'content') if content.get('url')
    ]
    enclosure = enclosures[0] if enclosures else None
    media_url = enclosure.get('url', '').strip() if enclosure is not None else ''
    media_type = enclosure.get('type', 'audio/mpeg').strip() if enclosure is not None else ''
    length = (
        (enclosure.get('length') or enclosure.get('fileSize') or '0')
        if enclosure is not None
        else '0'
    )
    file_name = media_url.rsplit('/', 1)[-1].rsplit('.', 1)[0]
    title = _text(item, None, 'title') or _text(item, ITUNES, 'title') or file_name
    if not title:
        return None
    guid = _text(item, None, 'guid') or media_url or _text(item, None, 'link') or title
    image = _children(item, ITUNES, 'image')
    chapters = _children(item, 'podcast', 'chapters')
    episode_type = _text(item, ITUNES, 'episodeType').lower()
    soundbites = []
    for bite in _children(item, 'podcast', 'soundbite'):
        start, length_seconds = bite.get('startTime', ''), bite.get('duration', '')
        try:
            soundbites.append(
                {'start': float(start), 'duration': float(length_seconds),
                 'title': (bite.text or '').strip()[:128]}
            )  # fmt: skip
        except ValueError:
            continue
    return ParsedEpisode(
        guid=guid[:400],
        title=title[:400],
        subtitle=_text(item, ITUNES, 'subtitle')[:400],
        summary=_text(item, None, 'description') or _text(item, ITUNES, 'summary'),
        show_notes=_text(item, CONTENT, 'encoded') or _text(item, None, 'description'),
        published_at=_date(_text(item, None, 'pubDate')) or fallback_date,
        media_url=media_url,
        media_size_bytes=int(length) if length.strip().isdigit() else 0,
        media_type='audio/mpeg' if media_type in {'audio/mp3', 'audio/x-mp3', ''} else media_type,
        duration_seconds=duration_seconds(_text(item, ITUNES, 'duration')),
        number=_int(_text(item, ITUNES, 'episode')) or _int(_text(item, 'podcast', 'episode')),
        season=_int(_text(item, ITUNES, 'season')) or _int(_text(item, 'podcast', 'season')),
        episode_type=episode_type if episode_type in {'full', 'trailer', 'bonus'} else 'full',
        explicit=_explicit(_text(item, ITUNES, 'explicit')),
        image_url=image[0].get('href', '') if image else '',
        people=_people(item),
        transcripts=[
            LinkedFile(url=t.get('url', ''), type=t.get('type', ''))
            for t in _children(item, 'podcast', 'transcript')
            if t.get('url')
        ],
        chapters=LinkedFile(url=chapters[0].get('url', ''), type=chapters[0].get('type', ''))
        if chapters and chapters[0].get('url')
        else None,
        soundbites=soundbites,
        extra_podcast_elements=_extra(item),
    )
