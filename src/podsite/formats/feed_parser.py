"""Reading a podcast's RSS feed as hosts publish it, damage and all, with a hardened parser.

Entities are never expanded and nothing is fetched while parsing: a feed that declares
entities (the "billion laughs" attack) or uses undefined ones is refused with the line.

Nothing the feed says is lost without a word: each element of the channel and of every item is
either mapped to a field podsite models, kept verbatim (written back into podsite's own feed),
or dropped for a stated reason, and `ParsedFeed.elements` counts each kind of element by what
happened to it. Namespaces are matched as hosts write them: in any case, with or without a
trailing slash, and the Podcasting 2.0 namespace under both of its URIs; kept elements carry
the canonical one.

A feed that is not well-formed only because of characters XML does not allow (a vertical tab
pasted into one description, as word processors write line breaks, or `&#11;`) is read
without them, with a warning, rather than refused whole: they mean nothing to a listener.
"""

import mimetypes
import re
from collections import Counter, defaultdict
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from lxml import etree
from pydantic import BaseModel

from podsite.formats.durations import parse_clock
from podsite.formats.moments import in_utc
from podsite.formats.numbers import LARGEST_BIG_INTEGER, whole_number
from podsite.formats.xml_text import CleanText, clean_text

ITUNES = 'http://www.itunes.com/dtds/podcast-1.0.dtd'
CONTENT = 'http://purl.org/rss/1.0/modules/content/'
MEDIA = 'http://search.yahoo.com/mrss/'
ATOM = 'http://www.w3.org/2005/Atom'
PODCAST = 'https://podcastindex.org/namespace/1.0'
PODCAST_GITHUB = 'https://github.com/podcastindex-org/podcast-namespace/blob/main/docs/1.0.md'
KNOWN_PREFIXES = {
    'content': CONTENT,
    'itunes': ITUNES,
    'podcast': PODCAST,
    'atom': ATOM,
    'media': MEDIA,
    'dc': 'http://purl.org/dc/elements/1.1/',
    'googleplay': 'http://www.google.com/schemas/play-podcasts/1.0',
}
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
)
_ENTITY_DECLARATION = re.compile(rb'<!ENTITY', re.IGNORECASE)
# Raw control bytes, which are those characters in every encoding that keeps ASCII as it is.
_CONTROL_BYTES = re.compile(rb'[\x00-\x08\x0b\x0c\x0e-\x1f]')
_CHARACTER_REFERENCE = re.compile(rb'&#(?:x([0-9a-fA-F]{1,8})|([0-9]{1,10}));')

# A namespace declaration in a kept element's XML.
_DECLARATION = re.compile(r'(xmlns(?::[\w.-]+)?=)"([^"]*)"')
# A tag, a comment or an entity: notes with any of these were written as HTML.
_HTML_MARK = re.compile(r'</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>|<!--|&(?:[a-zA-Z]+|#\d+);')
# Atom links that name the old feed itself: podsite's feed has its own address.
_OWN_FEED_RELATIONS = {'self', 'hub', 'first', 'last', 'next', 'previous', 'prev'}
# The roles podsite shows on its pages; any other person (a producer, an editor) is kept as is.
APPEARANCE_ROLE_OF = {'host': 'host', 'co-host': 'host', 'guest': 'guest'}
MEDIA_TYPE_ALIASES = {'audio/mp3': 'audio/mpeg', 'audio/x-mp3': 'audio/mpeg',
                      'x-audio/mp3': 'audio/mpeg', 'audio/mpeg3': 'audio/mpeg'}  # fmt: skip

UNTITLED = 'Untitled podcast'
Outcome = Literal['mapped', 'kept', 'dropped']


class FeedError(ValueError):
    """The input is not a feed podsite can import; the message says why and where."""


class Person(BaseModel):
    name: CleanText
    role: CleanText = 'host'
    """As the namespace says, a person with no role is a host."""
    group: CleanText = ''
    href: CleanText = ''
    img: CleanText = ''


class LinkedFile(BaseModel):
    """A `podcast:transcript` or `podcast:chapters` link, with the attributes it came with."""

    url: CleanText
    type: CleanText = ''
    language: CleanText = ''
    rel: CleanText = ''


class ElementCount(BaseModel):
    """What the import did with one kind of element (`itunes:author`, `podcast:person`)."""

    kind: str
    mapped: int = 0
    kept: int = 0
    dropped: int = 0
    why_dropped: str = ''


class ParsedEpisode(BaseModel):
    guid: CleanText
    title: CleanText
    subtitle: CleanText = ''
    summary: CleanText = ''
    show_notes: CleanText = ''
    show_notes_format: Literal['html', 'text'] = 'text'
    published_at: datetime | None = None
    """None when the item has no readable date."""
    media_url: CleanText = ''
    media_size_bytes: int = 0
    media_type: CleanText = 'audio/mpeg'
    duration_seconds: int = 0
    """0: the feed gives no duration."""
    number: int | None = None
    """`itunes:episode` (or a whole `podcast:episode`); None for an unnumbered episode."""
    season: int | None = None
    episode_type: str = 'full'
    explicit: bool = False
    image_url: CleanText = ''
    people: list[Person] = []
    transcripts: list[LinkedFile] = []
    chapters: LinkedFile | None = None
    soundbites: list[dict[str, Any]] = []
    extra_elements: list[str] = []


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
    show_type: Literal['episodic', 'serial'] = 'episodic'
    guid: CleanText = ''
    """`podcast:guid`; empty when the feed has none."""
    self_url: CleanText = ''
    """The address the feed says it is served from (`atom:link rel="self"`)."""
    locked: bool = False
    locked_owner: CleanText = ''
    """The `owner` of `podcast:locked`, else the `itunes:owner` email."""
    funding_url: CleanText = ''
    funding_text: CleanText = ''
    update_frequency_text: CleanText = ''
    update_frequency_rrule: CleanText = ''
    people: list[Person] = []
    extra_elements: list[str] = []
    episodes: list[ParsedEpisode] = []
    skipped: list[tuple[str, str]] = []
    warnings: list[str] = []
    elements: list[ElementCount] = []


class _Tally:
    """Counts each kind of element by outcome, with the reason for those dropped."""

    def __init__(self) -> None:
        self.counts: dict[str, Counter[Outcome]] = defaultdict(Counter)
        self.reasons: dict[str, str] = {}

    def add(self, kind: str, outcome: Outcome, reason: str = '') -> None:
        self.counts[kind][outcome] += 1
        if reason:
            self.reasons.setdefault(kind, reason)

    def report(self) -> list[ElementCount]:
        return [
            ElementCount(kind=kind, mapped=counts['mapped'], kept=counts['kept'],
                         dropped=counts['dropped'], why_dropped=self.reasons.get(kind, ''))
            for kind, counts in sorted(self.counts.items())
        ]  # fmt: skip


def _normal(namespace: str) -> str:
    """Hosts write `DTDs` for `dtds`, leave off a trailing slash, or use the namespace's old
    GitHub address: all of them mean the same namespace."""
    normal = namespace.lower().rstrip('/')
    return _normal_podcast if normal == _github_podcast else normal


_normal_podcast = PODCAST.lower().rstrip('/')
_github_podcast = PODCAST_GITHUB.lower().rstrip('/')
_PREFIX_OF = {_normal(uri): prefix for prefix, uri in KNOWN_PREFIXES.items()}


def _namespace(element: etree._Element) -> str:
    return _normal(etree.QName(element).namespace or '')


def _is(element: etree._Element, namespace: str, name: str) -> bool:
    return (
        isinstance(element.tag, str)
        and etree.QName(element).localname == name
        and _namespace(element) == _normal(namespace)
    )


def _children(parent: etree._Element, namespace: str, name: str) -> list[etree._Element]:
    return [child for child in parent if _is(child, namespace, name)]


def _text_of(element: etree._Element | None) -> str:
    return '' if element is None else (element.text or '').strip()


def _text(parent: etree._Element, namespace: str, name: str) -> str:
    found = _children(parent, namespace, name)
    return _text_of(found[0]) if found else ''


def kind_of(element: etree._Element) -> str:
    """`itunes:author`, `managingEditor`, `rawvoice:frequency`: the element as people name it."""
    qname = etree.QName(element)
    if not qname.namespace:
        return qname.localname
    prefix = _PREFIX_OF.get(_normal(qname.namespace)) or element.prefix or qname.namespace
    return f'{prefix}:{qname.localname}'


def verbatim(element: etree._Element) -> str:
    """The element as XML, with only the namespace declarations it uses, and the Podcasting 2.0
    namespace under its canonical URI (so that podsite's feed declares the prefix once)."""
    copy = etree.fromstring(etree.tostring(element, with_tail=False), _PARSER)
    etree.cleanup_namespaces(copy)
    text: str = etree.tostring(copy, encoding='unicode', with_tail=False)
    return _DECLARATION.sub(_canonical_declaration, text)


def _canonical_declaration(match: re.Match[str]) -> str:
    """A known namespace under its canonical URI, however the source spelled it."""
    prefix = _PREFIX_OF.get(_normal(match[2]))
    return f'{match[1]}"{KNOWN_PREFIXES[prefix] if prefix else match[2]}"'


def duration_seconds(text: str) -> int:
    """`itunes:duration` in whole seconds, fields past 59 added up (`parse_clock`'s lenient
    reading); anything unreadable is unknown (0)."""
    clock = parse_clock(text, lenient=True)
    return int(clock) if clock is not None else 0


def _explicit(text: str) -> bool:
    return text.strip().lower() in {'yes', 'true', 'explicit'}


def _date(text: str) -> datetime | None:
    text = text.strip()
    if not text:
        return None
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        try:
            moment = datetime.fromisoformat(text.replace('Z', '+00:00'))
        except ValueError:
            return None
    return in_utc(moment)


def _whole(text: str) -> int | None:
    """A whole number as feeds write them (`7`, `07`, `7.0`); None for anything else."""
    text = text.strip()
    if text.endswith('.0'):
        text = text[:-2]
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def is_html(notes: str) -> bool:
    """Whether notes were written as HTML rather than as plain text."""
    return _HTML_MARK.search(notes) is not None


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
    channels = _children(root, '', 'channel')
    if not channels:
        raise FeedError('not an RSS feed: <rss> has no <channel>')
    channel = channels[0]
    tally = _Tally()
    title = _text(channel, '', 'title') or UNTITLED
    feed = ParsedFeed(title=title, **_channel_fields(channel, tally))
    if removed:
        feed.warnings.append(
            f'left out {removed} characters XML does not allow (control characters such as '
            'a vertical tab); the rest of the feed is read as it was'
        )
    seen: set[str] = set()
    items = _children(channel, '', 'item')
    for index, item in enumerate(items):
        episode = _episode(item, tally)
        if episode is None:
            feed.skipped.append((_text(item, '', 'title') or f'item {index + 1}', 'no title'))
            tally.add('item', 'dropped', 'no title and no media to name it by')
        elif episode.guid in seen:
            feed.skipped.append((episode.guid, 'duplicate GUID: kept the first'))
            tally.add('item', 'dropped', 'a GUID seen before in the feed: the first is kept')
        else:
            seen.add(episode.guid)
            feed.episodes.append(episode)
            tally.add('item', 'mapped')
    feed.elements = tally.report()
    return feed


def _channel_fields(channel: etree._Element, tally: _Tally) -> dict[str, Any]:
    mapped: set[etree._Element] = set()

    def first(namespace: str, name: str) -> etree._Element | None:
        found = _children(channel, namespace, name)
        if found:
            mapped.add(found[0])
        return found[0] if found else None

    owner = first(ITUNES, 'owner')
    image, rss_image = first(ITUNES, 'image'), first('', 'image')
    categories = []
    for category in _children(channel, ITUNES, 'category'):
        mapped.add(category)
        path = [category.get('text', '')]
        path += [sub.get('text', '') for sub in _children(category, ITUNES, 'category')][:1]
        if path[0]:
            categories.append([name for name in path if name])
    locked, funding = first(PODCAST, 'locked'), first(PODCAST, 'funding')
    frequency, guid = first(PODCAST, 'updateFrequency'), first(PODCAST, 'guid')
    description, summary = first('', 'description'), first(ITUNES, 'summary')
    show_type = _text_of(first(ITUNES, 'type')).lower()
    artwork = image.get('href', '') if image is not None else ''
    if not artwork and rss_image is not None:
        artwork = _text(rss_image, '', 'url')
    owner_email = _text(owner, ITUNES, 'email') if owner is not None else ''
    people = []
    for element in _children(channel, PODCAST, 'person'):
        person = _person(element)
        if person is not None:
            mapped.add(element)
            people.append(person)
    fields = {
        'subtitle': _text_of(first(ITUNES, 'subtitle')),
        'description': _text_of(description) or _text_of(summary),
        'author': _text_of(first(ITUNES, 'author')),
        'owner_name': _text(owner, ITUNES, 'name') if owner is not None else '',
        'owner_email': owner_email,
        'language': (_text_of(first('', 'language')) or 'en')[:35],
        'categories': categories,
        'explicit': _explicit(_text_of(first(ITUNES, 'explicit'))),
        'artwork_url': artwork.strip(),
        'website_url': _text_of(first('', 'link')),
        'copyright': _text_of(first('', 'copyright')),
        'show_type': 'serial' if show_type == 'serial' else 'episodic',
        'guid': _text_of(guid)[:36],
        'locked': _text_of(locked).lower() == 'yes',
        'locked_owner': (locked.get('owner', '') if locked is not None else '') or owner_email,
        'funding_url': funding.get('url', '') if funding is not None else '',
        'funding_text': _text_of(funding)[:128],
        'update_frequency_text': _text_of(frequency)[:128],
        'update_frequency_rrule': frequency.get('rrule', '') if frequency is not None else '',
        'people': people,
    }
    first('', 'title')  # read by `parse_feed`
    extra = []
    for child in channel:
        if not isinstance(child.tag, str) or _is(child, '', 'item'):
            continue
        kind = kind_of(child)
        if child in mapped:
            tally.add(kind, 'mapped')
        elif (reason := _dropped_from_channel(child)) is not None:
            tally.add(kind, 'dropped', reason)
        else:
            tally.add(kind, 'kept')
            extra.append(verbatim(child))
        if _is(child, ATOM, 'link') and child.get('rel') == 'self' and 'self_url' not in fields:
            fields['self_url'] = child.get('href', '').strip()
    fields['extra_elements'] = extra
    return fields


def _dropped_from_channel(child: etree._Element) -> str | None:
    """Why an element the channel has twice over, or that describes the old feed, is left out;
    None for an element kept as it is."""
    if _is(child, ATOM, 'link') and child.get('rel', 'alternate') in _OWN_FEED_RELATIONS:
        return "the old feed's own address: podsite's feed has its own"
    if _namespace(child) in {'', _normal(ITUNES), _normal(PODCAST)}:
        local = etree.QName(child).localname
        reasons = {
            'lastBuildDate': 'podsite dates its own feed',
            'pubDate': 'podsite dates its own feed',
            'generator': 'podsite names itself',
            'new-feed-url': "the old feed's move: podsite's settings say where its feed moves",
            'liveItem': "live streams are entered in podsite's admin",
            'title': 'the channel has one title',
            'description': 'the channel has one description',
            'link': "podsite's site is the show's home page",
            'language': 'the channel has one language',
            'copyright': 'the channel has one copyright',
            'author': 'the channel has one author',
            'subtitle': 'the channel has one subtitle',
            'summary': 'mapped to the description',
            'owner': 'the channel has one owner',
            'image': 'the channel has one image',
            'explicit': 'the channel has one explicit flag',
            'type': 'the channel has one type',
            'guid': 'the show has one GUID',
            'locked': 'the channel has one lock',
            'person': 'no name',
        }
        if local in reasons:
            return reasons[local]
    return None


def _person(element: etree._Element) -> Person | None:
    name = _text_of(element)
    if not name:
        return None
    return Person(
        name=name[:200],
        role=(element.get('role') or 'host').strip().lower(),
        group=(element.get('group') or '').strip().lower(),
        href=element.get('href', '').strip(),
        img=element.get('img', '').strip(),
    )


def _media_type(declared: str, url: str) -> str:
    declared = declared.strip().lower()
    if declared:
        return MEDIA_TYPE_ALIASES.get(declared, declared)
    guessed, _ = mimetypes.guess_type(urlsplit(url).path)
    return guessed or 'audio/mpeg'


def _episode(item: etree._Element, tally: _Tally) -> ParsedEpisode | None:
    mapped: set[etree._Element] = set()
    dropped: dict[etree._Element, str] = {}

    def first(namespace: str, name: str) -> etree._Element | None:
        found = _children(item, namespace, name)
        if found:
            mapped.add(found[0])
        for later in found[1:]:
            dropped[later] = f'an item has one {kind_of(later)}: the first is used'
        return found[0] if found else None

    # Media RSS `media:content` stands in for a missing enclosure, as podcast apps read it.
    enclosure = first('', 'enclosure')
    if enclosure is None:
        contents = [c for c in _children(item, MEDIA, 'content') if c.get('url')]
        enclosure = contents[0] if contents else None
        if enclosure is not None:
            mapped.add(enclosure)
    media_url = enclosure.get('url', '').strip() if enclosure is not None else ''
    declared_type = enclosure.get('type', '') if enclosure is not None else ''
    length = (enclosure.get('length') or enclosure.get('fileSize') or '0').strip() if (
        enclosure is not None
    ) else '0'  # fmt: skip
    file_name = media_url.rsplit('/', 1)[-1].rsplit('.', 1)[0]
    rss_title, itunes_title = first('', 'title'), first(ITUNES, 'title')
    title = _text_of(rss_title) or _text_of(itunes_title) or file_name
    if not title:
        return None
    guid = _text_of(first('', 'guid')) or media_url or _text(item, '', 'link') or title
    description, encoded = first('', 'description'), first(CONTENT, 'encoded')
    summaries = _children(item, ITUNES, 'summary')
    summary = _text_of(description)
    if not summary and summaries:
        summary = _text_of(summaries[0])
        mapped.add(summaries[0])
    notes = _text_of(encoded) or _text_of(description) or summary
    image = first(ITUNES, 'image')
    episode_type = _text_of(first(ITUNES, 'episodeType')).lower()
    number, season = _numbers(item, mapped)
    people = []
    for element in _children(item, PODCAST, 'person'):
        person = _person(element)
        if person is not None and person.role in APPEARANCE_ROLE_OF:
            mapped.add(element)
            people.append(person)
    transcripts = []
    for element in _children(item, PODCAST, 'transcript'):
        if element.get('url', '').strip():
            mapped.add(element)
            transcripts.append(_linked(element))
        else:
            dropped[element] = 'no url'
    chapters = first(PODCAST, 'chapters')
    if chapters is not None and not chapters.get('url', '').strip():
        dropped[chapters] = 'no url'
        chapters = None
    soundbites = []
    for bite in _children(item, PODCAST, 'soundbite'):
        start, length_seconds = bite.get('startTime', ''), bite.get('duration', '')
        try:
            soundbites.append(
                {'start': float(start), 'duration': float(length_seconds),
                 'title': _text_of(bite)[:128]}
            )  # fmt: skip
            mapped.add(bite)
        except ValueError:
            dropped[bite] = 'startTime and duration are not numbers'
    for name in ('subtitle', 'duration', 'explicit'):
        first(ITUNES, name)
    first('', 'pubDate')
    link = first('', 'link')
    if link is not None:
        mapped.discard(link)
        dropped[link] = "podsite's episode page takes its place"
    extra = []
    for child in item:
        if not isinstance(child.tag, str):
            continue
        kind = kind_of(child)
        if child in mapped:
            tally.add(kind, 'mapped')
        elif child in dropped:
            tally.add(kind, 'dropped', dropped[child])
        else:
            tally.add(kind, 'kept')
            extra.append(verbatim(child))
    return ParsedEpisode(
        guid=guid[:400],
        title=title[:400],
        subtitle=_text(item, ITUNES, 'subtitle')[:400],
        summary=summary,
        show_notes=notes,
        show_notes_format='html' if is_html(notes) else 'text',
        published_at=_date(_text(item, '', 'pubDate')),
        media_url=media_url,
        media_size_bytes=whole_number(length, highest=LARGEST_BIG_INTEGER) or 0,
        media_type=_media_type(declared_type, media_url),
        duration_seconds=duration_seconds(_text(item, ITUNES, 'duration')),
        number=number,
        season=season,
        episode_type=episode_type if episode_type in {'full', 'trailer', 'bonus'} else 'full',
        explicit=_explicit(_text(item, ITUNES, 'explicit')),
        image_url=image.get('href', '').strip() if image is not None else '',
        people=people,
        transcripts=transcripts,
        chapters=None if chapters is None else _linked(chapters),
        soundbites=soundbites,
        extra_elements=extra,
    )


def _linked(element: etree._Element) -> LinkedFile:
    return LinkedFile(
        url=element.get('url', '').strip(),
        type=element.get('type', '').strip(),
        language=element.get('language', '').strip(),
        rel=element.get('rel', '').strip(),
    )


def _numbers(item: etree._Element, mapped: set[etree._Element]) -> tuple[int | None, int | None]:
    """The episode's number and season: Apple's tags first, then the Podcasting 2.0 ones.

    A `podcast:episode` or `podcast:season` that says more than a whole number (`display`,
    `name`, `1.5`) is kept as it is, and podsite's feed writes none of its own in its place
    (Apple's tags still carry a whole number).
    """
    found = []
    for name in ('episode', 'season'):
        apple = _children(item, ITUNES, name)
        value = _whole(_text_of(apple[0])) if apple else None
        if apple and value is not None:
            mapped.add(apple[0])
        for element in _children(item, PODCAST, name):
            plain = _whole(_text_of(element))
            if value is None:
                value = plain
            if plain is not None and plain == value and not element.attrib:
                mapped.add(element)
        found.append(value)
    return found[0], found[1]
