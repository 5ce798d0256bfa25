"""Malformed requests get a 4xx (or a redirect), never a 500."""

import pytest
from quart.typing import TestClientProtocol as Client


@pytest.mark.parametrize(
    'path',
    [
        '/episodes/show/1/%E0%A4%A', '/guests/%FF%FE', '/guests/%', '/episodes/show/%00',
        '/search?q=%FF%FE%00', '/search?q=' + 'x' * 100_000, '/search?page=%FF&q=a',
        '/episodes/all?%%%=%%%', '/%2e%2e/%2e%2e/etc/passwd', '/static/../../etc/passwd',
        '/episodes/download/1/%FF.mp3', '/sitemap-%FF.xml', '/account/reset/%FF%00',
    ],
)  # fmt: skip
async def test_odd_urls_never_fail(client: Client, path: str) -> None:
    response = await client.get(path)
    assert response.status_code < 500, path


async def test_invalid_utf8_in_a_form_is_a_400(client: Client) -> None:
    response = await client.post(
        '/account/login',
        data=b'email=%FF%FE&password=\xff\xfe',
        headers={'Content-Type': 'application/x-www-form-urlencoded'},
    )
    assert response.status_code == 400


async def test_oversized_bodies_are_refused_with_413(client: Client) -> None:
    response = await client.post(
        '/account/login',
        data=b'x=' + b'a' * (17 * 1024 * 1024),
        headers={'Content-Type': 'application/x-www-form-urlencoded'},
    )
    assert response.status_code == 413


async def test_huge_headers_do_not_break_a_page(client: Client) -> None:
    response = await client.get('/', headers={'User-Agent': 'x' * 20_000, 'Cookie': 'a' * 8000})
    assert response.status_code == 200
