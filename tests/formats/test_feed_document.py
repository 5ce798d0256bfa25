"""The feed writer cannot fail on stored text: whatever the show's, an episode's, a person's,
a sponsor's or a live stream's text holds, the feed is written, well-formed, with that text
less the characters XML does not allow."""

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from pydantic import BaseModel

from podsite.formats.feed_document import NAMESPACES, FeedDocument
from podsite.formats.xml_text import clean_text
from podsite.schemas.catalogue import GuestRef, Placement
from podsite.schemas.feed import Feed, FeedItem, PodcastDetails
from podsite.schemas.live_stream import LiveStreamCard
from tests.strategies import any_text

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
STRICT = etree.XMLParser(resolve_entities=False, no_network=True, recover=False)


def text_fields(model: type[BaseModel]) -> list[str]:
    """Every field of the read model that holds stored text: new ones are tested too."""
    return [name for name, field in model.model_fields.items() if field.annotation is str]


def texts(data: st.DataObject, model: type[BaseModel]) -> dict[str, str]:
    return {
        name: data.draw(any_text(), label=f'{model.__name__}.{name}') for name in text_fields(model)
    }


def hostile_feed(data: st.DataObject) -> Feed:
    podcast = PodcastDetails(
        **texts(data, PodcastDetails),
        categories=[[data.draw(any_text()), data.draw(any_text())]],
        explicit=False,
        locked=True,
        redirect_feed=False,
        people=[{'name': data.draw(any_text()), 'role': 'host', 'href': data.draw(any_text())}],
        extra_elements=[data.draw(any_text())],
        updated_at=NOW,
    )
    person = GuestRef(**texts(data, GuestRef))
    sponsor = Placement(**texts(data, Placement), placement_id=1, link_name='sponsor-1')
    item = FeedItem(
        **texts(data, FeedItem),
        number=7,
        episode_number=7,
        published_at=NOW,
        updated_at=NOW,
        duration_seconds=60,
        media_size_bytes=1000,
        season=1,
        explicit=True,
        has_transcript=True,
        has_chapters=True,
        linked_transcripts=[{'url': data.draw(any_text()), 'type': 'text/vtt'}],
        soundbites=[{'start': 1, 'duration': 30, 'title': data.draw(any_text())}],
        extra_elements=[data.draw(any_text())],
        people=(person,),
        sponsors=(sponsor,),
    )
    stream = LiveStreamCard(
        **texts(data, LiveStreamCard),
        id=1,
        starts_at=NOW + timedelta(hours=1),
        ends_at=NOW + timedelta(hours=2),
        duration_minutes=60,
        updated_at=NOW,
    )
    return Feed(podcast=podcast, items=(item,), live_items=(stream,), as_of=NOW)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_any_stored_text_gives_a_well_formed_feed(data: st.DataObject) -> None:
    feed = hostile_feed(data)
    xml = FeedDocument(feed, base_url='https://podcast.test').to_bytes()
    channel = etree.fromstring(xml, STRICT).find('channel')
    assert channel is not None
    assert channel.findtext('title') == clean_text(feed.podcast.title)
    item = channel.find('item')
    assert item is not None
    assert item.findtext('title') == clean_text(feed.items[0].title)
    assert item.findtext('podcast:person', namespaces=NAMESPACES) == clean_text(
        feed.items[0].people[0].name
    )
    notes = item.findtext('content:encoded', namespaces=NAMESPACES)
    # CDATA cannot escape a carriage return, so the parser reads it as a line end.
    written_notes = clean_text(feed.items[0].show_notes_html)
    assert notes is not None
    assert notes.startswith(written_notes.replace('\r\n', '\n').replace('\r', '\n'))
