"""In a real browser (Debian's Chromium) against a real server: an administrator logs in,
edits an episode's title, and the public page and the feed show the new title; publishes
an episode's audio with the upload's progress shown, previews the draft and deletes it
after confirming; a listener sees the next live stream's countdown."""

import re
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Page

from podsite.app import create_app
from podsite.services.accounts import account_service
from tests.audio import AudioSamples
from tests.databases import DatabaseFactory, settings_for
from tests.e2e.chromium import BrowserPage, needs_chromium
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
    folder = tmp_path_factory.mktemp('e2e')
    with podsite_server(database_url, folder, media_dir=str(folder / 'media')) as base:
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


async def test_the_next_live_stream_counts_down_in_the_browser(
    server: str, chromium: BrowserPage
) -> None:
    page = chromium.page
    await page.goto(f'{server}/live-stream')
    countdown = page.locator('time[data-countdown]')
    server_text = await countdown.get_attribute('title')
    assert server_text is not None and server_text.endswith(' UTC')
    first = await countdown.inner_text()
    assert re.match(r'in \d+ days?, \d+ hours?, \d+ minutes? \(', first), first
    assert chromium.console_errors == []


async def log_in(page: Page, server: str, next_path: str) -> None:
    await page.goto(f'{server}/account/login?next={next_path}')
    await page.fill('#email', ADMIN_EMAIL)
    await page.fill('#password', ADMIN_PASSWORD)
    await page.click('form.stacked-form button[type=submit]')
    await page.wait_for_url(f'{server}{next_path}')


async def test_admin_uploads_audio_previews_the_draft_and_deletes_it(
    server: str, chromium: BrowserPage, audio: AudioSamples
) -> None:
    page = chromium.page
    await log_in(page, server, '/admin/episodes/new')
    progress: list[str] = []

    # Exposed functions outlive the navigation the finished upload makes.
    def note_progress(text: str) -> None:
        progress.append(text)

    await page.expose_function('noteProgress', note_progress)
    await page.evaluate(
        """() => {
          const shown = document.querySelector('.upload-progress');
          new MutationObserver(() => {
            if (!shown.hidden) {
              window.noteProgress(shown.querySelector('[role=status]').textContent);
            }
          }).observe(shown, {attributes: true, childList: true, subtree: true});
        }"""
    )
    await page.fill('#title', 'Uploaded in a real browser')
    await page.select_option('#status', 'draft')
    await page.set_input_files('#audio', str(audio.mp3_cbr))
    await page.click('.episode-form button[type=submit]')
    await page.wait_for_url(re.compile(r'/admin/episodes/\d+\?saved=1$'))
    assert any(note.startswith(('Uploading', 'Uploaded')) for note in progress), progress
    facts = await page.inner_text('dl.media-facts')
    size = f'{audio.mp3_cbr.stat().st_size:,} bytes'
    assert size in facts and '0:00:05' in facts and '64 kbit/s' in facts
    assert await page.locator('#media_size_bytes').count() == 0  # facts, not fields

    await page.click('text=Preview the page and its feed item')
    await page.wait_for_selector('.preview-banner')
    assert 'a draft, not published' in await page.inner_text('.preview-banner')
    assert await page.inner_text('h1') == 'Uploaded in a real browser'
    await chromium.screenshot('admin-preview')
    await page.click('text=Back to the editor')

    await page.click('text=Delete this episode')
    await page.wait_for_selector('ul.goes-with-it')
    assert 'its audio file' in await page.inner_text('ul.goes-with-it')
    await page.click('button.danger')
    await page.wait_for_url(f'{server}/admin/episodes?deleted=1')
    assert 'Deleted, with its files' in await page.inner_text('main')
    assert chromium.console_errors == [], chromium.console_errors
