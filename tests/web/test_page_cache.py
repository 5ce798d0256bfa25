"""Whole pages kept for anonymous visitors: a repeat visit costs at most one query, an edit
shows on the next request, and nothing personal is ever kept or served from the cache."""

import asyncio
from pathlib import Path

import asyncpg
import httpx
import pytest
from quart import Quart, abort, request
from quart.typing import TestClientProtocol as Client
from sqlalchemy import select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from podsite.app import create_app
from podsite.data import Episode, PlacementImpression, Podcast, Policy, SponsorPlacement
from podsite.infrastructure import db, page_cache
from podsite.infrastructure.cache import ContentCache
from podsite.infrastructure.clock import clock_of
from podsite.infrastructure.event_recorder import recorder_of
from podsite.services.catalogue import site_state_service
from podsite.services.sponsors import sponsor_service
from tests.clock import MovableClock
from tests.databases import (
    Backend,
    QueryCounter,
    settings_for,
    when_the_fast_path_takes_a_connection,
)
from tests.factories import add_episode, first_published_episode, sponsored_episode
from tests.servers import podsite_server
from tests.visitors import Browser

FIREFOX = 'Mozilla/5.0 (X11; Linux) Firefox/121.0'


async def test_a_repeat_visit_costs_at_most_one_query_and_gets_the_same_page(
    backend: Backend, client: Client, session: AsyncSession, queries: QueryCounter
) -> None:
    episode = await first_published_episode(session)
    path = f'/episodes/show/{episode.number}/{episode.slug}'
    first = await client.get(path)
    queries.reset()

    again = await client.get(path)

    # SQLite tells by its commit check that nothing was committed; a server needs the version.
    assert queries.count == (0 if backend.server_url is None else 1)
    assert queries.commit_checks == (1 if backend.server_url is None else 0)
    assert await again.get_data() == await first.get_data()
    assert again.headers['Content-Type'] == first.headers['Content-Type']
    assert 'Content-Security-Policy' in again.headers


async def test_an_edit_shows_on_the_next_request(client: Client, session: AsyncSession) -> None:
    await client.get('/privacy')
    await session.execute(
        update(Policy).where(Policy.slug == 'privacy').values(body_html='<p>Rewritten.</p>')
    )
    await session.commit()

    assert 'Rewritten.' in await (await client.get('/privacy')).get_data(as_text=True)


async def test_requests_arriving_together_share_one_look_and_none_gets_an_older_one(
    app: Quart, backend: Backend, client: Client, session: AsyncSession, queries: QueryCounter
) -> None:
    episode = await first_published_episode(session)
    path = f'/episodes/show/{episode.number}/{episode.slug}'
    await client.get(path)
    queries.reset()

    answers = await asyncio.gather(*(client.get(path) for _ in range(20)))

    assert {answer.status_code for answer in answers} == {200}
    # SQLite: one commit check for all twenty; a server: one version query for all twenty.
    assert queries.commit_checks + queries.count == 1
    watch = site_state_service.ContentStateWatch(db.Database.of(app), clock_of(app))
    before = await watch.state()
    await session.execute(
        update(Policy).where(Policy.slug == 'privacy').values(body_html='<p>Changed.</p>')
    )
    await session.commit()
    assert (await watch.state()).version > before.version


async def test_logged_in_visitors_get_their_own_pages(
    app: Quart, admin: Browser, client: Client, queries: QueryCounter
) -> None:
    await client.get('/')  # kept for anonymous visitors
    queries.reset()

    html = await admin.page('/')

    assert 'Log out' in html
    assert queries.count > 1
    assert 'Log out' not in await (await client.get('/')).get_data(as_text=True)


async def test_the_layout_is_read_once_per_change_for_pages_not_kept(
    admin: Browser, session: AsyncSession, queries: QueryCounter
) -> None:
    await admin.page('/')
    queries.reset()

    await admin.page('/guests')
    reads_of_the_show = [statement for statement in queries.statements if 'podcast' in statement]

    assert reads_of_the_show == []
    await session.execute(update(Podcast).values(title='A Renamed Show'))
    await session.commit()
    assert 'A Renamed Show' in await admin.page('/guests')


async def test_pages_that_set_a_cookie_are_never_kept(app: Quart, queries: QueryCounter) -> None:
    visitor = app.test_client()
    visitor.cookie_jar = None  # type: ignore[assignment]  # never sends the cookie back
    await visitor.get('/live-stream')  # its signup form's CSRF token goes in a cookie
    queries.reset()

    await visitor.get('/live-stream')

    assert queries.page_count > 0  # the page's own statements ran: it was not kept


async def test_sponsor_impressions_are_counted_on_kept_pages_too(
    app: Quart, client: Client, session: AsyncSession
) -> None:
    sponsored, _ = await sponsored_episode(session)
    path = f'/episodes/show/{sponsored.number}/{sponsored.slug}'
    for _ in range(3):
        await client.get(path, headers={'User-Agent': FIREFOX})
    await recorder_of(app).impressions.flush()

    counts = (await session.scalars(select(PlacementImpression.impressions))).all()
    assert counts and set(counts) == {3}


async def test_a_kept_page_carries_its_impressions_as_plain_values_counted_per_hit(
    app: Quart, client: Client, session: AsyncSession, queries: QueryCounter
) -> None:
    sponsored, _ = await sponsored_episode(session)
    placements = set(
        await session.scalars(
            select(SponsorPlacement.id).where(SponsorPlacement.episode_id == sponsored.id)
        )
    )
    path = f'/episodes/show/{sponsored.number}/{sponsored.slug}'
    await client.get(path, headers={'User-Agent': FIREFOX})
    queries.reset()

    await client.get(path, headers={'User-Agent': FIREFOX})
    await client.get(path, headers={'User-Agent': 'Googlebot/2.1 (+http://www.google.com/bot)'})
    assert queries.page_count == 0  # both hits were served kept
    await recorder_of(app).impressions.flush()

    state = await site_state_service.content_state_of(db.Database.of(app), clock_of(app))
    kept = app.extensions[page_cache.EXTENSION_KEY].get(path, state)
    assert isinstance(kept, page_cache.KeptPage)
    assert set(kept.impressions) == placements
    counts = (await session.scalars(select(PlacementImpression.impressions))).all()
    assert counts and set(counts) == {2}  # the first view and one hit; bots see no ads


async def test_kept_pages_hold_one_copy_of_the_headers_they_have_in_common(
    app: Quart, client: Client
) -> None:
    paths = ['/', '/episodes/all', '/privacy']
    for path in paths:
        assert (await client.get(path)).status_code == 200
    state = await site_state_service.content_state_of(db.Database.of(app), clock_of(app))
    kept = [kept_pages(app).get(path, state) for path in paths]
    first, *others = [{header[0]: header for header in page.headers} for page in kept]

    assert b'content-security-policy' in first
    for name, header in first.items():
        if name != b'content-length':  # the one header that differs by page
            assert all(page[name] is header for page in others), name


async def test_only_pages_declared_kept_for_anonymous_are_kept(app: Quart, client: Client) -> None:
    renders = {'kept': 0, 'not-kept': 0}

    @page_cache.kept_for_anonymous
    async def kept() -> str:
        renders['kept'] += 1
        return f'rendered {renders["kept"]} times'

    async def not_kept() -> str:
        renders['not-kept'] += 1
        return f'rendered {renders["not-kept"]} times'

    app.add_url_rule('/test/kept', view_func=kept)
    app.add_url_rule('/test/not-kept', view_func=not_kept)
    for _ in range(3):
        assert (await client.get('/test/kept')).status_code == 200
        assert (await client.get('/test/not-kept')).status_code == 200

    assert renders == {'kept': 1, 'not-kept': 3}


def kept_pages(app: Quart) -> ContentCache:
    pages: ContentCache = app.extensions[page_cache.EXTENSION_KEY]
    return pages


async def test_junk_in_the_query_string_is_served_the_page_of_the_path(
    app: Quart, client: Client, queries: QueryCounter
) -> None:
    paths = ['/', '/episodes/all', '/privacy']
    for path in paths:  # kept by a request carrying junk: under its path alone
        assert (await client.get(f'{path}?utm_source=<b>junk</b>')).status_code == 200
    pages = kept_pages(app)
    kept, size = len(pages), pages.size
    queries.reset()

    for number in range(300):
        for path in paths:
            response = await client.get(f'{path}?v={number}&page={number}&q=x{number}')
            assert response.status_code == 200

    assert (len(pages), pages.size) == (kept, size)
    assert queries.page_count == 0  # every one served kept
    html = await (await client.get('/episodes/all')).get_data(as_text=True)
    assert 'junk' not in html and 'utm_source' not in html


async def test_search_is_kept_once_per_query_and_page(
    app: Quart, client: Client, session: AsyncSession, queries: QueryCounter
) -> None:
    for index in range(23):
        await add_episode(session, title=f'Marsupial stories {index}', slug=f'm-{index}')
    meaningful = ['/search?q=marsupial', '/search?q=marsupial&page=2', '/search?q=stories']
    for path in meaningful:
        await client.get(path)
    pages = kept_pages(app)
    kept = len(pages)
    queries.reset()

    served = {
        '/search?utm_source=x&q=marsupial': 'Page 1 of 3',
        '/search?page=2&ref=y&q=marsupial': 'Page 2 of 3',
        '/search?%71=marsupial&p%61ge=2': 'Page 2 of 3',  # names are read decoded
        '/search?q=stories&q=marsupial': 'value="stories"',  # the first value counts
        '/search?q=stori%65s&q=wombat': 'value="stories"',  # the same bytes
    }
    for path, shown in served.items():
        assert shown in await (await client.get(path)).get_data(as_text=True), path

    assert queries.page_count == 0
    assert len(pages) == kept
    assert 'value="wombat"' in await (await client.get('/search?q=wombat')).get_data(as_text=True)
    assert len(pages) == kept + 1


@pytest.mark.parametrize('page', ['abc', '02', '+2', '99', '-1', '', '1'])
async def test_search_pages_spelt_another_way_are_shown_but_not_kept(
    app: Quart, client: Client, session: AsyncSession, queries: QueryCounter, page: str
) -> None:
    for index in range(23):
        await add_episode(session, title=f'Marsupial stories {index}', slug=f'm-{index}')
    await client.get('/search?q=marsupial')
    pages = kept_pages(app)
    kept = len(pages)

    for _ in range(2):
        queries.reset()
        response = await client.get(f'/search?q=marsupial&page={page}')
        assert response.status_code == 200
        assert queries.page_count > 0  # searched again: not kept

    assert len(pages) == kept


async def test_a_search_longer_than_what_is_searched_is_not_kept(
    app: Quart, client: Client
) -> None:
    await client.get('/search?q=python')
    kept = len(kept_pages(app))

    for number in range(5):
        response = await client.get(f'/search?q={number}{"python " * 100}')
        assert 'shortened' in await response.get_data(as_text=True)

    assert len(kept_pages(app)) == kept


async def test_a_page_refusing_a_parameter_value_is_not_kept_for_it(
    app: Quart, client: Client
) -> None:
    renders: list[str] = []

    @page_cache.kept_for_anonymous(params=('page',))
    async def numbered() -> str:
        page = request.args.get('page', '')
        if page not in {'1', '2', '3'}:
            abort(404)
        renders.append(page)
        return f'page {page} of 3'

    app.add_url_rule('/test/numbered', view_func=numbered)
    for junk in ['abc', '0', '007', '4', '-1', '', '1%00', '9' * 500]:
        assert (await client.get(f'/test/numbered?page={junk}')).status_code == 404
    assert len(kept_pages(app)) == 0

    for _ in range(3):
        for page in ['1', '2', '3']:
            response = await client.get(f'/test/numbered?page={page}&v={len(renders)}')
            assert await response.get_data(as_text=True) == f'page {page} of 3'

    assert renders == ['1', '2', '3']
    assert len(kept_pages(app)) == 3


async def test_kept_pages_take_at_most_the_size_set_the_least_recently_used_going_first(
    database_url: str, clock: MovableClock
) -> None:
    app = create_app(settings_for(database_url, page_cache_size='100KB'), clock=clock)
    renders: list[int] = []

    @page_cache.kept_for_anonymous
    async def big(number: int) -> str:
        renders.append(number)
        return f'{number:>20,}' * 1_000  # 20 KB

    app.add_url_rule('/test/big/<int:number>', view_func=big)
    async with app.test_app():
        client = app.test_client()
        for number in [1, 2, 3, 4, 1, 5, 6, 1]:
            assert (await client.get(f'/test/big/{number}')).status_code == 200
        pages = kept_pages(app)

        assert pages.max_size == 100_000
        assert 0 < pages.size <= 100_000
        assert len(pages) == 4  # 20 KB and what keeping each takes: four fit, not five
        assert renders == [1, 2, 3, 4, 5, 6]  # 1, used again before 5 came, stayed
        assert [pages.has(f'/test/big/{number}') for number in range(1, 7)] == [
            True, False, False, True, True, True,
        ]  # fmt: skip


async def test_with_the_page_cache_off_every_page_is_rendered(database_url: str) -> None:
    app = create_app(settings_for(database_url, page_cache=False))
    renders = 0

    @page_cache.kept_for_anonymous
    async def kept() -> str:
        nonlocal renders
        renders += 1
        return 'kept when the cache is on'

    app.add_url_rule('/test/kept', view_func=kept)
    async with app.test_app():
        client = app.test_client()
        for _ in range(3):
            assert (await client.get('/test/kept')).status_code == 200

    assert renders == 3
    assert page_cache.EXTENSION_KEY not in app.extensions


async def test_an_edit_from_another_connection_shows_on_every_kept_page(
    client: Client, session: AsyncSession
) -> None:
    episode = await add_episode(session, title='Fresh episode')
    paths = ['/', '/episodes/all', f'/episodes/show/{episode.number}/{episode.slug}']
    for path in paths:
        await client.get(path)
    await session.execute(
        update(Episode).where(Episode.id == episode.id).values(title='Renamed on the spot')
    )
    await session.commit()

    for path in paths:
        assert 'Renamed on the spot' in await (await client.get(path)).get_data(as_text=True)


async def test_reads_go_on_after_the_server_cuts_their_connections(
    app: Quart,
    backend: Backend,
    session: AsyncSession,
    clock: MovableClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if backend.server_url is None:
        pytest.skip('SQLite has no server to cut connections')
    database = db.Database.of(app)
    driver_saw_a_cut = asyncio.Event()

    def cut_seen(_connection: asyncpg.Connection) -> None:
        driver_saw_a_cut.set()

    when_the_fast_path_takes_a_connection(
        monkeypatch, database, lambda connection: connection.add_termination_listener(cut_seen)
    )
    privacy = select(Policy.body_html).where(Policy.slug == 'privacy')
    sponsors = sponsor_service.EVERY_SPONSOR  # a prepared read: run by the driver itself

    async def cut_every_connection() -> None:
        await session.execute(
            text(
                'SELECT pg_terminate_backend(pid) FROM pg_stat_activity'
                ' WHERE datname = current_database() AND pid <> pg_backend_pid()'
            )
        )

    before = await site_state_service.content_state_of(database, clock)  # on a connection it holds
    async with app.app_context():  # one in each pool: the session's, the prepared read's
        await db.session().execute(privacy)
        async with app.app_context():
            sponsors_before = await db.read_records(sponsors, {})
    async with app.app_context():  # and one cut while a request is using it
        await db.read_records(sponsors, {})
        await cut_every_connection()
        # The driver sees the end of its connection before the next read, so the pool opens
        # a new one (a read whose connection is cut in use runs again: the next test).
        async with asyncio.timeout(10):
            await driver_saw_a_cut.wait()
        assert await db.read_records(sponsors, {}) == sponsors_before
    await cut_every_connection()
    await session.execute(
        update(Policy).where(Policy.slug == 'privacy').values(body_html='<p>After the cut.</p>')
    )
    await session.commit()

    async with app.app_context():
        sponsors_after = await db.read_records(sponsors, {})
    async with app.app_context():
        body = (await db.session().execute(privacy)).scalar_one()
    after = await site_state_service.content_state_of(database, clock)

    assert sponsors_after == sponsors_before
    assert body == '<p>After the cut.</p>'
    assert after.version > before.version


async def test_a_prepared_read_whose_connection_dies_in_use_runs_again(
    app: Quart, backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    if backend.server_url is None:
        pytest.skip('SQLite has no server to cut connections')
    killed: list[object] = []

    def die_once_taken(connection: asyncpg.Connection) -> None:
        # After the pool's own check: as if the server went away as the read began.
        if not killed:
            killed.append(connection)
            connection.terminate()

    when_the_fast_path_takes_a_connection(monkeypatch, db.Database.of(app), die_once_taken)
    async with app.app_context():
        sponsors = await db.read_records(sponsor_service.EVERY_SPONSOR, {})

    assert killed
    assert sponsors


async def test_a_banned_address_is_refused_kept_pages_too(database_url: str) -> None:
    app = create_app(settings_for(database_url, probe_limit=3, probe_ban_seconds=60))
    async with app.test_app():
        client = app.test_client()
        assert (await client.get('/')).status_code == 200  # kept from now on
        for _ in range(4):
            await client.get('/wp-login.php')

        assert (await client.get('/')).status_code == 429


async def test_a_database_failure_on_a_kept_page_gives_the_friendly_503(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    await client.get('/')  # kept from now on

    async def unreachable(_database: object, _clock: object) -> None:
        raise OperationalError('SELECT content_version', {}, ConnectionRefusedError())

    monkeypatch.setattr(site_state_service, 'content_state_of', unreachable)
    response = await client.get('/')

    assert response.status_code == 503
    assert 'Temporarily unavailable' in await response.get_data(as_text=True)


async def test_a_change_shows_on_the_next_request_to_every_served_worker(
    database_url: str, tmp_path: Path
) -> None:
    engine = create_async_engine(database_url)
    try:
        async with AsyncSession(engine) as writer:
            episode = await first_published_episode(writer)
            episode_id, path = episode.id, f'/episodes/show/{episode.number}/{episode.slug}'
            await writer.commit()  # no read transaction left open while the site runs
        # A new connection for each request, so that both workers keep the page.
        fresh_connections = httpx.Limits(max_keepalive_connections=0)
        with podsite_server(database_url, tmp_path, workers=2) as base:
            async with httpx.AsyncClient(base_url=base, limits=fresh_connections) as http:
                for _ in range(20):
                    assert (await http.get(path)).status_code == 200
                async with AsyncSession(engine) as writer:
                    await writer.execute(
                        update(Episode).where(Episode.id == episode_id).values(title='Changed live')
                    )
                    await writer.commit()

                for _ in range(20):
                    assert 'Changed live' in (await http.get(path)).text
    finally:
        await engine.dispose()
