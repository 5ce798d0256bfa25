"""Handing the heap back after a request that built a document as large as the catalogue."""

import asyncio

import pytest
from quart import Quart
from quart.typing import TestClientProtocol as Client

from podsite.infrastructure import memory


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


async def test_the_heap_is_handed_back_once_the_response_is_out(
    app: Quart, releases: list[str]
) -> None:
    requests = [{'type': 'http.request', 'body': b'', 'more_body': False}]
    response_out = asyncio.Event()

    async def receive() -> dict[str, object]:
        if requests:
            return requests.pop()
        await response_out.wait()
        return {'type': 'http.disconnect'}

    async def send(message: dict[str, object]) -> None:
        if message['type'] == 'http.response.body' and not message.get('more_body'):
            releases.append('response out')
            response_out.set()

    scope = {
        'type': 'http', 'asgi': {'version': '3.0'}, 'http_version': '1.1', 'method': 'GET',
        'scheme': 'http', 'path': '/sitemap.xml', 'raw_path': b'/sitemap.xml',
        'query_string': b'', 'root_path': '', 'headers': [(b'host', b'localhost')],
        'client': ('127.0.0.1', 50000), 'server': ('127.0.0.1', 80),
    }  # fmt: skip
    await app(scope, receive, send)
    assert releases == ['response out', 'released']


async def test_other_pages_and_a_kept_document_leave_the_heap_alone(
    client: Client, releases: list[str]
) -> None:
    await client.get('/sitemap.xml')
    await client.get('/episodes/rss')
    releases.clear()
    for path in ('/', '/robots.txt', '/sitemap.xml', '/episodes/rss'):
        assert (await client.get(path)).status_code == 200
    assert releases == []
