"""In a real browser (Debian's Chromium) against a real server: an administrator logs in,
edits an episode's title, and the public page and the feed show the new title; publishes
an episode's audio with the upload's progress shown, previews the draft and deletes it
after confirming; a listener sees the next live stream's countdown."""

import re
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Page

from tests.audio import AudioSamples
from tests.e2e.chromium import BrowserPage, chromium_page, needs_chromium
from tests.servers import ServeDemoWithAdmin

ADMIN_EMAIL = 'editor@example.com'
ADMIN_PASSWORD = 'a long admin password'

pytestmark = needs_chromium


@pytest.fixture(scope='module')
async def server(serve_demo_with_admin: ServeDemoWithAdmin) -> AsyncIterator[str]:
    async with serve_demo_with_admin(
        name='Editor', email=ADMIN_EMAIL, password=ADMIN_PASSWORD
    ) as site:
        yield site.base


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


VIEWPORTS = [pytest.param((1366, 900), id='desktop'), pytest.param((390, 844), id='phone')]


async def log_in_as_admin(server: str, chromium: BrowserPage, viewport: tuple[int, int]) -> None:
    """Logs in from the login page with no `next`: an admin lands on the admin."""
    page = chromium.page
    await page.set_viewport_size({'width': viewport[0], 'height': viewport[1]})
    await page.goto(f'{server}/account/login')
    await page.fill('#email', ADMIN_EMAIL)
    await page.fill('#password', ADMIN_PASSWORD)
    await page.click('form.stacked-form button[type=submit]')
    await page.wait_for_url(f'{server}/admin')


async def chosen_in(chromium: BrowserPage, field: str) -> list[str]:
    """What the form will send for the `<select multiple>`, in order."""
    values: list[str] = await chromium.page.eval_on_selector(
        f'#{field}', 'select => Array.from(select.selectedOptions, o => o.value)'
    )
    return values


async def wider_than_the_window(chromium: BrowserPage) -> list[str]:
    """Elements that stick out to the right (on a phone: a page that scrolls sideways)."""
    wide: list[str] = await chromium.page.evaluate(
        """() => Array.from(document.querySelectorAll('body *'))
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
            .slice(0, 5).map(e => e.tagName + '#' + e.id + '.' + e.className)"""
    )
    return wide


@pytest.mark.parametrize('viewport', VIEWPORTS)
async def test_guests_are_chosen_with_the_keyboard(
    server: str, chromium: BrowserPage, viewport: tuple[int, int]
) -> None:
    await log_in_as_admin(server, chromium, viewport)
    page = chromium.page
    await page.goto(f'{server}/admin/episodes/new')
    box = page.locator('#guests-filter')
    assert await box.get_attribute('role') == 'combobox'
    assert await page.is_hidden('#guests')
    await box.focus()
    options = page.locator('#guests-listbox [role=option]')
    first_name = (await options.first.inner_text()).strip()
    await page.keyboard.type(first_name[:4])
    assert await box.get_attribute('aria-expanded') == 'true'
    await page.keyboard.press('Enter')
    first = await chosen_in(chromium, 'guests')
    assert len(first) == 1
    await page.keyboard.press('ArrowDown')
    await page.keyboard.press('ArrowDown')
    await page.keyboard.press('Enter')
    both = await chosen_in(chromium, 'guests')
    assert len(both) == 2 and both[0] == first[0]  # kept in the order chosen
    assert (
        await page.locator('#guests-filter ~ .picker-chips .chip, .picker-chips .chip').count() >= 2
    )
    await page.keyboard.press('Backspace')
    assert await chosen_in(chromium, 'guests') == first
    assert await page.locator('[role=status]:has-text("removed")').count() == 1
    await chromium.screenshot(f'admin-picker-{viewport[0]}')
    assert await wider_than_the_window(chromium) == []
    assert chromium.console_errors == []


@pytest.mark.parametrize('viewport', VIEWPORTS)
async def test_chapter_rows_are_added_and_removed(
    server: str, chromium: BrowserPage, viewport: tuple[int, int]
) -> None:
    await log_in_as_admin(server, chromium, viewport)
    page = chromium.page
    await page.goto(f'{server}/admin/episodes/new')
    rows = page.locator('[data-chapter-row]')
    blank = await rows.count()
    await page.click('[data-add-chapter]')
    assert await rows.count() == blank + 1
    added = page.locator(f'#chapter_time_{blank}')
    assert await added.evaluate('input => input === document.activeElement')
    await added.fill('0:01:00')
    await page.fill(f'#chapter_title_{blank}', 'Added in the browser')
    await rows.nth(0).locator('[data-remove-chapter]').click()
    assert await rows.count() == blank
    assert await page.input_value(f'#chapter_title_{blank}') == 'Added in the browser'
    await chromium.screenshot(f'admin-chapters-{viewport[0]}')
    assert await wider_than_the_window(chromium) == []
    assert chromium.console_errors == []


@pytest.mark.parametrize('viewport', VIEWPORTS)
async def test_every_problem_shows_beside_its_field_in_one_save(
    server: str, chromium: BrowserPage, viewport: tuple[int, int]
) -> None:
    await log_in_as_admin(server, chromium, viewport)
    page = chromium.page
    await page.goto(f'{server}/admin/episodes/new')
    await page.fill('#title', 'Four problems at once')
    await page.click('summary:has-text("audio hosted elsewhere")')
    await page.fill('#duration', 'forever')
    await page.fill('#media_url', 'https://media.example.com/x.mp3')
    await page.fill('#media_size_bytes', '0')
    await page.fill('#chapter_time_0', 'soon')
    await page.fill('#chapter_title_0', 'Intro')
    await page.click('.episode-form button[type=submit]')
    summary = page.locator('.error-summary')
    await summary.wait_for()
    links = await summary.locator('a').evaluate_all('links => links.map(a => a.hash)')
    assert links == ['#duration', '#media_size_bytes', '#chapter_time_0']
    for field in ('duration', 'media_size_bytes', 'chapter_time_0'):
        control = page.locator(f'#{field}')
        assert await control.get_attribute('aria-invalid') == 'true'
        message = page.locator(f'#{field}-error')
        assert await message.is_visible()
        assert await control.get_attribute('aria-describedby') == f'{field}-error'
    assert await page.input_value('#title') == 'Four problems at once'
    await summary.locator('a[href="#chapter_time_0"]').click()
    assert await page.locator('#chapter_time_0').is_visible()
    await chromium.screenshot(f'admin-errors-{viewport[0]}')
    assert await wider_than_the_window(chromium) == []
    # The refused form is answered 400, which Chromium notes; nothing else (no script
    # error, no CSP violation).
    assert chromium.console_errors == [
        'Failed to load resource: the server responded with a status of 400 (Bad Request)'
    ]


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
    shown = re.search(r'Size\s+([\d,]+) bytes', facts)
    assert shown is not None, facts
    # The episode's tags were written into the file as it was saved.
    assert int(shown[1].replace(',', '')) > audio.mp3_cbr.stat().st_size
    assert '0:00:05' in facts and '64 kbit/s' in facts
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
