"""Two-factor sign-in: turning it on from the account page with a code from the app, the code
asked after the password (and nothing logged in before it), codes refused when wrong, used
already or tried too often, recovery codes that work once, turning it off with the password
and a code, and administrators in production sent to turn it on before the admin works."""

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pyotp
import pytest
from quart import Quart, Response
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from podsite.app import create_app
from podsite.data import AuditEntry, RecoveryCode, TotpCredential, User
from podsite.formats.qr_code import qr_code_svg
from podsite.services.accounts import two_factor_rules
from podsite.tools.demo_content import PODCAST_TITLE
from tests.clock import MovableClock
from tests.databases import settings_for
from tests.visitors import ADMIN_PASSWORD, Browser, logged_in, turn_on_two_factor
from tests.web.test_admin import admin_paths

EMAIL = 'host@example.com'
KEY = re.compile(r'<code class="totp-key">([^<]+)</code>')
RECOVERY_CODE = re.compile(r'<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>')
STEP = timedelta(seconds=30)


@dataclass
class Enrolled:
    browser: Browser
    secret: str
    recovery_codes: list[str]


def code_at(secret: str, clock: MovableClock) -> str:
    """What the authenticator app shows now, by the app's clock."""
    return pyotp.TOTP(secret).at(clock())


async def text(response: Response) -> str:
    return await response.get_data(as_text=True)


async def enrol(browser: Browser, clock: MovableClock) -> Enrolled:
    enrolment = await turn_on_two_factor(browser, clock())
    return Enrolled(browser, enrolment.secret, enrolment.recovery_codes)


async def log_in_with_password(browser: Browser, next_path: str = '/account') -> Response:
    return await browser.submit(
        f'/account/login?next={next_path}', {'email': EMAIL, 'password': ADMIN_PASSWORD}
    )


async def send_code(browser: Browser, code: str, next_path: str = '/account') -> Response:
    return await browser.submit(f'/account/two-factor/sign-in?next={next_path}', {'code': code})


@pytest.fixture
async def enrolled(app: Quart, clock: MovableClock) -> Enrolled:
    """An account that turned two-factor sign-in on, then logged out."""
    browser = await logged_in(app, role='listener', email=EMAIL)
    account = await enrol(browser, clock)
    await browser.submit('/account/logout', {})
    clock.advance(STEP)  # the app shows the next code by the time the account logs in again
    return account


async def test_the_account_page_leads_to_turning_it_on(app: Quart) -> None:
    browser = await logged_in(app, role='listener', email=EMAIL)
    page = await browser.page('/account')
    assert 'Off: your password alone logs you in.' in page
    assert 'href="/account/two-factor"' in page


async def test_turning_it_on_shows_a_qr_code_and_needs_a_code_from_the_app(
    app: Quart, clock: MovableClock, session: AsyncSession
) -> None:
    browser = await logged_in(app, role='listener', email=EMAIL)
    page = await browser.page('/account/two-factor')
    secret = KEY.search(page).group(1).replace(' ', '')  # type: ignore[union-attr]
    uri = two_factor_rules.provisioning_uri(secret=secret, account=EMAIL, issuer=PODCAST_TITLE)
    assert qr_code_svg(uri) in page, 'the QR code of the otpauth:// address, inline'
    assert page == await browser.page('/account/two-factor'), 'one secret until it is enrolled'

    wrong = await browser.submit('/account/two-factor/enrol', {'code': '000000'})
    assert wrong.status_code == 400
    assert 'This code is not right' in await text(wrong)
    assert await session.scalar(select(func.count()).select_from(TotpCredential)) == 0

    right = await browser.submit('/account/two-factor/enrol', {'code': code_at(secret, clock)})
    html = await text(right)
    assert right.status_code == 200
    assert 'Two-factor sign-in is on.' in html
    codes = RECOVERY_CODE.findall(html)
    assert len(codes) == 10 and len(set(codes)) == 10

    page = await browser.page('/account/two-factor')
    assert 'Two-factor sign-in is <strong>on</strong>' in page and 'You have 10 unused' in page
    assert not RECOVERY_CODE.search(page), 'recovery codes are shown once'
    assert '10 recovery codes left' in await browser.page('/account')

    user_id = await session.scalar(select(User.id).where(User.email == EMAIL))
    stored = await session.get(TotpCredential, user_id)
    assert stored is not None and stored.secret == secret
    hashes = (await session.scalars(select(RecoveryCode.code_hash))).all()
    assert len(hashes) == 10 and all(h.startswith('$argon2id$') for h in hashes)
    assert not any(code.replace('-', '') in h for h in hashes for code in codes)
    audit = await session.scalar(select(AuditEntry).where(AuditEntry.entity == 'two-factor'))
    assert audit is not None and audit.action == 'enable' and audit.user_email == EMAIL


async def test_turning_it_on_with_bad_input_says_what_is_wrong(app: Quart) -> None:
    browser = await logged_in(app, role='listener', email=EMAIL)
    for code, message in [('', 'Enter the six-digit code'), ('12ab56', 'not right'),
                          ('1' * 5000, 'not right'), ('\x00\x0b', 'Enter the six-digit code'),
                          ('99999999', 'not right'), ('\uff10' * 6, 'not right')]:  # fmt: skip
        response = await browser.submit('/account/two-factor/enrol', {'code': code})
        assert response.status_code == 400, code
        assert message in await text(response)


async def test_two_factor_pages_need_a_login_and_a_csrf_token(app: Quart) -> None:
    anonymous = app.test_client()
    response = await anonymous.get('/account/two-factor')
    assert response.status_code == 302
    assert response.headers['Location'].startswith('/account/login?next=')
    listener = await logged_in(app, role='listener', email=EMAIL)
    for path in ('/account/two-factor/enrol', '/account/two-factor/disable',
                 '/account/two-factor/recovery-codes', '/account/two-factor/sign-in'):  # fmt: skip
        forged = await listener.client.post(path, form={'code': '123456'})
        assert forged.status_code == 400, path


async def test_two_factor_pages_are_never_stored(app: Quart, enrolled: Enrolled) -> None:
    browser = enrolled.browser
    await log_in_with_password(browser)
    sign_in = await browser.client.get('/account/two-factor/sign-in')
    assert sign_in.headers['Cache-Control'] == 'no-store'
    wrong = await send_code(browser, '000000')
    assert wrong.headers['Cache-Control'] == 'no-store'
    listener = await logged_in(app, role='listener', email='other@example.com')
    manage = await listener.client.get('/account/two-factor')
    assert manage.headers['Cache-Control'] == 'no-store'


async def test_login_asks_for_the_code_after_the_password(
    enrolled: Enrolled, clock: MovableClock
) -> None:
    browser = enrolled.browser
    response = await log_in_with_password(browser, '/account/two-factor')
    assert response.status_code == 302
    assert response.headers['Location'] == '/account/two-factor/sign-in?next=/account/two-factor'
    page = await browser.page('/account/two-factor/sign-in')
    assert 'type the six-digit code' in page

    done = await send_code(browser, code_at(enrolled.secret, clock), '/account/two-factor')
    assert done.status_code == 302
    assert done.headers['Location'] == '/account/two-factor'
    assert 'Two-factor sign-in is <strong>on</strong>' in await browser.page('/account/two-factor')


async def test_a_right_password_alone_logs_nobody_in(app: Quart, enrolled: Enrolled) -> None:
    browser = enrolled.browser
    await log_in_with_password(browser)
    account = await browser.client.get('/account')
    assert account.status_code == 302
    assert account.headers['Location'].startswith('/account/login')
    assert 'Log in</a>' in await browser.page('/'), 'the layout shows no logged-in user'


async def test_a_wrong_code_is_refused(enrolled: Enrolled, clock: MovableClock) -> None:
    browser = enrolled.browser
    await log_in_with_password(browser)
    right = code_at(enrolled.secret, clock)
    arabic_indic = ''.join(chr(ord(digit) - ord('0') + 0x0660) for digit in right)
    for wrong in ('000000' if right != '000000' else '111111', '', 'abc', '9' * 300, '\x00',
                  arabic_indic, '\uff21' * 5 + '-' + '\uff22' * 5):  # fmt: skip
        response = await send_code(browser, wrong)
        assert response.status_code == 400, wrong
        assert 'code-error' in await text(response)
    assert (await browser.client.get('/account')).status_code == 302


async def test_a_code_typed_in_full_width_digits_is_taken(
    enrolled: Enrolled, clock: MovableClock
) -> None:
    browser = enrolled.browser
    await log_in_with_password(browser)
    full_width = ''.join(chr(ord(digit) + 0xFEE0) for digit in code_at(enrolled.secret, clock))
    assert (await send_code(browser, full_width)).status_code == 302


async def test_codes_of_the_next_and_previous_moments_are_accepted_but_no_further(
    enrolled: Enrolled, clock: MovableClock
) -> None:
    browser = enrolled.browser
    await log_in_with_password(browser)
    totp = pyotp.TOTP(enrolled.secret)
    too_late = await send_code(browser, totp.at(clock() - 2 * STEP))
    assert too_late.status_code == 400
    accepted = await send_code(browser, totp.at(clock() + STEP))
    assert accepted.status_code == 302


async def test_a_code_signs_in_once(enrolled: Enrolled, clock: MovableClock) -> None:
    browser = enrolled.browser
    code = code_at(enrolled.secret, clock)
    await log_in_with_password(browser)
    assert (await send_code(browser, code)).status_code == 302
    await browser.submit('/account/logout', {})

    await log_in_with_password(browser)
    replayed = await send_code(browser, code)
    assert replayed.status_code == 400
    assert 'This code was used already' in await text(replayed)
    clock.advance(STEP)
    assert (await send_code(browser, code_at(enrolled.secret, clock))).status_code == 302


async def test_the_code_that_turned_it_on_cannot_sign_in(app: Quart, clock: MovableClock) -> None:
    browser = await logged_in(app, role='listener', email=EMAIL)
    page = await browser.page('/account/two-factor')
    secret = KEY.search(page).group(1).replace(' ', '')  # type: ignore[union-attr]
    code = code_at(secret, clock)
    await browser.submit('/account/two-factor/enrol', {'code': code})
    await browser.submit('/account/logout', {})
    await log_in_with_password(browser)
    assert (await send_code(browser, code)).status_code == 400


async def test_two_visitors_racing_with_one_code_get_one_login(
    app: Quart, enrolled: Enrolled, clock: MovableClock
) -> None:
    first, second = enrolled.browser, Browser(app.test_client())
    for browser in (first, second):
        await log_in_with_password(browser)
    code = code_at(enrolled.secret, clock)
    answers = await asyncio.gather(send_code(first, code), send_code(second, code))
    assert sorted(answer.status_code for answer in answers) == [302, 400]


async def test_a_recovery_code_works_once(enrolled: Enrolled, session: AsyncSession) -> None:
    browser = enrolled.browser
    recovery_code = enrolled.recovery_codes[3]
    await log_in_with_password(browser)
    typed = f' {recovery_code.upper().replace("-", " - ")} '  # as copied from paper
    assert (await send_code(browser, typed)).status_code == 302
    assert '9 recovery codes left' in await browser.page('/account')
    await browser.submit('/account/logout', {})

    await log_in_with_password(browser)
    again = await send_code(browser, recovery_code)
    assert again.status_code == 400
    assert (await browser.client.get('/account')).status_code == 302
    used = await session.scalar(
        select(func.count()).select_from(RecoveryCode).where(RecoveryCode.used_at.is_not(None))
    )
    assert used == 1


async def test_the_wait_for_the_code_ends_after_five_minutes(
    enrolled: Enrolled, clock: MovableClock
) -> None:
    browser = enrolled.browser
    await log_in_with_password(browser, '/account/two-factor')
    clock.advance(timedelta(minutes=5, seconds=1))
    late = await send_code(browser, code_at(enrolled.secret, clock), '/account/two-factor')
    assert late.status_code == 302
    assert late.headers['Location'] == '/account/login?next=/account/two-factor'
    assert (await browser.client.get('/account')).status_code == 302
    stale = await browser.client.get('/account/two-factor/sign-in')
    assert stale.headers['Location'].startswith('/account/login')


async def test_the_code_page_without_a_right_password_sends_you_to_log_in(app: Quart) -> None:
    response = await app.test_client().get('/account/two-factor/sign-in?next=/admin')
    assert response.status_code == 302
    assert response.headers['Location'] == '/account/login?next=/admin'


async def test_guessing_codes_is_rate_limited(enrolled: Enrolled, clock: MovableClock) -> None:
    browser = enrolled.browser
    await log_in_with_password(browser)
    right = code_at(enrolled.secret, clock)
    wrong = '000000' if right != '000000' else '111111'
    for _ in range(5):  # PODSITE_LOGIN_ATTEMPTS_PER_ACCOUNT
        assert (await send_code(browser, wrong)).status_code == 400
    refused = await send_code(browser, right)
    assert refused.status_code == 400
    assert 'Too many attempts' in await text(refused)


async def test_turning_it_off_needs_the_password_and_a_code(
    enrolled: Enrolled, clock: MovableClock, session: AsyncSession
) -> None:
    browser = enrolled.browser
    await log_in_with_password(browser)
    await send_code(browser, code_at(enrolled.secret, clock))
    clock.advance(STEP)
    code = code_at(enrolled.secret, clock)
    for form, problem in [
        ({'password': 'not the password', 'code': code}, 'This is not your password.'),
        ({'password': ADMIN_PASSWORD, 'code': '000000' if code != '000000' else '111111'},
         'This code is not right.'),
        ({'password': '', 'code': ''}, 'Enter your password.'),
    ]:  # fmt: skip
        response = await browser.submit('/account/two-factor/disable', form)
        assert response.status_code == 400
        assert problem in await text(response)

    off = await browser.submit(
        '/account/two-factor/disable', {'password': ADMIN_PASSWORD, 'code': code}
    )
    assert off.status_code == 200
    html = await text(off)
    assert 'Two-factor sign-in is off.' in html and 'class="qr-code"' in html
    assert await session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    await browser.submit('/account/logout', {})
    assert (await log_in_with_password(browser)).headers['Location'] == '/account'


async def test_new_recovery_codes_replace_the_old_ones(
    enrolled: Enrolled, clock: MovableClock
) -> None:
    browser = enrolled.browser
    await log_in_with_password(browser)
    await send_code(browser, code_at(enrolled.secret, clock))
    response = await browser.submit(
        '/account/two-factor/recovery-codes',
        {'password': ADMIN_PASSWORD, 'code': enrolled.recovery_codes[0]},
    )
    assert response.status_code == 200
    new_codes = RECOVERY_CODE.findall(await text(response))
    assert len(new_codes) == 10 and not set(new_codes) & set(enrolled.recovery_codes)
    await browser.submit('/account/logout', {})

    await log_in_with_password(browser)
    assert (await send_code(browser, enrolled.recovery_codes[1])).status_code == 400
    assert (await send_code(browser, new_codes[0])).status_code == 302


async def test_changes_are_limited_against_password_guessing(enrolled: Enrolled) -> None:
    browser = enrolled.browser
    await log_in_with_password(browser)
    await send_code(browser, enrolled.recovery_codes[0])
    for _ in range(5):
        wrong = {'password': 'a guess at it', 'code': '123456'}
        assert (await browser.submit('/account/two-factor/disable', wrong)).status_code == 400
    right = {'password': ADMIN_PASSWORD, 'code': enrolled.recovery_codes[1]}
    refused = await browser.submit('/account/two-factor/disable', right)
    assert refused.status_code == 400
    assert 'Too many attempts' in await text(refused)


@pytest.fixture
async def production_app(database_url: str, clock: MovableClock) -> AsyncIterator[Quart]:
    app = create_app(
        settings_for(database_url, environment='production', trusted_hosts=['localhost']),
        clock=clock,
    )
    async with app.test_app():
        yield app


async def test_in_production_an_admin_without_it_is_sent_to_turn_it_on(
    production_app: Quart, clock: MovableClock
) -> None:
    admin = await logged_in(production_app, role='admin', email=EMAIL)
    for method, path in admin_paths(production_app):
        response = await admin.submit(path, {}) if method == 'POST' else (
            await admin.client.open(path, method=method)
        )  # fmt: skip
        assert response.status_code == 302, (method, path)
        location = response.headers['Location']
        assert location.startswith('/account/two-factor?next=/admin'), (method, path, location)
        assert location.endswith('required=1')
    page = await admin.page('/account/two-factor?next=/admin/episodes&required=1')
    assert 'Administrators need two-factor sign-in on this site.' in page
    wrong = await admin.submit(
        '/account/two-factor/enrol?next=/admin/episodes&required=1', {'code': 'nonsense'}
    )
    assert wrong.status_code == 400
    assert 'Administrators need two-factor sign-in on this site.' in await text(wrong)
    assert 'action="/account/two-factor/enrol?next=/admin/episodes&amp;required=1"' in (
        await text(wrong)
    )

    await enrol(admin, clock)
    for method, path in admin_paths(production_app):
        response = await admin.client.open(path, method=method)
        assert response.status_code != 302 or 'two-factor' not in response.headers['Location']
    assert 'Admin' in await admin.page('/admin')


async def test_in_production_the_continue_link_goes_back_to_the_admin_page(
    production_app: Quart, clock: MovableClock
) -> None:
    admin = await logged_in(production_app, role='admin', email=EMAIL)
    sent = await admin.client.get('/admin/episodes?status=draft')
    location = sent.headers['Location']
    page = await admin.page(location)
    secret = KEY.search(page).group(1).replace(' ', '')  # type: ignore[union-attr]
    done = await admin.submit(
        location.replace('/account/two-factor?', '/account/two-factor/enrol?'),
        {'code': code_at(secret, clock)},
    )
    html = await text(done)
    assert 'href="/admin/episodes?status=draft"' in html and 'Continue' in html
    assert (await admin.client.get('/admin/episodes?status=draft')).status_code == 200


async def test_outside_production_admins_may_go_without_it(admin: Browser) -> None:
    assert 'Admin' in await admin.page('/admin')


async def test_in_production_listeners_are_not_asked_for_it(production_app: Quart) -> None:
    listener = await logged_in(production_app, role='listener', email=EMAIL)
    assert 'Off: your password alone' in await listener.page('/account')
    assert (await listener.client.get('/admin')).status_code == 403
