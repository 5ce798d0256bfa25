"""In a real browser (Debian's Chromium) against a real server: an administrator logs in,
edits an episode's title, and the public page and the feed show the new title; a listener
sees the next live stream's countdown."""

import re
from collections.abc import AsyncIterator

import pytest

from podsite.app import create_app
from podsite.services.accounts import account_service
from tests.databases import DatabaseFactory, settings_for
from tests.e2e.chromium import BrowserPage, chromium_page, needs_chromium
from tests.servers import podsite_server

ADMIN_EMAIL = 'editor@example.com'
ADMIN_PASSWORD = 'a long admin password'

pytestmark = needs_chromium


@pytest.fixture(scope='module')
async def server(
    databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    database_url = await databases.demo()
    app = create_app(settings_for(database_url))
    async with app.test_app(), app.app_context():
        await account_service.create_user(
            name='Editor', email=ADMIN_EMAIL, password=ADMIN_PASSWORD, role='admin'
        )
    with podsite_server(database_url, tmp_path_factory.mktemp('e2e')) as base:
        yield base
    await databases.drop(database_url)


async def test_admin_edits_a_title_and_the_public_site_shows_it(
    server: str, chromium: BrowserPage
) -> None:
    page = chromium.page
    await page.goto(f'{server}/account/login?next=/admin/episodes%3Fstatus%3Dpublished')
    await page.fill('#email', ADMIN_EMAIL)
    await page.fill('#password', ADMIN_PASSWORD)
    await page.click('form.stacked-form button[type=submit]')
    await page.wait_for_url(f'{server}/admin/episodes?status=published')
    await page.click('table.admin-table tbody tr:first-child a')
    await page.wait_for_selector('#title')
    await page.fill('#title', 'Edited in a real browser')
    await page.click('.episode-form button[type=submit]')
    await page.wait_for_selector('text=Saved.')
    await chromium.screenshot('admin-episode')
    number = await page.input_value('#number')
    await page.goto(f'{server}/{number}')
    assert await page.inner_text('h1') == 'Edited in a real browser'
    feed = await page.goto(f'{server}/episodes/rss')
    assert feed is not None
    assert 'Edited in a real browser' in await feed.text()
    assert chromium.console_errors == []


@pytest.mark.parametrize(
    ('locale', 'timezone_id', 'zone'),
    [('de-DE', 'Europe/Berlin', 'MES?Z'), ('en-US', 'America/New_York', 'E[SD]T')],
)
async def test_the_next_live_stream_counts_down_in_the_listeners_time_and_zone(
    server: str, locale: str, timezone_id: str, zone: str
) -> None:
    async with chromium_page(locale=locale, timezone_id=timezone_id) as chromium:
        page = chromium.page
        await page.goto(f'{server}/live-stream')
        server_text = await page.locator('time[data-countdown]').inner_text()
        assert server_text.endswith(' UTC')  # still there, as the server wrote it
        local = await page.locator('.countdown-local').inner_text()
        assert re.search(r'your time, in (\d+ days?, )?(\d+ hours?, )?\d+ minutes?\)$', local)
        assert re.search(f' {zone} your time', local), local  # summer or winter time
        assert not re.search(r'\d:\d\d:\d\d', local), 'no seconds'
        assert ('PM' in local or 'AM' in local) is (locale == 'en-US'), local
        assert chromium.console_errors == []
