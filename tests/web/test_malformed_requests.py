"""Malformed requests get a 4xx (or a redirect), never a 500."""

import re

import pytest
from quart import Quart
from quart.typing import TestClientProtocol as Client

from tests.visitors import Browser


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


# Past PostgreSQL's integer (2**31 - 1), SQLite's INTEGER (2**63 - 1), and past the 4,300
# digits Python's int() reads from text.
BEYOND_INTEGER_COLUMNS = ['2147483648', str(2**63), str(2**64), '9' * 30, '9' * 5000]


def routes_with_numbers(app: Quart, number: str) -> list[tuple[str, str]]:
    """Every route of the URL map that takes a number, with `number` in each number's place
    and a value each other argument accepts."""
    routes = []
    for rule in app.url_map.iter_rules():
        if '<int:' not in rule.rule:
            continue
        path = re.sub(r'<any\((\w+)[^>]*>', r'\1', rule.rule)
        path = re.sub(r'<int:\w+>', number, path)
        path = re.sub(r'<\w+>', 'x', path)
        for method in sorted((rule.methods or set()) - {'HEAD', 'OPTIONS'}):
            routes.append((method, path))
    return routes


@pytest.mark.parametrize(
    'number', BEYOND_INTEGER_COLUMNS, ids=lambda number: f'{len(number)}-digits'
)
async def test_numbers_beyond_any_integer_column_are_a_404_on_every_route(
    app: Quart, admin: Browser, number: str
) -> None:
    routes = routes_with_numbers(app, number)
    assert len(routes) >= 20
    token = Browser.TOKEN.search(await admin.page('/account'))
    assert token is not None
    for method, path in routes:
        response = await admin.client.open(path, method=method, form={'csrf_token': token.group(1)})
        assert response.status_code == 404, (method, path[:80], response.status_code)
