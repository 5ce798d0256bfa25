"""The episode player in Debian's Chromium against a real server, with real audio (a tone
ffmpeg makes) served by podsite through the counted download URL: play, chapters, speed,
the keyboard alone, the position kept across a reload, audio that cannot load, the embed
page framed by another site while other pages refuse to be, and axe-core's checks."""

import re
import shutil
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import Page
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import create_async_engine

from podsite.data import Episode
from tests.databases import DatabaseFactory
from tests.e2e.axe import axe_violations, needs_axe
from tests.e2e.chromium import BrowserPage, needs_chromium
from tests.servers import html_page_server, podsite_server

pytestmark = [
    needs_chromium,
    pytest.mark.skipif(shutil.which('ffmpeg') is None, reason='ffmpeg is not installed'),
]

SECONDS = 180
CHAPTERS = {
    'version': '1.2.0',
    'chapters': [
        {'startTime': 0, 'title': 'Hello'},
        {'startTime': 30, 'title': 'The middle'},
        {'startTime': 120, 'title': 'The end'},
    ],
}
AUDIO = 'audio[data-player]'
OFF_LOOPBACK = re.compile(r'^https?://(?!127\.0\.0\.1[:/])')


def tone(folder: Path) -> bytes:
    """Three minutes of a quiet 440 Hz tone as a small MP3 (32 kbit/s mono)."""
    path = folder / 'tone.mp3'
    ffmpeg = shutil.which('ffmpeg')
    assert ffmpeg is not None
    source = f'sine=frequency=440:duration={SECONDS}'
    subprocess.run(
        [ffmpeg, '-loglevel', 'error', '-f', 'lavfi', '-i', source,
         '-ac', '1', '-b:a', '32k', '-codec:a', 'libmp3lame', str(path)],
        check=True,
    )  # fmt: skip
    return path.read_bytes()


@dataclass(frozen=True)
class PlayerSite:
    base: str
    playable: str
    """The path of an episode whose audio podsite serves, with chapters."""
    playable_embed: str
    unreachable: str
    """The path of an episode whose media host does not answer."""


@pytest.fixture(scope='module')
async def site(
    databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[PlayerSite]:
    folder = tmp_path_factory.mktemp('player')
    audio = tone(folder)
    database_url = await databases.demo()
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as connection:
            published = select(Episode.number, Episode.slug, Episode.media_url).where(
                Episode.is_published.is_(True)
            )
            rows = (await connection.execute(published.order_by(Episode.number).limit(2))).all()
            (number, slug, media_url), (gone_number, gone_slug, _) = rows
            await connection.execute(
                update(Episode)
                .where(Episode.number == number)
                .values(chapters=CHAPTERS, duration_seconds=SECONDS, media_size_bytes=len(audio))
            )
            await connection.execute(
                update(Episode)
                .where(Episode.number == gone_number)
                .values(media_url='https://media.gone.test/missing.mp3')
            )
    finally:
        await engine.dispose()
    media = folder / 'media'
    media.mkdir()
    (media / media_url.rsplit('/', 1)[-1]).write_bytes(audio)
    try:
        with podsite_server(database_url, folder, media_dir=str(media)) as base:
            yield PlayerSite(
                base,
                f'/episodes/show/{number}/{slug}',
                f'/episodes/embed/{number}/{slug}',
                f'/episodes/show/{gone_number}/{gone_slug}',
            )
    finally:
        await databases.drop(database_url)


async def current_time(page: Page) -> float:
    seconds: float = await page.evaluate(f'document.querySelector("{AUDIO}").currentTime')
    return seconds


async def wait_for_time(page: Page, low: float, high: float) -> None:
    await page.wait_for_function(
        f'() => {{ const t = document.querySelector("{AUDIO}").currentTime;'
        f' return t >= {low} && t <= {high}; }}'
    )


async def wait_until_playing(page: Page) -> None:
    await page.wait_for_function(
        f'() => {{ const a = document.querySelector("{AUDIO}");'
        ' return !a.paused && a.currentTime > 0.2; }'
    )


async def test_the_player_plays_seeks_by_chapter_and_changes_speed(
    site: PlayerSite, chromium: BrowserPage
) -> None:
    page = chromium.page
    downloads: list[str] = []
    page.on(
        'request', lambda r: downloads.append(r.url) if '/episodes/download/' in r.url else None
    )
    await page.goto(site.base + site.playable)
    await page.wait_for_selector('.player-controls')
    assert await page.evaluate(f'document.querySelector("{AUDIO}").controls') is False
    assert downloads == []  # a page view is not a download
    assert await page.locator('.player-mark').count() == 2  # at 00:30 and 02:00
    slider = page.get_by_role('slider', name='Position')
    assert await slider.get_attribute('aria-valuetext') == '00:00 of 03:00'

    await page.get_by_role('button', name='Play').click()
    await wait_until_playing(page)
    assert await page.get_by_role('button', name='Pause').count() == 1
    assert downloads and all(url.startswith(site.base) for url in downloads)

    await page.get_by_role('link', name='Play from 02:00: The end').click()
    await wait_for_time(page, 119, 125)
    current = page.locator('li[aria-current="true"]')
    assert await current.get_attribute('data-chapter-start') == '120'
    assert re.fullmatch(r'02:0\d of 03:00', await slider.get_attribute('aria-valuetext') or '')

    await page.get_by_label('Speed').select_option('1.5')
    assert await page.evaluate(f'document.querySelector("{AUDIO}").playbackRate') == 1.5
    await page.get_by_role('button', name='Back 15 seconds').click()
    await wait_for_time(page, 104, 112)
    await chromium.screenshot('player')
    assert chromium.console_errors == []


async def test_without_javascript_the_browsers_own_player_remains(
    site: PlayerSite, chromium: BrowserPage
) -> None:
    browser = chromium.page.context.browser
    assert browser is not None
    context = await browser.new_context(java_script_enabled=False)
    try:
        await context.route(OFF_LOOPBACK, lambda route: route.fulfill(status=204))
        page = await context.new_page()
        await page.goto(site.base + site.playable)
        await page.locator(AUDIO).wait_for(state='visible')  # with its own controls
        assert await page.locator('.player-controls').count() == 0
        assert await page.locator(AUDIO).get_attribute('controls') is not None
        assert await page.locator('a[href="#t=120"]').count() == 1
    finally:
        await context.close()


async def test_the_player_is_used_with_the_keyboard_alone(
    site: PlayerSite, chromium: BrowserPage
) -> None:
    page = chromium.page
    await page.goto(site.base + site.playable)
    await page.wait_for_selector('.player-controls')
    for _ in range(80):  # Tab through the page to the player
        await page.keyboard.press('Tab')
        if await page.evaluate('document.activeElement.classList.contains("player-play")'):
            break
    else:
        pytest.fail('Tab never reached the play button')

    await page.keyboard.press('Space')
    await wait_until_playing(page)
    await page.keyboard.press('k')
    await page.wait_for_function(f'document.querySelector("{AUDIO}").paused')
    start = await current_time(page)
    await page.keyboard.press('Tab')  # back 15 s
    await page.keyboard.press('Tab')  # forward 30 s
    await page.keyboard.press('Enter')
    await wait_for_time(page, start + 29, start + 31)
    await page.keyboard.press('Tab')  # the seek bar
    assert await page.evaluate('document.activeElement.getAttribute("aria-label")') == 'Position'
    await page.keyboard.press('ArrowRight')
    await wait_for_time(page, start + 34, start + 36)
    await page.keyboard.press('ArrowLeft')
    await page.keyboard.press('ArrowLeft')
    await wait_for_time(page, start + 24, start + 26)
    await page.keyboard.press('Space')
    await wait_until_playing(page)
    assert chromium.console_errors == []


async def test_the_position_is_remembered_across_a_reload(
    site: PlayerSite, chromium: BrowserPage
) -> None:
    page = chromium.page
    await page.goto(site.base + site.playable)
    await page.get_by_role('button', name='Play').click()
    await wait_until_playing(page)
    await page.get_by_role('link', name='Play from 00:30: The middle').click()
    await wait_for_time(page, 29, 40)
    await page.get_by_role('button', name='Pause').click()
    paused_at = int(await current_time(page))

    await page.goto(site.base + site.playable)  # without the #t= of the chapter
    slider = page.get_by_role('slider', name='Position')
    await page.wait_for_selector('.player-controls')
    assert await slider.get_attribute('aria-valuetext') == f'00:{paused_at:02d} of 03:00'
    await page.get_by_role('button', name='Play').click()
    await wait_for_time(page, paused_at - 1, paused_at + 5)
    assert chromium.console_errors == []


async def test_audio_that_cannot_load_is_said_in_words(
    site: PlayerSite, chromium: BrowserPage
) -> None:
    page = chromium.page
    await page.goto(site.base + site.unreachable)
    await page.get_by_role('button', name='Play').click()
    status = page.locator('.player-status')
    await status.get_by_text('The audio could not be loaded').wait_for()
    assert 'download it from the link below' in await status.inner_text()


async def test_another_site_frames_the_embed_page_but_no_other_page(
    site: PlayerSite, chromium: BrowserPage
) -> None:
    framing = (
        '<!DOCTYPE html><html lang="en"><head><title>A blog</title></head><body>'
        f'<iframe id="player" src="{site.base}{site.playable_embed}" title="Player" '
        'width="640" height="340"></iframe>'
        f'<iframe id="page" src="{site.base}{site.playable}" title="Page"></iframe>'
        '</body></html>'
    )
    page = chromium.page
    with html_page_server(framing) as blog:
        assert blog != site.base  # another origin: another port on loopback
        await page.goto(f'{blog}/post')
        player = page.frame_locator('#player')
        await player.get_by_role('button', name='Play').click()
        await player.locator(AUDIO).wait_for(state='attached')
        heading = await player.locator('h1').inner_text()
        assert heading
        link = player.get_by_role('link', name=re.compile('Show notes and more'))
        assert await link.get_attribute('target') == '_blank'
        refused = await page.locator('#page').element_handle()
        assert refused is not None
        frame = await refused.content_frame()
        assert frame is not None
        # Chromium shows its own error page in place of the episode page.
        assert frame.url.startswith('chrome-error://')
        assert heading not in await frame.content()
        await chromium.screenshot('embed-framed')
    assert chromium.console_errors == [
        f"Framing '{site.base}/' violates the following Content Security Policy directive: "
        '"frame-ancestors \'none\'". The request has been blocked.\n'
    ]


@needs_axe
@pytest.mark.parametrize('which', ['playable', 'playable_embed'])
async def test_axe_finds_no_accessibility_problem_on_the_player_pages(
    site: PlayerSite, chromium: BrowserPage, which: str
) -> None:
    page = chromium.page
    await page.goto(site.base + getattr(site, which))
    await page.wait_for_selector('.player-controls')
    violations = await axe_violations(page)
    assert violations == [], [(v['id'], [n['target'] for n in v['nodes']]) for v in violations]
