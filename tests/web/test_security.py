"""Security plumbing: headers on every response, CSRF, rate limits and safe redirects."""

from collections.abc import AsyncIterator

import pytest
from limits.aio.storage import RedisStorage
from quart import Blueprint, Quart, Response
from quart.typing import TestClientProtocol as Client
from sqlalchemy import select

from podsite.app import create_app
from podsite.data import Sponsor
from podsite.infrastructure import db
from podsite.infrastructure.csrf import csrf_token
from podsite.infrastructure.rate_limit import DatabaseStorage, rate_limiter
from podsite.infrastructure.safe_redirect import safe_next
from tests.databases import settings_for
from tests.visitors import Browser, logged_in

UNREACHABLE_REDIS_URL = 'redis://127.0.0.1:1/0'

EVERY_RESPONSE = {
    'Content-Security-Policy': (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
        "media-src 'self' https:; frame-src https://www.youtube-nocookie.com; "
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'strict-origin-when-cross-origin',
    'X-Frame-Options': 'DENY',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), interest-cohort=()',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
}


def assert_security_headers(response: Response, *, https: bool = True) -> None:
    for name, value in EVERY_RESPONSE.items():
        if name == 'Strict-Transport-Security' and not https:
            assert name not in response.headers
        else:
            assert response.headers.get(name) == value, name


# Headers


@pytest.mark.parametrize(
    ('path', 'status'),
    [
        ('/', 200),
        ('/no-such-page', 404),
        ('/static/css/site.css', 200),
        ('/1', 301),
        ('/health', 200),
        ('/episodes/rss', 200),
    ],
)
async def test_every_response_carries_the_security_headers(
    client: Client, path: str, status: int
) -> None:
    response = await client.get(path)
    assert response.status_code == status
    assert_security_headers(response)


async def test_an_anonymous_page_sets_no_cookie_and_varies_on_the_cookie(client: Client) -> None:
    response = await client.get('/')
    assert response.status_code == 200
    assert 'Set-Cookie' not in response.headers
    assert 'Cookie' in response.headers['Vary']


async def test_the_policy_allows_no_inline_code() -> None:
    policy = EVERY_RESPONSE['Content-Security-Policy']
    assert 'unsafe-inline' not in policy and 'unsafe-eval' not in policy


async def test_hsts_only_when_the_site_is_served_over_https(database_url: str) -> None:
    app = create_app(settings_for(database_url, base_url='http://podcast.test'))
    async with app.test_app():
        response = await app.test_client().get('/')
    assert response.status_code == 200
    assert_security_headers(response, https=False)


async def test_pages_have_no_inline_scripts_or_styles(client: Client) -> None:
    for path in ('/', '/episodes/all', '/account/login', '/search?q=python'):
        html = await (await client.get(path)).get_data(as_text=True)
        assert '<script>' not in html and 'style="' not in html and '<style' not in html, path


# CSRF: a test-only blueprint with a form view on the real app.

PROBE = '/csrf-probe'
STATE_CHANGING = ['POST', 'PUT', 'PATCH', 'DELETE']


@pytest.fixture
async def form_app(database_url: str) -> AsyncIterator[Quart]:
    app = create_app(settings_for(database_url))
    probe = Blueprint('csrf_probe', __name__)

    @probe.get(PROBE)
    async def token() -> str:
        return csrf_token()

    @probe.route(PROBE, methods=STATE_CHANGING)
    async def accepted() -> str:
        return 'accepted'

    @probe.get(f'{PROBE}/own-headers')
    async def own_headers() -> Response:
        response = Response('embeddable')
        response.headers['Content-Security-Policy'] = 'frame-ancestors https://partner.test'
        response.headers['Access-Control-Allow-Origin'] = '*'
        return response

    @probe.get(f'{PROBE}/broken')
    async def broken() -> str:
        raise RuntimeError('a bug in a view')

    app.register_blueprint(probe)
    async with app.test_app():
        yield app


@pytest.fixture
async def form_client(form_app: Quart) -> Client:
    return form_app.test_client()


async def token_for(client: Client) -> str:
    return await (await client.get(PROBE)).get_data(as_text=True)


async def assert_refused(response: Response) -> None:
    html = await response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'Bad request' in html and 'class="site-header"' in html
    assert_security_headers(response)


async def test_the_token_is_random_per_session_and_stable_within_one(form_app: Quart) -> None:
    client = form_app.test_client()
    token = await token_for(client)
    assert len(token) >= 40
    assert await token_for(client) == token
    assert await token_for(form_app.test_client()) != token


async def test_a_post_without_a_session_is_refused(form_client: Client) -> None:
    await assert_refused(await form_client.post(PROBE, form={'csrf_token': 'anything'}))


async def test_a_post_without_a_token_is_refused(form_client: Client) -> None:
    await token_for(form_client)
    await assert_refused(await form_client.post(PROBE))
    await assert_refused(await form_client.post(PROBE, form={'csrf_token': ''}))


async def test_a_wrong_token_is_refused(form_client: Client) -> None:
    token = await token_for(form_client)
    await assert_refused(await form_client.post(PROBE, form={'csrf_token': token[:-1] + '!'}))
    await assert_refused(await form_client.post(PROBE, headers={'X-CSRF-Token': 'wrong'}))


async def test_a_token_from_another_session_is_refused(form_app: Quart) -> None:
    victim, attacker = form_app.test_client(), form_app.test_client()
    await token_for(victim)
    attackers_token = await token_for(attacker)
    await assert_refused(await victim.post(PROBE, form={'csrf_token': attackers_token}))


async def test_the_sessions_token_is_accepted_as_a_field_or_a_header(form_client: Client) -> None:
    token = await token_for(form_client)
    as_field = await form_client.post(PROBE, form={'csrf_token': token, 'name': 'Ada'})
    assert as_field.status_code == 200
    assert await as_field.get_data(as_text=True) == 'accepted'
    as_header = await form_client.post(PROBE, headers={'X-CSRF-Token': token})
    assert as_header.status_code == 200
    multipart = (
        b'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
        + token.encode()
        + b'\r\n--b--\r\n'
    )
    as_multipart = await form_client.post(
        PROBE, data=multipart, headers={'Content-Type': 'multipart/form-data; boundary=b'}
    )
    assert as_multipart.status_code == 200


@pytest.mark.parametrize('method', STATE_CHANGING)
async def test_every_state_changing_method_needs_the_token(
    form_client: Client, method: str
) -> None:
    token = await token_for(form_client)
    await assert_refused(await form_client.open(PROBE, method=method))
    allowed = await form_client.open(PROBE, method=method, headers={'X-CSRF-Token': token})
    assert allowed.status_code == 200


TRUNCATED_MULTIPART = b'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\nx'


@pytest.mark.parametrize(
    ('body', 'content_type'),
    [
        (b'csrf_token=\xff\xfe\x00', 'application/x-www-form-urlencoded'),
        (b'csrf_token=%ff%fe%&&==%', 'application/x-www-form-urlencoded'),
        (b'no boundary', 'multipart/form-data'),
        (TRUNCATED_MULTIPART, 'multipart/form-data; boundary=b'),
        (b'{"csrf_token": 1}', 'application/json'),
        (b'\x00\x01\x02', 'application/octet-stream'),
    ],
)
async def test_a_malformed_body_is_a_400_not_a_500(
    form_client: Client, body: bytes, content_type: str
) -> None:
    await token_for(form_client)
    response = await form_client.post(PROBE, data=body, headers={'Content-Type': content_type})
    await assert_refused(response)


async def test_an_oversized_body_stays_a_413(form_client: Client) -> None:
    await token_for(form_client)
    response = await form_client.post(
        PROBE,
        data=b'a' * (16 * 1024 * 1024 + 1),
        headers={'Content-Type': 'application/x-www-form-urlencoded'},
    )
    assert response.status_code == 413


async def test_wrong_methods_and_unknown_paths_keep_their_status(
    client: Client, form_client: Client
) -> None:
    assert (await client.post('/episodes/all')).status_code == 405
    assert (await client.post('/no-such-page')).status_code == 404
    assert (await form_client.delete(f'{PROBE}/own-headers')).status_code == 405


async def test_a_views_own_headers_are_kept(form_client: Client) -> None:
    response = await form_client.get(f'{PROBE}/own-headers')
    assert response.headers['Content-Security-Policy'] == 'frame-ancestors https://partner.test'
    assert response.headers['Access-Control-Allow-Origin'] == '*'
    assert response.headers['X-Content-Type-Options'] == 'nosniff'


async def test_server_errors_carry_the_security_headers(form_client: Client) -> None:
    response = await form_client.get(f'{PROBE}/broken')
    assert response.status_code == 500
    assert_security_headers(response)


# Answers for one person


@pytest.mark.parametrize(
    ('who', 'path', 'status'),
    [('admin', '/admin', 200), ('admin', '/admin/episodes', 200), ('admin', '/admin/audit', 200),
     ('admin', '/admin/reports/episodes.csv', 200), ('admin', '/admin/episodes/999999', 404),
     ('admin', '/account', 200), ('admin', '/', 200), ('admin', '/episodes/all', 200),
     ('admin', '/no-such-page', 404), ('listener', '/admin', 403),
     ('advertiser', '/advertiser', 200), ('advertiser', '/advertiser/report.csv', 200),
     (None, '/account', 302), (None, '/admin', 302), (None, '/advertiser', 302),
     (None, '/account/login', 200), (None, '/account/register', 200),
     (None, '/account/reset', 200), (None, '/live-stream', 200)],
)  # fmt: skip
async def test_answers_meant_for_one_person_are_never_stored(
    app: Quart, who: str | None, path: str, status: int
) -> None:
    """The account, admin and advertiser areas, every page a logged-in visitor sees (it
    names them), and every page carrying a session's CSRF token (a form)."""
    if who is None:
        browser = Browser(app.test_client())
    else:
        async with app.app_context():
            sponsor_id = await db.session().scalar(select(Sponsor.id).limit(1))
        browser = await logged_in(app, role=who, email=f'{who}@example.com', sponsor_id=sponsor_id)
    response = await browser.client.get(path)
    assert response.status_code == status
    assert response.headers.get('Cache-Control') == 'no-store'


@pytest.mark.parametrize('path', ['/', '/episodes/all', '/episodes/rss', '/static/css/site.css'])
async def test_public_answers_to_anonymous_visitors_may_be_stored(
    client: Client, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert 'no-store' not in response.headers.get('Cache-Control', '')


# Rate limits (the limiter itself: tests/infrastructure/test_rate_limit.py)


async def test_the_app_counts_attempts_in_redis_when_configured_else_in_the_database(
    database_url: str,
) -> None:
    app = create_app(settings_for(database_url, redis_url=UNREACHABLE_REDIS_URL))
    async with app.test_app(), app.app_context():
        assert isinstance(rate_limiter().redis, RedisStorage)
        assert isinstance(rate_limiter().attempts, DatabaseStorage)
    default = create_app(settings_for(database_url))
    async with default.test_app(), default.app_context():
        assert rate_limiter().redis is None
        assert isinstance(rate_limiter().attempts, DatabaseStorage)


async def test_a_site_with_redis_down_still_serves_pages(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(settings_for(database_url, redis_url=UNREACHABLE_REDIS_URL))
    async with app.test_app():
        response = await app.test_client().get('/')
    assert response.status_code == 200
    assert 'Redis failed' in caplog.text


# Redirect targets


@pytest.mark.parametrize(
    'target',
    ['/account', '/episodes/show/1/x?y=1#z', '/search?q=a%20b', '/' + 'x' * 1999],
)
def test_same_site_paths_are_safe_next_targets(target: str) -> None:
    assert safe_next(target) == target


@pytest.mark.parametrize(
    'target',
    ['//evil.com', '/\\evil.com', 'https://evil.com', 'javascript:alert(1)', '\\evil',
     '/%0d%0aSet-Cookie', '/x\r\nLocation: //evil', '/%2fevil.com', '/%5cevil.com',
     ' /x', '/x ', '/x\t', '/x\u202e', 'account', '', None, '/' + 'x' * 2000],
)  # fmt: skip
def test_anything_else_falls_back(target: str | None) -> None:
    assert safe_next(target, '/home') == '/home'


def test_the_default_fallback_is_the_home_page() -> None:
    assert safe_next('//evil.com') == '/'
