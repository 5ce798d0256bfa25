"""The podcast feed as XML: RSS 2.0 with Apple's `itunes:` tags and Podcasting 2.0 tags.

Elements kept verbatim from an imported feed are written where they were (channel or item);
every namespace is then declared once, on `<rss>`, the Podcasting 2.0 one with its canonical
URI whatever the source used.

No stored text can stop the feed from being written: text with characters XML does not allow
(stored before they were cleaned on the way in, or written into the database around podsite)
is cleaned here as it goes in. lxml checks every string it is given anyway, so the feed
cleans only the strings lxml refuses and costs nothing more for the others.
"""

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from email.utils import format_datetime
from html import escape

from lxml import etree

from podsite.formats.markdown import absolute_links, plain_text
from podsite.formats.show_notes import with_tracked_links
from podsite.formats.xml_text import clean_text
from podsite.schemas.catalogue import GuestRef
from podsite.schemas.feed import Feed, FeedItem, PodcastDetails
from podsite.schemas.live_stream import LiveStreamCard
from podsite.urls import (
    absolute,
    chapters_url,
    episode_url,
    feed_url,
    home_url,
    live_stream_url,
    media_download_path,
    transcript_file_url,
)

ITUNES = 'http://www.itunes.com/dtds/podcast-1.0.dtd'
PODCAST = 'https://podcastindex.org/namespace/1.0'
CONTENT = 'http://purl.org/rss/1.0/modules/content/'
ATOM = 'http://www.w3.org/2005/Atom'
NAMESPACES = {'itunes': ITUNES, 'podcast': PODCAST, 'content': CONTENT, 'atom': ATOM}
# The Podcasting 2.0 spec's namespace for deriving podcast:guid from the feed URL.
PODCAST_GUID_NAMESPACE = uuid.UUID('ead4c236-bf58-58c6-a2c6-a6b28d128cb6')
APPLE_DESCRIPTION_LIMIT_BYTES = 4000
LIVE_STATUS = {'upcoming': 'pending', 'live': 'live', 'past': 'ended'}
# Extra elements were stored from imports; parse them as safely as the import did.
_FRAGMENT_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def podcast_guid(feed_url: str) -> str:
    """UUIDv5 of the feed URL without its scheme and trailing slashes, as the spec says."""
    bare = feed_url.split('://', 1)[-1].rstrip('/')
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare))


def site_podcast_guid(base_url: str) -> str:
    """The GUID of a show created on a site at `base_url`: its feed address's. Stored when the
    show is created, so that moving the site to another address keeps the show's identity."""
    return podcast_guid(absolute(base_url.rstrip('/'), feed_url()))


def truncate_utf8(text: str, limit: int) -> str:
    encoded = text.encode('utf-8')
    if len(encoded) <= limit:
        return text
    return encoded[: limit - 3].decode('utf-8', 'ignore').rstrip() + '...'


def _tag(namespace: str, name: str) -> str:
    return f'{{{namespace}}}{name}'


def _add(
    parent: etree._Element, tag: str, text: str | None = None, /, **attributes: str
) -> etree._Element:
    """A child element with its text and attributes; lxml refuses (ValueError) strings XML
    does not allow, before it adds anything, and those are then written cleaned."""
    try:
        element = etree.SubElement(parent, tag, attributes)
    except ValueError:
        cleaned = {name: clean_text(value) for name, value in attributes.items()}
        element = etree.SubElement(parent, tag, cleaned)
    if text is not None:
        try:
            element.text = text
        except ValueError:
            element.text = clean_text(text)
    return element


def _add_html(parent: etree._Element, tag: str, html: str) -> None:
    """HTML as CDATA, as podcast apps expect show notes (lxml splits the section where the
    HTML holds its end marker); cleaned if lxml refuses it."""
    element = _add(parent, tag)
    try:
        element.text = etree.CDATA(html)
    except ValueError:
        element.text = etree.CDATA(clean_text(html))


class FeedDocument:
    """Builds the feed for one site address; URLs in the feed are absolute.

    The items of `feed` go in first; `add_items` adds more after them, so that a long feed
    can be built a chunk of episodes at a time and their rows and models are never all
    alive at once. The channel's own elements, which name the hosts found in the items and
    the last change among them, are built by `to_bytes` and put before the items."""

    def __init__(self, feed: Feed, *, base_url: str, hubs: Sequence[str] = ()) -> None:
        self.feed = feed
        self.base_url = base_url.rstrip('/')
        self.hubs = hubs
        """WebSub hubs to name, which subscribers may ask to be told of changes."""
        self.kept_namespaces: dict[str, str] = {}
        """Namespaces of kept elements beyond podsite's own, declared once on `<rss>`."""
        self.last_modified = feed.last_modified
        """The latest change to the show, a stream or any item added so far."""
        self._rss = etree.Element('rss', nsmap=NAMESPACES, version='2.0')
        self._channel_element = _add(self._rss, 'channel')
        # Live items come first: readers that treat a <title> or <link> met outside an <item>
        # as the channel's own (feedparser does) keep the show's, which follow.
        for stream in feed.live_items:
            self._live_item(
                _add(self._channel_element, _tag(PODCAST, 'liveItem')), stream, feed.as_of
            )
        self._channel_extras = self._parsed(feed.podcast.extra_elements)
        self._hosts: dict[str, GuestRef] = {}
        """The hosts of the items added so far, in the order they first appear."""
        self._channel_built = False
        self.add_items(feed.items)

    def add_items(self, items: Iterable[FeedItem]) -> None:
        """Builds these items' elements now, after those already added."""
        for item in items:
            self._item(_add(self._channel_element, 'item'), item)
            self.last_modified = max(self.last_modified, item.updated_at)
            for person in item.people:
                if person.is_host:
                    self._hosts.setdefault(person.slug, person)

    @property
    def feed_url(self) -> str:
        return absolute(self.base_url, feed_url())

    def to_bytes(self) -> bytes:
        if not self._channel_built:
            self._channel_built = True
            channel = self._channel_element
            position, built = len(self.feed.live_items), len(channel)
            self._channel(channel, self.feed.podcast)
            own = [channel[index] for index in range(built, len(channel))]
            for offset, element in enumerate(own):
                channel.insert(position + offset, element)
        if self.kept_namespaces:
            # Kept elements brought their own declarations: one on <rss> serves them all.
            etree.cleanup_namespaces(self._rss, top_nsmap={**self.kept_namespaces, **NAMESPACES})
        xml: bytes = etree.tostring(self._rss, xml_declaration=True, encoding='utf-8')
        return xml

    def items_text(self) -> str:
        """The feed's `<item>` elements alone, indented, as an admin's preview shows them."""
        channel = etree.fromstring(self.to_bytes()).find('channel')
        assert channel is not None
        items = [etree.tostring(item, encoding='unicode') for item in channel.iter('item')]
        return '\n'.join(items)

    def _channel(self, channel: etree._Element, podcast: PodcastDetails) -> None:
        # Cut by its bytes in UTF-8, which a lone surrogate has none of: cleaned first.
        description = truncate_utf8(
            clean_text(podcast.description or podcast.subtitle or podcast.title),
            APPLE_DESCRIPTION_LIMIT_BYTES,
        )
        artwork = absolute(self.base_url, podcast.artwork_url)
        _add(channel, 'title', podcast.title)
        _add(channel, 'link', absolute(self.base_url, home_url()))
        _add(channel, 'description', description)
        _add(channel, 'language', podcast.language)
        if podcast.copyright:
            _add(channel, 'copyright', podcast.copyright)
        _add(channel, 'lastBuildDate', format_datetime(self.last_modified))
        _add(channel, 'generator', 'podsite')
        _add(
            channel, _tag(ATOM, 'link'), href=self.feed_url, rel='self', type='application/rss+xml'
        )
        for hub in self.hubs:
            _add(channel, _tag(ATOM, 'link'), href=hub, rel='hub')
        if artwork:
            image = _add(channel, 'image')
            _add(image, 'url', artwork)
            _add(image, 'title', podcast.title)
            _add(image, 'link', absolute(self.base_url, home_url()))
            _add(channel, _tag(ITUNES, 'image'), href=artwork)
        _add(channel, _tag(ITUNES, 'author'), podcast.author or podcast.title)
        if podcast.subtitle:
            _add(channel, _tag(ITUNES, 'subtitle'), podcast.subtitle)
        _add(channel, _tag(ITUNES, 'summary'), description)
        owner = _add(channel, _tag(ITUNES, 'owner'))
        _add(owner, _tag(ITUNES, 'name'), podcast.owner_name or podcast.author or podcast.title)
        _add(owner, _tag(ITUNES, 'email'), podcast.owner_email)
        for category_path in podcast.categories:
            parent = channel
            for name in category_path[:2]:
                parent = _add(parent, _tag(ITUNES, 'category'), text=name)
        _add(channel, _tag(ITUNES, 'explicit'), 'true' if podcast.explicit else 'false')
        _add(channel, _tag(ITUNES, 'type'), podcast.show_type)
        if podcast.new_feed_url:
            _add(channel, _tag(ITUNES, 'new-feed-url'), podcast.new_feed_url)
        _add(channel, _tag(PODCAST, 'guid'), podcast.guid)
        _add(
            channel,
            _tag(PODCAST, 'locked'),
            'yes' if podcast.locked else 'no',
            owner=podcast.owner_email,
        )
        if podcast.funding_url:
            _add(
                channel,
                _tag(PODCAST, 'funding'),
                podcast.funding_text or 'Support the show',
                url=podcast.funding_url,
            )
        if podcast.update_frequency_text:
            attributes = (
                {'rrule': podcast.update_frequency_rrule} if podcast.update_frequency_rrule else {}
            )
            _add(
                channel,
                _tag(PODCAST, 'updateFrequency'),
                podcast.update_frequency_text,
                **attributes,
            )
        if podcast.people is not None:
            for person in podcast.people:
                attributes = {name: person[name] for name in ('role', 'group', 'img', 'href')
                              if person.get(name)}  # fmt: skip
                _add(channel, _tag(PODCAST, 'person'), person['name'], **attributes)
        else:
            for host in self._hosts.values():
                self._person(channel, host.name, host.role, host.photo_url, host.url)
        channel.extend(self._channel_extras)

    def _notes(self, item: FeedItem) -> str:
        """The show notes, where a sponsor they name leads through its read's tracked link."""
        tracked = {
            sponsor.website_url: absolute(self.base_url, sponsor.link_path)
            for sponsor in item.sponsors
            if sponsor.link_path
        }
        return with_tracked_links(item.show_notes_html, tracked)

    def _sponsor_notes(self, item: FeedItem) -> str:
        """The sponsor reads, linked through the tracked redirect, so a click from a podcast
        app counts for the sponsor in this episode like one from the episode page."""
        reads = []
        for sponsor in item.sponsors:
            link = sponsor.link_path
            url = absolute(self.base_url, link) if link else sponsor.website_url
            name = escape(sponsor.name)
            linked = f'<a href="{escape(url)}">{name}</a>' if url else name
            about = f': {escape(sponsor.description)}' if sponsor.description else ''
            reads.append(f'<li>{linked}{about}</li>')
        return f'<p>Sponsored by:</p><ul>{"".join(reads)}</ul>' if reads else ''

    def _person(self, parent: etree._Element, name: str, role: str, photo: str, url: str) -> None:
        attributes = {'role': role, 'href': absolute(self.base_url, url)}
        if photo:
            attributes['img'] = absolute(self.base_url, photo)
        _add(parent, _tag(PODCAST, 'person'), name, **attributes)

    def _item(self, element: etree._Element, item: FeedItem) -> None:
        page = absolute(self.base_url, episode_url(item.number, item.slug))
        download = absolute(
            self.base_url,
            media_download_path(
                item.number,
                item.slug,
                media_type=item.media_type,
                media_url=item.media_url,
                media_file=item.media_file,
            ),
        )
        kept = self._parsed(item.extra_elements)
        kept_tags = {element.tag for element in kept}
        _add(element, 'title', item.title)
        _add(element, 'link', page)
        _add(element, 'guid', item.guid, isPermaLink='false')
        _add(element, 'pubDate', format_datetime(item.published_at))
        _add(element, 'description', item.summary or item.subtitle or item.title)
        _add_html(
            element,
            _tag(CONTENT, 'encoded'),
            absolute_links(self._notes(item) + self._sponsor_notes(item), self.base_url),
        )
        if item.media_url:
            _add(
                element,
                'enclosure',
                url=download,
                length=str(item.media_size_bytes),
                type=item.media_type,
            )
        _add(element, _tag(ITUNES, 'title'), item.title)
        if item.subtitle:
            _add(element, _tag(ITUNES, 'subtitle'), item.subtitle)
        if item.duration_seconds:
            _add(element, _tag(ITUNES, 'duration'), str(item.duration_seconds))
        if item.episode_number is not None:
            _add(element, _tag(ITUNES, 'episode'), str(item.episode_number))
        if item.season is not None:
            _add(element, _tag(ITUNES, 'season'), str(item.season))
        _add(element, _tag(ITUNES, 'episodeType'), item.episode_type)
        _add(element, _tag(ITUNES, 'explicit'), 'true' if item.explicit else 'false')
        image = item.image_url or self.feed.podcast.artwork_url
        if image:
            _add(element, _tag(ITUNES, 'image'), href=absolute(self.base_url, image))
        # A kept `podcast:season` or `podcast:episode` says more (a name, a display text).
        if item.season is not None and _tag(PODCAST, 'season') not in kept_tags:
            _add(element, _tag(PODCAST, 'season'), str(item.season))
        if item.episode_number is not None and _tag(PODCAST, 'episode') not in kept_tags:
            _add(element, _tag(PODCAST, 'episode'), str(item.episode_number))
        for person in item.people:
            self._person(element, person.name, person.role, person.photo_url, person.url)
        self._transcripts_and_chapters(element, item)
        for soundbite in item.soundbites:
            _add(
                element,
                _tag(PODCAST, 'soundbite'),
                soundbite.get('title') or None,
                startTime=f'{float(soundbite["start"]):g}',
                duration=f'{float(soundbite["duration"]):g}',
            )
        element.extend(kept)

    def _transcripts_and_chapters(self, element: etree._Element, item: FeedItem) -> None:
        """podsite's own copies when it has them, else the links the imported feed had."""
        if item.has_transcript:
            vtt = absolute(self.base_url, transcript_file_url(item.number, item.slug, 'vtt'))
            text = absolute(self.base_url, transcript_file_url(item.number, item.slug, 'txt'))
            _add(
                element,
                _tag(PODCAST, 'transcript'),
                url=vtt,
                type='text/vtt',
                rel='captions',
            )
            _add(element, _tag(PODCAST, 'transcript'), url=text, type='text/plain')
        else:
            for link in item.linked_transcripts:
                attributes = {name: link[name] for name in ('url', 'type', 'language', 'rel')
                              if link.get(name)}  # fmt: skip
                _add(element, _tag(PODCAST, 'transcript'), **attributes)
        chapters = absolute(self.base_url, chapters_url(item.number)) if item.has_chapters else None
        if chapters or item.linked_chapters_url:
            _add(
                element,
                _tag(PODCAST, 'chapters'),
                url=chapters or item.linked_chapters_url,
                type='application/json+chapters',
            )

    def _live_item(self, element: etree._Element, stream: LiveStreamCard, now: datetime) -> None:
        """A Podcasting 2.0 live item: YouTube is the player, so contentLink (which the
        spec requires) points there and to our page; there is no audio stream to enclose."""
        element.set('status', LIVE_STATUS[stream.status(now)])
        element.set('start', stream.starts_at.isoformat())
        element.set('end', stream.ends_at.isoformat())
        page = absolute(self.base_url, live_stream_url())
        _add(element, 'title', stream.title)
        _add(element, 'description', plain_text(stream.description_html) or stream.title)
        if stream.description_html:
            _add_html(
                element,
                _tag(CONTENT, 'encoded'),
                absolute_links(stream.description_html, self.base_url),
            )
        _add(element, 'link', page)
        _add(element, 'guid', stream.guid, isPermaLink='false')
        _add(element, _tag(PODCAST, 'contentLink'), 'Watch on YouTube', href=stream.watch_url)
        _add(element, _tag(PODCAST, 'contentLink'), 'Watch on our site', href=page)

    def _parsed(self, fragments: list[str]) -> list[etree._Element]:
        """Kept elements, with the namespaces they use noted for the declarations on <rss>."""
        elements = []
        for fragment in fragments:
            try:
                element = etree.fromstring(clean_text(fragment).encode('utf-8'), _FRAGMENT_PARSER)
            except etree.XMLSyntaxError:
                # Imports store only well-formed fragments; one damaged by hand is left out
                # rather than breaking the whole feed for every listener.
                continue
            for prefix, uri in element.nsmap.items():
                known = {*NAMESPACES.values(), *self.kept_namespaces.values()}
                if uri in known or (prefix or '') in {*NAMESPACES, *self.kept_namespaces}:
                    continue
                # A default namespace (WordPress's `<site xmlns="...">`) gets a prefix: on
                # <rss> it would take podsite's own elements into it.
                self.kept_namespaces[prefix or f'ns{len(self.kept_namespaces)}'] = uri
            elements.append(element)
        return elements
