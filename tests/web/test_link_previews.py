"""What link previews and search engines read in the pages' heads: Open Graph, the X
(Twitter) player card, and schema.org data (JSON-LD) for the show and each episode."""

import json
import re
from datetime import datetime
from typing import Any

from lxml import html as lxml_html
from quart.typing import TestClientProtocol as Client
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from podsite.data import Episode, EpisodeGuest
from tests.factories import add_episode, add_guest, first_published_episode

BASE = 'https://podcast.test'

# The properties the schema.org vocabulary defines for each type podsite writes, inherited
# ones included (as its 2025 releases, v28 and v29, have them: https://schema.org/PodcastEpisode,
# /PodcastSeries, /AudioObject, /MediaObject, /CreativeWork, /Person, /Thing), limited to those
# a podcast site could use: a property outside these lists is not one schema.org gives the type.
THING = {'name', 'description', 'url', 'image', 'identifier', 'sameAs', 'alternateName'}
CREATIVE_WORK = THING | {
    'about', 'associatedMedia', 'audio', 'author', 'contributor', 'copyrightHolder',
    'creator', 'dateCreated', 'dateModified', 'datePublished', 'encoding', 'genre',
    'headline', 'inLanguage', 'isFamilyFriendly', 'keywords', 'publisher', 'thumbnailUrl',
    'timeRequired',
}  # fmt: skip
MEDIA_OBJECT = CREATIVE_WORK | {'contentUrl', 'contentSize', 'encodingFormat', 'duration',
                                'embedUrl', 'bitrate', 'uploadDate'}  # fmt: skip
ALLOWED = {
    # CreativeWorkSeries gives startDate, endDate and issn.
    'PodcastSeries': CREATIVE_WORK | {'webFeed', 'actor', 'startDate', 'endDate', 'issn'},
    # Episode gives these, beyond CreativeWork's.
    'PodcastEpisode': CREATIVE_WORK | {'actor', 'director', 'duration', 'episodeNumber',
                                       'musicBy', 'partOfSeason', 'partOfSeries',
                                       'productionCompany', 'trailer'},
    'AudioObject': MEDIA_OBJECT | {'caption', 'transcript'},
    'MediaObject': MEDIA_OBJECT,
    'Person': THING | {'givenName', 'familyName', 'jobTitle'},
}  # fmt: skip
ISO_DURATION = re.compile(r'^PT(\d+H)?(\d+M)?(\d+S)?$')
URL_PROPERTIES = {'url', 'image', 'webFeed', 'contentUrl', 'embedUrl', 'sameAs'}
TEXT_PROPERTIES = {'name', 'description', 'encodingFormat', 'contentSize', 'inLanguage',
                   'episodeNumber'}  # fmt: skip


def check_schema_org(node: dict[str, Any]) -> None:
    """Every property is one schema.org defines for the node's type, with a value of the
    type schema.org expects; nested nodes likewise."""
    kind = node['@type']
    assert kind in ALLOWED, kind
    unknown = set(node) - ALLOWED[kind] - {'@type', '@context'}
    assert not unknown, f'{kind} has no {unknown}'
    for name, value in node.items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                check_schema_org(item)
            elif name in URL_PROPERTIES:
                assert isinstance(item, str) and item.startswith(f'{BASE}/'), (name, item)
            elif name in {'duration', 'timeRequired'}:
                assert ISO_DURATION.match(item) and item != 'PT', (name, item)
            elif name == 'datePublished':
                assert datetime.fromisoformat(item).tzinfo is not None
            elif name in TEXT_PROPERTIES:
                assert isinstance(item, str) and item, (name, item)


def structured_data(html: str) -> list[dict[str, Any]]:
    page = lxml_html.fromstring(html)
    return [json.loads(text) for text in page.xpath('//script[@type="application/ld+json"]/text()')]


def meta(html: str) -> dict[str, str]:
    """The page's `<meta property|name=... content=...>`, by property or name."""
    page = lxml_html.fromstring(html)
    return {
        element.get('property') or element.get('name'): element.get('content')
        for element in page.xpath('//head/meta[@content]')
    }


async def test_the_home_page_describes_the_show_as_a_podcast_series(client: Client) -> None:
    html = await (await client.get('/')).get_data(as_text=True)
    (series,) = structured_data(html)
    check_schema_org(series)
    assert series['@context'] == 'https://schema.org'
    assert series['@type'] == 'PodcastSeries'
    assert series['url'] == f'{BASE}/'
    assert series['webFeed'] == f'{BASE}/episodes/rss'
    assert series['name'] and series['description'] and series['author']['name']
    assert series['image'].startswith(f'{BASE}/static/img/')
    assert meta(html)['og:type'] == 'website'
    assert meta(html)['twitter:card'] == 'summary'


async def test_an_episode_page_describes_the_episode_for_search_engines(
    client: Client, session: AsyncSession
) -> None:
    host = await add_guest(session, name='Hannah Host', slug='hannah-host')
    guest = await add_guest(session, name='Gus Guest', slug='gus-guest')
    episode = await add_episode(session, slug='described', guests=(host, guest))
    await session.execute(
        update(EpisodeGuest)
        .where(EpisodeGuest.episode_id == episode.id, EpisodeGuest.guest_id == host.id)
        .values(role='host')
    )
    await session.commit()
    html = await (await client.get(f'/episodes/show/{episode.number}/described')).get_data(
        as_text=True
    )
    (data,) = structured_data(html)
    check_schema_org(data)
    assert data['@type'] == 'PodcastEpisode'
    assert data['url'] == f'{BASE}/episodes/show/{episode.number}/described'
    assert data['name'] == 'A test episode'
    assert data['episodeNumber'] == str(episode.number)
    assert data['timeRequired'] == 'PT1H'
    assert datetime.fromisoformat(data['datePublished']) == episode.published_at
    assert data['partOfSeries']['@type'] == 'PodcastSeries'
    assert data['partOfSeries']['url'] == f'{BASE}/'
    media = data['associatedMedia']
    assert media == {
        '@type': 'AudioObject',
        'contentUrl': f'{BASE}/episodes/download/{episode.number}/described.mp3',
        'encodingFormat': 'audio/mpeg',
        'contentSize': '57600000 B',
        'duration': 'PT1H',
    }
    assert data['actor'] == [
        {'@type': 'Person', 'name': 'Hannah Host', 'url': f'{BASE}/guests/hannah-host'}
    ]
    assert data['contributor'] == [
        {'@type': 'Person', 'name': 'Gus Guest', 'url': f'{BASE}/guests/gus-guest'}
    ]


async def test_every_demo_episode_page_has_valid_structured_data(
    client: Client, session: AsyncSession
) -> None:
    episode = await first_published_episode(session)
    html = await (await client.get(f'/episodes/show/{episode.number}/{episode.slug}')).get_data(
        as_text=True
    )
    (data,) = structured_data(html)
    check_schema_org(data)
    assert data['description'] and data['image'].startswith(f'{BASE}/')


async def test_text_cannot_close_the_structured_data_element(
    client: Client, session: AsyncSession
) -> None:
    title = '</script><script>alert(1)</script> & <!-- more'
    episode = await add_episode(session, title=title, slug='escaped')
    html = await (await client.get(f'/episodes/show/{episode.number}/escaped')).get_data(
        as_text=True
    )
    block = html.split('<script type="application/ld+json">', 1)[1].split('</script>', 1)[0]
    assert '<' not in block and '>' not in block and '&' not in block
    assert json.loads(block)['name'] == title
    assert '<script>alert' not in html


async def test_an_episode_page_previews_as_an_article_with_its_audio_and_player(
    client: Client, session: AsyncSession
) -> None:
    episode = await first_published_episode(session)
    html = await (await client.get(f'/episodes/show/{episode.number}/{episode.slug}')).get_data(
        as_text=True
    )
    tags = meta(html)
    download = f'{BASE}/episodes/download/{episode.number}/{episode.slug}.mp3'
    assert tags['og:type'] == 'article'
    assert tags['og:url'] == f'{BASE}/episodes/show/{episode.number}/{episode.slug}'
    assert tags['og:audio'] == download
    assert tags['og:audio:type'] == 'audio/mpeg'
    assert tags['og:image'].startswith(f'{BASE}/static/img/')
    assert datetime.fromisoformat(tags['article:published_time']) == episode.published_at
    assert tags['twitter:card'] == 'player'
    assert tags['twitter:player'] == f'{BASE}/episodes/embed/{episode.number}/{episode.slug}'
    assert (tags['twitter:player:width'], tags['twitter:player:height']) == ('640', '340')
    assert tags['twitter:player:stream'] == download
    assert tags['twitter:player:stream:content_type'] == 'audio/mpeg'
    assert tags['twitter:image'] == tags['og:image']


async def test_an_episode_with_its_own_artwork_previews_with_it(
    client: Client, session: AsyncSession
) -> None:
    episode = await add_episode(session, slug='own-art')
    own = 'https://media.podcast.test/own-art.jpg'
    await session.execute(update(Episode).where(Episode.id == episode.id).values(image_url=own))
    await session.commit()
    html = await (await client.get(f'/episodes/show/{episode.number}/own-art')).get_data(
        as_text=True
    )
    assert meta(html)['og:image'] == own
    assert structured_data(html)[0]['image'] == own
