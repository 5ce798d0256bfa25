"""Sponsors: the friends page, tracked links in episode pages and the feed, and counted
impressions of each placement."""

from datetime import UTC, datetime

from lxml import etree
from quart import Quart
from quart.typing import TestClientProtocol as Client
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from podsite.data import PlacementImpression, Sponsor, SponsorPlacement
from podsite.infrastructure.event_recorder import recorder_of
from tests.databases import QueryCounter
from tests.factories import sponsored_episode
from tests.web.test_short_links import clicks


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


async def test_an_episode_page_has_one_sponsor_block_near_the_top_and_no_untracked_link(
    client: Client, session: AsyncSession
) -> None:
    episode, link = await sponsored_episode(session)
    sponsors = (await session.scalars(select(Sponsor))).all()

    html = await (await client.get(f'/episodes/show/{episode.number}/{episode.slug}')).get_data(
        as_text=True
    )

    assert html.count('class="sponsor-list"') == 1
    assert html.index('id="people-heading">Guests and sponsors') < html.index('id="notes-heading"')
    for sponsor in sponsors:
        assert f'href="{sponsor.website_url}"' not in html, sponsor.website_url
    # The demo's notes name their sponsors too: those mentions now lead through the read's link.
    notes = html[html.index('id="notes-heading"') :]
    assert f'href="/r/{link.name}"' in notes


async def test_home_and_friends_pages_link_each_sponsor_through_its_own_tracked_link(
    app: Quart, client: Client, session: AsyncSession, database_url: str
) -> None:
    sponsors = (await session.scalars(select(Sponsor).where(Sponsor.website_url != ''))).all()
    assert sponsors
    for path in ('/', '/friends-of-the-show'):
        html = await (await client.get(path)).get_data(as_text=True)
        for sponsor in sponsors:
            assert f'href="/r/{sponsor.slug}"' in html, (path, sponsor.slug)
            assert f'href="{sponsor.website_url}"' not in html, (path, sponsor.slug)
    followed = await client.get(f'/r/{sponsors[0].slug}')
    assert followed.headers['Location'] == sponsors[0].website_url
    await recorder_of(app).clicks.flush()
    assert len(await clicks(database_url)) == 1


async def test_a_sponsor_without_a_website_is_listed_without_a_link(
    client: Client, session: AsyncSession
) -> None:
    session.add(Sponsor(name='Quiet Patron', slug='quiet-patron', website_url=''))
    await session.commit()
    html = await (await client.get('/friends-of-the-show')).get_data(as_text=True)
    entry = html[html.index('id="quiet-patron"') :]
    entry = entry[: entry.index('</li>')]
    assert 'Quiet Patron' in entry and '<a ' not in entry


async def test_the_feed_show_notes_link_sponsors_through_their_tracked_link(
    client: Client, session: AsyncSession
) -> None:
    episode, link = await sponsored_episode(session)

    feed = etree.fromstring(await (await client.get('/episodes/rss')).get_data())
    item = next(i for i in feed.iter('item') if i.findtext('guid') == episode.guid)
    notes = item.findtext('{http://purl.org/rss/1.0/modules/content/}encoded') or ''

    assert f'href="https://podcast.test/r/{link.name}"' in notes
    assert 'Sponsored by' in notes
    sponsor = await session.get(Sponsor, link.sponsor_id)
    assert sponsor is not None and f'href="{sponsor.website_url}"' not in notes
    # The notes' own mention of the sponsor leads through the tracked link too.
    assert notes.count(f'href="https://podcast.test/r/{link.name}"') == 2


async def test_each_page_view_counts_one_impression_per_placement_but_bots_none(
    app: Quart, client: Client, session: AsyncSession
) -> None:
    episode, link = await sponsored_episode(session)
    page = f'/episodes/show/{episode.number}/{episode.slug}'

    for _ in range(3):
        await client.get(page, headers={'User-Agent': 'Mozilla/5.0 (X11; Linux) Firefox/121.0'})
    await client.get(page, headers={'User-Agent': 'Googlebot/2.1 (+http://www.google.com/bot)'})
    await client.get(f'/episodes/show/{episode.number}/wrong-slug')  # a redirect, not a view
    await recorder_of(app).impressions.flush()
    for _ in range(2):
        await client.get(page)
    await recorder_of(app).impressions.flush()

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
