"""The bot-probe trap: cheap 404s for attackers' paths, and a ban for those who insist."""

from collections.abc import AsyncIterator

import pytest
from quart import Quart
from quart.typing import TestClientProtocol as Client

from podsite.app import create_app
from podsite.infrastructure.probes import is_probe
from tests.databases import QueryCounter, settings_for

PROBES = [
    '/wp-login.php', '/wp-admin/install.php', '/xmlrpc.php', '/.env', '/.git/config',
    '/phpmyadmin/index.php', '/cgi-bin/luci', '/index.php', '/some/dir/shell.php',
    '/.aws/credentials', '/backup.sql', '/WP-LOGIN.PHP',
]  # fmt: skip


@pytest.mark.parametrize('path', PROBES)
async def test_probes_get_a_tiny_404_and_cost_no_query(
    client: Client, queries: QueryCounter, path: str
) -> None:
    queries.reset()
    response = await client.get(path)
    assert response.status_code == 404
    assert await response.get_data(as_text=True) == 'Not found\n'
    assert response.headers['Content-Type'].startswith('text/plain')
    assert queries.count == 0


async def test_posting_to_a_probe_path_is_trapped_too(client: Client) -> None:
    response = await client.post('/xmlrpc.php', data=b'<methodCall/>')
    assert response.status_code == 404


async def test_probes_are_logged(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    await client.get('/.env', headers={'User-Agent': 'zgrab/0.x'})
    assert any('probe GET /.env' in r.getMessage() and 'zgrab' in r.getMessage()
               for r in caplog.records)  # fmt: skip


@pytest.fixture
async def strict_app(database_url: str) -> AsyncIterator[Quart]:
    app = create_app(settings_for(database_url, probe_limit=3, probe_ban_seconds=60))
    async with app.test_app():
        yield app


async def test_an_address_that_keeps_probing_is_refused_everywhere(strict_app: Quart) -> None:
    client = strict_app.test_client()
    for _ in range(4):
        await client.get('/wp-login.php')
    banned = await client.get('/')
    assert banned.status_code == 429
    assert 'Too many requests' in await banned.get_data(as_text=True)
    behind_proxy = await client.get('/', headers={'X-Forwarded-For': '203.0.113.9'})
    assert behind_proxy.status_code == 429  # the header is not believed without a proxy


async def test_real_pages_are_never_taken_for_probes(app: Quart, client: Client) -> None:
    sitemap = await (await client.get('/sitemap.xml')).get_data(as_text=True)
    paths = [loc.split('https://podcast.test', 1)[1] for loc in sitemap.split('<loc>')[1:]]
    paths = [path.split('</loc>')[0] for path in paths]
    rules = [rule.rule for rule in app.url_map.iter_rules()]
    assert paths and rules
    for path in paths + rules + ['/static/css/site.css', '/episodes/rss', '/robots.txt']:
        assert not is_probe(path), path
