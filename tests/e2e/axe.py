"""axe-core (the npm package in the repository's package.json, installed by `npm ci`) run in
a page: the accessibility problems it finds."""

from pathlib import Path
from typing import Any, cast

import pytest
from playwright.async_api import Page

AXE = Path(__file__).resolve().parents[2] / 'node_modules' / 'axe-core' / 'axe.min.js'
needs_axe = pytest.mark.skipif(
    not AXE.exists(), reason='axe-core is not installed (npm ci, as make install does)'
)


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Every rule axe-core's WCAG 2.x A and AA checks (and its best practices) find broken
    on the page as it is now, each with the elements that break it."""
    # Evaluated rather than added as a <script>: the site's CSP (rightly) refuses inline
    # scripts, and turning the CSP off for the test would hide the violations it looks for.
    await page.evaluate(AXE.read_text(encoding='utf-8'))
    result = await page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a',"
        " 'wcag21aa', 'best-practice']})).violations"
    )
    return cast(list[dict[str, Any]], result)
