"""Debian's Chromium driven by Playwright, for the browser tests only."""

import asyncio
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright

CHROMIUM = Path('/usr/bin/chromium')
# Screenshots are test artefacts: PODSITE_SCREENSHOTS_DIR says where CI collects them.
SCREENSHOTS = Path(
    os.environ.get('PODSITE_SCREENSHOTS_DIR')
    or Path(__file__).resolve().parents[2] / 'test-artifacts' / 'screenshots'
)
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason='Debian chromium is not installed (apt-get install chromium)'
)


@dataclass
class BrowserPage:
    """A page in Debian's Chromium that reaches nothing but loopback (anything else, such
    as a YouTube embed, gets an empty answer), with the console errors it logged."""

    page: Page
    console_errors: list[str]

    async def screenshot(self, name: str) -> None:
        """Kept as a test artefact in `SCREENSHOTS`."""
        await asyncio.to_thread(SCREENSHOTS.mkdir, parents=True, exist_ok=True)
        await self.page.screenshot(path=str(SCREENSHOTS / f'{name}.png'), full_page=True)


# Chromium logs a blocked resource itself, but not every kind of violation (an inline
# style attribute, an eval): each is reported as a console error, which tests fail on.
REPORT_CSP_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""


@asynccontextmanager
async def chromium_page(
    *,
    width: int = 1280,
    height: int = 720,
    locale: str | None = None,
    timezone_id: str | None = None,
) -> AsyncIterator[BrowserPage]:
    """A page of the given size; `locale` and `timezone_id` as the listener's browser has
    them (Chromium's own otherwise)."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
        )
        try:
            context = await browser.new_context(
                viewport={'width': width, 'height': height},
                locale=locale,
                timezone_id=timezone_id,
            )
            await context.add_init_script(REPORT_CSP_VIOLATIONS)
            page = await context.new_page()
            await page.route(
                re.compile(r'^https?://(?!127\.0\.0\.1[:/])'),
                lambda route: route.fulfill(status=204),
            )
            errors: list[str] = []
            page.on('console', lambda m: errors.append(m.text) if m.type == 'error' else None)
            yield BrowserPage(page, errors)
        finally:
            await browser.close()
