"""axe-core (the npm package in the repository's package.json, installed by `npm ci`) run in
a page: the accessibility problems it finds."""

from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Page, Route

AXE = Path(__file__).resolve().parents[2] / 'node_modules' / 'axe-core' / 'axe.min.js'
needs_axe = pytest.mark.skipif(
    not AXE.exists(), reason='axe-core is not installed (npm ci, as make install does)'
)
# Where the page seems to load axe from: its own origin, which its CSP's `script-src 'self'`
# allows; the browser is answered with the installed file and the site is never asked.
AXE_PATH = '/__tests__/axe.min.js'


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Every rule of axe-core's WCAG 2.0/2.1 A and AA checks and best practices that the
    page breaks as it is now, each with the elements that break it. Not
    `add_script_tag(path=...)`: that inlines the file, which the site's CSP forbids, and the
    page is tested with its CSP as visitors get it."""
    parts = urlsplit(page.url)
    url = f'{parts.scheme}://{parts.netloc}{AXE_PATH}'

    async def installed(route: Route) -> None:
        await route.fulfill(path=AXE, content_type='text/javascript')

    await page.route(url, installed)
    await page.add_script_tag(url=url)
    result = await page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a',"
        " 'wcag21aa', 'best-practice']})).violations"
    )
    return cast(list[dict[str, Any]], result)
