"""Telling the podcast world that the feed has a new episode: each WebSub hub gets a
`hub.mode=publish` POST, each publish ping URL a `GET <url>?url=<feed>`.

An episode going public (saved as published, or a scheduled one whose time came) is seen by
`announce_due`, which stores that it was announced and queues one notice per hub and ping in
the same transaction: a restart loses none, and an episode is announced once, whichever
instance saw it first. `send_due` sends the notices as the outbox sends email, through the
same delivery queue (`services/operations/delivery_queue.py`): no notice goes out twice, and
one that fails is tried again a few times, further apart each time. Each outcome is in the
admin's audit log. Nothing here runs in a request: the admin's save only stores the
episode (see `feed_notifier.py` for the background rounds).
"""

import logging
from dataclasses import dataclass
from functools import partial
from typing import Any

import httpx
from sqlalchemy import Row, exists, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from podsite.data import Episode, FeedAnnouncement, FeedNotification
from podsite.infrastructure import clock, db
from podsite.services.accounts import audit_service
from podsite.services.catalogue.episode_service import is_public
from podsite.services.operations.delivery_queue import DeliveryQueue, retry_at
from podsite.settings import current_settings
from podsite.urls import absolute, feed_url

logger = logging.getLogger(__name__)

QUEUE = DeliveryQueue(FeedNotification)
TIMEOUT_SECONDS = 10
AUDIT_ENTITY = 'feed_notification'


@dataclass(frozen=True)
class NoticeReport:
    announced: int = 0
    """Episodes newly public, each announced by this round."""
    sent: int = 0
    failed: int = 0
    """Failed this time; tried again later unless they failed too many times already."""
    taken: int = 0
    """Sent by another instance at the same time."""


async def announce_due() -> int:
    """Marks every episode that has gone public since the last round as announced, and
    queues a notice to each hub and ping, all in one transaction; how many episodes.

    With no hub or ping configured the episodes are still marked, so that configuring one
    later does not announce the whole back catalogue."""
    session = db.session()
    now = clock.now()
    announced = exists().where(FeedAnnouncement.episode_id == Episode.id)
    episode_ids = list(await session.scalars(select(Episode.id).where(is_public(now), ~announced)))
    if not episode_ids:
        await session.commit()
        return 0
    await session.execute(
        insert(FeedAnnouncement), [{'episode_id': id_, 'announced_at': now} for id_ in episode_ids]
    )
    settings = current_settings()
    address = absolute(settings.public_base_url, feed_url())
    targets = [('websub', str(hub)) for hub in settings.websub_hubs]
    targets += [('ping', str(ping)) for ping in settings.publish_pings]
    session.add_all(
        FeedNotification(kind=kind, target_url=target, feed_url=address, next_attempt_at=now)
        for kind, target in targets
    )
    try:
        await session.commit()
    except IntegrityError:
        # Another instance announced them in the meantime: its notices are queued.
        await session.rollback()
        return 0
    return len(episode_ids)


async def send_due() -> NoticeReport:
    """Sends every notice that is due, batch by batch, until none is left."""
    session = db.session()
    async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=True) as http:
        outcomes = await QUEUE.drain(session, clock.now, partial(_deliver, session, http))
    return NoticeReport(**outcomes)


async def _deliver(session: AsyncSession, http: httpx.AsyncClient, notice_id: int) -> str:
    notice = await QUEUE.claim(
        session,
        notice_id,
        clock.now(),
        FeedNotification.kind,
        FeedNotification.target_url,
        FeedNotification.feed_url,
        FeedNotification.attempts,
    )
    if notice is None:
        return 'taken'
    status, error = await _send(http, notice)
    now = clock.now()
    attempts = notice.attempts + 1
    # In the audit log's shape, {field: [before, after]}: what this attempt changed.
    changes: dict[str, list[object]] = {
        'status': [None, status],
        'attempts': [notice.attempts, attempts],
    }
    if error is None:
        values: dict[str, object] = {'sent_at': now, 'next_attempt_at': None, 'error': None}
        action = 'sent'
    else:
        due_again = retry_at(attempts, now)
        values = {'error': error, 'next_attempt_at': due_again}
        action = 'failed'
        changes['error'] = [None, error]
        changes['next_attempt_at'] = [None, due_again.isoformat() if due_again else 'given up']
    await QUEUE.finish(session, notice_id, attempts=attempts, **values)
    audit_service.record_by_site(
        action=action,
        entity=AUDIT_ENTITY,
        entity_id=notice_id,
        summary=f'{_label(notice.kind)} {notice.target_url}: {status or "no answer"}',
        changes=changes,
    )
    await session.commit()
    return action


async def _send(http: httpx.AsyncClient, notice: Row[Any]) -> tuple[int | None, str | None]:
    """The answer's status, and why the notice failed (None: it was taken)."""
    try:
        if notice.kind == 'websub':
            response = await http.post(
                notice.target_url, data={'hub.mode': 'publish', 'hub.url': notice.feed_url}
            )
        else:
            response = await http.get(notice.target_url, params={'url': notice.feed_url})
    except httpx.HTTPError as error:
        logger.warning('%s %s failed: %s', notice.kind, notice.target_url, error)
        return None, str(error) or type(error).__name__
    if response.is_success:
        return response.status_code, None
    logger.warning('%s %s answered %d', notice.kind, notice.target_url, response.status_code)
    return response.status_code, f'HTTP {response.status_code}'


def _label(kind: str) -> str:
    return 'WebSub hub' if kind == 'websub' else 'Publish ping'
