"""The shapes ASGI hands around, as podsite's middleware and connection use them, and the
scope of the request being handled."""

from collections.abc import Awaitable, Callable
from typing import Any

from quart import has_request_context, request

Scope = dict[str, Any]
Message = dict[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]


def request_scope() -> Scope | None:
    """The scope of the request being handled; None outside a request (a command, a
    background round)."""
    if not has_request_context():
        return None
    scope: Scope = request.scope  # type: ignore[assignment]
    return scope
