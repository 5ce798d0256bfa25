"""Documents as large as the catalogue: built one at a time by a worker, and the heap handed
back once each has gone out."""

import asyncio

import pytest
from quart import Quart
from quart.typing import TestClientProtocol as Client

from podsite.infrastructure import memory
from podsite.schemas.catalogue import EpisodeCard
from podsite.schemas.feed import Feed
from podsite.schemas.sitemap import SitemapEntry
from podsite.services.catalogue import episode_service, sitemap_service
from podsite.services.publishing import feed_service


@pytest.fixture
def releases(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What happened, in order: 'released' each time the heap is handed back."""
    happened: list[str] = []
    monkeypatch.setattr(memory, 'release_freed_memory', lambda: happened.append('released'))
    return happened


@pytest.mark.parametrize('path', ['/episodes/all', '/guests', '/sitemap.xml', '/episodes/rss'])
async def test_a_document_as_large_as_the_catalogue_hands_the_heap_back(
    client: Client, releases: list[str], path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert releases == ['released']


class SlowReader:
    """A client of the ASGI app itself, which takes the body of its response only when let."""

    def __init__(self, app: Quart, path: str, events: list[str]) -> None:
        self.app, self.path, self.events = app, path, events
        self.may_read = asyncio.Event()
        self._requests = [{'type': 'http.request', 'body': b'', 'more_body': False}]
        self._response_out = asyncio.Event()

    async def get(self) -> None:
        scope = {
            'type': 'http', 'asgi': {'version': '3.0'}, 'http_version': '1.1', 'method': 'GET',
            'scheme': 'http', 'path': self.path, 'raw_path': self.path.encode(),
            'query_string': b'', 'root_path': '', 'headers': [(b'host', b'localhost')],
            'client': ('127.0.0.1', 50000), 'server': ('127.0.0.1', 80),
        }  # fmt: skip
        await self.app(scope, self._receive, self._send)

    async def _receive(self) -> dict[str, object]:
        if self._requests:
            return self._requests.pop()
        await self._response_out.wait()
        return {'type': 'http.disconnect'}

    async def _send(self, message: dict[str, object]) -> None:
        if message['type'] == 'http.response.body' and not message.get('more_body'):
            await self.may_read.wait()
            self.events.append(f'{self.path} read')
            self._response_out.set()


async def test_the_heap_is_handed_back_once_the_response_is_out(
    app: Quart, releases: list[str]
) -> None:
    reader = SlowReader(app, '/sitemap.xml', releases)
    reader.may_read.set()
    await reader.get()
    assert releases == ['/sitemap.xml read', 'released']


async def test_a_client_reading_slowly_does_not_hold_up_the_next_large_document(
    app: Quart, client: Client, releases: list[str]
) -> None:
    reader = SlowReader(app, '/episodes/all', releases)
    reading = asyncio.create_task(reader.get())

    sitemap = await asyncio.wait_for(client.get('/sitemap.xml'), timeout=10)
    assert sitemap.status_code == 200
    reader.may_read.set()
    await reading
    assert releases == ['released', '/episodes/all read', 'released']


async def test_other_pages_and_a_kept_document_leave_the_heap_alone(
    client: Client, releases: list[str]
) -> None:
    await client.get('/sitemap.xml')
    await client.get('/episodes/rss')
    releases.clear()
    for path in ('/', '/robots.txt', '/sitemap.xml', '/episodes/rss'):
        assert (await client.get(path)).status_code == 200
    assert releases == []


async def test_a_worker_builds_one_large_document_at_a_time(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    building: list[str] = []
    started, go_on = asyncio.Event(), asyncio.Event()
    every_episode, every_url = episode_service.all_episodes, sitemap_service.public_urls

    async def all_episodes() -> list[EpisodeCard]:
        building.append('/episodes/all')
        started.set()
        await go_on.wait()
        return await every_episode()

    async def public_urls() -> list[SitemapEntry]:
        building.append('/sitemap.xml')
        return await every_url()

    monkeypatch.setattr(episode_service, 'all_episodes', all_episodes)
    monkeypatch.setattr(sitemap_service, 'public_urls', public_urls)
    episodes = asyncio.create_task(client.get('/episodes/all'))
    await started.wait()
    sitemap = asyncio.create_task(client.get('/sitemap.xml'))
    for _ in range(200):  # as far as the sitemap's request can go on its own
        await asyncio.sleep(0)
    assert building == ['/episodes/all']

    go_on.set()
    responses = await asyncio.gather(episodes, sitemap)
    assert [response.status_code for response in responses] == [200, 200]
    assert building == ['/episodes/all', '/sitemap.xml']


async def test_requests_for_the_feed_at_once_build_it_once(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds = 0
    public_feed = feed_service.public_feed

    async def counted_public_feed() -> Feed | None:
        nonlocal builds
        builds += 1
        return await public_feed()

    monkeypatch.setattr(feed_service, 'public_feed', counted_public_feed)
    responses = await asyncio.gather(*(client.get('/episodes/rss') for _ in range(3)))
    assert [response.status_code for response in responses] == [200, 200, 200]
    assert builds == 1


async def test_a_build_that_fails_ends_its_turn(
    client: Client, monkeypatch: pytest.MonkeyPatch, releases: list[str]
) -> None:
    async def broken() -> list[EpisodeCard]:
        raise RuntimeError('the database went away mid-build')

    monkeypatch.setattr(episode_service, 'all_episodes', broken)
    assert (await client.get('/episodes/all')).status_code == 500
    sitemap = await asyncio.wait_for(client.get('/sitemap.xml'), timeout=10)
    assert sitemap.status_code == 200
    assert releases == ['released', 'released']
