"""The site's address is `PODSITE_BASE_URL`, never the `Host` a request came with.

Two parts, both wired by `create_app`:

- `PublicAddressQuart`: the app's URL adapter is bound to the base URL's scheme and host,
  so every absolute URL werkzeug builds (the 308 of `/episodes//all` or of a missing
  trailing slash, `url_for(..., _external=True)`) points at the public address: a forged
  `Host: evil.example` cannot send a visitor (or a cache) elsewhere, and an https site
  behind a proxy that speaks http to it still redirects to https.
- `TrustedHostMiddleware`: in front of everything else (kept pages included), a request
  whose `Host` is not one of `Settings.answered_hosts` gets a 400. But `/health`: health
  checkers (Docker's, a load balancer's) address an instance by its own address, and the
  answer carries no URL.

Why not werkzeug's `host_is_trusted`: it compares names case-sensitively and cannot match
an IPv6 address (`[::1]:8000`); `urlsplit` parses the header as a URL's authority, which
handles both.
"""

from functools import lru_cache
from urllib.parse import urlsplit

from quart import Quart
from quart.wrappers import BaseRequestWebsocket
from werkzeug.routing import MapAdapter

from podsite.infrastructure.asgi_types import ASGIApp, Scope
from podsite.infrastructure.client_ip import scope_header
from podsite.settings import Settings

DEFAULT_PORTS = {'http': 80, 'https': 443}
HEALTH_PATH = '/health'
REFUSAL = b'Bad request: this site does not answer to that host name.\n'


def public_scheme_and_host(base_url: str) -> tuple[str, str]:
    """The base URL's scheme and `host[:port]`, without a default port or a user."""
    parts = urlsplit(base_url)
    host = parts.netloc.rpartition('@')[2]
    if parts.port == DEFAULT_PORTS.get(parts.scheme):
        host = host.rpartition(':')[0]
    return parts.scheme, host.lower()


class PublicAddressQuart(Quart):
    """Quart, with URLs built for the public address (`public_scheme`, `public_host`) while
    routes still match whatever host a trusted request names."""

    public_scheme = 'http'
    public_host = '127.0.0.1:8000'

    def use_public_address(self, base_url: str) -> None:
        self.public_scheme, self.public_host = public_scheme_and_host(base_url)

    def create_url_adapter(self, request: BaseRequestWebsocket | None) -> MapAdapter | None:
        if request is None:
            return super().create_url_adapter(request)
        return self.url_map.bind(
            self.public_host,
            script_name=request.root_path,
            url_scheme=self.public_scheme,
            default_method=request.method,
            path_info=request.path,
            query_args=request.query_string.decode(),
        )


def host_name(authority: str) -> str | None:
    """The host name of a `Host` header (lower case, no port or brackets); None if it is
    not one."""
    try:
        parts = urlsplit(f'//{authority}')
        _ = parts.port  # a port that is no number is no Host header
    except ValueError:
        return None
    if parts.username is not None or parts.path or parts.query or parts.fragment:
        return None
    return parts.hostname or None


@lru_cache(maxsize=256)
def is_answered(authority: str | None, hosts: tuple[str, ...]) -> bool:
    """Whether a `Host` header names one of `hosts` (`.example.org`: it or a subdomain).
    Kept for the last 256 headers: a site is asked for one or two names, and splitting one
    on every request showed in a kept page's throughput (`bench/README.md`)."""
    name = host_name(authority) if authority else None
    if name is None:
        return False
    for host in hosts:
        wanted = host.lower()
        if name == wanted.lstrip('.') or (wanted.startswith('.') and name.endswith(wanted)):
            return True
    return False


class TrustedHostMiddleware:
    """Refuses (400) requests for a host the site does not answer to, before any of the
    site's work; lifespan events pass through."""

    def __init__(self, app: ASGIApp, hosts: tuple[str, ...]) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: object, send: object) -> None:
        if (
            scope['type'] != 'http'
            or scope['path'] == HEALTH_PATH
            or is_answered(scope_header(scope, b'host'), self.hosts)
        ):
            await self.app(scope, receive, send)
            return
        await send(  # type: ignore[operator]
            {
                'type': 'http.response.start',
                'status': 400,
                'headers': [
                    (b'content-type', b'text/plain; charset=utf-8'),
                    (b'content-length', str(len(REFUSAL)).encode()),
                ],
            }
        )
        await send({'type': 'http.response.body', 'body': REFUSAL, 'more_body': False})  # type: ignore[operator]


def init_app(app: Quart, settings: Settings) -> None:
    """Refuses unknown hosts; call it last but the request log, so that it runs first
    and refused requests are still logged."""
    app.asgi_app = TrustedHostMiddleware(  # type: ignore[method-assign,assignment]
        app.asgi_app,  # type: ignore[arg-type]
        settings.answered_hosts,
    )
