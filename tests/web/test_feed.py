"""The podcast feed: valid for Apple and Podcasting 2.0, read by a real parser, cached
correctly, and cheap however many episodes there are."""

import gzip
import uuid
from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from lxml import etree
from quart.typing import TestClientProtocol as Client
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from podsite.data import Episode, Podcast, Transcript
from podsite.services.publishing import feed_service
from tests.clock import MovableClock
from tests.databases import QueryCounter
from tests.factories import add_episode, add_guest, is_public
from tests.web.feed_check import NS, problems


async def feed_bytes(client: Client) -> bytes:
    response = await client.get('/episodes/rss')
    assert response.status_code == 200
    assert response.headers['Content-Type'] == 'application/rss+xml; charset=utf-8'
    return await response.get_data()


async def public_count(session: AsyncSession) -> int:
    rows = await session.scalars(select(Episode.id).where(is_public()))
    return len(rows.all())


async def test_feed_meets_apple_and_podcasting_2_0_rules(client: Client) -> None:
    assert problems(await feed_bytes(client)) == []


async def test_podcast_apps_read_every_public_episode_with_its_enclosure(
    client: Client, session: AsyncSession
) -> None:
    parsed = feedparser.parse(await feed_bytes(client))
    assert not parsed.bozo, parsed.bozo_exception
    assert len(parsed.entries) == await public_count(session)
    for entry in parsed.entries:
        (enclosure,) = entry.enclosures
        assert enclosure.href.startswith('https://podcast.test/episodes/download/')
        assert enclosure.href.endswith('.mp3')
        assert enclosure.type == 'audio/mpeg'
        assert int(enclosure.length) > 0
    assert parsed.feed.title == 'The Traceback'
    assert parsed.feed.image.href.endswith('.png')


async def test_channel_carries_podcasting_2_0_identity(client: Client) -> None:
    channel = etree.fromstring(await feed_bytes(client)).find('channel')
    assert channel is not None
    # The spec derives the GUID from the feed URL without its scheme, in its own namespace.
    spec_namespace = uuid.UUID('ead4c236-bf58-58c6-a2c6-a6b28d128cb6')
    expected = uuid.uuid5(spec_namespace, 'podcast.test/episodes/rss')
    assert channel.findtext('podcast:guid', namespaces=NS) == str(expected)
    frequency = channel.find('podcast:updateFrequency', NS)
    assert frequency is not None and frequency.get('rrule') == 'FREQ=WEEKLY;BYDAY=MO'
    funding = channel.find('podcast:funding', NS)
    assert funding is not None and funding.text == 'Support the show'
    hosts = channel.findall('podcast:person', NS)
    assert hosts and all(host.get('role') == 'host' for host in hosts)


async def test_item_lists_people_transcripts_chapters_and_soundbites(
    client: Client, session: AsyncSession
) -> None:
    guest = await add_guest(session, name='Grace Example', slug='grace-example')
    episode = await add_episode(session, title='All the tags', slug='all-the-tags', guests=(guest,))
    episode.chapters = {'version': '1.2.0', 'chapters': [{'startTime': 0, 'title': 'Intro'}]}
    episode.soundbites = [{'start': 73.5, 'duration': 42, 'title': 'The best bit'}]
    session.add(Transcript(episode_id=episode.id, text='Hello.', cues=None))
    await session.commit()
    xml = await feed_bytes(client)
    assert problems(xml) == []
    item = next(
        item
        for item in etree.fromstring(xml).iter('item')
        if item.findtext('title') == 'All the tags'
    )
    person = item.find('podcast:person', NS)
    assert person is not None
    assert (person.text, person.get('role')) == ('Grace Example', 'guest')
    assert person.get('href') == 'https://podcast.test/guests/grace-example'
    transcripts = {t.get('type'): t.get('url') for t in item.findall('podcast:transcript', NS)}
    base = f'https://podcast.test/episodes/transcript/{episode.number}/all-the-tags'
    assert transcripts == {'text/vtt': f'{base}.vtt', 'text/plain': f'{base}.txt'}
    chapters = item.find('podcast:chapters', NS)
    assert chapters is not None
    assert chapters.get('url') == f'https://podcast.test/episodes/chapters/{episode.number}.json'
    soundbite = item.find('podcast:soundbite', NS)
    assert soundbite is not None
    assert (soundbite.get('startTime'), soundbite.get('duration')) == ('73.5', '42')
    assert item.findtext('content:encoded', namespaces=NS) is not None


async def test_conditional_requests_get_304(client: Client) -> None:
    first = await client.get('/episodes/rss')
    etag = first.headers['ETag']
    again = await client.get('/episodes/rss', headers={'If-None-Match': etag})
    assert again.status_code == 304
    assert await again.get_data() == b''
    since = await client.get(
        '/episodes/rss', headers={'If-Modified-Since': first.headers['Last-Modified']}
    )
    assert since.status_code == 304


async def test_apps_that_accept_gzip_get_the_same_feed_compressed(client: Client) -> None:
    plain = await client.get('/episodes/rss')
    compressed = await client.get('/episodes/rss', headers={'Accept-Encoding': 'gzip, deflate'})

    assert compressed.headers['Content-Encoding'] == 'gzip'
    assert gzip.decompress(await compressed.get_data()) == await plain.get_data()
    assert len(await compressed.get_data()) < len(await plain.get_data()) / 2
    assert 'Accept-Encoding' in compressed.headers['Vary']
    assert compressed.headers['ETag'] != plain.headers['ETag']
    again = await client.get(
        '/episodes/rss',
        headers={'Accept-Encoding': 'gzip', 'If-None-Match': compressed.headers['ETag']},
    )
    assert again.status_code == 304


async def test_changes_show_at_once_and_drafts_never(client: Client, session: AsyncSession) -> None:
    before = await feed_bytes(client)
    await add_episode(session, title='Hidden draft', slug='hidden', published=False)
    await add_episode(
        session, title='Next week', slug='next', published_at=datetime.now(UTC) + timedelta(days=7)
    )
    assert await feed_bytes(client) == before
    await add_episode(session, title='Brand new episode', slug='brand-new')
    after = await feed_bytes(client)
    assert b'Brand new episode' in after
    assert b'Hidden draft' not in after and b'Next week' not in after


async def test_scheduled_episode_appears_when_its_time_comes(
    client: Client, session: AsyncSession, clock: MovableClock
) -> None:
    await feed_bytes(client)
    episode = await add_episode(session, title='Scheduled', slug='scheduled')
    await session.execute(
        update(Episode)
        .where(Episode.id == episode.id)
        .values(published_at=clock() + timedelta(hours=1))
    )
    await session.commit()
    assert b'Scheduled' not in await feed_bytes(client)
    # Nothing is written when the time comes: the kept feed goes stale by the clock.
    clock.advance(timedelta(hours=1, seconds=1))
    assert b'Scheduled' in await feed_bytes(client)


async def test_long_channel_description_is_cut_to_apples_limit(
    client: Client, session: AsyncSession
) -> None:
    await session.execute(update(Podcast).values(description='Ünïcödé ' * 1000))
    await session.commit()
    xml = await feed_bytes(client)
    assert problems(xml) == []


async def test_feed_query_count_grows_only_by_chunks_of_episodes(
    client: Client, session: AsyncSession, queries: QueryCounter
) -> None:
    queries.reset()
    await feed_bytes(client)
    cold = queries.page_count
    queries.reset()
    await feed_bytes(client)
    assert queries.page_count == 0  # cached: at most the content state is read
    guest = await add_guest(session, name='Often Here', slug='often-here')
    for index in range(40):
        await add_episode(session, slug=f'more-{index}', guests=(guest,))
    queries.reset()
    await feed_bytes(client)
    assert queries.page_count == cold == 5  # show, streams; episodes, people, sponsors


async def test_a_feed_read_in_chunks_holds_every_public_episode_once_newest_first(
    client: Client,
    session: AsyncSession,
    queries: QueryCounter,
    clock: MovableClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(feed_service, 'ITEMS_PER_CHUNK', 10)
    same_moment = clock() - timedelta(days=1)
    for index in range(25):  # ties on the date are ordered by number, across chunks too
        await add_episode(session, slug=f'same-day-{index}', published_at=same_moment)
    newest_first = await session.scalars(
        select(Episode.guid)
        .where(is_public())
        .order_by(Episode.published_at.desc(), Episode.number.desc())
    )
    expected = newest_first.all()
    queries.reset()

    channel = etree.fromstring(await feed_bytes(client)).find('channel')

    assert channel is not None
    assert [guid.text for guid in channel.iterfind('item/guid')] == expected
    full_chunks, rest = divmod(len(expected), 10)
    last_chunk = 3 if rest else 1  # a shorter chunk, or a read that finds none
    assert queries.page_count == 2 + 3 * full_chunks + last_chunk


async def test_site_without_a_show_has_no_feed(empty_client: Client) -> None:
    response = await empty_client.get('/episodes/rss')
    assert response.status_code == 302
    assert response.headers['Location'] == '/setup'


async def test_a_new_show_has_a_feed_without_episodes(new_site_client: Client) -> None:
    response = await new_site_client.get('/episodes/rss')
    assert response.status_code == 200
    assert '<item>' not in await response.get_data(as_text=True)
