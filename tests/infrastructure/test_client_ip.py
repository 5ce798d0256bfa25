"""The client's address behind trusted proxies: `X-Forwarded-For` with or without ports, the
standard `Forwarded` header (RFC 7239), and IPv4 addresses written in IPv6 form."""

import ipaddress

import pytest

from podsite.infrastructure.client_ip import canonical_address, client_ip, scope_client_ip

PROXY = [ipaddress.ip_network('10.0.0.0/8'), ipaddress.ip_network('2001:db8:ffff::/48')]


@pytest.mark.parametrize(
    ('text', 'address'),
    [
        ('198.51.100.7', '198.51.100.7'),
        ('::ffff:198.51.100.7', '198.51.100.7'),
        ('::FFFF:C633:6407', '198.51.100.7'),
        ('198.51.100.7:4711', '198.51.100.7'),
        ('[2001:db8::1]:443', '2001:db8::1'),
        ('[2001:db8::1]', '2001:db8::1'),
        ('2001:DB8::1', '2001:db8::1'),
        ('"[2001:db8:cafe::17]:4711"', '2001:db8:cafe::17'),
        ('[::ffff:198.51.100.7]:80', '198.51.100.7'),
        ('unknown', None),
        ('_hidden', None),
        ('[2001:db8::1', None),
        ('', None),
    ],
)
def test_each_spelling_of_an_address_is_read_as_one(text: str, address: str | None) -> None:
    assert canonical_address(text) == address


@pytest.mark.parametrize(
    ('remote', 'forwarded_for', 'expected'),
    [
        ('10.0.0.5', '198.51.100.7:4711', '198.51.100.7'),
        ('10.0.0.5', '[2001:db8::1]:443, 10.0.0.9:80', '2001:db8::1'),
        ('10.0.0.5', '::ffff:198.51.100.7', '198.51.100.7'),
        # The proxy itself reported in IPv6 form is still the trusted proxy.
        ('::ffff:10.0.0.5', '198.51.100.7', '198.51.100.7'),
        # Not from a trusted proxy: the peer, IPv4-mapped or not, is the client.
        ('::ffff:198.51.100.7', '6.6.6.6', '198.51.100.7'),
        ('10.0.0.5', 'unknown, 10.0.0.9', '10.0.0.9'),
    ],
)
def test_forwarded_for_entries_with_ports_or_in_ipv6_form_are_read(
    remote: str, forwarded_for: str, expected: str
) -> None:
    assert client_ip(remote, forwarded_for, PROXY) == expected


@pytest.mark.parametrize(
    ('remote', 'forwarded', 'expected'),
    [
        ('10.0.0.5', 'for=198.51.100.7', '198.51.100.7'),
        ('10.0.0.5', 'for=198.51.100.7;proto=https;by=10.0.0.5', '198.51.100.7'),
        ('10.0.0.5', 'For="[2001:db8:cafe::17]:4711"', '2001:db8:cafe::17'),
        ('10.0.0.5', 'for=198.51.100.7:4711;proto=http', '198.51.100.7'),
        # The RFC's own example of a chain: the nearest untrusted hop is the client.
        ('10.0.0.5', 'for=192.0.2.43, for=198.51.100.17;by=10.0.0.1', '198.51.100.17'),
        ('10.0.0.5', 'for=6.6.6.6, for=198.51.100.7, for=10.0.0.9', '198.51.100.7'),
        ('2001:db8:ffff::1', 'for="[2001:db8:cafe::17]"', '2001:db8:cafe::17'),
        # An obfuscated or unknown hop: nothing before it can be believed.
        ('10.0.0.5', 'for=_gazonk', '10.0.0.5'),
        ('10.0.0.5', 'for=198.51.100.7, for=unknown', '10.0.0.5'),
        ('10.0.0.5', 'proto=https', '10.0.0.5'),
        # From anyone else the header is the client's word, and not believed.
        ('198.51.100.9', 'for=1.2.3.4', '198.51.100.9'),
    ],
)
def test_the_standard_forwarded_header_is_read_from_trusted_proxies(
    remote: str, forwarded: str, expected: str
) -> None:
    assert client_ip(remote, None, PROXY, forwarded=forwarded) == expected


def test_forwarded_is_preferred_to_x_forwarded_for() -> None:
    assert client_ip('10.0.0.5', '6.6.6.6', PROXY, forwarded='for=198.51.100.7') == '198.51.100.7'


def test_raw_scopes_read_the_forwarded_header() -> None:
    scope = {'client': ('10.0.0.5', 5000), 'headers': [(b'forwarded', b'for="[::ffff:1.2.3.4]"')]}
    assert scope_client_ip(scope, PROXY) == '1.2.3.4'
