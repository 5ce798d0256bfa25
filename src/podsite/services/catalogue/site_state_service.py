"""The site-wide content version that caches key on."""

from datetime import datetime
from functools import partial
from typing import Any

from quart import current_app, has_request_context, request
from sqlalchemy import func, select

from podsite.data import Episode, LiveStream, SiteState
from podsite.data.base import NOW
from podsite.infrastructure import db
from podsite.infrastructure.asgi_types import Scope
from podsite.infrastructure.cache import ContentState
from podsite.infrastructure.clock import Clock, clock_of
from podsite.infrastructure.fresh_reads import FreshReads

STATE_KEY = 'podsite.content_state'
"""Scope key: the content state a request is served under."""

# Built once: it runs on every request for a kept page after a commit.
STATE_QUERY = select(
    SiteState.content_version,
    select(func.min(Episode.published_at))
    .where(Episode.is_published.is_(True), Episode.published_at > NOW)
    .scalar_subquery(),
    select(func.min(LiveStream.starts_at)).where(LiveStream.starts_at > NOW).scalar_subquery(),
    select(func.min(LiveStream.ends_at)).where(LiveStream.ends_at > NOW).scalar_subquery(),
).where(SiteState.id == 1)


async def content_state() -> ContentState:
    """The state the current request is served under; outside a request, read afresh."""
    if not has_request_context():
        return await content_state_of(db.database(), clock_of(current_app))
    return await request_content_state(
        request.scope,  # type: ignore[arg-type]
        db.database(),
        clock_of(current_app),
    )


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

    On SQLite the state is read again only after some connection committed, which the
    database tells without a query; on a server, concurrent requests share one query begun
    after each of them arrived. Needs no app context, so the page cache can ask it
    before the request reaches the app.
    """
    commits = database.commit_counter()
    if commits is None:
        # A server tells only by a query; requests arriving together share one.
        if database.fresh_content_state is None:
            database.fresh_content_state = FreshReads(partial(_read_state, database, clock))
        return await database.fresh_content_state()
    seen = database.content_state_seen
    if seen is not None and seen[0] == commits and seen[1].is_current(clock()):
        return seen[1]
    state = await _read_state(database, clock)
    database.content_state_seen = (commits, state)
    return state


async def _read_state(database: db.Database, clock: Clock) -> ContentState:
    now = clock()
    row: tuple[Any, ...]
    if database.quick_reads is not None:
        row = tuple(database.read_in_place(STATE_QUERY, {'now': now}).one())
    else:
        row = tuple(await database.read_one_held(STATE_QUERY, {'now': now}))
    changes: list[datetime] = [moment for moment in row[1:] if moment is not None]
    return ContentState(version=row[0], valid_until=min(changes, default=None))
