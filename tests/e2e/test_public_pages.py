"""Every public page as a listener and a sponsor see it, in Debian's Chromium at a laptop's
and a phone's width: no console error or CSP violation, nothing axe-core finds against
WCAG 2.1 AA, search boxes wide enough to read, text colours of AA contrast, and a
screenshot of each page kept as a test artefact."""

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Page
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from podsite.app import create_app
from podsite.data import Episode, Guest, Sponsor, Transcript
from podsite.services.accounts import account_service
from tests.databases import DatabaseFactory, settings_for
from tests.e2e.axe import axe_violations, needs_axe
from tests.e2e.chromium import chromium_page, needs_chromium
from tests.factories import is_public
from tests.servers import podsite_server

pytestmark = [needs_chromium, needs_axe]

SPONSOR_EMAIL = 'campaigns@sponsor.example'
SPONSOR_PASSWORD = 'a long sponsor password'
NOT_FOUND_LOGGED = 'Failed to load resource: the server responded with a status of 404 (Not Found)'
WIDTHS = [pytest.param((1366, 900), id='laptop'), pytest.param((390, 844), id='phone')]


@pytest.fixture(scope='module')
async def pages_and_server(
    databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[dict[str, str], str]]:
    """The demo site served, an advertiser account, and the path of each kind of page."""
    database_url = await databases.demo()
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            episode = (
                await connection.execute(
                    select(Episode.number, Episode.slug)
                    .join(Transcript, Transcript.episode_id == Episode.id)
                    .where(is_public())
                    .order_by(Episode.number.desc())
                    .limit(1)
                )
            ).one()
            guest = await connection.scalar(select(Guest.slug).limit(1))
            sponsor_id = await connection.scalar(select(Sponsor.id).limit(1))
    finally:
        await engine.dispose()
    app = create_app(settings_for(database_url))
    async with app.test_app(), app.app_context():
        await account_service.create_user(
            name='Sponsor', email=SPONSOR_EMAIL, password=SPONSOR_PASSWORD,
            role='advertiser', sponsor_id=sponsor_id,
        )  # fmt: skip
    pages = {
        'home': '/',
        'episodes': '/episodes/all',
        'episode': f'/episodes/show/{episode.number}/{episode.slug}',
        'transcript': f'/episodes/transcript/{episode.number}/{episode.slug}',
        'guest': f'/guests/{guest}',
        'search': '/search?q=python',
        'live': '/live-stream',
        'not-found': '/no/such/page',
    }
    with podsite_server(database_url, tmp_path_factory.mktemp('public-pages')) as base:
        yield pages, base
    await databases.drop(database_url)


def summary(violations: list[dict[str, object]]) -> list[str]:
    return [
        f'{violation["id"]}: {[node["target"] for node in violation["nodes"]][:5]}'  # type: ignore[attr-defined]
        for violation in violations
    ]


async def log_in_as_the_sponsor(page: Page, base: str) -> None:
    await page.goto(f'{base}/account/login?next=/advertiser')
    await page.fill('#email', SPONSOR_EMAIL)
    await page.fill('#password', SPONSOR_PASSWORD)
    await page.click('form.stacked-form button[type=submit]')
    await page.wait_for_url(f'{base}/advertiser**')


@pytest.mark.parametrize('size', WIDTHS)
async def test_every_public_page_is_clean_accessible_and_kept_as_a_screenshot(
    pages_and_server: tuple[dict[str, str], str], size: tuple[int, int]
) -> None:
    pages, base = pages_and_server
    width, height = size
    problems: dict[str, list[str]] = {}
    async with chromium_page(width=width, height=height) as chromium:
        page = chromium.page
        for name, path in [*pages.items(), ('advertiser', '/advertiser')]:
            if name == 'advertiser':
                await log_in_as_the_sponsor(page, base)
            else:
                await page.goto(f'{base}{path}', wait_until='load')
            await chromium.screenshot(f'{name}-{width}')
            found = summary(await axe_violations(page))
            errors = chromium.console_errors[:]
            chromium.console_errors.clear()
            if name == 'not-found':  # the page's own status, which Chromium logs as an error
                errors.remove(NOT_FOUND_LOGGED)
            if found or errors:
                problems[name] = found + errors
        assert problems == {}


async def test_search_boxes_are_wide_enough_to_read_on_a_phone(
    pages_and_server: tuple[dict[str, str], str],
) -> None:
    _, base = pages_and_server
    async with chromium_page(width=390, height=844) as chromium:
        page = chromium.page
        await page.goto(f'{base}/search?q=type+hints')
        for box in ('#nav-search', '#search-page-q'):
            bounds = await page.locator(box).bounding_box()
            assert bounds is not None and bounds['width'] >= 200, (box, bounds)
        # The header's box says what it is for where its label is hidden.
        assert await page.get_attribute('#nav-search', 'placeholder')
        labels = await page.eval_on_selector_all(
            '[role=search], search', 'els => els.map(e => e.getAttribute("aria-label"))'
        )
        assert len(labels) == 2 and all(labels) and len(set(labels)) == 2


CONTRAST = """
(selector) => {
  const channel = (c) => {
    c /= 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = (rgb) => {
    const [r, g, b] = rgb.match(/\\d+(\\.\\d+)?/g).map(Number);
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const background = (element) => {
    for (let e = element; e; e = e.parentElement) {
      const colour = getComputedStyle(e).backgroundColor;
      if (colour !== 'rgba(0, 0, 0, 0)' && colour !== 'transparent') { return colour; }
    }
    return 'rgb(255, 255, 255)';
  };
  return [...document.querySelectorAll(selector)].map((element) => {
    const [a, b] = [luminance(getComputedStyle(element).color), luminance(background(element))];
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  });
}
"""


@pytest.mark.parametrize(
    ('path', 'selector'),
    [('/episodes/all', '.episode-table .num'), ('/no/such/page', '.error-page .status')],
)
async def test_numbers_and_labels_in_the_accent_colour_reach_aa_contrast(
    pages_and_server: tuple[dict[str, str], str], path: str, selector: str
) -> None:
    _, base = pages_and_server
    async with chromium_page() as chromium:
        await chromium.page.goto(f'{base}{path}')
        ratios = await chromium.page.evaluate(CONTRAST, selector)
        assert ratios and min(ratios) >= 4.5


async def test_a_short_page_keeps_its_footer_at_the_bottom_of_the_window(
    pages_and_server: tuple[dict[str, str], str],
) -> None:
    _, base = pages_and_server
    async with chromium_page(width=1366, height=900) as chromium:
        await chromium.page.goto(f'{base}/no/such/page')
        bottom = await chromium.page.evaluate(
            "document.querySelector('.site-footer').getBoundingClientRect().bottom"
        )
        assert bottom == 900


async def test_show_note_tables_have_borders_and_quotes_a_marker(
    pages_and_server: tuple[dict[str, str], str],
) -> None:
    pages, base = pages_and_server
    async with chromium_page() as chromium:
        page = chromium.page
        await page.goto(f'{base}{pages["episode"]}')
        # Rendered Markdown as the notes hold it, styled by the site's stylesheet.
        styles = await page.evaluate(
            """() => {
              const notes = document.querySelector('.prose');
              notes.insertAdjacentHTML('beforeend',
                '<table><tr><th>a</th></tr><tr><td>b</td></tr></table><blockquote>q</blockquote>');
              const style = (selector) => getComputedStyle(notes.querySelector(selector));
              return [style('td').borderTopStyle, style('th').borderTopStyle,
                      style('blockquote').borderLeftStyle];
            }"""
        )
        assert styles == ['solid', 'solid', 'solid']
