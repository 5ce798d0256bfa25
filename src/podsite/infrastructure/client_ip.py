"""The client's address, believing `Forwarded` (RFC 7239) or `X-Forwarded-For` only from
configured proxies, and always in one spelling: an IPv4 address sent in IPv6 form
(`::ffff:198.51.100.7`, as dual-stack sockets report IPv4 peers) is that IPv4 address, and
a hop written with its port (`198.51.100.7:4711`, `[2001:db8::1]:443`) is its address.

`Forwarded` is split into its elements by Werkzeug's `parse_list_header` (quoted strings
kept whole), which Quart already brings; each element's `for=` parameter is then read
here. No maintained parser of the header is on PyPI: django-forwarded (last release 2019)
needs Django, and Hypercorn's `ProxyFixMiddleware` trusts a number of hops, not the
proxies' addresses, and keeps its parser private.
"""

import ipaddress
from functools import lru_cache
from typing import Any

from quart import request
from werkzeug.http import parse_list_header

from podsite.settings import IPNetwork, current_settings

CLIENT_IP_KEY = 'podsite.client_ip'
"""Scope key: the client's address, worked out once per request."""


@lru_cache(maxsize=1024)
def canonical_address(text: str) -> str | None:
    """The address a hop names, without brackets or port, IPv4-mapped IPv6 as IPv4; None
    when it names none (`unknown`, an obfuscated `_node`, garbage). Kept for the last
    1,024 spellings: the same few clients and proxies ask on every request, and the
    ban check and the request log of a kept page both need it."""
    text = text.strip().strip('"')
    if text.startswith('['):
        host, bracket, _ = text[1:].partition(']')
        if not bracket:
            return None
        text = host
    elif text.count(':') == 1:  # an IPv4 address and a port; IPv6 has at least two colons
        text = text.partition(':')[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return str(address)


def client_ip(
    remote_addr: str,
    forwarded_for: str | None,
    trusted: list[IPNetwork],
    *,
    forwarded: str | None = None,
) -> str:
    """Walks the forwarding chain from the nearest hop back, skipping trusted proxies.

    The standard `Forwarded` header is read when a trusted proxy sent it, else
    `X-Forwarded-For`. A hop that names no address ends the walk at the hop after it:
    nothing before it can be believed."""
    remote = canonical_address(remote_addr) or remote_addr
    if not trusted or not _is_trusted(remote, trusted):
        return remote
    if forwarded:
        hops = _forwarded_hops(forwarded)
    elif forwarded_for:
        hops = [canonical_address(hop) for hop in forwarded_for.split(',') if hop.strip()]
    else:
        return remote
    nearest = remote
    for hop in reversed(hops):
        if hop is None:
            return nearest
        if not _is_trusted(hop, trusted):
            return hop
        nearest = hop
    return nearest


def _forwarded_hops(header: str) -> list[str | None]:
    """The `for=` address of each element of a `Forwarded` header, in order."""
    hops: list[str | None] = []
    for element in parse_list_header(header):
        node = None
        for pair in element.split(';'):
            name, _, value = pair.partition('=')
            if name.strip().lower() == 'for':
                node = canonical_address(value)
        hops.append(node)
    return hops


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
        forwarded=request.headers.get('Forwarded'),
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
    it; the same address Quart gives a request without a peer (`<local>`). Worked out once
    per request (the ban check and the request log both ask), with the settings' trusted
    proxies, which every caller passes."""
    known: str | None = scope.get(CLIENT_IP_KEY)
    if known is not None:
        return known
    client = scope.get('client')
    address = scope[CLIENT_IP_KEY] = client_ip(
        client[0] if client else '<local>',
        scope_header(scope, b'x-forwarded-for'),
        trusted,
        forwarded=scope_header(scope, b'forwarded'),
    )
    return address
