"""The home page: latest episodes, recent guests, sponsors."""

from datetime import UTC, datetime, timedelta

from quart import Quart
from quart.typing import TestClientProtocol as Client
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from podsite.data import Episode
from podsite.services.catalogue import guest_service
from tests.clock import MovableClock
from tests.databases import QueryCounter
from tests.factories import add_episode, add_guest


async def test_home_shows_latest_episodes_guests_and_sponsors(client: Client) -> None:
    response = await client.get('/')
    html = await response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count('class="episode-card"') == 10
    assert 'Recent guests' in html and 'class="guest-grid"' in html
    assert 'Thanks to our sponsors' in html and 'rel="sponsored noopener"' in html
    assert '<link rel="canonical" href="https://podcast.test/">' in html
    assert 'property="og:image"' in html


async def test_newly_published_episode_leads_the_home_page(
    client: Client, session: AsyncSession
) -> None:
    guest = await add_guest(session, name='Brand New Guest', slug='brand-new-guest')
    await add_episode(session, title='Fresh off the press', slug='fresh', guests=(guest,))
    html = await (await client.get('/')).get_data(as_text=True)
    assert html.index('Fresh off the press') < html.index(
        'class="episode-card"', html.index('Fresh off the press')
    )
    assert 'Brand New Guest' in html


async def test_recent_guests_are_those_of_the_latest_episodes_newest_first(
    app: Quart, session: AsyncSession
) -> None:
    earlier = await add_guest(session, name='Earlier Guest', slug='earlier-guest')
    latest = await add_guest(session, name='Latest Guest', slug='latest-guest')
    now = datetime.now(UTC)
    await add_episode(
        session, slug='earlier', guests=(earlier,), published_at=now - timedelta(minutes=2)
    )
    await add_episode(
        session, slug='latest', guests=(latest,), published_at=now - timedelta(minutes=1)
    )

    async with app.app_context():
        guests = await guest_service.recent_guests(limit=8)

    assert [guest.slug for guest in guests[:2]] == ['latest-guest', 'earlier-guest']
    assert len(guests) == len({guest.slug for guest in guests}) == 8


async def test_empty_site_renders_a_friendly_home_page(new_site_client: Client) -> None:
    response = await new_site_client.get('/')
    assert response.status_code == 200
    assert 'No episodes have been published yet.' in await response.get_data(as_text=True)


async def test_home_query_count_does_not_grow_with_the_catalogue(
    client: Client, session: AsyncSession, queries: QueryCounter
) -> None:
    queries.reset()
    await client.get('/')
    before = queries.page_count
    guests = [await add_guest(session, name=f'Guest {i}', slug=f'g-{i}') for i in range(12)]
    for index in range(15):
        await add_episode(session, slug=f'e-{index}', guests=tuple(guests[index % 12 :][:3]))
    queries.reset()
    assert (await client.get('/')).status_code == 200
    assert queries.page_count == before == 5


async def test_the_footer_years_run_from_the_first_episode_to_this_year(
    client: Client, session: AsyncSession, clock: MovableClock
) -> None:
    first = await session.scalar(select(func.min(Episode.published_at)))
    assert first is not None
    clock.advance(timedelta(days=3 * 366))
    html = await (await client.get('/')).get_data(as_text=True)
    footer = html[html.index('class="site-footer"') :]
    assert f'© {first.year}-{clock().year} ' in footer
