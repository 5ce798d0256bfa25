"""The page cache: whole public pages kept per process for anonymous visitors, valid while
the content version (and the next scheduled change) is the same; an edit on any instance
shows on the next request everywhere, because the version lives in the database.

All of it is here, wired by one call, `init_app` (off with `PODSITE_PAGE_CACHE=false`):

- Which pages: a view marked `@kept_for_anonymous`, for a GET answered 200 without a cookie
  being set. Only pages that are the same for every anonymous visitor are kept: a request
  carrying a session cookie, or a response that sets one (a page with a form and its CSRF
  token), is never stored or served from here.
- Under which key: the path, and the values of the query parameters the view declares it
  reads (`@kept_for_anonymous(params=('q', 'page'))`); every other parameter is left out, so
  `/episodes/all?v=1` to `?v=100000` are one page, kept once, not a copy each (with a key
  of the whole query string, junk queries grew a worker by 750 MB). A declared parameter
  given twice counts by its first value, as `request.args.get` reads it. A page that
  answers an invalid value with 404 or 400 is not kept (only 200s are); one that shows it
  as another value (`?page=abc` as the first page) calls `do_not_keep()`, so that each
  spelling of a page does not make a copy of its own.
- How much: pages up to `PODSITE_PAGE_CACHE_SIZE` bytes per worker (body, headers, key and
  what Python spends holding them), the least recently used dropped first.
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
from typing import Any, overload
from urllib.parse import parse_qsl

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

ENTRY_BYTES = 1024
"""What Python spends on a kept page beyond its bytes (the page, its entry, its key and its
header list) and, with `HEADER_BYTES` for each header (a tuple and two bytes objects), what
the cache counts: 2,104 bytes for a page's 9 headers, where tracemalloc saw 2,029 beyond the
bodies, headers and keys of 265 kept pages (2026-12-07)."""
HEADER_BYTES = 120
MAX_COMMON_HEADERS = 256

type ContentStateOf = Callable[[Scope], Awaitable[ContentState]]
type RecordImpressions = Callable[[Sequence[int], str], None]
"""Records a view of sponsor placements, given the visitor's User-Agent."""
type PageKey = str | tuple[str, tuple[str | None, ...]]
"""The path alone, or the path and the values of the query parameters its page reads."""


@overload
def kept_for_anonymous[View: Callable[..., Any]](view: View, /) -> View: ...


@overload
def kept_for_anonymous[View: Callable[..., Any]](
    *, params: Sequence[str]
) -> Callable[[View], View]: ...


def kept_for_anonymous[View: Callable[..., Any]](
    view: View | None = None, /, *, params: Sequence[str] = ()
) -> View | Callable[[View], View]:
    """Declares a view's page the same for every anonymous visitor, so it may be kept; goes
    right under the route decorator. `params` names the query parameters the page reads
    (with `request.args.get`): the page is kept once per value of those, and every other
    parameter of a request is ignored. A page that reads one it does not name would be
    served, as kept, to requests that give it another value."""

    def mark(marked: View) -> View:
        setattr(marked, KEPT_MARK, tuple(params))
        return marked

    return mark if view is None else mark(view)


def page_key(path: str, query: bytes, params: tuple[str, ...]) -> PageKey:
    """The path, with the first value of each parameter in `params` that the query gives.

    Values are decoded as Latin-1, which maps each byte to one character, so two values are
    one key only if they are the same bytes (percent-encoded or not): then the app reads
    them as the same text too."""
    if not query or not params:
        return path
    values: dict[str, str | None] = dict.fromkeys(params)
    for name, value in parse_qsl(
        query.decode('latin-1'), keep_blank_values=True, encoding='latin-1'
    ):
        if name in values and values[name] is None:
            values[name] = value
    if all(value is None for value in values.values()):
        return path
    return path, tuple(values.values())


def _key_bytes(key: PageKey) -> int:
    if isinstance(key, str):
        return len(key)
    path, values = key
    return len(path) + sum(len(value) for value in values if value is not None)


@dataclass(frozen=True, slots=True)
class KeptPage:
    headers: list[tuple[bytes, bytes]]
    body: bytes
    impressions: tuple[int, ...] = ()
    """The sponsor placements the page shows: each view of it counts for each."""

    def memory(self, key: PageKey) -> int:
        """The bytes it takes to keep this page under `key`, roughly: what the cache counts."""
        headers = sum(len(name) + len(value) + HEADER_BYTES for name, value in self.headers)
        return len(self.body) + headers + _key_bytes(key) + ENTRY_BYTES


@dataclass
class _Note:
    state: ContentState
    params: tuple[str, ...]
    """The query parameters the page reads (`kept_for_anonymous(params=...)`)."""
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
        self.params_by_path: dict[str, tuple[str, ...]] = {}
        """The query parameters read by each kept page that reads any, learnt as each is kept:
        one entry per real page (only 200s of marked views are kept), not per request."""
        self.common_headers: dict[tuple[bytes, bytes], tuple[bytes, bytes]] = {}
        """One copy of each header that kept pages have in common (all of a page's headers but
        its length): each page's own copies were 27 small objects living as long as it does,
        and made while a large document was built they pinned Python's small-object arenas.
        On a 10,000-episode show, 1,500 kept pages held 45,000 of them, and after the feed,
        the sitemap and `/episodes/all` were built among them a worker kept 48 arenas (1 MiB
        each) for 5 MB of live objects (2026-12-07)."""

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope['type'] != 'http' or scope['method'] != 'GET' or self._has_session(scope):
            await self.app(scope, receive, send)
            return
        path: str = scope['path']
        query: bytes = scope['query_string']
        # Most requests have no query string: their key is their path, at no cost.
        key = page_key(path, query, self.params_by_path.get(path, ())) if query else path
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
        headers = [self._common(name, value) for name, value in start.get('headers', ())]
        if any(name.lower() == b'set-cookie' for name, _ in headers):
            return
        note: _Note = scope[NOTE_KEY]
        if note.params:
            self.params_by_path[path] = note.params
            key = page_key(path, query, note.params)
        page = KeptPage(headers, b''.join(chunks), note.impressions)
        self.pages.put(key, note.state, page, size=page.memory(key))

    def _common(self, name: bytes, value: bytes) -> tuple[bytes, bytes]:
        if name == b'content-length':
            return name, value
        if len(self.common_headers) >= MAX_COMMON_HEADERS:
            self.common_headers.clear()  # headers that vary by page: kept pages keep theirs
        return self.common_headers.setdefault((name, value), (name, value))

    async def _serve_kept(self, key: PageKey, scope: Scope, send: Any) -> bool:
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


def init_app(
    app: Quart,
    settings: Settings,
    *,
    content_state: ContentStateOf,
    is_banned: Callable[[Scope], Awaitable[bool]],
    record_impressions: RecordImpressions,
) -> None:
    """Puts the middleware in front of the app as it is now; what wraps the app later (the
    request log) sees kept pages too."""
    if not settings.page_cache:
        return
    session_cookie: str = app.config['SESSION_COOKIE_NAME']
    pages = app.extensions[EXTENSION_KEY] = ContentCache(
        clock=clock_of(app), max_size=settings.page_cache_size
    )

    @app.before_request
    async def note_keepable() -> None:
        if request.method != 'GET' or session_cookie in request.cookies:
            return
        view = app.view_functions.get(request.endpoint or '')
        params: tuple[str, ...] | None = getattr(view, KEPT_MARK, None)
        if params is None:
            return
        scope: Scope = request.scope  # type: ignore[assignment]
        # Read before the view runs: a change made while it renders leaves the page under
        # the older version, which the next request no longer serves.
        scope[NOTE_KEY] = _Note(await content_state(scope), params)

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


def do_not_keep() -> None:
    """Keeps the page being rendered out of the cache: for a request that spells the page's
    parameters its own way (`?page=abc` shown as the first page), which would otherwise keep
    one more copy of the same page for every spelling."""
    scope: Scope = request.scope  # type: ignore[assignment]
    scope.pop(NOTE_KEY, None)
