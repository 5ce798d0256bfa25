"""New episodes are announced to WebSub hubs and publish pings: in the background, retried
when a hub fails, once per episode, and recorded in the audit log. A stand-in hub on
loopback records what it is sent."""

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from quart import Quart
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from podsite.app import create_app
from podsite.data import AuditEntry, FeedNotification
from podsite.infrastructure import db
from podsite.services.publishing import feed_notifier
from podsite.services.publishing.feed_notification_service import NoticeReport
from tests.clock import MovableClock
from tests.databases import settings_for
from tests.factories import add_episode
from tests.visitors import Browser, logged_in

FEED_URL = 'https://podcast.test/episodes/rss'


class StandIn(ThreadingHTTPServer):
    """A hub and a ping endpoint: records each request, answers with the next status queued
    (204 once none is left)."""

    daemon_threads = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__(('127.0.0.1', 0), Recorder)
        self.received: list[dict[str, Any]] = []
        self.statuses: list[int] = []

    @property
    def base(self) -> str:
        return f'http://127.0.0.1:{self.server_port}'


class Recorder(BaseHTTPRequestHandler):
    server: StandIn

    def do_POST(self) -> None:
        length = int(self.headers.get('Content-Length', 0))
        self._answer(self.rfile.read(length).decode())

    def do_GET(self) -> None:
        self._answer('')

    def _answer(self, body: str) -> None:
        parts = urlsplit(self.path)
        self.server.received.append({
            'method': self.command, 'path': parts.path, 'query': parse_qs(parts.query),
            'form': parse_qs(body), 'type': self.headers.get('Content-Type', ''),
        })  # fmt: skip
        status = self.server.statuses.pop(0) if self.server.statuses else 204
        self.send_response(status)
        self.send_header('Content-Length', '0')
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read `received`."""


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    server = StandIn()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


async def announcing_app(database_url: str, clock: MovableClock, stand_in: StandIn) -> Quart:
    settings = settings_for(
        database_url,
        websub_hubs=[f'{stand_in.base}/hub'],
        publish_pings=[f'{stand_in.base}/pubnotify'],
    )
    return create_app(settings, clock=clock)


@pytest.fixture
async def site(database_url: str, clock: MovableClock, stand_in: StandIn) -> AsyncIterator[Quart]:
    """The demo site with the stand-in as its hub and ping."""
    app = await announcing_app(database_url, clock, stand_in)
    async with app.test_app():
        yield app


async def notify(app: Quart) -> NoticeReport:
    """Now, what the background round of a serving instance does every few seconds."""
    async with app.app_context():
        return await feed_notifier.notify_feed_changes()


async def audit_of_notices(app: Quart) -> list[tuple[str, str, dict[str, Any]]]:
    async with app.app_context():
        rows = await db.session().execute(
            select(AuditEntry.action, AuditEntry.user_email, AuditEntry.changes)
            .where(AuditEntry.entity == 'feed_notification')
            .order_by(AuditEntry.id)
        )
        return [(row.action, row.user_email, row.changes) for row in rows]


VALID_EPISODE = {
    'number': '9001', 'title': 'Brand new', 'status': 'published', 'duration': '45:00',
    'media_url': 'https://media.example.com/9001.mp3', 'media_size_bytes': '43200000',
    'media_type': 'audio/mpeg', 'episode_type': 'full',
}  # fmt: skip


async def test_publishing_tells_the_hub_and_the_ping_in_the_background(
    site: Quart, stand_in: StandIn
) -> None:
    admin = await logged_in(site, role='admin', email='admin@example.com')
    saved = await admin.submit('/admin/episodes/new', VALID_EPISODE)
    assert saved.status_code == 302
    assert stand_in.received == []  # the save only stored the episode

    report = await notify(site)

    assert (report.announced, report.sent, report.failed) == (1, 2, 0)
    hub, ping = sorted(stand_in.received, key=lambda request: request['path'])
    assert (hub['method'], hub['path']) == ('POST', '/hub')
    assert hub['type'] == 'application/x-www-form-urlencoded'
    assert hub['form'] == {'hub.mode': ['publish'], 'hub.url': [FEED_URL]}
    assert (ping['method'], ping['path'], ping['query']) == (
        'GET',
        '/pubnotify',
        {'url': [FEED_URL]},
    )
    audit = await audit_of_notices(site)
    assert [(action, who, changes['status'][1]) for action, who, changes in audit[-2:]] == [
        ('sent', 'podsite', 204),
        ('sent', 'podsite', 204),
    ]
    assert 'Publish ping' in await admin.page('/admin/audit')


async def test_the_demo_episodes_are_no_news(site: Quart, stand_in: StandIn) -> None:
    assert (await notify(site)).announced == 0
    assert stand_in.received == []


async def test_a_serving_instance_sends_them_by_itself(
    database_url: str, clock: MovableClock, stand_in: StandIn, session: AsyncSession
) -> None:
    await add_episode(session, number=9001, slug='new')
    settings = settings_for(
        database_url, websub_hubs=[f'{stand_in.base}/hub'], publish_interval_seconds=0.05
    )
    app = create_app(settings, clock=clock)
    async with app.test_app():
        for _ in range(200):  # 10 s at most; usually a round or two
            if stand_in.received:
                break
            await asyncio.sleep(0.05)
    assert [request['path'] for request in stand_in.received] == ['/hub']


async def test_a_hub_that_fails_is_tried_again_later(
    site: Quart, stand_in: StandIn, session: AsyncSession, clock: MovableClock
) -> None:
    await add_episode(session, number=9001, slug='new')
    stand_in.statuses = [500, 500]  # the hub and the ping both fail at first

    first = await notify(site)
    assert (first.sent, first.failed) == (0, 2)
    audit = await audit_of_notices(site)
    assert [changes['status'][1] for _, _, changes in audit] == [500, 500]

    # Not due again at once: nothing is sent before the back-off has passed.
    assert (await notify(site)).failed == 0
    assert len(stand_in.received) == 2

    clock.advance(timedelta(minutes=2))
    retried = await notify(site)
    assert (retried.announced, retried.sent, retried.failed) == (0, 2, 0)
    assert len(stand_in.received) == 4
    notices = (
        await session.scalars(select(FeedNotification).where(FeedNotification.attempts == 2))
    ).all()
    assert [(notice.error, notice.sent_at is not None) for notice in notices] == [(None, True)] * 2
    actions = [action for action, _, _ in await audit_of_notices(site)]
    assert actions == ['failed', 'failed', 'sent', 'sent']


async def test_a_hub_that_cannot_be_reached_is_recorded_and_retried(
    database_url: str, clock: MovableClock, session: AsyncSession
) -> None:
    await add_episode(session, number=9001, slug='new')
    settings = settings_for(database_url, websub_hubs=['http://127.0.0.1:9/hub'])
    app = create_app(settings, clock=clock)
    async with app.test_app():
        await notify(app)
        audit = await audit_of_notices(app)
    assert audit and audit[-1][0] == 'failed'
    assert audit[-1][2]['status'] == [None, None] and audit[-1][2]['error'][1]
    [notice] = (await session.scalars(select(FeedNotification))).all()
    assert notice.sent_at is None and notice.next_attempt_at is not None


async def test_a_scheduled_episode_going_live_is_announced_once(
    site: Quart, stand_in: StandIn, session: AsyncSession, clock: MovableClock
) -> None:
    await add_episode(
        session, number=9001, slug='later', published_at=datetime.now(UTC) + timedelta(hours=1)
    )
    assert (await notify(site)).announced == 0
    assert stand_in.received == []

    clock.advance(timedelta(hours=2))
    assert (await notify(site)).announced == 1
    assert len(stand_in.received) == 2
    for _ in range(2):
        assert (await notify(site)).announced == 0
    assert len(stand_in.received) == 2


async def test_a_draft_is_not_announced(
    site: Quart, stand_in: StandIn, session: AsyncSession
) -> None:
    await add_episode(session, number=9001, slug='draft', published=False)
    assert (await notify(site)).announced == 0
    assert stand_in.received == []


async def test_queued_notices_survive_a_restart(
    database_url: str, clock: MovableClock, stand_in: StandIn, session: AsyncSession
) -> None:
    await add_episode(session, number=9001, slug='new')
    first = await announcing_app(database_url, clock, stand_in)
    stand_in.statuses = [503, 503]
    async with first.test_app():
        assert (await notify(first)).failed == 2

    clock.advance(timedelta(minutes=2))
    second = await announcing_app(database_url, clock, stand_in)
    async with second.test_app():
        report = await notify(second)
    assert (report.announced, report.sent) == (0, 2)
    assert len(stand_in.received) == 4


async def test_no_hub_configured_announces_without_sending(
    app: Quart, session: AsyncSession
) -> None:
    """Episodes are still marked, so that a hub configured later hears only of new ones."""
    await add_episode(session, number=9001, slug='new')
    report = await notify(app)
    assert (report.announced, report.sent) == (1, 0)
    assert (await session.scalars(select(FeedNotification))).all() == []
    assert (await notify(app)).announced == 0


async def test_the_feed_names_its_hubs_and_itself(
    site: Quart, stand_in: StandIn, app: Quart
) -> None:
    feed = await Browser(site.test_client()).page('/episodes/rss')
    assert f'<atom:link href="{FEED_URL}" rel="self" type="application/rss+xml"/>' in feed
    assert f'<atom:link href="{stand_in.base}/hub" rel="hub"/>' in feed
    without_hubs = await Browser(app.test_client()).page('/episodes/rss')
    assert 'rel="hub"' not in without_hubs
