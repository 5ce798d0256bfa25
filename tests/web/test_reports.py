"""Reports: the admin's, the advertiser portal (which shows a sponsor its own numbers and
nothing else), CSV exports and `podsite stats`."""

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from quart import Quart
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from podsite.data import Episode, ShortLink, Sponsor
from podsite.infrastructure import db
from podsite.infrastructure.event_recorder import recorder_of
from podsite.schemas.analytics import PendingDownload
from podsite.services.analytics import storage
from podsite.services.sponsors import short_link_service
from podsite.viewmodels.reports import admin_reports
from tests.databases import QueryCounter
from tests.factories import add_episode
from tests.visitors import Browser, logged_in

APPLE_PODCASTS = 'Podcasts/1650.20 CFNetwork/1404.0.5 Darwin/22.3.0'
FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0'
BOT = 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)'


@dataclass
class Campaign:
    sponsor: Sponsor
    episode: Episode
    listeners: int
    clicks: int
    views: int


@pytest.fixture
async def campaigns(app: Quart, session: AsyncSession) -> dict[str, Campaign]:
    """Two sponsors, each read in its own episode, with downloads, clicks and page views."""
    made = {}
    for slug, number, listeners, clicks, views in (('alpha', 801, 3, 2, 3),
                                                   ('beta', 802, 5, 4, 1)):  # fmt: skip
        sponsor = Sponsor(name=slug.title(), slug=slug, website_url=f'https://{slug}.example/')
        session.add(sponsor)
        await session.commit()
        episode = await add_episode(session, number=number, slug=slug, sponsors=(sponsor,))
        made[slug] = Campaign(sponsor, episode, listeners, clicks, views)
    async with app.app_context():
        await short_link_service.link_placements()
        await db.session().commit()
        now = datetime.now(UTC)
        await storage.store_downloads([
            PendingDownload(occurred_at=now, episode_id=c.episode.id, client_ip=f'192.0.2.{n}',
                            user_agent=APPLE_PODCASTS, range_header=None, bytes_served=None,
                            method='GET', status=302)
            for c in made.values() for n in range(c.listeners)
        ])  # fmt: skip
    client = app.test_client()
    for campaign in made.values():
        for _ in range(campaign.clicks):
            await client.get(f'/r/{campaign.sponsor.slug}-{campaign.episode.number}',
                             headers={'User-Agent': FIREFOX})  # fmt: skip
        await client.get(f'/r/{campaign.sponsor.slug}-{campaign.episode.number}',
                         headers={'User-Agent': BOT})  # fmt: skip
        for _ in range(campaign.views):
            await client.get(f'/episodes/show/{campaign.episode.number}/{campaign.episode.slug}',
                             headers={'User-Agent': FIREFOX})  # fmt: skip
    await recorder_of(app).clicks.flush()
    await recorder_of(app).impressions.flush()
    return made


async def advertiser_of(app: Quart, campaign: Campaign) -> Browser:
    return await logged_in(
        app, role='advertiser', email=f'ads@{campaign.sponsor.slug}.example',
        sponsor_id=campaign.sponsor.id,
    )  # fmt: skip


def parse_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def test_an_advertiser_sees_their_reads_with_downloads_clicks_and_impressions(
    app: Quart, campaigns: dict[str, Campaign]
) -> None:
    alpha = campaigns['alpha']
    browser = await advertiser_of(app, alpha)

    html = await browser.page('/advertiser')

    assert 'Alpha' in html
    assert f'#{alpha.episode.number} ' in html
    assert f'/r/alpha-{alpha.episode.number}' in html
    row = html[html.index(f'/r/alpha-{alpha.episode.number}') :]
    cells = [cell.split('>')[-1] for cell in row.split('</td>')[1:4]]
    assert cells == [str(alpha.listeners), str(alpha.clicks), str(alpha.views)]
    assert html.count('<svg class="chart"') == 3


async def test_an_advertiser_never_sees_another_sponsors_data(
    app: Quart, campaigns: dict[str, Campaign]
) -> None:
    alpha, beta = campaigns['alpha'], campaigns['beta']
    browser = await advertiser_of(app, alpha)

    html = await browser.page(f'/advertiser?sponsor={beta.sponsor.id}&sponsor_id={beta.sponsor.id}')
    assert 'Beta' not in html
    assert f'#{beta.episode.number}' not in html
    other = await browser.client.get(f'/advertiser/episodes/{beta.episode.number}')
    assert other.status_code == 404
    missing = await browser.client.get('/advertiser/episodes/999999')
    assert missing.status_code == 404
    own = await browser.page(f'/advertiser/episodes/{alpha.episode.number}')
    assert f'/r/alpha-{alpha.episode.number}' in own

    exported = await browser.client.get(f'/advertiser/report.csv?sponsor_id={beta.sponsor.id}')
    rows = parse_csv(await exported.get_data(as_text=True))
    assert exported.headers['Content-Disposition'] == 'attachment; filename="alpha-90.csv"'
    assert {row['episode'] for row in rows} == {str(alpha.episode.number)}
    assert sum(int(row['downloads']) for row in rows) == alpha.listeners
    assert sum(int(row['clicks']) for row in rows) == alpha.clicks
    assert sum(int(row['impressions']) for row in rows) == alpha.views


async def test_the_portal_is_for_advertisers_only(
    app: Quart, campaigns: dict[str, Campaign]
) -> None:
    anonymous = app.test_client()
    for path in ('/advertiser', '/advertiser/report.csv', '/advertiser/episodes/801'):
        response = await anonymous.get(path)
        assert response.status_code == 302
        assert '/account/login' in response.headers['Location']
    listener = await logged_in(app, role='listener', email='fan@example.com')
    admin = await logged_in(app, role='admin', email='boss@example.com')
    for browser in (listener, admin):
        assert (await browser.client.get('/advertiser')).status_code == 403
        assert (await browser.client.get('/advertiser/report.csv')).status_code == 403


async def test_an_advertiser_without_a_sponsor_is_told_so(app: Quart) -> None:
    browser = await logged_in(app, role='advertiser', email='new@ads.example')

    assert 'not linked to a sponsor' in await browser.page('/advertiser')
    assert (await browser.client.get('/advertiser/report.csv')).status_code == 404


async def test_a_bad_period_is_explained_and_the_default_shown(
    app: Quart, campaigns: dict[str, Campaign], admin: Browser
) -> None:
    browser = await advertiser_of(app, campaigns['alpha'])
    for page in (await browser.page('/advertiser?period=forever%00'),
                 await admin.page('/admin/reports?period=-1')):  # fmt: skip
        assert 'There is no period' in page
        assert 'the last 90 days' in page


async def test_admin_reports_show_downloads_episodes_apps_and_clicks(
    admin: Browser, campaigns: dict[str, Campaign]
) -> None:
    html = await admin.page('/admin/reports?period=30')

    assert '<svg class="chart"' in html
    assert '>8</span> counted downloads' in html
    assert 'Apple Podcasts' in html
    assert '/r/beta-802' in html

    episodes = parse_csv(await (await admin.client.get('/admin/reports/episodes.csv')).get_data(
        as_text=True))  # fmt: skip
    beta = next(row for row in episodes if row['episode'] == '802')
    assert (beta['first 7 days'], beta['all time']) == ('5', '5')
    links = parse_csv(await (await admin.client.get('/admin/reports/links.csv?period=7')).get_data(
        as_text=True))  # fmt: skip
    assert {row['link']: row['clicks'] for row in links}['/r/beta-802'] == '4'
    apps = parse_csv(await (await admin.client.get('/admin/reports/apps.csv')).get_data(
        as_text=True))  # fmt: skip
    assert apps == [{'app': 'Apple Podcasts', 'downloads': '8'}]
    platforms = parse_csv(await (await admin.client.get('/admin/reports/platforms.csv')).get_data(
        as_text=True))  # fmt: skip
    assert platforms == [{'platform': 'Apple iPhone', 'downloads': '8'}]
    daily = await admin.client.get('/admin/reports/daily.csv?period=all')
    assert daily.headers['Content-Type'] == 'text/csv; charset=utf-8'
    assert parse_csv(await daily.get_data(as_text=True))[0]['downloads'] == '8'
    assert (await admin.client.get('/admin/reports/secrets.csv')).status_code == 404


async def test_csv_cells_that_look_like_formulas_are_defused(
    admin: Browser, session: AsyncSession, campaigns: dict[str, Campaign]
) -> None:
    await add_episode(session, number=803, slug='formula', title='=HYPERLINK("http://x")')

    text = await (await admin.client.get('/admin/reports/episodes.csv')).get_data(as_text=True)

    assert '\'=HYPERLINK(""http://x"")' in text


async def test_admin_link_clicks_hide_zeros_sort_and_page(
    admin: Browser,
    app: Quart,
    session: AsyncSession,
    campaigns: dict[str, Campaign],
    queries: QueryCounter,
) -> None:
    session.add_all(
        ShortLink(
            name=f'unclicked-{n:02d}',
            target_url=f'https://example.com/{n}',
            created_at=datetime.now(UTC) + timedelta(minutes=n),
        )
        for n in range(60)
    )
    await session.commit()
    total = await session.scalar(select(func.count()).select_from(ShortLink))
    assert total is not None and total > 60

    clicked = await admin.page('/admin/reports')
    assert re.findall(r'<code>/r/([\w-]+)</code>', clicked) == ['beta-802', 'alpha-801']
    assert re.search(rf'{total - 2} links with no clicks in [\w ]+ are hidden\.', clicked)
    assert 'Show links with no clicks' in clicked

    by_name = await admin.page('/admin/reports?sort=name')
    assert re.findall(r'<code>/r/([\w-]+)</code>', by_name) == ['alpha-801', 'beta-802']

    queries.reset()
    first = await admin.page('/admin/reports?zeros=1')
    first_page_queries = queries.page_count
    first_links = re.findall(r'<code>/r/([\w-]+)</code>', first)
    assert len(first_links) == 50
    assert first_links[:2] == ['beta-802', 'alpha-801']
    assert f'Page 1 of {-(-total // 50)} ({total} links)' in first
    assert 'Hide links with no clicks' in first
    queries.reset()
    second = await admin.page('/admin/reports?zeros=1&page=2')
    assert queries.page_count == first_page_queries  # a later page costs no more
    assert len(re.findall(r'<code>/r/([\w-]+)</code>', second)) == min(50, total - 50)
    assert 'rel="prev"' in second

    newest = await admin.page('/admin/reports?zeros=1&sort=created')
    assert re.findall(r'<code>/r/([\w-]+)</code>', newest)[0] == 'unclicked-59'


@pytest.mark.parametrize(
    'query', ['sort=bogus', 'page=abc', 'page=0', 'page=-1', 'page=%C2%B2', 'page=9' * 40,
              'zeros=%00', 'sort=&page=&zeros='],
)  # fmt: skip
async def test_odd_report_queries_show_the_default_view(admin: Browser, query: str) -> None:
    html = await admin.page(f'/admin/reports?{query}')
    assert 'aria-current="true">most clicks</a>' in html


async def test_a_page_of_links_past_the_last_is_not_found(admin: Browser) -> None:
    assert (await admin.client.get('/admin/reports?page=999')).status_code == 404


def per_episode_rows(html: str) -> list[int]:
    """The episode numbers of the downloads-per-episode table."""
    table = html.split('id="episodes-heading"', 1)[1]
    return [int(number) for number in re.findall(r'<td>#(\d+) ', table)]


async def test_downloads_per_episode_page_through_every_published_episode(
    admin: Browser, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(admin_reports, 'EPISODES_PER_PAGE', 3)
    published = list(
        await session.scalars(
            select(Episode.number)
            .where(Episode.is_published.is_(True))
            .order_by(Episode.number.desc())
        )
    )
    assert len(published) > 6
    pages = -(-len(published) // 3)

    first = await admin.page('/admin/reports')
    assert per_episode_rows(first) == published[:3]
    assert f'Page 1 of {pages} ({len(published)} episodes)' in first
    second = await admin.page('/admin/reports?period=90&episodes_page=2')
    assert per_episode_rows(second) == published[3:6]
    # Each table's pager keeps the other table's page, and the period.
    assert (
        'href="/admin/reports?period=90&amp;sort=clicks&amp;page=1&amp;episodes_page=3'
        '#episodes-heading" rel="next"'
    ) in second
    assert '/admin/reports?period=90&amp;sort=name&amp;page=1&amp;episodes_page=2' in second
    assert (await admin.client.get(f'/admin/reports?episodes_page={pages + 1}')).status_code == 404
    assert per_episode_rows(await admin.page('/admin/reports?episodes_page=x')) == published[:3]
