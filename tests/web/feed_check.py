"""A feed validator written from Apple's podcast RSS requirements and the Podcasting 2.0
namespace specification (the namespace's 2021 XSD is out of date, so rules are coded here).
`problems(xml)` returns one readable line per violation; an empty list means valid."""

import re
import uuid
from datetime import datetime
from email.utils import parsedate_to_datetime

from lxml import etree

ITUNES = 'http://www.itunes.com/dtds/podcast-1.0.dtd'
PODCAST = 'https://podcastindex.org/namespace/1.0'
NS = {'itunes': ITUNES, 'podcast': PODCAST, 'content': 'http://purl.org/rss/1.0/modules/content/'}

APPLE_CATEGORIES = {
    'Arts', 'Business', 'Comedy', 'Education', 'Fiction', 'Government', 'History',
    'Health & Fitness', 'Kids & Family', 'Leisure', 'Music', 'News', 'Religion & Spirituality',
    'Science', 'Society & Culture', 'Sports', 'Technology', 'True Crime', 'TV & Film',
}  # fmt: skip
AUDIO_TYPES = {'audio/mpeg', 'audio/x-m4a', 'audio/mp4', 'video/mp4', 'video/quicktime',
               'video/x-m4v', 'application/pdf', 'audio/ogg', 'audio/opus'}  # fmt: skip
PERSON_ROLES = {'host', 'guest', 'co-host', 'editor', 'producer', 'author', 'director',
                'composer', 'narrator', 'reporter', 'writer', 'creator'}  # fmt: skip
URL = re.compile(r'^https?://[^\s]+$')
DECIMAL = re.compile(r'^\d+(\.\d+)?$')
MIME = re.compile(r'^[a-z]+/[a-z0-9.+-]+$')


def problems(xml: bytes) -> list[str]:
    found: list[str] = []
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    if root.tag != 'rss' or root.get('version') != '2.0':
        return ['root is not <rss version="2.0">']
    channel = root.find('channel')
    if channel is None:
        return ['no <channel>']
    found += _channel(channel)
    guids: set[str] = set()
    for index, item in enumerate(channel.findall('item'), start=1):
        found += [f'item {index}: {problem}' for problem in _item(item, guids)]
    for index, live in enumerate(channel.findall('podcast:liveItem', NS), start=1):
        found += [f'liveItem {index}: {problem}' for problem in _live_item(live, guids)]
    for misplaced in root.iterfind('.//item/podcast:liveItem', NS):
        found.append(f'podcast:liveItem {misplaced.findtext("title")!r} is not a child of channel')
    return found


def _iso_8601(value: str | None) -> datetime | None:
    """An ISO 8601 timestamp with a UTC offset (`Z` or `+01:00`), or None."""
    try:
        moment = datetime.fromisoformat(value or '')
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _live_item(live: etree._Element, guids: set[str]) -> list[str]:
    """Podcasting 2.0 `<podcast:liveItem>`: status and start required, end recommended, the
    children of an <item>, and at least one podcast:contentLink (required by the spec)."""
    found: list[str] = []
    if live.get('status') not in {'pending', 'live', 'ended'}:
        found.append(f'status {live.get("status")!r} is not pending, live or ended')
    start, end = _iso_8601(live.get('start')), _iso_8601(live.get('end'))
    if start is None:
        found.append('start is not an ISO 8601 timestamp with an offset')
    if 'end' in live.attrib and end is None:
        found.append('end is not an ISO 8601 timestamp with an offset')
    if start is not None and end is not None and end <= start:
        found.append('end is not after start')
    if not _text(live, 'title'):
        found.append('missing <title>')
    guid = _text(live, 'guid')
    if not guid:
        found.append('missing <guid>')
    elif guid in guids:
        found.append(f'duplicate guid {guid!r}')
    guids.add(guid or '')
    links = live.findall('podcast:contentLink', NS)
    if not links:
        found.append('no podcast:contentLink')
    for link in links:
        if not URL.match(link.get('href', '')):
            found.append('podcast:contentLink href is not a URL')
    enclosure = live.find('enclosure')
    if enclosure is not None and not URL.match(enclosure.get('url', '')):
        found.append('enclosure url is not a URL')
    found += _persons(live)
    return found


def _text(element: etree._Element, path: str) -> str | None:
    child = element.find(path, NS)
    return None if child is None else (child.text or '')


def _channel(channel: etree._Element) -> list[str]:
    found: list[str] = []
    for path in ('title', 'description', 'language', 'link', 'itunes:author', 'itunes:explicit'):
        if not _text(channel, path):
            found.append(f'channel: missing or empty <{path}>')
    description = _text(channel, 'description') or ''
    if len(description.encode('utf-8')) > 4000:
        found.append('channel: description is over 4000 bytes')
    image = channel.find('itunes:image', NS)
    href = image.get('href', '') if image is not None else ''
    if not URL.match(href) or not href.lower().endswith(('.jpg', '.jpeg', '.png')):
        found.append(f'channel: itunes:image href must be a JPEG or PNG URL, got {href!r}')
    if _text(channel, 'itunes:explicit') not in {'true', 'false'}:
        found.append('channel: itunes:explicit must be true or false')
    categories = channel.findall('itunes:category', NS)
    if not categories:
        found.append('channel: no itunes:category')
    for category in categories:
        if category.get('text') not in APPLE_CATEGORIES:
            found.append(f'channel: {category.get("text")!r} is not an Apple category')
        for sub in category.findall('itunes:category', NS):
            if not sub.get('text'):
                found.append('channel: subcategory without text')
    owner_email = _text(channel, 'itunes:owner/itunes:email')
    if not owner_email or '@' not in owner_email:
        found.append('channel: itunes:owner needs an itunes:email')
    guid = _text(channel, 'podcast:guid')
    try:
        if guid is None or uuid.UUID(guid).version != 5:
            found.append('channel: podcast:guid must be a UUIDv5')
    except ValueError:
        found.append(f'channel: podcast:guid {guid!r} is not a UUID')
    locked = channel.find('podcast:locked', NS)
    if locked is not None and locked.text not in {'yes', 'no'}:
        found.append('channel: podcast:locked must be yes or no')
    for funding in channel.findall('podcast:funding', NS):
        if not URL.match(funding.get('url', '')) or len(funding.text or '') > 128:
            found.append('channel: podcast:funding needs a url and at most 128 characters')
    for frequency in channel.findall('podcast:updateFrequency', NS):
        if not frequency.text or len(frequency.text) > 128:
            found.append('channel: podcast:updateFrequency needs text of at most 128 characters')
    found += [f'channel: {p}' for p in _persons(channel)]
    return found


def _persons(parent: etree._Element) -> list[str]:
    found = []
    for person in parent.findall('podcast:person', NS):
        if not person.text or len(person.text) > 128:
            found.append('podcast:person needs a name of at most 128 characters')
        if person.get('role', 'host').lower() not in PERSON_ROLES:
            found.append(f'podcast:person role {person.get("role")!r} is not in the taxonomy')
        for attribute in ('img', 'href'):
            if attribute in person.attrib and not URL.match(person.get(attribute, '')):
                found.append(f'podcast:person {attribute} is not a URL')
    return found


def _item(item: etree._Element, guids: set[str]) -> list[str]:
    found: list[str] = []
    if not _text(item, 'title'):
        found.append('missing <title>')
    enclosure = item.find('enclosure')
    if enclosure is None:
        found.append('missing <enclosure>')
    else:
        if not URL.match(enclosure.get('url', '')):
            found.append('enclosure url is not a URL')
        if not (enclosure.get('length') or '').isdigit():
            found.append('enclosure length is not a whole number of bytes')
        if enclosure.get('type') not in AUDIO_TYPES:
            found.append(f'enclosure type {enclosure.get("type")!r} is not one Apple accepts')
    guid = _text(item, 'guid')
    if not guid:
        found.append('missing <guid>')
    elif guid in guids:
        found.append(f'duplicate guid {guid!r}')
    guids.add(guid or '')
    try:
        parsedate_to_datetime(_text(item, 'pubDate') or '')
    except (TypeError, ValueError):
        found.append('pubDate is not an RFC 2822 date')
    # Recommended, not required: an episode whose length is unknown has none, never 0.
    duration = _text(item, 'itunes:duration')
    if duration is not None and not (duration.isdigit() and int(duration) > 0):
        found.append('itunes:duration is not a positive number of whole seconds')
    if _text(item, 'itunes:episodeType') not in {'full', 'trailer', 'bonus'}:
        found.append('itunes:episodeType must be full, trailer or bonus')
    if _text(item, 'itunes:explicit') not in {'true', 'false'}:
        found.append('itunes:explicit must be true or false')
    for path in ('itunes:episode', 'itunes:season', 'podcast:season'):
        value = _text(item, path)
        if value is not None and not value.isdigit():
            found.append(f'{path} must be a whole number')
    episode = _text(item, 'podcast:episode')
    if episode is not None and not DECIMAL.match(episode):
        found.append('podcast:episode must be a number')
    for transcript in item.findall('podcast:transcript', NS):
        if not URL.match(transcript.get('url', '')) or not MIME.match(transcript.get('type', '')):
            found.append('podcast:transcript needs a url and a MIME type')
        if transcript.get('rel') not in {None, 'captions'}:
            found.append('podcast:transcript rel must be captions when present')
    for chapters in item.findall('podcast:chapters', NS):
        if not URL.match(chapters.get('url', '')) or chapters.get('type') != (
            'application/json+chapters'
        ):
            found.append('podcast:chapters needs a url and type application/json+chapters')
    for soundbite in item.findall('podcast:soundbite', NS):
        if not DECIMAL.match(soundbite.get('startTime', '')) or not DECIMAL.match(
            soundbite.get('duration', '')
        ):
            found.append('podcast:soundbite needs decimal startTime and duration')
        if len(soundbite.text or '') > 128:
            found.append('podcast:soundbite title is over 128 characters')
    found += _persons(item)
    return found
