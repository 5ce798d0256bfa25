"""Every email goes through the outbox. A request only queues its message, in the request's
own transaction (stored with the change it tells about, or not at all), and answers at
once: no visitor waits on SMTP, and no answer takes longer because an email was due.
`send_due` sends what is due; the background sender of every serving instance and
`podsite send-mail` call it (see `mailer.py`).

With SMTP configured a message is sent; a failure is kept with the message and tried again
later, a few times, further apart each time. Without SMTP it is written to the log and kept
(development and tests read the stored rows).

Several instances may send at once: each message is claimed by one of them, so none goes
out twice (`services/operations/delivery_queue.py`, which the feed's notices share).
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from functools import partial
from typing import Any

import aiosmtplib
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from podsite.data import OutboxMessage
from podsite.infrastructure import db
from podsite.services.operations.delivery_queue import DeliveryQueue, retry_at
from podsite.settings import Settings, current_settings

logger = logging.getLogger(__name__)

QUEUE = DeliveryQueue(OutboxMessage)
SMTP_TIMEOUT_SECONDS = 15
NOT_SENT = 'not sent: no SMTP server configured'


@dataclass(frozen=True)
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    """Failed this time; tried again later unless they failed MAX_ATTEMPTS times."""
    logged: int = 0
    """Written to the log instead, with no SMTP server configured."""
    taken: int = 0
    """Sent by another sender running at the same time."""


def enqueue(*, to: str, subject: str, body: str) -> None:
    """Queues a message in the current transaction; the caller commits it."""
    db.session().add(OutboxMessage(to_address=to, subject=subject, body=body, headers={}))


async def send_due() -> DeliveryReport:
    """Sends the messages that are due, batch by batch, until none is left or
    `mail_per_run` were handled: the rest wait for the next run, so a new episode mailed to
    thousands goes out over minutes, at a pace mail providers accept."""
    settings = current_settings()
    session = db.session()
    outcomes = await QUEUE.drain(
        session,
        partial(datetime.now, UTC),
        partial(_deliver, settings, session),
        limit=settings.mail_per_run,
    )
    return DeliveryReport(**outcomes)


async def _deliver(settings: Settings, session: AsyncSession, message_id: int) -> str:
    """Sends (or logs) one message, if this sender wins it: what became of it, as the
    name of its `DeliveryReport` count ('taken': another sender has it)."""
    message = await QUEUE.claim(
        session,
        message_id,
        datetime.now(UTC),
        OutboxMessage.to_address,
        OutboxMessage.subject,
        OutboxMessage.body,
        OutboxMessage.attempts,
        OutboxMessage.headers,
    )
    if message is None:
        return 'taken'
    if not settings.smtp_host:
        logger.info(
            'email to %s (not sent, no SMTP configured): %s\n%s',
            message.to_address, message.subject, message.body,
        )  # fmt: skip
        await _finish(session, message_id, error=NOT_SENT, next_attempt_at=None)
        return 'logged'
    error = await _send(settings, message)
    now = datetime.now(UTC)
    if error is None:
        await _finish(session, message_id, sent_at=now, next_attempt_at=None)
        return 'sent'
    attempts = message.attempts + 1
    await _finish(
        session,
        message_id,
        error=error,
        attempts=attempts,
        next_attempt_at=retry_at(attempts, now),
    )
    return 'failed'


async def _finish(session: AsyncSession, message_id: int, **values: object) -> None:
    await QUEUE.finish(session, message_id, **values)
    await session.commit()


async def _send(settings: Settings, message: Row[Any]) -> str | None:
    """None once the SMTP server took the message; otherwise why not."""
    mail = EmailMessage()
    mail['From'], mail['To'], mail['Subject'] = (
        settings.smtp_from,
        message.to_address,
        message.subject,
    )
    for name, value in (message.headers or {}).items():
        mail[name] = value
    mail.set_content(message.body)
    try:
        await aiosmtplib.send(
            mail,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username or None,
            password=settings.smtp_password or None,
            start_tls=settings.smtp_starttls,
            timeout=SMTP_TIMEOUT_SECONDS,
        )
    except (aiosmtplib.SMTPException, OSError) as error:
        logger.error('sending email to %s failed: %s', message.to_address, error)
        return str(error) or type(error).__name__
    return None
