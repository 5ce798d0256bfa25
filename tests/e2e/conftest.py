"""Browser fixtures: only the browser tests load Playwright."""

from collections.abc import AsyncIterator

import pytest

from tests.e2e.chromium import BrowserPage, chromium_page


@pytest.fixture
async def chromium() -> AsyncIterator[BrowserPage]:
    """A fresh page in Debian's Chromium, closed after the test."""
    async with chromium_page() as page:
        yield page
