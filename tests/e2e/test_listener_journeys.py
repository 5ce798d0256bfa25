"""What listeners do, in Debian's Chromium against a real server: from the home page to a
moment of an episode through its transcript, search from the navigation, registering
(with the link it emails), and signing up for live stream alerts. No page logs a console
error; screenshots of the main pages are kept under test-artifacts/screenshots/."""

import re
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from podsite.data import Episode, OutboxMessage
from tests.databases import DatabaseFactory
from tests.e2e.chromium import BrowserPage, needs_chromium
from tests.factories import silent_mp3
from tests.servers import podsite_server

pytestmark = needs_chromium


@pytest.fixture(scope='module')
async def site_database(databases: DatabaseFactory) -> AsyncIterator[str]:
    database_url = await databases.demo()
    yield database_url
    await databases.drop(database_url)


@pytest.fixture(scope='module')
async def server(site_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A demo site whose episodes' audio is served by podsite itself, so the player can
    load it offline."""
    folder = tmp_path_factory.mktemp('journeys')
    engine = create_async_engine(site_database)
    try:
        async with engine.connect() as connection:
            media_urls = (await connection.scalars(select(Episode.media_url))).all()
    finally:
        await engine.dispose()
    media = folder / 'media'
    media.mkdir()
    audio = silent_mp3(seconds=600)
    for url in media_urls:
        (media / url.rsplit('/', 1)[-1]).write_bytes(audio)
    with podsite_server(site_database, folder, media_dir=str(media)) as base:
        yield base


async def emailed_link(database_url: str, address: str) -> str:
    """The path of the site link in the latest email to `address`, as the outbox keeps it."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            body = await connection.scalar(
                select(OutboxMessage.body)
                .where(OutboxMessage.to_address == address)
                .order_by(OutboxMessage.id.desc())
                .limit(1)
            )
    finally:
        await engine.dispose()
    match = re.search(r'https?://[^/\s]+(/account/\S+)', body or '')
    assert match is not None, body
    return match.group(1)


async def test_a_listener_goes_from_the_home_page_to_a_moment_in_an_episode(
    server: str, chromium: BrowserPage
) -> None:
    page = chromium.page
    await page.goto(server)
    await chromium.screenshot('home')
    await page.click('main a[href^="/episodes/show/"]')
    await page.wait_for_selector('.player-controls')  # the site's player over the <audio>
    await chromium.screenshot('episode')
    await page.click('text=Read the transcript')
    await page.wait_for_selector('a.timestamp')
    await chromium.screenshot('transcript')
    moment = page.locator('a.timestamp').nth(3)
    href = await moment.get_attribute('href')
    assert href is not None
    seconds = float(re.search(r'#t=([\d.]+)$', href).group(1))  # type: ignore[union-attr]
    await moment.click()
    await page.wait_for_url(re.compile(r'/episodes/show/.*#t='))
    await page.wait_for_function(
        f'() => Math.abs(document.querySelector("audio[data-player]").currentTime - {seconds})'
        ' < 1 && document.querySelector("audio[data-player]").readyState >= 1'
    )
    assert seconds > 0
    assert chromium.console_errors == []


async def test_a_listener_searches_from_the_navigation(server: str, chromium: BrowserPage) -> None:
    page = chromium.page
    await page.goto(f'{server}/episodes/all')
    title = await page.locator('main a[href^="/episodes/show/"]').first.inner_text()
    word = max(re.findall(r'[A-Za-z]{5,}', title), key=len)
    await page.fill('#nav-search', word)
    await page.press('#nav-search', 'Enter')
    await page.wait_for_url(re.compile(r'/search\?q='))
    await chromium.screenshot('search')
    assert await page.locator('main').get_by_text(title).count() >= 1
    assert chromium.console_errors == []


async def test_registering_with_a_bad_field_says_what_is_wrong_then_works(
    server: str, site_database: str, chromium: BrowserPage
) -> None:
    page = chromium.page
    await page.goto(f'{server}/account/register')
    await page.fill('#name', 'Robin Listener')
    await page.fill('#email', 'not-an-email')
    await page.fill('#password', 'a good long password')
    await page.fill('#confirm', 'a good long password')
    await page.click('main form button[type=submit]')
    error = page.locator('.field-error')
    await error.first.wait_for()
    assert 'name@example.com' in await error.first.inner_text()
    assert await page.input_value('#name') == 'Robin Listener'
    await chromium.screenshot('register-error')
    await page.fill('#email', 'robin@example.com')
    await page.fill('#password', 'a good long password')
    await page.fill('#confirm', 'a good long password')
    await page.click('main form button[type=submit]')
    message = page.locator('.form-message[role="status"]')
    await message.wait_for()
    assert 'Check your email' in await message.inner_text()
    await page.goto(server + await emailed_link(site_database, 'robin@example.com'))
    await page.click('main form button[type=submit]')
    await page.locator('text=your account is ready').wait_for()
    assert 'Robin Listener' in await page.inner_text('header')
    # The refused form is answered with 400, which Chromium reports; nothing else may be.
    assert [e for e in chromium.console_errors if 'status of 400' not in e] == []


async def test_a_listener_signs_up_for_live_stream_alerts(
    server: str, chromium: BrowserPage
) -> None:
    page = chromium.page
    await page.goto(f'{server}/live-stream')
    await chromium.screenshot('live-stream')
    await page.fill('#notify #email, form[action^="/live-stream/notify"] #email', 'fan@example.com')
    await page.click('form[action^="/live-stream/notify"] button[type=submit]')
    message = page.locator('.form-message[role="status"]')
    await message.wait_for()
    assert 'confirm' in (await message.inner_text()).lower()
    assert chromium.console_errors == []


async def test_a_listener_copies_the_feed_address_for_another_app(
    server: str, chromium: BrowserPage
) -> None:
    page = chromium.page
    await page.context.grant_permissions(['clipboard-read', 'clipboard-write'], origin=server)
    await page.goto(server)
    feed_address = await page.input_value('#feed-address')
    assert feed_address.endswith('/episodes/rss')
    button = page.get_by_role('button', name='Copy feed URL')
    await button.click()
    await page.wait_for_selector('.copy-status:has-text("Copied")')
    assert await page.evaluate('navigator.clipboard.readText()') == feed_address
    assert await page.get_by_role('link', name='Apple Podcasts').count() == 1
    assert chromium.console_errors == []
