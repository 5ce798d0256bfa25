"""Every email goes through the outbox: stored first, then sent over SMTP when configured,
otherwise written to the log (development and tests read the stored rows)."""

import logging
from datetime import UTC, datetime
from email.message import EmailMessage

import aiosmtplib

from podsite.data import OutboxMessage
from podsite.infrastructure import db
from podsite.settings import current_settings

logger = logging.getLogger(__name__)


async def send(*, to: str, subject: str, body: str) -> None:
    session = db.session()
    message = OutboxMessage(to_address=to, subject=subject, body=body)
    session.add(message)
    await session.commit()
    settings = current_settings()
    if not settings.smtp_host:
        logger.info('email to %s (not sent, no SMTP configured): %s\n%s', to, subject, body)
        return
    mail = EmailMessage()
    mail['From'], mail['To'], mail['Subject'] = settings.smtp_from, to, subject
    mail.set_content(body)
    try:
        await aiosmtplib.send(
            mail,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username or None,
            password=settings.smtp_password or None,
            start_tls=settings.smtp_starttls,
            timeout=15,
        )
    except (aiosmtplib.SMTPException, OSError) as error:
        # The message stays in the outbox with its error; the visitor's action succeeded.
        logger.error('sending email to %s failed: %s', to, error)
        message.error = str(error)
    else:
        message.sent_at = datetime.now(UTC)
    await session.commit()
