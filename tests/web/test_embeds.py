"""The episode player on other sites: the embed page they frame, the `<iframe>` snippet the
episode page offers, and oEmbed for consumers that turn a pasted URL into a player."""

import json
from html import unescape
from urllib.parse import quote

import pytest
from lxml import html as lxml_html
from quart.typing import TestClientProtocol as Client
from sqlalchemy.ext.asyncio import AsyncSession

from podsite.data import Episode
from podsite.infrastructure.security_headers import FRAMEABLE_CONTENT_SECURITY_POLICY
from tests.databases import QueryCounter
from tests.factories import add_episode, first_published_episode

BASE = 'https://podcast.test'
CHAPTERS = {
    'version': '1.2.0',
    'chapters': [
        {'startTime': 0, 'title': 'Hello'},
        {'startTime': 754, 'title': 'The <main> part'},
    ],
}


@pytest.fixture
async def chaptered(session: AsyncSession) -> Episode:
    episode = await add_episode(session, title='Framed & found', slug='framed')
    episode.chapters = CHAPTERS
    await session.commit()
    return episode


async def test_the_embed_page_is_a_compact_player_any_site_may_frame(
    client: Client, chaptered: Episode
) -> None:
    response = await client.get(f'/episodes/embed/{chaptered.number}/framed')
    assert response.status_code == 200
    assert response.headers['Content-Security-Policy'] == FRAMEABLE_CONTENT_SECURITY_POLICY
    assert 'frame-ancestors *' in response.headers['Content-Security-Policy']
    assert 'X-Frame-Options' not in response.headers
    page = lxml_html.fromstring(await response.get_data(as_text=True))
    assert page.findtext('.//h1') == 'Framed & found'
    audio = page.find('.//audio')
    assert audio.get('src') == f'/episodes/download/{chaptered.number}/framed.mp3'
    assert audio.get('preload') == 'none' and audio.get('controls') is not None
    assert [li.get('data-chapter-start') for li in page.findall('.//ol[@class="chapters"]/li')] == [
        '0',
        '754',
    ]
    assert page.xpath('//a[@href="#t=754"]/text()') == ['12:34']
    back = page.xpath('//p[@class="episode-link"]/a')[0]
    assert back.get('href') == f'{BASE}/episodes/show/{chaptered.number}/framed'
    assert back.get('target') == '_blank' and 'noopener' in back.get('rel')
    assert page.xpath('//script/@src')[0].startswith('/static/js/player.js?v=')
    assert page.xpath('//meta[@name="robots"]/@content') == ['noindex']


async def test_the_embed_page_shows_the_artwork_and_the_show_name(
    client: Client, session: AsyncSession
) -> None:
    episode = await first_published_episode(session)
    response = await client.get(f'/episodes/embed/{episode.number}/{episode.slug}')
    page = lxml_html.fromstring(await response.get_data(as_text=True))
    home = lxml_html.fromstring(await (await client.get('/')).get_data(as_text=True))
    show = home.findtext('.//h1')
    assert show and show in page.findtext('.//p[@class="show-name"]')
    assert '/static/img/demo/artwork.png' in page.xpath('//main/img/@src')[0]


async def test_every_other_page_still_refuses_to_be_framed(
    client: Client, chaptered: Episode
) -> None:
    for path in ('/', f'/episodes/show/{chaptered.number}/framed', '/episodes/all', '/nowhere'):
        response = await client.get(path)
        assert response.headers['X-Frame-Options'] == 'DENY', path
        assert "frame-ancestors 'none'" in response.headers['Content-Security-Policy'], path


async def test_a_kept_embed_page_keeps_its_frame_rules(
    client: Client, chaptered: Episode, queries: QueryCounter
) -> None:
    path = f'/episodes/embed/{chaptered.number}/framed'
    first = await client.get(path)
    queries.reset()
    again = await client.get(path)
    assert queries.page_count <= 1  # served as kept
    assert await again.get_data() == await first.get_data()
    assert again.headers['Content-Security-Policy'] == FRAMEABLE_CONTENT_SECURITY_POLICY
    assert 'X-Frame-Options' not in again.headers


@pytest.mark.parametrize('path', ['/episodes/embed/{n}', '/episodes/embed/{n}/old-title'])
async def test_short_and_stale_embed_urls_redirect_to_the_embed_page(
    client: Client, chaptered: Episode, path: str
) -> None:
    response = await client.get(path.format(n=chaptered.number))
    assert response.status_code == 301
    assert response.headers['Location'] == f'/episodes/embed/{chaptered.number}/framed'


@pytest.mark.parametrize(
    'path',
    [
        '/episodes/embed/99999',
        '/episodes/embed/99999/x',
        '/episodes/embed/0/x',
        '/episodes/embed/abc',
        '/episodes/embed/-1/x',
        '/episodes/embed/99999999999999999999/x',
    ],
)
async def test_unknown_or_malformed_embed_urls_are_404(client: Client, path: str) -> None:
    assert (await client.get(path)).status_code == 404


async def test_drafts_have_no_embed(client: Client, session: AsyncSession) -> None:
    draft = await add_episode(session, slug='draft', published=False)
    assert (await client.get(f'/episodes/embed/{draft.number}/draft')).status_code == 404
    page_url = quote(f'{BASE}/episodes/show/{draft.number}/draft', safe='')
    assert (await client.get(f'/oembed?url={page_url}')).status_code == 404


async def test_the_episode_page_offers_the_iframe_to_copy(
    client: Client, chaptered: Episode
) -> None:
    response = await client.get(f'/episodes/show/{chaptered.number}/framed')
    page = lxml_html.fromstring(await response.get_data(as_text=True))
    snippet = page.get_element_by_id('embed-code')
    assert snippet.tag == 'textarea' and snippet.get('readonly') is not None
    frame = lxml_html.fragment_fromstring(snippet.text_content())
    assert frame.tag == 'iframe'
    assert frame.get('src') == f'{BASE}/episodes/embed/{chaptered.number}/framed'
    assert frame.get('title') == 'Framed & found'
    assert (frame.get('width'), frame.get('height')) == ('640', '340')
    button = page.xpath('//button[@data-copy="embed-code"]')[0]
    assert button.get('hidden') is not None  # shown by copy.js; without it, copy by hand
    assert any(src.startswith('/static/js/copy.js?v=') for src in page.xpath('//script/@src'))


async def oembed(client: Client, **params: str) -> tuple[int, str]:
    query = '&'.join(f'{name}={quote(value, safe="")}' for name, value in params.items())
    response = await client.get(f'/oembed?{query}')
    return response.status_code, await response.get_data(as_text=True)


async def test_oembed_answers_a_rich_player_for_an_episode_page(
    client: Client, chaptered: Episode
) -> None:
    page_url = f'{BASE}/episodes/show/{chaptered.number}/framed'
    response = await client.get(f'/oembed?url={quote(page_url, safe="")}&format=json')
    assert response.status_code == 200
    assert response.headers['Content-Type'].startswith('application/json')
    answer = json.loads(await response.get_data())
    assert answer['version'] == '1.0' and answer['type'] == 'rich'
    assert answer['title'] == 'Framed & found'
    assert answer['provider_url'] == f'{BASE}/'
    assert answer['author_name'] and answer['provider_name']
    assert (answer['width'], answer['height']) == (640, 340)
    frame = lxml_html.fragment_fromstring(answer['html'])
    assert frame.get('src') == f'{BASE}/episodes/embed/{chaptered.number}/framed'
    assert (frame.get('width'), frame.get('height')) == ('640', '340')
    assert answer['thumbnail_url'].startswith(f'{BASE}/static/img/')
    assert answer['thumbnail_width'] == answer['thumbnail_height'] > 0


@pytest.mark.parametrize(
    'form', ['{base}/episodes/show/{n}', '{base}/{n}', '{base}/episodes/show/{n}/old']
)
async def test_oembed_knows_every_address_of_an_episode_page(
    client: Client, chaptered: Episode, form: str
) -> None:
    status, body = await oembed(client, url=form.format(base=BASE, n=chaptered.number))
    assert status == 200
    assert f'/episodes/embed/{chaptered.number}/framed' in json.loads(body)['html']


async def test_oembed_honours_the_consumers_largest_size(
    client: Client, chaptered: Episode
) -> None:
    page_url = f'{BASE}/episodes/show/{chaptered.number}/framed'
    status, body = await oembed(client, url=page_url, maxwidth='480', maxheight='250')
    answer = json.loads(body)
    assert status == 200 and (answer['width'], answer['height']) == (480, 250)
    assert 'width="480" height="250"' in answer['html']
    _, body = await oembed(client, url=page_url, maxwidth='9000', maxheight='9000')
    assert (json.loads(body)['width'], json.loads(body)['height']) == (640, 340)


async def test_the_episode_page_says_where_its_oembed_is(
    client: Client, chaptered: Episode
) -> None:
    response = await client.get(f'/episodes/show/{chaptered.number}/framed')
    page = lxml_html.fromstring(await response.get_data(as_text=True))
    (link,) = page.xpath('//link[@rel="alternate"][@type="application/json+oembed"]')
    href = unescape(link.get('href'))
    assert href.startswith(f'{BASE}/oembed?')
    oembed_response = await client.get(href.removeprefix(BASE))
    status, body = oembed_response.status_code, await oembed_response.get_data(as_text=True)
    assert status == 200 and json.loads(body)['title'] == 'Framed & found'


@pytest.mark.parametrize(
    ('params', 'status'),
    [
        ({}, 400),
        ({'url': ''}, 400),
        ({'url': '{page}', 'maxwidth': 'wide'}, 400),
        ({'url': '{page}', 'maxheight': '-5'}, 400),
        ({'url': '{page}', 'maxwidth': '0'}, 400),
        ({'url': '{page}', 'maxwidth': '1e9'}, 400),
        ({'url': '{page}', 'maxwidth': '99999999999999999999999'}, 400),
        ({'url': '{page}', 'format': 'xml'}, 501),
        ({'url': '{page}', 'format': 'yaml'}, 501),
        ({'url': 'https://elsewhere.example/episodes/show/{n}/framed'}, 404),
        ({'url': 'http://podcast.test/episodes/show/{n}/framed'}, 404),  # not the site's scheme
        ({'url': 'https://podcast.test/guests'}, 404),
        ({'url': 'https://podcast.test/episodes/embed/{n}/framed'}, 404),
        ({'url': 'https://podcast.test/episodes/show/99999/x'}, 404),
        ({'url': 'https://podcast.test/episodes/show/99999999999999999999/x'}, 404),
        ({'url': 'https://podcast.test/episodes/show/abc'}, 404),
        ({'url': 'https://podcast.test'}, 404),
        ({'url': 'not a url at all'}, 404),
        ({'url': 'https://[::1/episodes/show/1/x'}, 404),  # an address that does not parse
        ({'url': 'https://podcast.test:99999/episodes/show/1/x'}, 404),
        ({'url': 'javascript:alert(1)'}, 404),
        ({'url': '\x00\ufffe'}, 404),
    ],
)
async def test_oembed_refuses_junk_with_a_clear_status_never_a_500(
    client: Client, chaptered: Episode, params: dict[str, str], status: int
) -> None:
    page = f'{BASE}/episodes/show/{chaptered.number}/framed'
    filled = {name: value.format(page=page, n=chaptered.number) for name, value in params.items()}
    got, body = await oembed(client, **filled)
    assert got == status, body
