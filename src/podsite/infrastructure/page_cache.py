"""Whole public pages kept per process for anonymous visitors, valid while the content
version (and the next scheduled change) is the same: a hit costs one small query instead
of the page's queries and its rendering, and an edit on any instance shows on the next
request everywhere, because the version lives in the database.

Only pages that are the same for every anonymous visitor are kept: a request carrying a
session cookie, or a response that sets one (a page with a form and its CSRF token), is
never stored or served from here.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from quart import Quart, Response, g, request

from podsite.infrastructure.cache import ContentCache, ContentState

EXTENSION_KEY = 'podsite.page_cache'
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
KEPT_HEADERS = ('Content-Type', 'Content-Language', 'Link')


@dataclass(frozen=True)
class CachedPage:
    body: bytes
    headers: dict[str, str]
    replay: tuple[Callable[[], None], ...] = field(default=())
    """What the page's view did besides rendering that must happen on every view
    (counting sponsor impressions), redone on each hit."""


def init_app(
    app: Quart,
    *,
    session_cookie: str,
    content_state: Callable[[], Awaitable[ContentState]],
    max_entries: int = 2048,
) -> None:
    cache = ContentCache(max_entries=max_entries)
    app.extensions[EXTENSION_KEY] = cache

    @app.before_request
    async def serve_kept_page() -> Response | None:
        if (
            request.method != 'GET'
            or request.endpoint not in CACHEABLE_ENDPOINTS
            or session_cookie in request.cookies
        ):
            return None
        current = await content_state()
        page: CachedPage | None = cache.get(request.full_path, current)
        if page is None:
            g.page_cache_state = current
            g.page_cache_replay = []
            return None
        for action in page.replay:
            action()
        return Response(page.body, status=200, headers=page.headers)

    @app.after_request
    async def keep_page(response: Response) -> Response:
        current: ContentState | None = g.pop('page_cache_state', None)
        if current is None or response.status_code != 200 or 'Set-Cookie' in response.headers:
            return response
        headers = {
            name: response.headers[name] for name in KEPT_HEADERS if name in response.headers
        }
        body = await response.get_data(as_text=False)
        page = CachedPage(body, headers, tuple(g.get('page_cache_replay', ())))
        cache.put(request.full_path, current, page)
        return response


def replay_on_hits(action: Callable[[], None]) -> None:
    """Runs `action` now, and again whenever the page being rendered is served from here."""
    action()
    replay: list[Callable[[], None]] | None = g.get('page_cache_replay')
    if replay is not None:
        replay.append(action)
