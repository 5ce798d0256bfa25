"""Health check, error pages, a database outage, and static files."""

import re
import secrets
from collections.abc import AsyncIterator

import pytest
from quart.typing import TestClientProtocol as Client
from sqlalchemy import make_url, select, text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from podsite.app import create_app
from podsite.data import Podcast
from podsite.infrastructure import db
from tests.databases import settings_for

UNREACHABLE_DATABASES = [
    'postgresql+asyncpg://postgres@127.0.0.1:9/podsite',
    'sqlite+aiosqlite:////nonexistent-folder/podsite.db',
]


async def test_health_reports_a_working_database(client: Client) -> None:
    response = await client.get('/health')
    assert response.status_code == 200
    assert await response.get_json() == {'status': 'ok', 'database': True}


@pytest.mark.parametrize('database_url', UNREACHABLE_DATABASES)
async def test_database_outage_gives_a_friendly_503_and_unhealthy_health(
    database_url: str,
) -> None:
    app = create_app(settings_for(database_url))
    async with app.test_app():
        client = app.test_client()
        for path in ('/', '/episodes/all', '/episodes/show/1/x', '/guests'):
            response = await client.get(path)
            html = await response.get_data(as_text=True)
            assert response.status_code == 503, path
            assert 'Temporarily unavailable' in html
            assert 'Traceback' not in html
            assert response.headers['Retry-After'] == '30'
        missing = await client.get('/no/such/page')
        assert missing.status_code == 404  # the show's name cannot be read: a plain 404
        health = await client.get('/health')
        assert health.status_code == 503
        assert await health.get_json() == {'status': 'unavailable', 'database': False}


async def test_unknown_pages_get_the_styled_404(client: Client) -> None:
    response = await client.get('/no/such/page')
    html = await response.get_data(as_text=True)
    assert response.status_code == 404
    assert 'Page not found' in html and 'class="site-header"' in html


async def test_a_404_carries_the_show_its_artwork_and_no_canonical_link(
    client: Client, session: AsyncSession
) -> None:
    show = await session.scalar(select(Podcast))
    assert show is not None and show.artwork_url
    html = await (await client.get('/no/such/page')).get_data(as_text=True)
    assert f'<title>Page not found · {show.title}</title>' in html.replace('&#39;', "'")
    brand = html[html.index('class="brand"') :]
    assert '<img src="' in brand[: brand.index('</a>')]
    assert 'rel="canonical"' not in html and 'og:url' not in html
    footer = html[html.index('class="site-footer"') :]
    assert '<p>podsite</p>' not in footer and show.author in footer


async def test_wrong_method_gets_a_styled_405(client: Client) -> None:
    response = await client.post('/episodes/all')
    assert response.status_code == 405
    assert 'Method not allowed' in await response.get_data(as_text=True)
    assert 'GET' in response.headers['Allow']
    assert response.headers['Content-Type'].startswith('text/html')


async def test_static_urls_are_cache_busted_and_cached_for_long(
    client: Client,
) -> None:
    html = await (await client.get('/')).get_data(as_text=True)
    match = re.search(r'href="(/static/css/site\.css\?v=[0-9a-f]{12})"', html)
    assert match is not None
    response = await client.get(match.group(1))
    assert response.status_code == 200
    assert 'max-age=31536000' in response.headers['Cache-Control']


async def test_unexpected_errors_get_the_styled_500_without_a_traceback(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(settings_for(database_url))

    async def broken() -> str:
        raise RuntimeError('a bug in a view')

    app.add_url_rule('/broken', 'broken', broken)
    async with app.test_app():
        response = await app.test_client().get('/broken')
    html = await response.get_data(as_text=True)
    assert response.status_code == 500
    assert 'Something went wrong' in html and 'class="site-header"' in html
    assert 'a bug in a view' not in html and 'Traceback' not in html
    assert 'a bug in a view' in caplog.text
    request_id = html.split('mention request <code>')[1].split('</code>')[0]
    assert f'request {request_id} failed with 500' in caplog.text


@pytest.fixture
async def refused_postgres_url(postgres_server: str) -> AsyncIterator[str]:
    """A PostgreSQL server reached as a role that may open no connection: it answers every
    connection with "too many connections" (SQLSTATE 53300), as a full server does."""
    role = f'podsite_refused_{secrets.token_hex(4)}'
    engine = create_async_engine(postgres_server, isolation_level='AUTOCOMMIT')
    try:
        async with engine.connect() as connection:
            await connection.execute(text(f'CREATE ROLE {role} LOGIN CONNECTION LIMIT 0'))
        yield make_url(postgres_server).set(username=role).render_as_string(False)
    finally:
        async with engine.connect() as connection:
            await connection.execute(text(f'DROP ROLE IF EXISTS {role}'))
        await engine.dispose()


async def test_a_server_with_no_connection_to_spare_gives_the_503(
    refused_postgres_url: str,
) -> None:
    app = create_app(settings_for(refused_postgres_url))
    async with app.test_app():
        client = app.test_client()
        for path in ('/', '/episodes/all', '/guests', '/search?q=python'):
            response = await client.get(path)
            assert response.status_code == 503, path
            assert response.headers['Retry-After'] == '30'
            assert 'Temporarily unavailable' in await response.get_data(as_text=True)


async def test_a_wrong_statement_stays_a_500(database_url: str) -> None:
    app = create_app(settings_for(database_url))

    async def wrong_statement() -> str:
        await db.session().execute(text('SELECT no_such_column FROM episode'))
        return 'unreachable'

    app.add_url_rule('/wrong-statement', 'wrong_statement', wrong_statement)
    async with app.test_app():
        response = await app.test_client().get('/wrong-statement')
    assert response.status_code == 500
    assert 'Retry-After' not in response.headers


async def test_a_connection_cut_once_the_page_is_made_does_not_spoil_it(
    postgres_server: str,
) -> None:
    """A restart of the server cuts the request's connection after its last statement: the
    transaction cannot be rolled back at the end of the request, and need not be."""
    app = create_app(settings_for(postgres_server))
    server = create_async_engine(postgres_server, isolation_level='AUTOCOMMIT')

    async def cut_under_the_request() -> str:
        backend = await db.session().scalar(text('SELECT pg_backend_pid()'))
        async with server.connect() as connection:
            await connection.execute(text(f'SELECT pg_terminate_backend({backend})'))
        return 'made before the cut'

    app.add_url_rule('/cut', 'cut', cut_under_the_request)
    try:
        async with app.test_app():
            response = await app.test_client().get('/cut')
    finally:
        await server.dispose()
    assert response.status_code == 200
    assert await response.get_data(as_text=True) == 'made before the cut'


async def test_static_files_answer_byte_ranges_suffixes_included(client: Client) -> None:
    whole = await (await client.get('/static/css/site.css')).get_data()
    suffix = await client.get('/static/css/site.css', headers={'Range': 'bytes=-5'})
    assert suffix.status_code == 206
    assert await suffix.get_data() == whole[-5:]
    assert (
        suffix.headers['Content-Range'] == f'bytes {len(whole) - 5}-{len(whole) - 1}/{len(whole)}'
    )
    past_the_end = await client.get('/static/css/site.css', headers={'Range': 'bytes=999999-'})
    assert past_the_end.status_code == 416
    assert past_the_end.headers['Content-Range'] == f'bytes */{len(whole)}'


async def test_static_files_are_revalidated_with_their_etag(client: Client) -> None:
    first = await client.get('/static/css/site.css')
    again = await client.get(
        '/static/css/site.css', headers={'If-None-Match': first.headers['ETag']}
    )
    assert again.status_code == 304
    assert await again.get_data() == b''
    assert first.headers['Content-Type'].startswith('text/css')
    since = await client.get(
        '/static/css/site.css', headers={'If-Modified-Since': first.headers['Last-Modified']}
    )
    assert since.status_code == 304


@pytest.mark.parametrize(
    'name',
    [
        'a' * 256,
        'css/' + 'b' * 300 + '.css',
        'é' * 200,
        'css/',
        '../settings.py',
        'css/../../app.py',
    ],
)
async def test_static_names_the_site_does_not_ship_are_a_404(client: Client, name: str) -> None:
    response = await client.get(f'/static/{name}')
    assert response.status_code == 404
