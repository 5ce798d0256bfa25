"""Guest directory and guest pages."""

import pytest
from quart.typing import TestClientProtocol as Client
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from podsite.data import EpisodeGuest, Guest
from tests.databases import QueryCounter
from tests.factories import add_episode, add_guest


async def a_guest_on_air(session: AsyncSession) -> Guest:
    guest = await session.scalar(
        select(Guest).join(EpisodeGuest).where(EpisodeGuest.role == 'guest').limit(1)
    )
    assert guest is not None
    return guest


async def test_guest_directory_lists_guests_with_their_episode_counts(
    client: Client, session: AsyncSession
) -> None:
    guest = await a_guest_on_air(session)
    response = await client.get('/guests')
    html = await response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'href="/guests/{guest.slug}"' in html
    assert ' episode' in html


async def test_guest_page_lists_the_guests_episodes(client: Client, session: AsyncSession) -> None:
    guest = await add_guest(
        session, name='Ada Example', slug='ada-example', bio='Writes compilers.'
    )
    await add_episode(session, title='Compilers for everyone', slug='compilers', guests=(guest,))
    await add_episode(
        session, title='Unreleased talk', slug='unreleased', guests=(guest,), published=False
    )
    response = await client.get('/guests/ada-example')
    html = await response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<h1>Ada Example</h1>' in html and 'Writes compilers.' in html
    assert 'Compilers for everyone' in html
    assert 'Unreleased talk' not in html


@pytest.mark.parametrize(
    'slug', ['nobody-by-this-name', 'UPPER', 'ünïcode', 'a' * 300, '%00', "x'; drop table guest;--"]
)
async def test_unknown_or_malformed_guest_slugs_are_404(client: Client, slug: str) -> None:
    assert (await client.get(f'/guests/{slug}')).status_code == 404


async def test_guest_page_query_count_does_not_grow_with_appearances(
    client: Client, session: AsyncSession, queries: QueryCounter
) -> None:
    guest = await add_guest(session, name='Regular', slug='regular')
    await add_episode(session, slug='one', guests=(guest,))
    queries.reset()
    await client.get('/guests/regular')
    before = queries.page_count
    for index in range(20):
        await add_episode(session, slug=f'again-{index}', guests=(guest,))
    queries.reset()
    assert (await client.get('/guests/regular')).status_code == 200
    assert queries.page_count == before == 4
