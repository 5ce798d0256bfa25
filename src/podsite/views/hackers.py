"""The bot-probe trap: requests for paths only attackers ask for (WordPress logins, `.env`,
`.git`, PHP scripts...) get a tiny 404 with no database work and no layout, are logged,
and an address that keeps probing is refused on every page for a while."""

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from quart import Quart, Response, abort, request

from podsite.infrastructure.client_ip import request_client_ip, scope_client_ip
from podsite.infrastructure.probes import is_probe
from podsite.infrastructure.rate_limit import EXTENSION_KEY as RATE_LIMITER_KEY
from podsite.infrastructure.rate_limit import RateLimiter, rate_limiter
from podsite.settings import current_settings

logger = logging.getLogger('podsite.probes')


def init_app(app: Quart) -> None:
    """Runs before every other request hook (`create_app` calls it first), so probes and
    banned addresses cost neither a query nor a page; it needs no routes of its own."""

    @app.before_request
    async def trap_probes() -> Response | None:
        settings = current_settings()
        ip = request_client_ip()
        limiter = rate_limiter()
        if await limiter.is_banned(_ban_key(ip)):
            abort(429)
        if not is_probe(request.path):
            return None
        logger.warning('probe %s %s from %s via %s', request.method, request.full_path.rstrip('?'),
                       ip, request.headers.get('User-Agent', '-'))  # fmt: skip
        result = await limiter.hit_probe(
            _ban_key(ip), limit=settings.probe_limit, window_seconds=settings.probe_window_seconds
        )
        if not result.allowed:
            await limiter.ban(_ban_key(ip), seconds=settings.probe_ban_seconds)
            logger.warning(
                'banned %s for %d s after repeated probes', ip, settings.probe_ban_seconds
            )
        return Response('Not found\n', status=404, content_type='text/plain; charset=utf-8')


def ban_check(app: Quart) -> Callable[[dict[str, Any]], Awaitable[bool]]:
    """Whether a raw ASGI request comes from a banned address, for middleware that may
    answer before the app's own hooks run."""
    settings = current_settings(app)
    limiter: RateLimiter = app.extensions[RATE_LIMITER_KEY]

    async def is_banned(scope: dict[str, Any]) -> bool:
        return await limiter.is_banned(_ban_key(scope_client_ip(scope, settings.trusted_proxies)))

    return is_banned


def _ban_key(ip: str) -> str:
    return f'probe:{ip}'
