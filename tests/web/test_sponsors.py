"""Sponsors: the friends page, tracked links in episode pages and the feed, and counted
impressions of each placement."""

from datetime import UTC, datetime

from lxml import etree
from quart import Quart
from quart.typing import TestClientProtocol as Client
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from podsite.data import PlacementImpression, Sponsor, SponsorPlacement
from podsite.services.analytics.recording import Recorder
from tests.databases import QueryCounter
from tests.factories import sponsored_episode


async def test_the_friends_page_shows_every_sponsor_with_logo_and_description(
    client: Client, session: AsyncSession
) -> None:
    response = await client.get('/friends-of-the-show')
    html = await response.get_data(as_text=True)

    assert response.status_code == 200
    sponsors = (await session.scalars(select(Sponsor))).all()
    assert sponsors
    for sponsor in sponsors:
        assert f'id="{sponsor.slug}"' in html
        assert sponsor.description.replace("'", '&#39;') in html
    assert 'rel="sponsored noopener"' in html
    assert 'Heard in' in html


async def test_the_friends_page_without_sponsors_says_so(new_site_client: Client) -> None:
    response = await new_site_client.get('/friends-of-the-show')
    assert response.status_code == 200
    assert 'No sponsors yet' in await response.get_data(as_text=True)


async def test_episode_pages_link_sponsors_through_their_tracked_link(
    client: Client, session: AsyncSession
) -> None:
    episode, link = await sponsored_episode(session)

    html = await (await client.get(f'/episodes/show/{episode.number}/{episode.slug}')).get_data(
        as_text=True
    )

    assert f'href="/r/{link.name}"' in html
    assert link.name.endswith(f'-{episode.number}')
    followed = await client.get(f'/r/{link.name}')
    assert followed.headers['Location'] == link.target_url


async def test_the_feed_show_notes_link_sponsors_through_their_tracked_link(
    client: Client, session: AsyncSession
) -> None:
    episode, link = await sponsored_episode(session)

    feed = etree.fromstring(await (await client.get('/episodes/rss')).get_data())
    item = next(i for i in feed.iter('item') if i.findtext('guid') == episode.guid)
    notes = item.findtext('{http://purl.org/rss/1.0/modules/content/}encoded') or ''

    assert f'href="https://podcast.test/r/{link.name}"' in notes
    assert 'Sponsored by' in notes


async def test_each_page_view_counts_one_impression_per_placement_but_bots_none(
    app: Quart, client: Client, session: AsyncSession
) -> None:
    episode, link = await sponsored_episode(session)
    page = f'/episodes/show/{episode.number}/{episode.slug}'

    for _ in range(3):
        await client.get(page, headers={'User-Agent': 'Mozilla/5.0 (X11; Linux) Firefox/121.0'})
    await client.get(page, headers={'User-Agent': 'Googlebot/2.1 (+http://www.google.com/bot)'})
    await client.get(f'/episodes/show/{episode.number}/wrong-slug')  # a redirect, not a view
    await Recorder.of(app).impressions.flush()
    for _ in range(2):
        await client.get(page)
    await Recorder.of(app).impressions.flush()

    placements = (
        await session.scalars(
            select(SponsorPlacement.id).where(SponsorPlacement.episode_id == episode.id)
        )
    ).all()
    rows = (await session.execute(select(PlacementImpression))).scalars().all()
    by_placement = {row.placement_id: row.impressions for row in rows}
    assert by_placement == dict.fromkeys(placements, 5)
    assert {row.day for row in rows} == {datetime.now(UTC).date()}
    assert link.placement_id in by_placement


async def test_the_episode_page_query_count_stays_with_sponsors(
    client: Client, session: AsyncSession, queries: QueryCounter
) -> None:
    episode, _ = await sponsored_episode(session)
    queries.reset()
    await client.get(f'/episodes/show/{episode.number}/{episode.slug}')
    # The episode with its people and sponsor reads, and the layout's.
    assert queries.page_count == 2
