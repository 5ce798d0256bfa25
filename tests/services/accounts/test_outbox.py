"""The outbox: every email is stored; with SMTP configured it is really sent."""

from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink
from quart import Quart
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from podsite.app import create_app
from podsite.data import OutboxMessage
from podsite.services.accounts import account_service
from tests.databases import settings_for
from tests.servers import free_port
from tests.visitors import Browser


class Inbox(Sink):
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append(
            (envelope.mail_from, envelope.rcpt_tos, envelope.content)  # type: ignore[attr-defined]
        )
        return '250 OK'


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname='127.0.0.1', port=port)
    controller.start()
    yield inbox, port
    controller.stop()


async def stored(database_url: str) -> list[OutboxMessage]:
    engine = create_async_engine(database_url)
    async with AsyncSession(engine) as session:
        rows = list((await session.scalars(select(OutboxMessage))).all())
    await engine.dispose()
    return rows


async def request_reset(app: Quart) -> None:
    async with app.test_app():
        async with app.app_context():
            await account_service.create_user(
                name='Ada', email='ada@example.com', password='a long password'
            )
        browser = Browser(app.test_client())
        response = await browser.submit('/account/reset', {'email': 'ada@example.com'})
        assert 'on its way' in await response.get_data(as_text=True)


async def test_with_smtp_configured_the_email_is_sent_and_marked(
    database_url: str, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    settings = settings_for(
        database_url, smtp_host='127.0.0.1', smtp_port=port, smtp_starttls=False,
        smtp_from='The Show <show@example.com>',
    )  # fmt: skip
    await request_reset(create_app(settings))
    ((sender, recipients, content),) = inbox.messages
    assert sender == 'show@example.com' and recipients == ['ada@example.com']
    assert b'Subject: Reset your password' in content and b'/account/reset/' in content
    (message,) = await stored(database_url)
    assert message.sent_at is not None and message.error is None


async def test_an_unreachable_smtp_server_keeps_the_message_with_its_error(
    database_url: str,
) -> None:
    settings = settings_for(database_url, smtp_host='127.0.0.1', smtp_port=free_port())
    await request_reset(create_app(settings))
    (message,) = await stored(database_url)
    assert message.sent_at is None and message.error
