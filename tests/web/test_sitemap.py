"""The sitemap lists every public page (and each one answers), robots.txt points to it,
/favicon.ico leads to the icon."""

import re

import pytest
from lxml import etree
from quart.typing import TestClientProtocol as Client
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from podsite.data import Episode, Guest
from podsite.viewmodels.sitemap import sitemap as sitemap_module
from tests.databases import QueryCounter
from tests.factories import add_episode, is_public

SITEMAP_NS = {'s': 'http://www.sitemaps.org/schemas/sitemap/0.9'}
BASE = 'https://podcast.test'


async def sitemap_urls(client: Client, path: str = '/sitemap.xml') -> list[str]:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers['Content-Type'] == 'application/xml; charset=utf-8'
    root = etree.fromstring(await response.get_data())
    return [loc.text or '' for loc in root.iterfind('.//s:loc', SITEMAP_NS)]


async def test_sitemap_lists_every_public_page_and_each_answers(
    client: Client, session: AsyncSession
) -> None:
    urls = await sitemap_urls(client)
    assert f'{BASE}/' in urls and f'{BASE}/episodes/all' in urls and f'{BASE}/guests' in urls
    public = (await session.scalars(select(Episode).where(is_public()))).all()
    for episode in public:
        assert f'{BASE}/episodes/show/{episode.number}/{episode.slug}' in urls
        assert f'{BASE}/episodes/transcript/{episode.number}/{episode.slug}' in urls
    drafts = (await session.scalars(select(Episode).where(~is_public()))).all()
    assert drafts
    assert not any(f'/episodes/show/{draft.number}/' in url for url in urls for draft in drafts)
    guest = await session.scalar(select(Guest).limit(1))
    assert guest is not None and f'{BASE}/guests/{guest.slug}' in urls
    assert len(urls) == len(set(urls))
    for url in urls:
        response = await client.get(url.removeprefix(BASE))
        assert response.status_code == 200, url


async def test_every_entry_has_a_w3c_lastmod(client: Client) -> None:
    xml = await (await client.get('/sitemap.xml')).get_data(as_text=True)
    stamps = re.findall(r'<lastmod>([^<]+)</lastmod>', xml)
    assert stamps and len(stamps) == xml.count('<url>')
    assert all(re.fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ', stamp) for stamp in stamps)


async def test_sitemap_is_cached_until_the_catalogue_changes(
    client: Client, session: AsyncSession, queries: QueryCounter
) -> None:
    await sitemap_urls(client)
    queries.reset()
    await sitemap_urls(client)
    assert queries.page_count == 0
    await add_episode(session, title='Just out', slug='just-out')
    assert any(url.endswith('/just-out') for url in await sitemap_urls(client))


async def test_large_sites_get_a_sitemap_index(
    client: Client, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sitemap_module, 'URLS_PER_SITEMAP', 10)
    index = await sitemap_urls(client)
    assert index == [f'{BASE}/sitemap-{n}.xml' for n in range(1, len(index) + 1)]
    pages: list[str] = []
    for sitemap in index:
        pages += await sitemap_urls(client, sitemap.removeprefix(BASE))
    assert len(index) == -(-len(pages) // 10) > 1
    assert len(pages) == len(set(pages))
    public = (await session.scalars(select(Episode).where(is_public()))).all()
    assert {f'{BASE}/episodes/show/{e.number}/{e.slug}' for e in public} <= set(pages)
    assert (await client.get(f'/sitemap-{len(index) + 1}.xml')).status_code == 404


async def test_numbered_sitemaps_do_not_exist_for_small_sites(client: Client) -> None:
    assert (await client.get('/sitemap-1.xml')).status_code == 404


async def test_favicon_ico_leads_to_the_site_icon(client: Client) -> None:
    response = await client.get('/favicon.ico')
    assert response.status_code == 301
    icon = await client.get(response.headers['Location'])
    assert icon.status_code == 200
    assert icon.content_type.startswith('image/svg+xml')


async def test_robots_txt_points_to_the_sitemap(client: Client) -> None:
    response = await client.get('/robots.txt')
    body = await response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'Sitemap: {BASE}/sitemap.xml' in body
    assert 'Disallow: /admin/' in body
