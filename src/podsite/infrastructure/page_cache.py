"""Whole public pages kept per process for anonymous visitors, valid while the content
version (and the next scheduled change) is the same; an edit on any instance shows on the
next request everywhere, because the version lives in the database.

A kept page is served by ASGI middleware in front of the app, before any of the app's
request handling runs: a hit costs the content-state check (on SQLite, no query at all
unless something was committed) and the bytes going out. The app decides what may be
kept: a GET of an allowlisted endpoint, answered 200, without a cookie being set.

Only pages that are the same for every anonymous visitor are kept: a request carrying a
session cookie, or a response that sets one (a page with a form and its CSRF token), is
never stored or served from here. Addresses banned for probing are refused by the app,
so the middleware hands their requests on.
"""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from quart import Quart, Response, g, request

from podsite.infrastructure.asgi_types import ASGIApp, Message, Scope
from podsite.infrastructure.cache import STATE_KEY, ContentCache, ContentState
from podsite.infrastructure.client_ip import scope_header
from podsite.infrastructure.clock import clock_of

logger = logging.getLogger(__name__)

EXTENSION_KEY = 'podsite.page_cache'
KEEP_KEY = 'podsite.keep_page'
"""Scope key: set by the app when the response may be kept, with the actions to replay."""
# Pages that are the same for everyone who is not logged in.
CACHEABLE_ENDPOINTS = frozenset({
    'home.index',
    'episodes.all_episodes',
    'episodes.details',
    'episodes.transcript',
    'guests.index',
    'guests.details',
    'friends.index',
    'policies.privacy',
    'policies.terms',
    'policies.other',
    'policies.analytics_methodology',
})  # fmt: skip

Replay = Callable[[str], None]
"""Something a page's view did besides rendering that must happen on every view (counting
sponsor impressions); called with the visitor's User-Agent."""


@dataclass(frozen=True)
class CachedPage:
    headers: list[tuple[bytes, bytes]]
    body: bytes
    replay: tuple[Replay, ...] = field(default=())


class PageCacheMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        session_cookie: str,
        content_state: Callable[[], Awaitable[ContentState]],
        is_banned: Callable[[Scope], Awaitable[bool]],
        pages: ContentCache,
    ) -> None:
        self.app = app
        self.session_cookie = f'{session_cookie}='.encode()
        self.content_state = content_state
        self.is_banned = is_banned
        self.pages = pages

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope['type'] != 'http' or scope['method'] != 'GET' or self._has_session(scope):
            await self.app(scope, receive, send)
            return
        key = page_key(scope)
        if await self._serve_kept(key, scope, send):
            return
        start: Message = {}
        chunks: list[bytes] = []

        async def keeping_send(message: Message) -> None:
            # The app marks a keepable response before it is sent; anything else (a file
            # download, say) goes out without a copy.
            if message['type'] == 'http.response.start' and KEEP_KEY in scope:
                start.update(message)
            elif message['type'] == 'http.response.body' and start:
                chunks.append(message.get('body', b''))
            await send(message)

        await self.app(scope, receive, keeping_send)
        if not start or start['status'] != 200:
            return
        headers = list(start.get('headers', ()))
        if any(name.lower() == b'set-cookie' for name, _ in headers):
            return
        state, replay = scope[KEEP_KEY]
        self.pages.put(key, state, CachedPage(headers, b''.join(chunks), replay))

    async def _serve_kept(self, key: str, scope: Scope, send: Any) -> bool:
        if not self.pages.has(key):
            return False
        try:
            if await self.is_banned(scope):
                return False
            state = await self.content_state()
        except Exception:  # the app answers with its own error page
            logger.debug('page cache check failed; the app takes the request', exc_info=True)
            return False
        scope[STATE_KEY] = state
        page: CachedPage | None = self.pages.get(key, state)
        if page is None:
            return False
        if page.replay:
            user_agent = scope_header(scope, b'user-agent') or ''
            for action in page.replay:
                action(user_agent)
        await send({'type': 'http.response.start', 'status': 200, 'headers': page.headers})
        await send({'type': 'http.response.body', 'body': page.body, 'more_body': False})
        return True

    def _has_session(self, scope: Scope) -> bool:
        return self.session_cookie in (scope_header(scope, b'cookie') or '').encode('latin-1')


def page_key(scope: Scope) -> str:
    path: str = scope['path']
    query: bytes = scope.get('query_string', b'')
    return path + ('?' + query.decode('latin-1') if query else '')


def init_app(
    app: Quart,
    *,
    session_cookie: str,
    content_state: Callable[[], Awaitable[ContentState]],
    max_entries: int = 2048,
) -> ContentCache:
    """Marks the responses that may be kept; returns the store for `PageCacheMiddleware`."""
    pages = ContentCache(clock=clock_of(app), max_entries=max_entries)
    app.extensions[EXTENSION_KEY] = pages

    @app.before_request
    async def note_content_state() -> None:
        if (
            request.method != 'GET'
            or request.endpoint not in CACHEABLE_ENDPOINTS
            or session_cookie in request.cookies
        ):
            return
        # Read before the view runs: a change made while it renders leaves the page under
        # the older version, which the next request no longer serves.
        g.page_cache_state = await content_state()
        g.page_cache_replay = []

    @app.after_request
    async def mark_keepable(response: Response) -> Response:
        current: ContentState | None = g.pop('page_cache_state', None)
        if current is not None and response.status_code == 200:
            _scope()[KEEP_KEY] = (current, tuple(g.get('page_cache_replay', ())))
        return response

    return pages


def _scope() -> Scope:
    """The raw ASGI scope of the current request, shared with the middleware."""
    scope: Scope = request.scope  # type: ignore[assignment]
    return scope


def replay_on_hits(action: Replay) -> None:
    """Runs `action` now, and again whenever the page being rendered is served from here."""
    action(request.headers.get('User-Agent', ''))
    replay: list[Replay] | None = g.get('page_cache_replay')
    if replay is not None:
        replay.append(action)
