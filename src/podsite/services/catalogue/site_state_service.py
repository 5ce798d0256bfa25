"""The site-wide content version that caches key on."""

import asyncio
from dataclasses import dataclass
from datetime import datetime
from weakref import WeakKeyDictionary

from sqlalchemy import func, select

from podsite.data import Episode, LiveStream, SiteState
from podsite.data.base import NOW
from podsite.infrastructure import db
from podsite.infrastructure.asgi_types import Scope, request_scope
from podsite.infrastructure.cache import ContentState
from podsite.infrastructure.clock import Clock, current_clock
from podsite.infrastructure.fresh_reads import FreshReads

STATE_KEY = 'podsite.content_state'
"""Scope key: the content state a request is served under."""

# Built once: it runs on every request for a kept page after a commit.
STATE_QUERY = db.PreparedRead(
    select(
        SiteState.content_version,
        select(func.min(Episode.published_at))
        .where(Episode.is_published.is_(True), Episode.published_at > NOW)
        .scalar_subquery()
        .label('next_publication'),
        select(func.min(LiveStream.starts_at))
        .where(LiveStream.starts_at > NOW)
        .scalar_subquery()
        .label('next_stream_start'),
        select(func.min(LiveStream.ends_at))
        .where(LiveStream.ends_at > NOW)
        .scalar_subquery()
        .label('next_stream_end'),
    ).where(SiteState.id == 1),
    bounded=True,
)


async def content_state() -> ContentState:
    """The state the current request is served under; outside a request, read afresh."""
    scope = request_scope()
    if scope is None:
        return await content_state_of(db.database(), current_clock())
    return await request_content_state(scope, db.database(), current_clock())


async def request_content_state(scope: Scope, database: db.Database, clock: Clock) -> ContentState:
    """The one way to the state a request is served under: read once per request, by the
    page cache before the request reaches the app, or by the first of the app's own reads."""
    state: ContentState | None = scope.get(STATE_KEY)
    if state is None:
        state = scope[STATE_KEY] = await content_state_of(database, clock)
    return state


async def content_state_of(database: db.Database, clock: Clock) -> ContentState:
    """The version (bumped by triggers on every catalogue change) and the next moment cached
    pages go stale although nothing was written: a scheduled publication, or a live stream
    starting or ending (the feed says pending, then live).

    Needs no app context, so the page cache can ask it before the request reaches the app.
    """
    watch = _watches.get(database)
    if watch is None:
        watch = _watches[database] = ContentStateWatch(database, clock)
    return await watch.state()


@dataclass(frozen=True, slots=True)
class _Check:
    number: int
    """How many checks had begun when this one did, itself included."""
    data_version: tuple[int, int]
    state: ContentState


class ContentStateWatch:
    """The content state of one database, read again only when it may have changed, each
    request answered by a look begun after it arrived, which requests arriving together
    share.

    On SQLite the look is `PRAGMA data_version`, which tells in microseconds whether some
    connection committed, and the state is read again only if one did. Each request first
    lets the event loop run once, so that every request that arrived meanwhile is answered
    by one look: under load each look took three system calls (SQLite's locks on its shared
    memory, and a `stat`), handing the GIL to the server's threads each time, and sharing
    it took a kept page from 0.30 to 0.49 of nginx's rate (`bench/README.md`). On a
    server, where only a query tells, concurrent requests share one query begun after each
    of them arrived (`FreshReads`).
    """

    def __init__(self, database: db.Database, clock: Clock) -> None:
        self._database = database
        self._clock = clock
        self._begun = 0
        self._last: _Check | None = None
        self._shared = FreshReads(self._read)

    async def state(self) -> ContentState:
        if not self._database.tells_commits:
            return await self._shared()
        begun_before_arrival = self._begun
        await asyncio.sleep(0)
        last = self._last
        if (
            last is None
            or last.number <= begun_before_arrival
            or not last.state.is_current(self._clock())
        ):
            last = await self._check()
        return last.state

    async def _check(self) -> _Check:
        self._begun += 1
        number = self._begun
        version = self._database.data_version()
        last = self._last
        if (
            last is not None
            and last.data_version == version
            and last.state.is_current(self._clock())
        ):
            state = last.state
        else:
            state = await self._read()
        self._last = _Check(number, version, state)
        return self._last

    async def _read(self) -> ContentState:
        (row,) = await self._database.records(STATE_QUERY, {'now': self._clock()})
        moments = (row['next_publication'], row['next_stream_start'], row['next_stream_end'])
        changes: list[datetime] = [moment for moment in moments if moment is not None]
        return ContentState(version=row['content_version'], valid_until=min(changes, default=None))


# Kept beside each open database (a test app opens several), gone with it.
_watches: WeakKeyDictionary[db.Database, ContentStateWatch] = WeakKeyDictionary()
