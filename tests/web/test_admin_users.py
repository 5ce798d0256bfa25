"""Accounts from the admin: an admin invites someone by email with a role, the invited
person chooses a password through a one-time link; and where each role lands on login."""

from quart import Quart
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from podsite.data import AuditEntry, User
from tests.visitors import ADMIN_PASSWORD, Browser, emails_to, logged_in

NEW_PASSWORD = 'a fresh password 456'


async def test_an_invited_person_sets_a_password_once_and_logs_in(
    admin: Browser, app: Quart, session: AsyncSession
) -> None:
    response = await admin.submit(
        '/admin/users/invite', {'email': 'Ada@Example.com', 'role': 'admin'}
    )
    html = await response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert 'Invited ada@example.com as admin' in html
    user = await session.scalar(select(User).where(User.email == 'ada@example.com'))
    assert user is not None
    assert (user.role, user.email_confirmed_at) == ('admin', None)
    entry = await session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()))
    assert entry is not None
    assert (entry.action, entry.entity, entry.summary) == ('invite', 'user', 'ada@example.com')
    assert entry.changes == {'role': [None, 'admin']}

    (invitation,) = await emails_to(app, 'ada@example.com')
    assert invitation.subject == 'You are invited to The Traceback'
    assert 'within 7 days' in invitation.body
    invited = Browser(app.test_client())
    refused = await invited.submit(
        '/account/login', {'email': 'ada@example.com', 'password': NEW_PASSWORD}
    )
    assert refused.status_code == 400  # no password chosen yet
    link = invitation.link()
    chosen = await invited.submit(link, {'password': NEW_PASSWORD, 'confirm': NEW_PASSWORD})
    assert chosen.status_code == 200
    again = await invited.submit(link, {'password': NEW_PASSWORD, 'confirm': NEW_PASSWORD})
    assert again.status_code == 400  # the link works once
    login = await invited.submit(
        '/account/login', {'email': 'ada@example.com', 'password': NEW_PASSWORD}
    )
    assert login.headers['Location'] == '/admin'


async def test_bad_invitations_say_what_is_wrong_and_make_nothing(
    admin: Browser, app: Quart, session: AsyncSession
) -> None:
    for form, message in (
        ({'email': 'not an address', 'role': 'listener'}, 'email'),
        ({'email': 'admin@example.com', 'role': 'listener'}, 'has an account already'),
        ({'email': 'sam@example.com', 'role': 'overlord'}, 'Choose listener, advertiser'),
        ({'email': 'sam@example.com', 'role': 'advertiser', 'sponsor_id': '99999'}, 'sponsor'),
    ):
        response = await admin.submit('/admin/users/invite', form)
        html = await response.get_data(as_text=True)
        assert response.status_code == 400, form
        assert message in html, form
        assert 'aria-invalid="true"' in html, form
        assert f'value="{form["email"]}"' in html, form  # kept for correcting
    assert await session.scalar(select(User).where(User.email == 'sam@example.com')) is None
    assert await emails_to(app, 'sam@example.com') == []


async def test_an_invitation_needs_the_forms_token(admin: Browser) -> None:
    response = await admin.client.post(
        '/admin/users/invite', form={'email': 'sam@example.com', 'role': 'admin'}
    )
    assert response.status_code == 400


async def test_admins_land_on_the_admin_and_others_on_their_account(app: Quart) -> None:
    for role, email, landing in (
        ('admin', 'boss@example.com', '/admin'),
        ('listener', 'fan@example.com', '/account'),
    ):
        await logged_in(app, role=role, email=email)  # makes the account
        browser = Browser(app.test_client())
        response = await browser.submit(
            '/account/login', {'email': email, 'password': ADMIN_PASSWORD}
        )
        assert response.headers['Location'] == landing, role
    asked = Browser(app.test_client())
    response = await asked.client.post(
        '/account/login?next=/admin/episodes',
        form={
            'email': 'boss@example.com',
            'password': ADMIN_PASSWORD,
            'csrf_token': await token_of(asked),
        },
    )
    assert response.headers['Location'] == '/admin/episodes'
    elsewhere = Browser(app.test_client())
    response = await elsewhere.client.post(
        '/account/login?next=https://evil.example/',
        form={
            'email': 'boss@example.com',
            'password': ADMIN_PASSWORD,
            'csrf_token': await token_of(elsewhere),
        },
    )
    assert response.headers['Location'] == '/admin'


async def token_of(browser: Browser) -> str:
    match = Browser.TOKEN.search(await browser.page('/account/login'))
    assert match is not None
    return match.group(1)
