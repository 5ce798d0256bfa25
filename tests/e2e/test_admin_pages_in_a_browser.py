"""Every admin page in Debian's Chromium, at a desktop and a phone size, as an
administrator: none may log a console error, break the Content-Security-Policy (an inline
script or handler would do both) or fail axe-core's accessibility checks. And a removal asks
first, without JavaScript."""

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from quart import Quart
from sqlalchemy import select

from podsite.data import ClickEvent, Episode, Guest, LiveStream, Policy, ShortLink, Sponsor
from podsite.infrastructure import db
from tests.e2e.axe import axe_violations, needs_axe
from tests.e2e.chromium import BrowserPage, needs_chromium
from tests.servers import ServeDemoWithAdmin

ADMIN_EMAIL = 'walker@example.com'
ADMIN_PASSWORD = 'a long admin password'
VIEWPORTS = {'desktop': (1366, 900), 'phone': (390, 844)}
# Inline handlers break the policy only when they run (a click, a submit), so the pages are
# searched for them too. Structured data (JSON-LD, as an episode's preview carries) is a
# data block the browser never runs.
FIND_INLINE_SCRIPTS = """
() => [
  ...[...document.querySelectorAll('script:not([src]):not([type="application/ld+json"])')]
    .map(() => 'inline <script>'),
  ...[...document.querySelectorAll('*')].flatMap((element) =>
    [...element.attributes]
      .filter((attribute) => attribute.name.startsWith('on'))
      .map((attribute) => `${attribute.name}= on <${element.localName}>`)),
]
"""

pytestmark = needs_chromium


@dataclass(frozen=True)
class AdminSite:
    base: str
    paths: list[str]
    clicked_link_id: int


async def admin_page_paths(app: Quart) -> list[str]:
    """Every admin page a GET shows, with real rows for the pages of one row (downloads
    such as the CSV reports are files, not pages)."""
    session = db.session()
    first = {
        'episode_id': await session.scalar(select(Episode.id).limit(1)),
        'link_id': await session.scalar(select(ShortLink.id).limit(1)),
        'stream_id': await session.scalar(select(LiveStream.id).limit(1)),
        'guests': await session.scalar(select(Guest.id).limit(1)),
        'sponsors': await session.scalar(select(Sponsor.id).limit(1)),
        'policies': await session.scalar(select(Policy.id).limit(1)),
    }
    adapter = app.url_map.bind('podcast.test')
    paths = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith('/admin') or 'GET' not in (rule.methods or ()):
            continue
        if rule.rule.endswith('.csv'):
            continue
        for kind in ('guests', 'sponsors', 'policies') if 'kind' in rule.arguments else (None,):
            values: dict[str, object] = {} if kind is None else {'kind': kind}
            for argument in rule.arguments - {'kind'}:
                values[argument] = first[kind if argument == 'row_id' else argument]
            paths.add(adapter.build(rule.endpoint, values))
    return sorted(paths)


async def pages_and_a_clicked_link(app: Quart) -> tuple[list[str], int]:
    """Every admin page's path, and the id of a short link clicked once (removing it
    archives it)."""
    paths = await admin_page_paths(app)
    session = db.session()
    link = ShortLink(name='clicked-once', target_url='https://example.com/clicked')
    session.add(link)
    await session.flush()
    session.add(
        ClickEvent(
            short_link_id=link.id, occurred_at=link.created_at, day=link.created_at.date(),
            ip_hash='0' * 64, user_agent='Firefox/121.0', referrer='',
        )
    )  # fmt: skip
    await session.commit()
    return paths, link.id


@pytest.fixture(scope='module')
async def site(serve_demo_with_admin: ServeDemoWithAdmin) -> AsyncIterator[AdminSite]:
    async with serve_demo_with_admin(
        name='Walker', email=ADMIN_EMAIL, password=ADMIN_PASSWORD, arrange=pages_and_a_clicked_link
    ) as served:
        paths, clicked_link_id = served.arranged
        yield AdminSite(served.base, paths, clicked_link_id)


async def log_in(site: AdminSite, chromium: BrowserPage) -> None:
    page = chromium.page
    await page.goto(f'{site.base}/account/login?next=/admin')
    await page.fill('#email', ADMIN_EMAIL)
    await page.fill('#password', ADMIN_PASSWORD)
    await page.click('form.stacked-form button[type=submit]')
    await page.wait_for_url(f'{site.base}/admin')


@pytest.mark.parametrize('viewport', VIEWPORTS)
async def test_every_admin_page_runs_without_console_errors_or_csp_violations(
    site: AdminSite, chromium: BrowserPage, viewport: str
) -> None:
    width, height = VIEWPORTS[viewport]
    await chromium.page.set_viewport_size({'width': width, 'height': height})
    await log_in(site, chromium)
    assert len(site.paths) >= 15, site.paths
    problems = {}
    for path in site.paths:
        chromium.console_errors.clear()
        response = await chromium.page.goto(f'{site.base}{path}')
        assert response is not None and response.status == 200, path
        await chromium.page.wait_for_load_state('load')
        # CSP violations are console errors too (`tests/e2e/chromium.py`).
        inline = await chromium.page.evaluate(FIND_INLINE_SCRIPTS)
        if chromium.console_errors or inline:
            problems[path] = [*chromium.console_errors, *inline]
    assert problems == {}


@needs_axe
@pytest.mark.parametrize('viewport', VIEWPORTS)
async def test_every_admin_page_passes_axe_core(
    site: AdminSite, chromium: BrowserPage, viewport: str
) -> None:
    """WCAG 2.1 A and AA and axe's best practices, on every admin list and form."""
    width, height = VIEWPORTS[viewport]
    await chromium.page.set_viewport_size({'width': width, 'height': height})
    await log_in(site, chromium)
    problems = {}
    for path in site.paths:
        await chromium.page.goto(f'{site.base}{path}')
        found = await axe_violations(chromium.page)
        if found:
            problems[path] = sorted(
                f'{violation["id"]}: {node["target"]}'
                for violation in found
                for node in violation['nodes']
            )
    assert problems == {}


async def test_a_link_with_clicks_is_archived_after_its_confirmation_page(
    site: AdminSite, chromium: BrowserPage
) -> None:
    await log_in(site, chromium)
    page = chromium.page
    await page.goto(f'{site.base}/admin/links')
    await page.click(f'a[href="/admin/links/{site.clicked_link_id}/delete"]')
    await page.wait_for_url(f'{site.base}/admin/links/{site.clicked_link_id}/delete')
    assert 'It has 1 click, so it is archived' in await page.inner_text('main')
    await chromium.screenshot('admin-confirm-archive')
    await page.click('button.danger')
    await page.wait_for_url(f'{site.base}/admin/links')
    row = page.locator('tr', has_text='/r/clicked-once')
    assert 'archived' in await row.inner_text()
    assert chromium.console_errors == []
    followed = await page.goto(f'{site.base}/r/clicked-once')
    assert followed is not None and followed.status == 404
