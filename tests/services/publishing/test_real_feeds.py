"""Every real feed in ../shared/data/feeds, moved into podsite: the same show comes out of
podsite's feed. Per feed: every episode, each with its source season and number; at least
the links of its notes; its chapters and transcripts (linked, as with --no-fetch); the show's
GUID and people; a re-import that changes nothing; an older snapshot then a newer one that
keep every number; and what feedparser and podcastparser read from podsite's feed is what
they read from the source."""

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import feedparser
import podcastparser
import pytest
from lxml import etree
from lxml import html as lxml_html
from quart import Quart
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from podsite.data import Episode
from podsite.formats.durations import parse_clock
from podsite.formats.feed_parser import MEDIA_TYPE_ALIASES, FeedError, parse_feed
from podsite.services.publishing import feed_import_service
from tests.conftest import SHARED_DATA
from tests.databases import snapshot

FEEDS = SHARED_DATA / 'feeds'
FEED_NAMES = (
    sorted(p.name for p in FEEDS.iterdir() if p.suffix in {'.xml', '.rss'})
    if FEEDS.is_dir()
    else ['(no ../shared/data/feeds: skipped)']
)
REFUSED = {'no-agenda-malformed-entity.xml': 'not well-formed XML'}
PODCAST = 'https://podcastindex.org/namespace/1.0'


def source_of(shared_data: Path, name: str) -> bytes:
    return (shared_data / 'feeds' / name).read_bytes()


async def import_and_read(app: Quart, data: bytes) -> bytes:
    """Imports as `podsite import-feed --no-fetch --i-own-this-feed` does; podsite's feed."""
    async with app.app_context():
        await feed_import_service.import_feed(parse_feed(data), base_dir=None, owner_consents=True)
    response = await app.test_client().get('/episodes/rss')
    assert response.status_code == 200
    return await response.get_data()


def document(data: bytes) -> etree._Element:
    recovering = etree.XMLParser(recover=True, resolve_entities=False, no_network=True)
    return etree.fromstring(data.lstrip(), recovering)


def _local(element: etree._Element) -> str:
    if not isinstance(element.tag, str):
        return ''
    return element.tag.rpartition('}')[2].rpartition(':')[2]


def _space(element: etree._Element) -> str:
    """The namespace as a prefix; a recovered undeclared prefix (`content:encoded`) as is."""
    tag = element.tag if isinstance(element.tag, str) else ''
    namespace = tag[1:].partition('}')[0] if tag.startswith('{') else tag.rpartition(':')[0]
    namespace = namespace.lower().rstrip('/')
    if 'itunes.com' in namespace:
        return 'itunes'
    if 'podcastindex' in namespace or 'podcast-namespace' in namespace:
        return 'podcast'
    return 'content' if 'purl.org/rss/1.0/modules/content' in namespace else namespace


def _first(parent: etree._Element, space: str, name: str) -> etree._Element | None:
    return next((c for c in parent if _local(c) == name and _space(c) == space), None)


def items(root: etree._Element) -> Iterator[etree._Element]:
    channel = root.find('channel')
    assert channel is not None
    return (child for child in channel if child.tag == 'item')


def guid_of(item: etree._Element) -> str:
    return (item.findtext('guid') or '').strip()


def media_url(item: etree._Element) -> str:
    enclosure = item.find('enclosure')
    return '' if enclosure is None else enclosure.get('url', '').strip()


def pair(item: etree._Element) -> tuple[str | None, str | None]:
    """(season, episode) as apps read them: Apple's tag, else the Podcasting 2.0 one."""
    found = []
    for name in ('season', 'episode'):
        element = _first(item, 'itunes', name)
        if element is None:
            element = _first(item, 'podcast', name)
        found.append(None if element is None else (element.text or '').strip())
    return found[0], found[1]


def notes_links(item: etree._Element) -> int:
    notes = _first(item, 'content', 'encoded')
    text = (notes.text or '') if notes is not None else (item.findtext('description') or '')
    if not text.strip():
        return 0
    return len(lxml_html.fragment_fromstring(text, create_parent='div').xpath('//a[@href]'))


def carrying(root: etree._Element, name: str) -> int:
    return sum(
        any(_local(c) == name and _space(c) == 'podcast' for c in item) for item in items(root)
    )


def channel_people(root: etree._Element) -> int:
    channel = root.find('channel')
    assert channel is not None
    return sum(1 for c in channel if _local(c) == 'person' and _space(c) == 'podcast')


@pytest.mark.parametrize('name', FEED_NAMES)
async def test_a_moved_show_comes_out_of_podsites_feed_the_same(
    name: str, shared_data: Path, empty_app: Quart, empty_database_url: str
) -> None:
    data = source_of(shared_data, name)
    if name in REFUSED:
        with pytest.raises(FeedError, match=REFUSED[name]):
            parse_feed(data)
        return
    source, parsed = document(data), parse_feed(data)
    ours = document(await import_and_read(empty_app, data))

    source_items = {guid_of(i) or f'{id(i)}': i for i in items(source)}
    our_items = {guid_of(i): i for i in items(ours)}
    assert len(our_items) == len(parsed.episodes) == len(list(items(source))) - len(parsed.skipped)
    for episode in parsed.episodes:
        source_item = source_items.get(episode.guid)
        if source_item is None:  # no <guid>: podsite used the media URL
            source_item = next(i for i in items(source) if media_url(i) == episode.guid)
        our_item = our_items[episode.guid]
        assert pair(our_item) == pair(source_item), episode.title
        assert notes_links(our_item) >= notes_links(source_item), episode.title
    for element in ('chapters', 'transcript'):
        assert carrying(ours, element) == carrying(source, element), element
    source_channel, our_channel = source.find('channel'), ours.find('channel')
    assert source_channel is not None and our_channel is not None
    source_guid = _first(source_channel, 'podcast', 'guid')
    if source_guid is not None:
        assert our_channel.findtext(f'{{{PODCAST}}}guid') == (source_guid.text or '').strip()
    assert channel_people(ours) == channel_people(source)
    # Every namespace is declared once, on <rss>, the Podcasting 2.0 one canonically.
    for element in ours.iter():
        parent = element.getparent()
        assert parent is None or element.nsmap == parent.nsmap, etree.tostring(element)[:200]
    assert ours.nsmap['podcast'] == PODCAST

    before = await snapshot(empty_database_url)
    await import_and_read(empty_app, data)
    assert await snapshot(empty_database_url) == before, 'a re-import changed something'


def older_snapshot(data: bytes, *, leave_out: int) -> bytes:
    """The same feed as it was before its `leave_out` newest items were published."""
    root = document(data)
    channel = root.find('channel')
    assert channel is not None

    def published(item: etree._Element) -> datetime:
        try:
            return parsedate_to_datetime(item.findtext('pubDate') or '')
        except (TypeError, ValueError):
            return datetime.min.replace(tzinfo=UTC)

    for item in sorted(items(root), key=published)[-leave_out:]:
        channel.remove(item)
    older: bytes = etree.tostring(root, xml_declaration=True, encoding='utf-8')
    return older


async def site_numbers(database_url: str) -> dict[str, tuple[int, int | None, int | None]]:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(Episode.guid, Episode.number, Episode.season, Episode.episode_number)
            )
            return {row.guid: (row.number, row.season, row.episode_number) for row in rows}
    finally:
        await engine.dispose()


@pytest.mark.parametrize('name', [n for n in FEED_NAMES if n not in REFUSED])
async def test_an_older_snapshot_then_a_newer_one_keep_every_number(
    name: str, shared_data: Path, empty_app: Quart, empty_database_url: str
) -> None:
    data = source_of(shared_data, name)
    count = len(list(items(document(data))))
    await import_and_read(empty_app, older_snapshot(data, leave_out=max(1, count // 3)))
    older = await site_numbers(empty_database_url)
    await import_and_read(empty_app, data)
    newer = await site_numbers(empty_database_url)
    assert {guid: newer[guid] for guid in older} == older
    assert len({number for number, _, _ in newer.values()}) == len(newer)


def _seconds(text: Any) -> int | None:
    if text in (None, ''):
        return None
    found = parse_clock(str(text))
    return None if not found else int(found)


def by_feedparser(data: bytes) -> dict[str, tuple[Any, ...]]:
    """Per entry: enclosure type and length, duration in seconds, season and number."""
    read = feedparser.parse(data.lstrip())
    found = {}
    for entry in read.entries:
        enclosure = entry.enclosures[0] if entry.enclosures else {}
        media_type = enclosure.get('type', '').lower()
        # A GUID given twice: podsite keeps the first item, as apps do.
        found.setdefault(entry.get('id') or entry.get('title'), (
            MEDIA_TYPE_ALIASES.get(media_type, media_type),
            int(enclosure['length']) if str(enclosure.get('length', '')).isdigit() else 0,
            _seconds(entry.get('itunes_duration')),
            entry.get('itunes_season'),
            entry.get('itunes_episode'),
        ))  # fmt: skip
    return found


def by_podcastparser(data: bytes) -> dict[str, tuple[Any, ...]]:
    read = podcastparser.parse('https://feed.example/rss', io.BytesIO(data.lstrip()))
    found = {}
    for episode in read['episodes']:
        enclosure = episode['enclosures'][0] if episode['enclosures'] else {}
        media_type = enclosure.get('mime_type', '').lower()
        found.setdefault(episode['guid'], (
            MEDIA_TYPE_ALIASES.get(media_type, media_type),
            max(enclosure.get('file_size', 0), 0),
            episode.get('total_time') or None,
            episode.get('season'),
            episode.get('number'),
        ))  # fmt: skip
    return found


@pytest.mark.parametrize('name', [n for n in FEED_NAMES if n not in REFUSED])
async def test_podcast_apps_read_the_same_episodes_from_podsites_feed(
    name: str, shared_data: Path, empty_app: Quart
) -> None:
    data = source_of(shared_data, name)
    ours = await import_and_read(empty_app, data)
    parsed = {episode.guid: episode for episode in parse_feed(data).episodes}
    # These parsers read only Apple's tags, and only under Apple's exact namespace URI. podsite
    # writes them for a number the source gave as `podcast:episode` alone, and for tags the
    # source put under a misspelt namespace (`DTDs/Podcast-1.0.dtd`): there podsite's feed
    # must say what the source meant.
    pairs = {guid_of(item): pair(item) for item in items(document(data))}
    for read, as_read in ((by_feedparser, str), (by_podcastparser, int)):
        source = {guid: read_as for guid, read_as in read(data).items() if guid in parsed}
        mine = read(ours)
        assert set(mine) == set(parsed), read.__name__
        for guid, (media_type, length, seconds, season, number) in source.items():
            given_season, given_number = pairs.get(guid, (None, None))
            if season is None and given_season is not None:
                season = as_read(given_season)
            if number is None and given_number is not None:
                number = as_read(given_number)
            seconds = seconds or parsed[guid].duration_seconds or None
            # A type the source left out is guessed; one it gave is kept.
            expected = (media_type or mine[guid][0], length, seconds, season, number)
            assert mine[guid] == expected, (read.__name__, guid)
