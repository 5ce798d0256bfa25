"""The page cache: whole public pages kept per process for anonymous visitors, valid while
the content version (and the next scheduled change) is the same; an edit on any instance
shows on the next request everywhere, because the version lives in the database.

All of it is here, wired by one call, `init_app` (off with `PODSITE_PAGE_CACHE=false`):

- Which pages: a view marked `@kept_for_anonymous`, for a GET answered 200 without a cookie
  being set. Only pages that are the same for every anonymous visitor are kept: a request
  carrying a session cookie, or a response that sets one (a page with a form and its CSRF
  token), is never stored or served from here.
- Serving: ASGI middleware in front of the app answers a kept page before any of the app's
  request handling runs, so a hit costs the content-state check (on SQLite, no query at
  all unless something was committed) and the bytes going out. Addresses banned for
  probing are refused by the app, so the middleware hands their requests on.
- What a view still does on a hit: a kept page carries, as plain values, what each view of
  it must record (the sponsor placements it shows, `count_impressions_on_hits`); the
  middleware records them through the function it was given.
- Validity: the content state a request is served under, read through the one function
  given to `init_app`, which reads it once per request whoever asks first.
"""

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from quart import Quart, request

from podsite.infrastructure.asgi_types import ASGIApp, Message, Scope
from podsite.infrastructure.cache import ContentCache, ContentState
from podsite.infrastructure.client_ip import scope_header
from podsite.infrastructure.clock import clock_of
from podsite.settings import Settings

logger = logging.getLogger(__name__)

EXTENSION_KEY = 'podsite.page_cache'
"""The app's kept pages, when the page cache is on."""
KEPT_MARK = 'kept_for_anonymous'
"""The attribute `kept_for_anonymous` sets on a view function."""
NOTE_KEY = 'podsite.kept_page'
"""Scope key: the app's note that the response may be kept, and under which state."""

type ContentStateOf = Callable[[Scope], Awaitable[ContentState]]
type RecordImpressions = Callable[[Sequence[int], str], None]
"""Records a view of sponsor placements, given the visitor's User-Agent."""


def kept_for_anonymous[View: Callable[..., Any]](view: View) -> View:
    """Declares a view's page the same for every anonymous visitor, so it may be kept.
    Goes right under the route decorator."""
    setattr(view, KEPT_MARK, True)
    return view


@dataclass(frozen=True)
class KeptPage:
    headers: list[tuple[bytes, bytes]]
    body: bytes
    impressions: tuple[int, ...] = ()
    """The sponsor placements the page shows: each view of it counts for each."""


@dataclass
class _Note:
    state: ContentState
    impressions: tuple[int, ...] = ()


class PageCacheMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        session_cookie: str,
        content_state: ContentStateOf,
        is_banned: Callable[[Scope], Awaitable[bool]],
        record_impressions: RecordImpressions,
        pages: ContentCache,
    ) -> None:
        self.app = app
        self.session_cookie = f'{session_cookie}='.encode()
        self.content_state = content_state
        self.is_banned = is_banned
        self.record_impressions = record_impressions
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
            # The app notes a keepable request before its response is sent; anything else
            # (a file download, say) goes out without a copy.
            if message['type'] == 'http.response.start' and NOTE_KEY in scope:
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
        note: _Note = scope[NOTE_KEY]
        self.pages.put(key, note.state, KeptPage(headers, b''.join(chunks), note.impressions))

    async def _serve_kept(self, key: str, scope: Scope, send: Any) -> bool:
        if not self.pages.has(key):
            return False
        try:
            if await self.is_banned(scope):
                return False
            state = await self.content_state(scope)
        except Exception:  # the app answers with its own error page
            logger.debug('page cache check failed; the app takes the request', exc_info=True)
            return False
        page: KeptPage | None = self.pages.get(key, state)
        if page is None:
            return False
        if page.impressions:
            self.record_impressions(page.impressions, scope_header(scope, b'user-agent') or '')
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
    settings: Settings,
    *,
    content_state: ContentStateOf,
    is_banned: Callable[[Scope], Awaitable[bool]],
    record_impressions: RecordImpressions,
    max_entries: int = 2048,
) -> None:
    """Puts the middleware in front of the app as it is now; what wraps the app later (the
    request log) sees kept pages too."""
    if not settings.page_cache:
        return
    session_cookie: str = app.config['SESSION_COOKIE_NAME']
    pages = app.extensions[EXTENSION_KEY] = ContentCache(
        clock=clock_of(app), max_entries=max_entries
    )

    @app.before_request
    async def note_keepable() -> None:
        if request.method != 'GET' or session_cookie in request.cookies:
            return
        view = app.view_functions.get(request.endpoint or '')
        if not getattr(view, KEPT_MARK, False):
            return
        scope: Scope = request.scope  # type: ignore[assignment]
        # Read before the view runs: a change made while it renders leaves the page under
        # the older version, which the next request no longer serves.
        scope[NOTE_KEY] = _Note(await content_state(scope))

    app.asgi_app = PageCacheMiddleware(  # type: ignore[method-assign,assignment]
        app.asgi_app,  # type: ignore[arg-type]
        session_cookie=session_cookie,
        content_state=content_state,
        is_banned=is_banned,
        record_impressions=record_impressions,
        pages=pages,
    )


def count_impressions_on_hits(placement_ids: Sequence[int]) -> None:
    """Carries the sponsor placements of the page being rendered with it, if it is kept, so
    that each view served from here records them (the view records its own)."""
    scope: Scope = request.scope  # type: ignore[assignment]
    note: _Note | None = scope.get(NOTE_KEY)
    if note is not None:
        note.impressions = tuple(placement_ids)
