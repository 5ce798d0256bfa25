"""The outbox: requests only queue email; the background sender sends it over SMTP when
configured (once, however many senders run), retries failures a few times, and logs it
otherwise; every serving instance runs the sender."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink
from quart import Quart
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from podsite.app import create_app
from podsite.data import OutboxMessage
from podsite.infrastructure import db
from podsite.services.accounts import account_service, outbox_service
from podsite.services.operations import delivery_queue
from tests.databases import settings_for
from tests.servers import free_port
from tests.visitors import Browser, send_mail


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
        rows = list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    await engine.dispose()
    return rows


async def make_due_again(database_url: str) -> None:
    """As if the time to retry had come."""
    engine = create_async_engine(database_url)
    async with engine.begin() as connection:
        await connection.execute(
            update(OutboxMessage)
            .where(OutboxMessage.next_attempt_at.is_not(None))
            .values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    await engine.dispose()


@pytest.fixture
async def smtp_app(database_url: str, smtp_server: tuple[Inbox, int]) -> AsyncIterator[Quart]:
    _, port = smtp_server
    settings = settings_for(
        database_url, smtp_host='127.0.0.1', smtp_port=port, smtp_starttls=False,
        smtp_from='The Show <show@example.com>',
    )  # fmt: skip
    app = create_app(settings)
    async with app.test_app():
        yield app


async def request_reset(app: Quart) -> None:
    async with app.app_context():
        await account_service.create_user(
            name='Ada', email='ada@example.com', password='a long password'
        )
    browser = Browser(app.test_client())
    response = await browser.submit('/account/reset', {'email': 'ada@example.com'})
    assert 'on its way' in await response.get_data(as_text=True)


async def queue(app: Quart, count: int) -> None:
    async with app.app_context():
        for number in range(count):
            outbox_service.enqueue(to=f'fan{number}@example.com', subject='Hello', body='Hi.')
        await db.session().commit()


async def test_a_request_only_queues_and_the_sender_sends_and_marks(
    smtp_app: Quart, database_url: str, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp_server
    await request_reset(smtp_app)
    assert inbox.messages == [] and await stored(database_url) == []
    report = await send_mail(smtp_app)
    assert (report.reset_links, report.delivery.sent) == (1, 1)
    ((sender, recipients, content),) = inbox.messages
    assert sender == 'show@example.com' and recipients == ['ada@example.com']
    assert b'Subject: Reset your password' in content and b'/account/reset/' in content
    (message,) = await stored(database_url)
    assert message.sent_at is not None and message.error is None
    assert message.next_attempt_at is None
    assert (await send_mail(smtp_app)).delivery.sent == 0


async def test_two_senders_at_once_send_each_message_once(
    smtp_app: Quart, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp_server
    await queue(smtp_app, 12)
    first, second = await asyncio.gather(send_mail(smtp_app), send_mail(smtp_app))
    assert first.delivery.sent + second.delivery.sent == 12
    assert sorted(recipients[0] for _, recipients, _ in inbox.messages) == sorted(
        f'fan{number}@example.com' for number in range(12)
    )


async def test_an_unreachable_smtp_server_keeps_the_message_and_retries_it_a_few_times(
    database_url: str,
) -> None:
    app = create_app(settings_for(database_url, smtp_host='127.0.0.1', smtp_port=free_port()))
    async with app.test_app():
        await request_reset(app)
        assert (await send_mail(app)).delivery.failed == 1
        (message,) = await stored(database_url)
        assert message.sent_at is None and message.error and message.attempts == 1
        assert message.next_attempt_at is not None
        assert message.next_attempt_at > datetime.now(UTC) + timedelta(seconds=30)
        assert (await send_mail(app)).delivery.failed == 0  # not due yet
        for _ in range(delivery_queue.MAX_ATTEMPTS - 1):
            await make_due_again(database_url)
            assert (await send_mail(app)).delivery.failed == 1
        (message,) = await stored(database_url)
        assert message.attempts == delivery_queue.MAX_ATTEMPTS
        assert message.next_attempt_at is None and message.sent_at is None


async def test_without_smtp_each_message_is_logged_once(
    app: Quart, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    await request_reset(app)
    with caplog.at_level('INFO', logger='podsite.services.accounts.outbox_service'):
        assert (await send_mail(app)).delivery.logged == 1
        assert (await send_mail(app)).delivery.logged == 0
    (line,) = [r.getMessage() for r in caplog.records if 'not sent' in r.getMessage()]
    assert 'ada@example.com' in line and '/account/reset/' in line
    (message,) = await stored(database_url)
    assert message.error == outbox_service.NOT_SENT and message.next_attempt_at is None


async def test_a_serving_instance_sends_queued_mail_in_the_background(
    database_url: str, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    settings = settings_for(
        database_url, smtp_host='127.0.0.1', smtp_port=port, smtp_starttls=False,
        mail_interval_seconds=0.05,
    )  # fmt: skip
    app = create_app(settings)
    async with app.test_app():
        await request_reset(app)
        for _ in range(200):  # 10 s at most; usually a few rounds
            if inbox.messages:
                break
            await asyncio.sleep(0.05)
    assert len(inbox.messages) == 1


async def test_a_message_s_header_lines_go_out_with_it(
    smtp_app: Quart, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp_server
    async with smtp_app.app_context():
        db.session().add(
            OutboxMessage(
                to_address='fan@example.com', subject='New episode 1: Hi', body='Listen.',
                headers={'List-Unsubscribe': '<https://podcast.test/account/unsubscribe/t>',
                         'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click'},
            )
        )  # fmt: skip
        await db.session().commit()
    assert (await send_mail(smtp_app)).delivery.sent == 1
    ((_, _, content),) = inbox.messages
    assert b'List-Unsubscribe: <https://podcast.test/account/unsubscribe/t>' in content
    assert b'List-Unsubscribe-Post: List-Unsubscribe=One-Click' in content


async def test_each_run_sends_at_most_its_share_and_leaves_the_rest_for_the_next(
    database_url: str,
) -> None:
    app = create_app(settings_for(database_url, mail_per_run=5))
    async with app.test_app():
        await queue(app, 12)
        assert [(await send_mail(app)).delivery.logged for _ in range(4)] == [5, 5, 2, 0]
