"""In a real browser against a production server: an administrator who logs in is sent to
turn two-factor sign-in on before the admin, scans (here: reads) the key, confirms it with a
code, keeps the recovery codes, and from then on logs in with the password and a code."""

import time
from collections.abc import AsyncIterator

import pyotp
import pytest

from tests.e2e.chromium import BrowserPage, needs_chromium
from tests.servers import ServeDemoWithAdmin

ADMIN_EMAIL = 'producer@example.com'
ADMIN_PASSWORD = 'a long admin password'

pytestmark = needs_chromium


@pytest.fixture
async def server(serve_demo_with_admin: ServeDemoWithAdmin) -> AsyncIterator[str]:
    async with serve_demo_with_admin(
        name='Producer', email=ADMIN_EMAIL, password=ADMIN_PASSWORD, environment='production'
    ) as site:
        yield site.base


async def log_in(chromium: BrowserPage, server: str) -> None:
    page = chromium.page
    await page.goto(f'{server}/account/login?next=/admin')
    await page.fill('#email', ADMIN_EMAIL)
    await page.fill('#password', ADMIN_PASSWORD)
    await page.click('form.stacked-form button[type=submit]')


async def test_an_admin_turns_it_on_and_then_logs_in_with_a_code(
    server: str, chromium: BrowserPage
) -> None:
    page = chromium.page
    await log_in(chromium, server)
    await page.wait_for_url(f'{server}/account/two-factor?next=/admin&required=1')
    assert await page.is_visible('svg.qr-code')
    assert 'Administrators need two-factor sign-in' in await page.inner_text('main')
    await chromium.screenshot('two-factor-enrol')
    secret = (await page.inner_text('.totp-key')).replace(' ', '')
    totp = pyotp.TOTP(secret)
    await page.fill('#code', totp.now())
    await page.click('form.stacked-form button[type=submit]')
    await page.wait_for_selector('.recovery-codes')
    assert len(await page.query_selector_all('.recovery-codes li')) == 10
    await chromium.screenshot('two-factor-recovery-codes')
    await page.click('text=Continue')
    await page.wait_for_url(f'{server}/admin')

    await page.click('.account-nav button[type=submit]')  # log out
    await log_in(chromium, server)
    await page.wait_for_url(f'{server}/account/two-factor/sign-in?next=/admin')
    await chromium.screenshot('two-factor-sign-in')
    # The next moment's code: the one that turned it on may still be the current one.
    await page.fill('#code', totp.at(time.time() + 30))
    await page.click('form.stacked-form button[type=submit]')
    await page.wait_for_url(f'{server}/admin')
    assert chromium.console_errors == []
