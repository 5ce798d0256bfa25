"""Whole pages kept for anonymous visitors: a repeat visit costs one query, an edit shows
on the next request, and nothing personal is ever kept or served from the cache."""

from quart import Quart
from quart.typing import TestClientProtocol as Client
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from podsite.data import PlacementImpression, Policy
from podsite.infrastructure.events import IMPRESSIONS_KEY
from tests.conftest import Browser, QueryCounter
from tests.factories import first_published_episode, sponsored_episode


async def test_a_repeat_visit_costs_one_query_and_gets_the_same_page(
    client: Client, session: AsyncSession, queries: QueryCounter
) -> None:
    episode = await first_published_episode(session)
    path = f'/episodes/show/{episode.number}/{episode.slug}'
    first = await client.get(path)
    queries.reset()

    again = await client.get(path)

    assert queries.count == 1  # the content version
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


async def test_logged_in_visitors_get_their_own_pages(
    app: Quart, admin: Browser, client: Client, queries: QueryCounter
) -> None:
    await client.get('/')  # kept for anonymous visitors
    queries.reset()

    html = await admin.page('/')

    assert 'Log out' in html
    assert queries.count > 1
    assert 'Log out' not in await (await client.get('/')).get_data(as_text=True)


async def test_pages_that_set_a_cookie_are_never_kept(app: Quart, queries: QueryCounter) -> None:
    visitor = app.test_client()
    visitor.cookie_jar = None  # type: ignore[assignment]  # never sends the cookie back
    await visitor.get('/live-stream')  # its signup form's CSRF token goes in a cookie
    queries.reset()

    await visitor.get('/live-stream')

    assert queries.count > 1


async def test_sponsor_impressions_are_counted_on_kept_pages_too(
    app: Quart, client: Client, session: AsyncSession
) -> None:
    sponsored, _ = await sponsored_episode(session)
    path = f'/episodes/show/{sponsored.number}/{sponsored.slug}'
    for _ in range(3):
        await client.get(path, headers={'User-Agent': 'Mozilla/5.0 (X11; Linux) Firefox/121.0'})
    await app.extensions[IMPRESSIONS_KEY].flush()

    counts = (await session.scalars(select(PlacementImpression.impressions))).all()
    assert counts and set(counts) == {3}
