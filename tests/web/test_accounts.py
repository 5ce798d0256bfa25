"""Accounts: registration, login and logout, the account page, and password resets,
with their bad-input, CSRF, rate-limit and token paths."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from quart import Quart
from quart.typing import TestClientProtocol as Client
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from podsite.app import create_app
from podsite.data import OutboxMessage, PasswordReset, User
from tests.databases import settings_for
from tests.visitors import Browser

PASSWORD = 'correct horse battery'


async def register(browser: Browser, email: str = 'ada@example.com', **fields: str) -> None:
    form = {'name': 'Ada', 'email': email, 'password': PASSWORD, 'confirm': PASSWORD, **fields}
    response = await browser.submit('/account/register', form)
    assert response.status_code == 302, await response.get_data(as_text=True)


async def test_registering_logs_you_in_and_stores_an_argon2_hash(
    browser: Browser, session: AsyncSession
) -> None:
    await register(browser)
    html = await browser.page('/account')
    assert 'Your account' in html and 'value="ada@example.com"' in html
    user = await session.scalar(select(User).where(User.email == 'ada@example.com'))
    assert user is not None
    assert user.password_hash.startswith('$argon2id$') and PASSWORD not in user.password_hash
    assert user.role == 'listener'


@pytest.mark.parametrize(
    ('fields', 'field', 'message'),
    [
        ({'name': ''}, 'name', 'Name is required.'),
        ({'name': 'x' * 201}, 'name', 'at most 200'),
        ({'email': 'not-an-email'}, 'email', 'like name@example.com'),
        ({'email': ''}, 'email', 'Email is required.'),
        ({'password': 'short', 'confirm': 'short'}, 'password', 'at least 10'),
        ({'confirm': 'something else entirely'}, 'confirm', 'differ'),
        ({'password': 'p' * 2000, 'confirm': 'p' * 2000}, 'password', 'at most 1000'),
    ],
)
async def test_bad_registrations_keep_the_values_and_say_what_is_wrong(
    browser: Browser, fields: dict[str, str], field: str, message: str
) -> None:
    form = {'name': 'Grace', 'email': 'grace@example.com', 'password': PASSWORD}
    form |= {'confirm': form['password']} | fields
    response = await browser.submit('/account/register', form)
    html = await response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert f'id="{field}-error"' in html
    if field != 'email':
        assert 'value="grace@example.com"' in html
    assert PASSWORD not in html


async def test_an_email_can_only_have_one_account(browser: Browser, app: Quart) -> None:
    await register(browser)
    other = Browser(app.test_client())
    response = await other.submit(
        '/account/register',
        {'name': 'B', 'email': 'ADA@example.com ', 'password': PASSWORD, 'confirm': PASSWORD},
    )
    assert response.status_code == 400
    assert 'An account with this email exists' in await response.get_data(as_text=True)


async def test_login_gives_one_message_for_unknown_email_and_wrong_password(
    browser: Browser, app: Quart
) -> None:
    await register(browser)
    stranger = Browser(app.test_client())
    for form in ({'email': 'nobody@example.com', 'password': PASSWORD},
                 {'email': 'ada@example.com', 'password': 'wrong password!'}):  # fmt: skip
        response = await stranger.submit('/account/login', form)
        assert response.status_code == 400
        assert 'The email or the password is not right.' in await response.get_data(as_text=True)


@pytest.mark.parametrize(
    ('next_url', 'landing'),
    [('/episodes/all', '/episodes/all'), ('//evil.example', '/account'),
     ('https://evil.example/', '/account')],
)  # fmt: skip
async def test_login_returns_only_to_pages_of_this_site(
    browser: Browser, app: Quart, next_url: str, landing: str
) -> None:
    await register(browser)
    visitor = Browser(app.test_client())
    response = await visitor.submit(
        f'/account/login?next={next_url}', {'email': 'ada@example.com', 'password': PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers['Location'] == landing


async def test_login_rotates_the_session_and_logout_ends_it_everywhere(
    browser: Browser, app: Quart
) -> None:
    await register(browser)
    await browser.submit('/account/logout', {})
    before = browser.cookie()
    await browser.submit('/account/login', {'email': 'ada@example.com', 'password': PASSWORD})
    logged_in = browser.cookie()
    assert logged_in and logged_in != before
    copy = Browser(app.test_client(), cookie=logged_in)
    assert 'Your account' in await copy.page('/account')
    await browser.submit('/account/logout', {})
    response = await copy.client.get('/account')
    assert response.status_code == 302  # the copied cookie's login is gone too
    assert response.headers['Location'].startswith('/account/login?next=/account')


async def test_session_cookie_is_signed_httponly_lax_and_secure(browser: Browser) -> None:
    await browser.page('/account/login')
    response = await browser.submit(
        '/account/register',
        {'name': 'A', 'email': 'a@example.com', 'password': PASSWORD, 'confirm': PASSWORD},
    )
    cookie = response.headers['Set-Cookie']
    assert cookie.startswith('podsite_session=')
    assert 'HttpOnly' in cookie and 'SameSite=Lax' in cookie and 'Secure' in cookie


async def test_forms_without_a_csrf_token_are_refused(client: Client) -> None:
    for path in ('/account/login', '/account/register', '/account/reset', '/account/logout'):
        response = await client.post(path, form={'email': 'a@example.com'})
        assert response.status_code == 400, path
        assert 'Bad request' in await response.get_data(as_text=True)


async def test_repeated_wrong_passwords_are_rate_limited(browser: Browser, app: Quart) -> None:
    await register(browser)
    attacker = Browser(app.test_client())
    for _ in range(5):
        await attacker.submit('/account/login', {'email': 'ada@example.com', 'password': 'nope'})
    response = await attacker.submit(
        '/account/login', {'email': 'ada@example.com', 'password': PASSWORD}
    )
    assert response.status_code == 400
    assert 'Too many attempts' in await response.get_data(as_text=True)


async def test_the_login_limit_per_address_comes_from_the_settings(database_url: str) -> None:
    settings = settings_for(database_url, login_attempts_per_ip=2)
    app = create_app(settings)
    async with app.test_app():
        visitor = Browser(app.test_client())
        for _ in range(2):
            await visitor.submit('/account/login', {'email': 'a@example.com', 'password': 'x'})
        response = await visitor.submit(
            '/account/login', {'email': 'b@example.com', 'password': 'x'}
        )
        assert 'Too many attempts' in await response.get_data(as_text=True)


async def test_account_page_needs_a_login(client: Client) -> None:
    for path in ('/account',):
        response = await client.get(path)
        assert response.status_code == 302
        assert response.headers['Location'] == '/account/login?next=/account'


async def test_profile_and_preferences_are_saved(browser: Browser, session: AsyncSession) -> None:
    await register(browser)
    response = await browser.submit(
        '/account/profile',
        {'name': 'Ada L.', 'email': 'ada@example.org', 'wants_newsletter': 'on'},
    )
    assert response.status_code == 200
    assert 'Your details are saved.' in await response.get_data(as_text=True)
    user = await session.scalar(select(User).where(User.email == 'ada@example.org'))
    assert user is not None
    assert (user.name, user.wants_newsletter, user.wants_episode_emails) == ('Ada L.', True, False)
    bad = await browser.submit('/account/profile', {'name': '', 'email': 'broken'})
    assert bad.status_code == 400


async def test_password_change_needs_the_current_password(browser: Browser, app: Quart) -> None:
    await register(browser)
    wrong = await browser.submit(
        '/account/password',
        {
            'current_password': 'guess',
            'new_password': 'a new password',
            'confirm': 'a new password',
        },
    )
    assert 'This is not your current password.' in await wrong.get_data(as_text=True)
    right = await browser.submit(
        '/account/password',
        {
            'current_password': PASSWORD,
            'new_password': 'a new password',
            'confirm': 'a new password',
        },
    )
    assert 'Your password is changed.' in await right.get_data(as_text=True)
    again = Browser(app.test_client())
    login = await again.submit(
        '/account/login', {'email': 'ada@example.com', 'password': 'a new password'}
    )
    assert login.status_code == 302


async def reset_link(session: AsyncSession, email: str) -> str:
    message = await session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.to_address == email)
        .order_by(OutboxMessage.id.desc())
    )
    assert message is not None and message.subject == 'Reset your password'
    match = re.search(r'https://podcast\.test(/account/reset/\S+)', message.body)
    assert match is not None
    return match.group(1)


async def test_password_reset_by_emailed_link_works_once(
    browser: Browser, app: Quart, session: AsyncSession
) -> None:
    await register(browser)
    visitor = Browser(app.test_client())
    response = await visitor.submit('/account/reset', {'email': 'ada@example.com'})
    assert 'an email with a link is on its way' in await response.get_data(as_text=True)
    link = await reset_link(session, 'ada@example.com')
    assert 'Choose a new password' in await visitor.page(link)
    done = await visitor.submit(
        link, {'password': 'brand new secret', 'confirm': 'brand new secret'}
    )
    assert 'Your password is changed.' in await done.get_data(as_text=True)
    reused = await visitor.submit(
        link, {'password': 'another secret!', 'confirm': 'another secret!'}
    )
    assert 'already used' in await reused.get_data(as_text=True)
    # Every session of the account was logged out by the reset.
    assert (await browser.client.get('/account')).status_code == 302
    login = await visitor.submit(
        '/account/login', {'email': 'ada@example.com', 'password': 'brand new secret'}
    )
    assert login.status_code == 302


async def test_unknown_addresses_get_the_same_answer_and_no_email(
    browser: Browser, session: AsyncSession
) -> None:
    response = await browser.submit('/account/reset', {'email': 'nobody@example.com'})
    assert 'an email with a link is on its way' in await response.get_data(as_text=True)
    sent = await session.scalar(
        select(OutboxMessage).where(OutboxMessage.to_address == 'nobody@example.com')
    )
    assert sent is None


async def test_expired_and_forged_reset_links_are_refused(
    browser: Browser, session: AsyncSession
) -> None:
    await register(browser)
    await browser.submit('/account/reset', {'email': 'ada@example.com'})
    link = await reset_link(session, 'ada@example.com')
    await session.execute(
        update(PasswordReset).values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
    )
    await session.commit()
    assert 'This link has expired.' in await browser.page(link)
    expired = await browser.submit(
        link, {'password': 'brand new secret', 'confirm': 'brand new secret'}
    )
    assert expired.status_code == 400
    for forged in ('/account/reset/forged-token', '/account/reset/' + 'x' * 5000):
        assert 'This link is not valid.' in await browser.page(forged)
