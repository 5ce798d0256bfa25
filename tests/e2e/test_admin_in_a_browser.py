"""In a real browser (Debian's Chromium) against a real server: an administrator logs in,
edits an episode's title, and the public page and the feed show the new title; a listener
sees the next live stream's countdown."""

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import chromium_page, needs_chromium, podsite_server

BIN = Path(sys.executable).parent
ADMIN_EMAIL = 'editor@example.com'
ADMIN_PASSWORD = 'a long admin password'

pytestmark = needs_chromium


@pytest.fixture(scope='module')
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp('e2e')
    database_url = f'sqlite+aiosqlite:///{folder / "site.db"}'
    env = {**os.environ, 'PODSITE_DATABASE_URL': database_url}
    podsite = str(BIN / 'podsite')
    subprocess.run([podsite, 'db', 'upgrade'], env=env, check=True, capture_output=True)
    subprocess.run([podsite, 'demo', '--episodes', '12'], env=env, check=True, capture_output=True)
    subprocess.run(
        [podsite, 'create-admin', ADMIN_EMAIL, '--password-stdin'],
        env=env, input=ADMIN_PASSWORD + '\n', text=True, check=True, capture_output=True,
    )  # fmt: skip
    with podsite_server(database_url, folder) as base:
        yield base


async def test_admin_edits_a_title_and_the_public_site_shows_it(
    server: str,
) -> None:
    async with chromium_page() as browser:
        page = browser.page
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
        await browser.screenshot('admin-episode')
        number = await page.input_value('#number')
        await page.goto(f'{server}/{number}')
        assert await page.inner_text('h1') == 'Edited in a real browser'
        feed = await page.goto(f'{server}/episodes/rss')
        assert feed is not None
        assert 'Edited in a real browser' in await feed.text()
    assert browser.console_errors == []


async def test_the_next_live_stream_counts_down_in_the_browser(server: str) -> None:
    async with chromium_page() as browser:
        page = browser.page
        await page.goto(f'{server}/live-stream')
        countdown = page.locator('time[data-countdown]')
        server_text = await countdown.get_attribute('title')
        assert server_text is not None and server_text.endswith(' UTC')
        first = await countdown.inner_text()
        assert re.match(r'in \d+ days?, \d+ hours?, \d+ minutes? \(', first), first
    assert browser.console_errors == []
