"""Security plumbing: headers on every response, CSRF, rate limits and safe redirects."""

from collections.abc import AsyncIterator

import pytest
from quart import Blueprint, Quart
from quart.typing import TestClientProtocol as Client

from podsite.app import create_app
from podsite.infrastructure.csrf import csrf_token
from podsite.infrastructure.rate_limit import MemoryRateLimiter, RedisRateLimiter
from podsite.infrastructure.safe_redirect import safe_next
from tests.conftest import settings_for

EVERY_RESPONSE = {
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'strict-origin-when-cross-origin',
    'X-Frame-Options': 'DENY',
}


@pytest.mark.parametrize('path', ['/', '/no-such-page', '/static/css/site.css', '/1', '/health'])
async def test_every_response_carries_the_security_headers(client: Client, path: str) -> None:
    response = await client.get(path)
    for name, value in EVERY_RESPONSE.items():
        assert response.headers[name] == value, (path, name)
    policy = response.headers['Content-Security-Policy']
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
    assert 'unsafe-inline' not in policy and 'unsafe-eval' not in policy
    assert response.headers['Strict-Transport-Security'].startswith('max-age=')


async def test_hsts_only_when_the_site_is_served_over_https(database_url: str) -> None:
    app = create_app(settings_for(database_url, base_url='http://podcast.test'))
    async with app.test_app():
        response = await app.test_client().get('/')
    assert 'Strict-Transport-Security' not in response.headers


async def test_pages_have_no_inline_scripts_or_styles(client: Client) -> None:
    for path in ('/', '/episodes/all', '/account/login', '/search?q=python'):
        html = await (await client.get(path)).get_data(as_text=True)
        assert '<script>' not in html and 'style="' not in html and '<style' not in html, path


@pytest.fixture
async def form_app(database_url: str) -> AsyncIterator[Quart]:
    app = create_app(settings_for(database_url))
    probe = Blueprint('csrf_probe', __name__)

    @probe.get('/csrf-probe')
    async def token() -> str:
        return csrf_token()

    @probe.post('/csrf-probe')
    async def accepted() -> str:
        return 'accepted'

    app.register_blueprint(probe)
    async with app.test_app():
        yield app


async def test_state_changing_requests_need_the_sessions_token(form_app: Quart) -> None:
    client = form_app.test_client()
    token = await (await client.get('/csrf-probe')).get_data(as_text=True)
    assert (await client.post('/csrf-probe')).status_code == 400
    assert (await client.post('/csrf-probe', form={'csrf_token': 'wrong'})).status_code == 400
    ok_form = await client.post('/csrf-probe', form={'csrf_token': token})
    assert ok_form.status_code == 200
    ok_header = await client.post('/csrf-probe', headers={'X-CSRF-Token': token})
    assert ok_header.status_code == 200
    stranger = form_app.test_client()
    await stranger.get('/csrf-probe')
    stolen = await stranger.post('/csrf-probe', form={'csrf_token': token})
    assert stolen.status_code == 400
    assert 'Bad request' in await stolen.get_data(as_text=True)
    garbage = await client.post(
        '/csrf-probe',
        data=b'\xff\xfe%%%=&&=',
        headers={'Content-Type': 'application/x-www-form-urlencoded'},
    )
    assert garbage.status_code == 400


async def test_wrong_methods_and_unknown_paths_keep_their_status(client: Client) -> None:
    assert (await client.post('/episodes/all')).status_code == 405
    assert (await client.post('/no-such-page')).status_code == 404


async def test_memory_rate_limiter_counts_per_key_and_window() -> None:
    limiter = MemoryRateLimiter()
    results = [await limiter.hit('k', limit=3, window_seconds=60) for _ in range(4)]
    assert [r.allowed for r in results] == [True, True, True, False]
    assert results[-1].retry_after_seconds > 0 and results[-1].remaining == 0
    assert (await limiter.hit('other', limit=3, window_seconds=60)).allowed
    await limiter.reset('k')
    assert (await limiter.hit('k', limit=3, window_seconds=60)).remaining == 2


async def test_redis_rate_limiter_is_shared_and_fails_open() -> None:
    limiter = RedisRateLimiter('redis://127.0.0.1:6379/15')
    try:
        await limiter.redis.ping()
    except OSError:
        await limiter.close()
        pytest.skip('Redis is not running on 127.0.0.1:6379')
    try:
        key = f'test-{id(limiter)}'
        other_instance = RedisRateLimiter('redis://127.0.0.1:6379/15')
        assert (await limiter.hit(key, limit=2, window_seconds=30)).allowed
        assert (await other_instance.hit(key, limit=2, window_seconds=30)).allowed
        third = await limiter.hit(key, limit=2, window_seconds=30)
        assert not third.allowed and 0 < third.retry_after_seconds <= 30
        await limiter.reset(key)
        assert (await other_instance.hit(key, limit=2, window_seconds=30)).allowed
        await limiter.reset(key)
        await other_instance.close()
    finally:
        await limiter.close()
    unreachable = RedisRateLimiter('redis://127.0.0.1:1/0')
    assert (await unreachable.hit('x', limit=1, window_seconds=30)).allowed
    await unreachable.close()


@pytest.mark.parametrize(
    'target', ['/account', '/episodes/show/1/x?y=1#z', '/search?q=a%20b', '/%0d%0aSet-Cookie']
)
def test_same_site_paths_are_safe_next_targets(target: str) -> None:
    """Percent-encoded characters stay encoded in the Location header, so they are safe."""
    assert safe_next(target) == target


@pytest.mark.parametrize(
    'target',
    ['//evil.com', '/\\evil.com', 'https://evil.com', 'javascript:alert(1)', '\\evil',
     ' /x', '', None, '/x\r\nLocation: //evil', '/' + 'x' * 3000],
)  # fmt: skip
def test_anything_else_falls_back(target: str | None) -> None:
    assert safe_next(target, '/home') == '/home'
