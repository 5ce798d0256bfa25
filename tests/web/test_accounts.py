"""Accounts: signing up by emailed link, login and logout, the account page (details, a new
address, a new password), and password resets, with their bad-input, CSRF, rate-limit,
token and enumeration paths."""

import re
from datetime import UTC, datetime, timedelta
from html import unescape
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from quart import Quart
from quart.typing import TestClientProtocol as Client
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from time_machine import TimeMachineFixture

from podsite.app import create_app
from podsite.data import PasswordReset, User
from tests.databases import QueryCounter, settings_for
from tests.visitors import Browser, emails_to, send_mail

PASSWORD = 'correct horse battery'
CHECK_YOUR_EMAIL = re.compile(r'Check your email: we sent a message to [^ ]+\. Open the link')


async def sign_up(
    browser: Browser, email: str = 'ada@example.com', password: str = PASSWORD, **fields: str
) -> str:
    """Fills in the sign-up form; the page's message."""
    form = {'name': 'Ada', 'email': email, 'password': password, 'confirm': password, **fields}
    response = await browser.submit('/account/register', form)
    html = await response.get_data(as_text=True)
    assert response.status_code == 200, html
    match = CHECK_YOUR_EMAIL.search(html)
    assert match is not None, html
    return match.group(0)


async def register(browser: Browser, app: Quart, email: str = 'ada@example.com') -> None:
    """Signs up and opens the emailed link: the browser is logged in to a new account."""
    await sign_up(browser, email)
    link = (await emails_to(app, email))[-1].link()
    response = await browser.submit(link, {})
    assert 'your account is ready' in await response.get_data(as_text=True)


async def log_in(browser: Browser, email: str, password: str = PASSWORD) -> int:
    response = await browser.submit('/account/login', {'email': email, 'password': password})
    return response.status_code


# Signing up


async def test_signing_up_mails_a_link_that_finishes_the_account_and_logs_in(
    browser: Browser, app: Quart, session: AsyncSession
) -> None:
    await sign_up(browser)
    assert (await browser.client.get('/account')).status_code == 302  # not logged in yet
    assert await log_in(Browser(app.test_client()), 'ada@example.com') == 400
    (email,) = await emails_to(app, 'ada@example.com')
    assert email.subject == 'Confirm your email' and email.link().startswith('/account/confirm/')
    # Opening the link shows a button; only pressing it confirms (mail scanners fetch links).
    assert 'Confirm and log in' in await browser.page(email.link())
    assert (await browser.client.get('/account')).status_code == 302
    done = await browser.submit(email.link(), {})
    assert 'Welcome, Ada: your account is ready.' in await done.get_data(as_text=True)
    assert 'value="ada@example.com"' in await browser.page('/account')
    user = await session.scalar(select(User).where(User.email == 'ada@example.com'))
    assert user is not None and user.email_confirmed_at is not None
    assert user.password_hash.startswith('$argon2id$') and PASSWORD not in user.password_hash
    assert user.role == 'listener'
    again = await Browser(app.test_client()).submit(email.link(), {})
    assert again.status_code == 400
    assert 'Your account is ready already' in await again.get_data(as_text=True)
    assert await log_in(Browser(app.test_client()), 'ada@example.com') == 302


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


async def test_a_taken_address_gets_the_same_answer_and_its_owner_a_notice(
    browser: Browser, app: Quart
) -> None:
    await register(browser, app)
    stranger = Browser(app.test_client())
    taken = await sign_up(stranger, 'ADA@example.com ', password='a password of mine')
    free = await sign_up(stranger, 'grace@example.com', password='a password of mine')
    assert taken.replace('ADA@example.com', 'X') == free.replace('grace@example.com', 'X')
    notice = (await emails_to(app, 'ada@example.com'))[-1]
    assert notice.subject == 'Someone tried to sign up with your email'
    assert 'Nothing changed' in notice.body and '/account/confirm/' not in notice.body
    # The owner's account is untouched: the stranger's password opens nothing.
    assert await log_in(Browser(app.test_client()), 'ada@example.com', 'a password of mine') == 400
    assert await log_in(Browser(app.test_client()), 'ada@example.com') == 302


async def test_a_sign_up_does_the_same_queries_for_a_taken_and_a_free_address(
    browser: Browser, app: Quart, queries: QueryCounter
) -> None:
    await register(browser, app)
    form = {'name': 'Someone', 'password': PASSWORD, 'confirm': PASSWORD}
    taken = await statements_of(
        app, queries, '/account/register', form | {'email': 'ada@example.com'}
    )
    free = await statements_of(app, queries, '/account/register', form | {'email': 'g@example.com'})
    # Both look the address up and queue one email (the owner's notice; the new account's
    # link); only the new account is more.
    assert [s for s in free if not s.startswith('INSERT INTO user_account')] == taken
    assert [s.split(' (')[0] for s in taken[1:]] == ['INSERT INTO outbox_message']


async def statements_of(
    app: Quart, queries: QueryCounter, path: str, form: dict[str, str]
) -> list[str]:
    """The statements a form's POST runs, as a new visitor sends it (the content-state
    checks every page makes, and the rate limits' counters kept in the database when there
    is no Redis, the same for any address, left out)."""
    visitor = Browser(app.test_client())
    token = Browser.TOKEN.search(await visitor.page(path))
    assert token is not None
    queries.reset()
    response = await visitor.client.post(path, form=form | {'csrf_token': token.group(1)})
    assert response.status_code == 200, await response.get_data(as_text=True)
    return [
        s for s in queries.statements if 'site_state' not in s and 'rate_limit_counter' not in s
    ]


async def test_signing_up_again_before_confirming_replaces_the_pending_account(
    browser: Browser, app: Quart
) -> None:
    await sign_up(browser, password='the first password')
    await sign_up(browser, password='the second password')
    first, second = await emails_to(app, 'ada@example.com')
    stale = await browser.submit(first.link(), {})
    assert 'a newer sign-up replaced it' in await stale.get_data(as_text=True)
    await browser.submit(second.link(), {})
    assert await log_in(Browser(app.test_client()), 'ada@example.com', 'the first password') == 400
    assert await log_in(Browser(app.test_client()), 'ada@example.com', 'the second password') == 302


async def test_sign_up_links_expire_and_forged_ones_do_nothing(
    browser: Browser, app: Quart, time_machine: TimeMachineFixture
) -> None:
    await sign_up(browser)
    (email,) = await emails_to(app, 'ada@example.com')
    time_machine.move_to(datetime.now(UTC) + timedelta(hours=49))
    assert 'This link has expired.' in await browser.page(email.link())
    expired = await browser.submit(email.link(), {})
    assert expired.status_code == 400
    forged = email.link()[:-3] + ('abc' if not email.link().endswith('abc') else 'xyz')
    for link in (forged, '/account/confirm/not-a-token', '/account/confirm/' + 'x' * 5000):
        assert 'This link is not valid' in await browser.page(link)


async def test_sign_ups_are_limited_per_address_with_a_429(database_url: str) -> None:
    app = create_app(settings_for(database_url, registrations_per_ip=2))
    async with app.test_app():
        visitor = Browser(app.test_client())
        for number in range(2):
            await sign_up(visitor, f'listener{number}@example.com')
        form = {'name': 'A', 'email': 'a@example.com', 'password': PASSWORD, 'confirm': PASSWORD}
        refused = await visitor.submit('/account/register', form)
        assert refused.status_code == 429
        assert 'Too many sign-ups from here. Try again in' in await refused.get_data(as_text=True)
        assert await emails_to(app, 'a@example.com') == []


async def test_one_address_gets_at_most_three_sign_up_emails_an_hour(
    browser: Browser, app: Quart
) -> None:
    for _ in range(3):
        await sign_up(browser)
    form = {'name': 'A', 'email': 'ada@example.com', 'password': PASSWORD, 'confirm': PASSWORD}
    assert (await browser.submit('/account/register', form)).status_code == 429
    assert len(await emails_to(app, 'ada@example.com')) == 3


# Logging in and out


async def test_login_gives_one_message_for_unknown_email_and_wrong_password(
    browser: Browser, app: Quart
) -> None:
    await register(browser, app)
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
    await register(browser, app)
    visitor = Browser(app.test_client())
    response = await visitor.submit(
        f'/account/login?next={next_url}', {'email': 'ada@example.com', 'password': PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers['Location'] == landing


async def test_the_next_page_survives_the_login_form_whole(browser: Browser, app: Quart) -> None:
    await register(browser, app)
    await browser.submit('/account/logout', {})
    target = '/search?q=a b&page=2'
    html = unescape(await browser.page('/account/login?' + urlencode({'next': target})))
    action = re.search(r'<form method="post" action="([^"]+)"', html)
    sign_up_link = re.search(r'href="(/account/register\?[^"]+)"', html)
    assert action is not None and sign_up_link is not None
    for url in (action.group(1), sign_up_link.group(1)):
        assert parse_qs(urlsplit(url).query) == {'next': [target]}, url
    response = await browser.submit(
        action.group(1), {'email': 'ada@example.com', 'password': PASSWORD}
    )
    assert response.headers['Location'] == target


async def test_login_rotates_the_session_and_logout_ends_it_everywhere(
    browser: Browser, app: Quart
) -> None:
    await register(browser, app)
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
    response = await browser.client.get('/account/register')
    cookie = response.headers['Set-Cookie']
    assert cookie.startswith('podsite_session=')
    assert 'HttpOnly' in cookie and 'SameSite=Lax' in cookie and 'Secure' in cookie


async def test_forms_without_a_csrf_token_are_refused(client: Client) -> None:
    for path in ('/account/login', '/account/register', '/account/reset', '/account/logout',
                 '/account/confirm/x', '/account/email/x'):  # fmt: skip
        response = await client.post(path, form={'email': 'a@example.com'})
        assert response.status_code == 400, path
        assert 'Bad request' in await response.get_data(as_text=True)


async def test_repeated_wrong_passwords_are_rate_limited(browser: Browser, app: Quart) -> None:
    await register(browser, app)
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


# The account page


async def test_account_page_needs_a_login(client: Client) -> None:
    for path in ('/account',):
        response = await client.get(path)
        assert response.status_code == 302
        assert response.headers['Location'] == '/account/login?next=/account'


async def test_profile_and_preferences_are_saved(
    browser: Browser, app: Quart, session: AsyncSession
) -> None:
    await register(browser, app)
    response = await browser.submit(
        '/account/profile',
        {'name': 'Ada L.', 'email': 'ada@example.com', 'wants_episode_emails': 'on'},
    )
    assert response.status_code == 200
    assert 'Your details are saved.' in await response.get_data(as_text=True)
    user = await session.scalar(select(User).where(User.email == 'ada@example.com'))
    assert user is not None
    assert (user.name, user.wants_episode_emails) == ('Ada L.', True)
    assert 'newsletter' not in await browser.page('/account')
    bad = await browser.submit('/account/profile', {'name': '', 'email': 'broken'})
    assert bad.status_code == 400


@pytest.mark.parametrize(
    ('password', 'message'),
    [('', 'Enter your current password to change your email.'),
     ('a wrong guess', 'This is not your current password.')],
)  # fmt: skip
async def test_a_new_email_needs_the_current_password(
    browser: Browser, app: Quart, session: AsyncSession, password: str, message: str
) -> None:
    await register(browser, app)
    response = await browser.submit(
        '/account/profile',
        {'name': 'Renamed', 'email': 'ada@example.org', 'email_password': password},
    )
    assert response.status_code == 400
    assert message in await response.get_data(as_text=True)
    assert await emails_to(app, 'ada@example.org') == []
    user = await session.scalar(select(User).where(User.email == 'ada@example.com'))
    assert user is not None and user.name == 'Ada'


async def test_a_new_email_takes_effect_once_its_emailed_link_is_opened(
    browser: Browser, app: Quart
) -> None:
    await register(browser, app)
    response = await browser.submit(
        '/account/profile',
        {'name': 'Ada', 'email': 'ada@example.org', 'email_password': PASSWORD},
    )
    html = await response.get_data(as_text=True)
    assert 'We sent a link to ada@example.org: your email changes when you open it.' in html
    assert 'value="ada@example.com"' in html
    (email,) = await emails_to(app, 'ada@example.org')
    assert email.subject == 'Confirm your new email address'
    assert 'Use <strong>ada@example.org</strong>' in await browser.page(email.link())
    assert await log_in(Browser(app.test_client()), 'ada@example.org') == 400
    # Opened anywhere, logged in or not, by whoever has the new address's mail.
    done = await Browser(app.test_client()).submit(email.link(), {})
    assert 'Your account now uses ada@example.org.' in await done.get_data(as_text=True)
    assert await log_in(Browser(app.test_client()), 'ada@example.org') == 302
    assert await log_in(Browser(app.test_client()), 'ada@example.com') == 400
    notice = (await emails_to(app, 'ada@example.com'))[-1]
    assert notice.subject == 'Your email address was changed' and 'ada@example.org' in notice.body
    again = await browser.submit(email.link(), {})
    assert 'Your account uses this address already.' in await again.get_data(as_text=True)


async def test_a_new_email_of_another_account_is_answered_alike_and_changes_nothing(
    browser: Browser, app: Quart
) -> None:
    await register(browser, app)
    await register(Browser(app.test_client()), app, 'grace@example.com')
    response = await browser.submit(
        '/account/profile',
        {'name': 'Ada', 'email': 'grace@example.com', 'email_password': PASSWORD},
    )
    assert 'We sent a link to grace@example.com' in await response.get_data(as_text=True)
    notice = (await emails_to(app, 'grace@example.com'))[-1]
    assert notice.subject == 'Someone tried to use your email for their account'
    assert 'https://' not in notice.body
    assert await log_in(Browser(app.test_client()), 'ada@example.com') == 302


async def test_a_new_email_link_loses_to_an_account_confirmed_there_meanwhile(
    browser: Browser, app: Quart
) -> None:
    await register(browser, app)
    await browser.submit(
        '/account/profile',
        {'name': 'Ada', 'email': 'grace@example.com', 'email_password': PASSWORD},
    )
    (link,) = await emails_to(app, 'grace@example.com')
    await register(Browser(app.test_client()), app, 'grace@example.com')
    taken = await browser.submit(link.link(), {})
    assert taken.status_code == 400
    assert 'Another account uses this address now' in await taken.get_data(as_text=True)
    assert await log_in(Browser(app.test_client()), 'ada@example.com') == 302


async def test_a_new_password_logs_out_every_other_session_and_ends_reset_links(
    browser: Browser, app: Quart
) -> None:
    await register(browser, app)
    elsewhere = Browser(app.test_client())
    assert await log_in(elsewhere, 'ada@example.com') == 302
    await Browser(app.test_client()).submit('/account/reset', {'email': 'ada@example.com'})
    await send_mail(app)
    reset = (await emails_to(app, 'ada@example.com'))[-1].link()
    wrong = await browser.submit(
        '/account/password',
        {
            'current_password': 'guess',
            'new_password': 'a new password',
            'confirm': 'a new password',
        },
    )
    assert 'This is not your current password.' in await wrong.get_data(as_text=True)
    assert 'Your account' in await elsewhere.page('/account')
    right = await browser.submit(
        '/account/password',
        {'current_password': PASSWORD, 'new_password': 'a new password',
         'confirm': 'a new password'},
    )  # fmt: skip
    assert 'Every other session was logged out.' in await right.get_data(as_text=True)
    assert 'Your account' in await browser.page('/account')  # the session that changed it
    assert (await elsewhere.client.get('/account')).status_code == 302
    assert 'already set with this link or a newer one' in await browser.page(reset)
    assert await log_in(Browser(app.test_client()), 'ada@example.com', 'a new password') == 302


async def test_guessing_the_current_password_on_the_account_page_is_limited(
    browser: Browser, app: Quart
) -> None:
    await register(browser, app)
    form = {'current_password': 'guess', 'new_password': 'a new password',
            'confirm': 'a new password'}  # fmt: skip
    for _ in range(5):
        await browser.submit('/account/password', form)
    right = await browser.submit('/account/password', form | {'current_password': PASSWORD})
    assert 'Too many attempts.' in await right.get_data(as_text=True)


# Password resets


async def test_password_reset_by_emailed_link_works_once(browser: Browser, app: Quart) -> None:
    await register(browser, app)
    visitor = Browser(app.test_client())
    response = await visitor.submit('/account/reset', {'email': 'ada@example.com'})
    assert 'an email with a link is on its way' in await response.get_data(as_text=True)
    assert (await send_mail(app)).reset_links == 1
    email = (await emails_to(app, 'ada@example.com'))[-1]
    assert email.subject == 'Reset your password'
    link = email.link()
    assert 'Choose a new password' in await visitor.page(link)
    done = await visitor.submit(
        link, {'password': 'brand new secret', 'confirm': 'brand new secret'}
    )
    assert 'Your password is changed.' in await done.get_data(as_text=True)
    reused = await visitor.submit(
        link, {'password': 'another secret!', 'confirm': 'another secret!'}
    )
    assert 'already set with this link' in await reused.get_data(as_text=True)
    # Every session of the account was logged out by the reset.
    assert (await browser.client.get('/account')).status_code == 302
    assert await log_in(visitor, 'ada@example.com', 'brand new secret') == 302


async def test_using_one_reset_link_ends_every_other(browser: Browser, app: Quart) -> None:
    await register(browser, app)
    for _ in range(2):
        await browser.submit('/account/reset', {'email': 'ada@example.com'})
        await send_mail(app)
    first, second = (e.link() for e in (await emails_to(app, 'ada@example.com'))[-2:])
    assert first != second
    await browser.submit(second, {'password': 'brand new secret', 'confirm': 'brand new secret'})
    late = await browser.submit(first, {'password': 'other secret!', 'confirm': 'other secret!'})
    assert late.status_code == 400
    assert 'already set with this link or a newer one' in await late.get_data(as_text=True)
    assert await log_in(Browser(app.test_client()), 'ada@example.com', 'brand new secret') == 302


async def test_unknown_addresses_get_the_same_answer_and_no_email(
    browser: Browser, app: Quart
) -> None:
    response = await browser.submit('/account/reset', {'email': 'nobody@example.com'})
    assert 'an email with a link is on its way' in await response.get_data(as_text=True)
    assert (await send_mail(app)).reset_links == 0
    assert await emails_to(app, 'nobody@example.com') == []


async def test_a_reset_request_does_the_same_work_for_known_and_unknown_addresses(
    browser: Browser, app: Quart, queries: QueryCounter
) -> None:
    await register(browser, app)
    known = await statements_of(app, queries, '/account/reset', {'email': 'ada@example.com'})
    unknown = await statements_of(app, queries, '/account/reset', {'email': 'no@example.com'})
    # Only the request is stored; whether the address has an account is looked up later,
    # by the background sender.
    assert known == unknown
    assert [s.split(' (')[0] for s in known] == ['INSERT INTO password_reset_request']


async def test_reset_requests_past_the_limit_get_a_429(browser: Browser, app: Quart) -> None:
    for _ in range(3):
        await browser.submit('/account/reset', {'email': 'ada@example.com'})
    refused = await browser.submit('/account/reset', {'email': 'ada@example.com'})
    assert refused.status_code == 429
    assert 'Too many reset requests. Try again in' in await refused.get_data(as_text=True)


async def test_a_reset_link_confirms_a_sign_up_never_confirmed(
    browser: Browser, app: Quart
) -> None:
    await sign_up(browser)
    await browser.submit('/account/reset', {'email': 'ada@example.com'})
    await send_mail(app)
    reset = (await emails_to(app, 'ada@example.com'))[-1].link()
    await browser.submit(reset, {'password': 'brand new secret', 'confirm': 'brand new secret'})
    assert await log_in(Browser(app.test_client()), 'ada@example.com', 'brand new secret') == 302


async def test_expired_and_forged_reset_links_are_refused(
    browser: Browser, app: Quart, session: AsyncSession
) -> None:
    await register(browser, app)
    await browser.submit('/account/reset', {'email': 'ada@example.com'})
    await send_mail(app)
    link = (await emails_to(app, 'ada@example.com'))[-1].link()
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
