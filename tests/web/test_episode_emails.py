"""New-episode emails: when an episode goes public (now, or when its scheduled time
passes), each confirmed account that asked for them gets one email through the outbox, once,
with a signed one-click unsubscribe link that works without logging in (RFC 8058)."""

from datetime import UTC, datetime, timedelta

from quart import Quart
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from podsite.app import create_app
from podsite.data import OutboxMessage, User
from podsite.infrastructure import db
from podsite.services.accounts import account_service
from tests.clock import MovableClock
from tests.databases import settings_for
from tests.factories import add_episode
from tests.visitors import Browser, send_mail

VALID = {
    'number': '9001', 'title': 'Brand new', 'status': 'published', 'duration': '45:00',
    'media_url': 'https://media.example.com/9001.mp3', 'media_size_bytes': '43200000',
    'media_type': 'audio/mpeg', 'episode_type': 'full', 'show_notes': 'Hello',
}  # fmt: skip


async def listener(app: Quart, email: str, *, wants: bool = True, confirmed: bool = True) -> None:
    async with app.app_context():
        user = await account_service.create_user(
            name=email.split('@')[0].title(), email=email, password='a long password 1'
        )
        session = db.session()
        await session.execute(
            update(User)
            .where(User.id == user.id)
            .values(
                wants_episode_emails=wants,
                email_confirmed_at=datetime.now(UTC) if confirmed else None,
            )
        )
        await session.commit()


async def episode_mail(app: Quart) -> list[OutboxMessage]:
    async with app.app_context():
        rows = await db.session().scalars(
            select(OutboxMessage)
            .where(OutboxMessage.subject.startswith('New episode'))
            .order_by(OutboxMessage.id)
        )
        return list(rows)


async def three_listeners(app: Quart) -> None:
    """Whatever the demo published lately is announced first, to nobody yet."""
    await send_mail(app)
    await listener(app, 'fan@example.com')
    await listener(app, 'quiet@example.com', wants=False)
    await listener(app, 'unconfirmed@example.com', confirmed=False)


async def test_publishing_mails_each_confirmed_listener_who_asked_once(
    app: Quart, admin: Browser
) -> None:
    await three_listeners(app)

    assert (await admin.submit('/admin/episodes/new', VALID)).status_code == 302
    report = await send_mail(app)

    assert report.episode_emails == 1
    [mail] = await episode_mail(app)
    assert mail.to_address == 'fan@example.com'
    assert mail.subject == 'New episode 9001: Brand new'
    assert 'https://podcast.test/episodes/show/9001/brand-new' in mail.body
    unsubscribe = mail.headers['List-Unsubscribe']
    assert unsubscribe.startswith('<https://podcast.test/account/unsubscribe/')
    assert unsubscribe[1:-1] in mail.body
    assert mail.headers['List-Unsubscribe-Post'] == 'List-Unsubscribe=One-Click'
    assert mail.error == 'not sent: no SMTP server configured'  # handed to the sender
    assert (await send_mail(app)).episode_emails == 0
    assert len(await episode_mail(app)) == 1


async def test_another_instance_or_a_restart_does_not_mail_an_episode_again(
    app: Quart, admin: Browser, database_url: str
) -> None:
    await three_listeners(app)
    assert (await admin.submit('/admin/episodes/new', VALID)).status_code == 302
    assert (await send_mail(app)).episode_emails == 1

    other = create_app(settings_for(database_url))
    async with other.test_app():
        assert (await send_mail(other)).episode_emails == 0
    assert len(await episode_mail(app)) == 1


async def test_a_scheduled_episode_is_mailed_once_when_its_time_comes(
    app: Quart, session: AsyncSession, clock: MovableClock
) -> None:
    await three_listeners(app)
    await add_episode(
        session, title='Later on', slug='later-on', published_at=clock() + timedelta(hours=3)
    )
    assert (await send_mail(app)).episode_emails == 0

    clock.advance(timedelta(hours=4))

    assert (await send_mail(app)).episode_emails == 1
    assert (await send_mail(app)).episode_emails == 0
    [mail] = await episode_mail(app)
    assert mail.subject.endswith(': Later on')


async def test_an_old_episode_entered_late_is_not_news(app: Quart, session: AsyncSession) -> None:
    await three_listeners(app)
    await add_episode(
        session, slug='from-the-archive', published_at=datetime.now(UTC) - timedelta(days=30)
    )
    assert (await send_mail(app)).episode_emails == 0


async def test_the_unsubscribe_link_works_without_logging_in(
    app: Quart, admin: Browser, session: AsyncSession
) -> None:
    await three_listeners(app)
    await admin.submit('/admin/episodes/new', VALID)
    await send_mail(app)
    [mail] = await episode_mail(app)
    path = mail.headers['List-Unsubscribe'][1:-1].removeprefix('https://podcast.test')
    stranger = app.test_client()

    page = await stranger.get(path)
    assert page.status_code == 200
    assert 'Stop the emails' in await page.get_data(as_text=True)
    fan = await session.scalar(select(User).where(User.email == 'fan@example.com'))
    assert fan is not None and fan.wants_episode_emails  # opening the link changes nothing

    done = await stranger.post(path)  # the button's form: the signed link is the proof

    assert done.status_code == 200
    assert 'fan@example.com gets no more new-episode emails' in await done.get_data(as_text=True)
    session.expunge_all()
    fan = await session.scalar(select(User).where(User.email == 'fan@example.com'))
    assert fan is not None and not fan.wants_episode_emails


async def test_a_mail_client_unsubscribes_in_one_click(app: Quart, admin: Browser) -> None:
    await three_listeners(app)
    await admin.submit('/admin/episodes/new', VALID)
    await send_mail(app)
    [mail] = await episode_mail(app)
    url = mail.headers['List-Unsubscribe'][1:-1].removeprefix('https://podcast.test')

    response = await app.test_client().post(url, form={'List-Unsubscribe': 'One-Click'})

    assert response.status_code == 200
    await admin.submit('/admin/episodes/new', VALID | {'number': '9002', 'slug': 'next-one'})
    assert (await send_mail(app)).episode_emails == 0


async def test_a_forged_or_damaged_unsubscribe_link_does_nothing(
    app: Quart, admin: Browser
) -> None:
    await three_listeners(app)
    await admin.submit('/admin/episodes/new', VALID)
    await send_mail(app)
    [mail] = await episode_mail(app)
    url = mail.headers['List-Unsubscribe'][1:-1].removeprefix('https://podcast.test')
    client = app.test_client()
    for bad in (url[:-3] + 'xyz', '/account/unsubscribe/WzEsImZhbkBleGFtcGxlLmNvbSJd',
                '/account/unsubscribe/' + 'a' * 5000, '/account/unsubscribe/%00'):  # fmt: skip
        assert (await client.get(bad)).status_code == 404, bad
        assert (await client.post(bad)).status_code == 404, bad
    await admin.submit('/admin/episodes/new', VALID | {'number': '9002', 'slug': 'next-one'})
    assert (await send_mail(app)).episode_emails == 1


async def test_the_account_page_offers_no_newsletter(app: Quart) -> None:
    await listener(app, 'reader@example.com')
    browser = Browser(app.test_client())
    login = await browser.submit(
        '/account/login', {'email': 'reader@example.com', 'password': 'a long password 1'}
    )
    assert login.status_code == 302
    page = await browser.page('/account')
    assert 'newsletter' not in page and 'wants_episode_emails' in page
