"""Notify-me emails for live streams, with double opt-in: an address gets alerts only after
its owner opened the confirmation link, and every message carries a link that removes it."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError

from podsite.data import LiveStream, StreamNotification, StreamSubscriber
from podsite.infrastructure import db
from podsite.services.accounts import outbox_service
from podsite.services.accounts.account_service import normalize_email
from podsite.settings import current_settings
from podsite.urls import absolute, live_stream_url, stream_confirm_url, stream_unsubscribe_url

CONFIRMATION_LIFETIME = timedelta(hours=48)
# A pending address gets a fresh link at most this often, however often the form is sent.
RESEND_AFTER = timedelta(minutes=10)
UNSUBSCRIBE_SALT = 'podsite.stream-unsubscribe'


class ConfirmOutcome(StrEnum):
    DONE = 'done'
    ALREADY = 'already'
    EXPIRED = 'expired'
    UNKNOWN = 'unknown'


class UnsubscribeOutcome(StrEnum):
    DONE = 'done'
    ALREADY = 'already'
    UNKNOWN = 'unknown'


@dataclass(frozen=True)
class NotifyReport:
    title: str
    queued: int
    already_notified: int


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_settings().secret_key, salt=UNSUBSCRIBE_SALT)


def unsubscribe_link(*, subscriber_id: int, email: str, base_url: str) -> str:
    """Signed rather than stored: it must work in every message ever sent, without a login.
    The address is signed too, so a reused row id can never remove someone else."""
    token = _serializer().dumps([subscriber_id, email])
    return absolute(base_url, stream_unsubscribe_url(token))


async def sign_up(*, email: str, base_url: str) -> bool:
    """Stores a pending address and mails its confirmation link; True if a link was sent.

    A confirmed address is left alone and a pending one gets a new link at most every
    RESEND_AFTER; the page says the same in every case, so it reveals no subscriber.
    """
    session = db.session()
    address = normalize_email(email)
    now = datetime.now(UTC)
    token = secrets.token_urlsafe(32)
    subscriber = await session.scalar(
        select(StreamSubscriber).where(StreamSubscriber.email == address)
    )
    if subscriber is None:
        subscriber = StreamSubscriber(
            email=address,
            consent_at=now,
            token_hash=_hash(token),
            token_expires_at=now + CONFIRMATION_LIFETIME,
            confirmation_sent_at=now,
        )
        session.add(subscriber)
        try:
            await session.flush()
        except IntegrityError:
            # The same address sent twice at once: the other request mails the link.
            await session.rollback()
            return False
    elif (
        subscriber.confirmed_at is not None or now - subscriber.confirmation_sent_at < RESEND_AFTER
    ):
        return False
    else:
        subscriber.consent_at = now
        subscriber.token_hash = _hash(token)
        subscriber.token_expires_at = now + CONFIRMATION_LIFETIME
        subscriber.confirmation_sent_at = now
    hours = int(CONFIRMATION_LIFETIME.total_seconds() // 3600)
    leave = unsubscribe_link(subscriber_id=subscriber.id, email=address, base_url=base_url)
    outbox_service.enqueue(
        to=address,
        subject='Confirm your live stream alerts',
        body=(
            'Hello,\n\n'
            'Someone (hopefully you) asked to get an email when our next live stream is about\n'
            f'to start. Confirm within {hours} hours by opening this link:\n\n'
            f'{absolute(base_url, stream_confirm_url(token))}\n\n'
            'If you did not ask for this, ignore this email and you will hear nothing more.\n'
            f'To remove your address now: {leave}\n'
        ),
    )
    await session.commit()
    return True


async def confirm(token: str) -> ConfirmOutcome:
    session = db.session()
    subscriber = await session.scalar(
        select(StreamSubscriber).where(StreamSubscriber.token_hash == _hash(token))
    )
    if subscriber is None:
        return ConfirmOutcome.UNKNOWN
    if subscriber.confirmed_at is not None:
        return ConfirmOutcome.ALREADY
    now = datetime.now(UTC)
    if subscriber.token_expires_at <= now:
        return ConfirmOutcome.EXPIRED
    claimed = await session.execute(
        update(StreamSubscriber)
        .where(StreamSubscriber.id == subscriber.id, StreamSubscriber.confirmed_at.is_(None))
        .values(confirmed_at=now)
    )
    await session.commit()
    return ConfirmOutcome.DONE if claimed.rowcount else ConfirmOutcome.ALREADY  # type: ignore[attr-defined]


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    try:
        payload = _serializer().loads(token)
    except BadSignature:
        return None
    match payload:
        case [int(subscriber_id), str(email)]:
            return subscriber_id, email
    return None


async def unsubscribe(token: str) -> UnsubscribeOutcome:
    found = read_unsubscribe_token(token)
    if found is None:
        return UnsubscribeOutcome.UNKNOWN
    subscriber_id, email = found
    session = db.session()
    removed = await session.execute(
        delete(StreamSubscriber).where(
            StreamSubscriber.id == subscriber_id, StreamSubscriber.email == email
        )
    )
    await session.commit()
    return UnsubscribeOutcome.DONE if removed.rowcount else UnsubscribeOutcome.ALREADY  # type: ignore[attr-defined]


async def notify(*, stream_id: int, base_url: str) -> NotifyReport | None:
    """Queues "going live soon" to every confirmed subscriber not yet told about this stream.

    The messages are queued in one transaction with the rows that record them, so a second
    run (or one after a crash) queues only what is missing. None if there is no such stream.
    """
    session = db.session()
    stream = await session.get(LiveStream, stream_id) if 0 < stream_id <= 2**31 - 1 else None
    if stream is None:
        return None
    title, starts_at = stream.title, stream.starts_at
    told = exists().where(
        StreamNotification.stream_id == stream_id,
        StreamNotification.subscriber_id == StreamSubscriber.id,
    )
    confirmed = StreamSubscriber.confirmed_at.is_not(None)
    recipients = (
        await session.execute(
            select(StreamSubscriber.id, StreamSubscriber.email)
            .where(confirmed, ~told)
            .order_by(StreamSubscriber.id)
        )
    ).all()
    already = await session.scalar(
        select(func.count())
        .select_from(StreamNotification)
        .where(StreamNotification.stream_id == stream_id)
    )
    for recipient in recipients:
        session.add(StreamNotification(stream_id=stream_id, subscriber_id=recipient.id))
        leave = unsubscribe_link(
            subscriber_id=recipient.id, email=recipient.email, base_url=base_url
        )
        outbox_service.enqueue(
            to=recipient.email,
            subject=f'Going live soon: {title}',
            body=(
                'Hello,\n\n'
                f'We go live at {starts_at:%Y-%m-%d %H:%M} UTC: {title}\n\n'
                f'Watch it here: {absolute(base_url, live_stream_url())}\n\n'
                'You get this because you asked for live stream alerts.\n'
                f'Stop them with one click: {leave}\n'
            ),
        )
    await session.commit()
    return NotifyReport(title=title, queued=len(recipients), already_notified=already or 0)
