"""The client's address, believing `X-Forwarded-For` only from configured proxies."""

import ipaddress
from typing import Any

from quart import request

from podsite.settings import IPNetwork, current_settings


def client_ip(remote_addr: str, forwarded_for: str | None, trusted: list[IPNetwork]) -> str:
    """Walks the forwarding chain from the nearest hop back, skipping trusted proxies."""
    if not trusted or not forwarded_for or not _is_trusted(remote_addr, trusted):
        return remote_addr
    hops = [hop.strip() for hop in forwarded_for.split(',') if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            return hop if _is_address(hop) else remote_addr
    return hops[0] if hops and _is_address(hops[0]) else remote_addr


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _is_trusted(address: str, trusted: list[IPNetwork]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def request_client_ip() -> str:
    """The current request's client, as `client_ip` reads it with the app's settings."""
    settings = current_settings()
    return client_ip(
        request.remote_addr or '',
        request.headers.get('X-Forwarded-For'),
        settings.trusted_proxies,
    )


def scope_header(scope: dict[str, Any], name: bytes) -> str | None:
    """The first value of a header (`name` in lower case) of a raw ASGI request."""
    for header, value in scope.get('headers', ()):
        if header == name:
            decoded: str = value.decode('latin-1')
            return decoded
    return None


def scope_client_ip(scope: dict[str, Any], trusted: list[IPNetwork]) -> str:
    """`request_client_ip` for a raw ASGI request, as middleware in front of the app sees
    it; the same address Quart gives a request without a peer (`<local>`)."""
    client = scope.get('client')
    return client_ip(
        client[0] if client else '<local>', scope_header(scope, b'x-forwarded-for'), trusted
    )
