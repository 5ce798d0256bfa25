"""One line per request, e.g.

    8ms HTTP 200 => "GET /episodes/show/268/slug" 28.10 KB at 2024-11-14 10:33:18
    from 80.22.100.101 via Mozilla/5.0 ...

(on one line).
Done as ASGI middleware so that the time and size cover everything the client got,
error pages and static files included.
"""

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from podsite.infrastructure.asgi_types import Message, Scope
from podsite.infrastructure.client_ip import scope_client_ip, scope_header
from podsite.settings import IPNetwork

logger = logging.getLogger('podsite.request')


def format_line(
    *,
    duration_ms: float,
    status: int,
    method: str,
    target: str,
    size_bytes: int,
    at: datetime,
    ip: str,
    user_agent: str,
) -> str:
    return (
        f'{duration_ms:.0f}ms HTTP {status} => "{method} {target}" {size_bytes / 1024:.2f} KB '
        f'at {_second_text(at.replace(microsecond=0))} from {ip} via {user_agent or "-"}'
    )


@lru_cache(maxsize=4)
def _second_text(second: datetime) -> str:
    # Formatting a date costs more than the rest of the line; a second has many requests.
    return f'{second:%Y-%m-%d %H:%M:%S}'


class RequestLogMiddleware:
    """Lines go to `write_line` when given (a served worker's buffered output), otherwise
    to the `podsite.request` logger at INFO."""

    def __init__(
        self,
        app: Any,
        *,
        trusted_proxies: list[IPNetwork],
        write_line: Callable[[str], None] | None = None,
    ) -> None:
        self.app = app
        self.trusted_proxies = trusted_proxies
        self.write_line = write_line

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope['type'] != 'http':
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        size = 0

        async def counting_send(message: Message) -> None:
            nonlocal status, size
            if message['type'] == 'http.response.start':
                status = message['status']
            elif message['type'] == 'http.response.body':
                size += len(message.get('body', b''))
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        finally:
            seconds = time.perf_counter() - started
            if self.write_line is not None:
                self.write_line(self._line(scope, status, size, seconds))
            elif logger.isEnabledFor(logging.INFO):
                logger.info(self._line(scope, status, size, seconds))

    def _line(self, scope: Scope, status: int, size: int, seconds: float) -> str:
        query = scope.get('query_string', b'').decode('latin-1')
        target = scope.get('path', '') + (f'?{query}' if query else '')
        return format_line(
            duration_ms=seconds * 1000,
            status=status,
            method=scope.get('method', '-'),
            target=target,
            size_bytes=size,
            at=datetime.now(UTC),
            ip=scope_client_ip(scope, self.trusted_proxies),
            user_agent=scope_header(scope, b'user-agent') or '',
        )
