"""The site's address is PODSITE_BASE_URL: redirects point there whatever `Host` a request
names, and hosts the site does not answer to are refused (but for /health)."""

from collections.abc import AsyncIterator

import pytest
from pydantic import ValidationError
from quart import Quart
from quart.typing import TestClientProtocol as Client

from podsite.app import create_app
from podsite.infrastructure.public_address import is_answered, public_scheme_and_host
from podsite.settings import Settings
from tests.databases import settings_for


async def serving(database_url: str, **settings: object) -> AsyncIterator[Quart]:
    app = create_app(settings_for(database_url, **settings))
    async with app.test_app():
        yield app


@pytest.fixture
async def production(database_url: str) -> AsyncIterator[Quart]:
    async for app in serving(database_url, environment='production', trusted_hosts=['.cdn.test']):
        yield app


@pytest.mark.parametrize('host', ['localhost', '127.0.0.1:5000', 'podcast.test'])
async def test_a_redirect_of_the_router_goes_to_the_public_address(
    client: Client, host: str
) -> None:
    response = await client.get('/episodes//all', headers={'Host': host})
    assert response.status_code == 308
    assert response.headers['Location'] == 'https://podcast.test/episodes/all'


async def test_an_http_base_url_gives_http_redirects_with_its_port(database_url: str) -> None:
    async for app in serving(database_url, base_url='http://127.0.0.1:8000/'):
        response = await app.test_client().get('/episodes//all?page=2')
        assert response.headers['Location'] == 'http://127.0.0.1:8000/episodes/all?page=2'


@pytest.mark.parametrize(
    'path', ['/', '/episodes/all', '/episodes//all', '/episodes/rss', '/account/login', '/nope']
)
async def test_an_unknown_host_is_refused_before_anything_else(client: Client, path: str) -> None:
    kept = await client.get(path)  # a kept page is kept now, and must not be served either
    assert kept.status_code < 500
    for host in ('evil.example', 'podcast.test.evil.example', 'evil.example:443', ''):
        response = await client.get(path, headers={'Host': host})
        assert response.status_code == 400, (path, host)
        assert 'does not answer to that host name' in await response.get_data(as_text=True)
        assert 'Location' not in response.headers


async def test_health_answers_whatever_the_host(production: Quart) -> None:
    response = await production.test_client().get('/health', headers={'Host': '10.0.0.7:8000'})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ('host', 'status'),
    [('podcast.test', 200), ('Podcast.Test:443', 200), ('www.cdn.test', 200), ('cdn.test', 200),
     ('localhost', 400), ('127.0.0.1:8000', 400), ('evilcdn.test', 400), ('[::1]:8000', 400)],
)  # fmt: skip
async def test_production_answers_only_its_own_and_the_trusted_hosts(
    production: Quart, host: str, status: int
) -> None:
    response = await production.test_client().get('/', headers={'Host': host})
    assert response.status_code == status


@pytest.mark.parametrize(
    ('header', 'answered'),
    [('[::1]:8000', True), ('LOCALHOST', True), ('localhost:99999', False),
     ('localhost:port', False), ('user@localhost', False), ('localhost/x', False),
     ('local host', False), ('', False), (None, False), ('127.0.0.2', False)],
)  # fmt: skip
def test_a_host_header_is_read_as_a_urls_authority(header: str | None, answered: bool) -> None:
    assert is_answered(header, ('127.0.0.1', 'localhost', '::1')) is answered


@pytest.mark.parametrize(
    ('base_url', 'expected'),
    [('https://podcast.test/', ('https', 'podcast.test')),
     ('https://Podcast.Test:443/show', ('https', 'podcast.test')),
     ('http://127.0.0.1:8000', ('http', '127.0.0.1:8000')),
     ('http://[::1]:80', ('http', '[::1]'))],
)  # fmt: skip
def test_the_public_address_drops_default_ports(base_url: str, expected: tuple[str, str]) -> None:
    assert public_scheme_and_host(base_url) == expected


@pytest.mark.usefixtures('clean_environment')
@pytest.mark.parametrize('base_url', ['podcast.test', 'ftp://podcast.test', 'https://', ''])
def test_a_base_url_must_be_an_http_address_with_a_host(base_url: str) -> None:
    with pytest.raises(ValidationError, match='PODSITE_BASE_URL'):
        Settings(_env_file=None, base_url=base_url)  # type: ignore[call-arg]


@pytest.mark.usefixtures('clean_environment')
def test_local_names_are_answered_outside_production_only() -> None:
    settings = Settings(_env_file=None, base_url='https://show.example/')  # type: ignore[call-arg]
    assert settings.answered_hosts == ('show.example', '127.0.0.1', 'localhost', '::1')
    production = Settings(
        _env_file=None,  # type: ignore[call-arg]
        environment='production',
        secret_key='x' * 32,
        base_url='https://show.example/',
        trusted_hosts=['www.show.example'],
    )
    assert production.answered_hosts == ('show.example', 'www.show.example')


@pytest.mark.usefixtures('clean_environment')
@pytest.mark.parametrize('name', ['https://www.show.example', 'show.example:443', 'a b', '', '.'])
def test_a_trusted_host_must_be_a_host_name(name: str) -> None:
    with pytest.raises(ValidationError, match=r'PODSITE_TRUSTED_HOSTS: .* is not a host name'):
        Settings(_env_file=None, trusted_hosts=[name])  # type: ignore[call-arg]


@pytest.mark.usefixtures('clean_environment')
def test_trusted_hosts_come_as_json_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('PODSITE_TRUSTED_HOSTS', '["WWW.Show.Example", ".cdn.example", "::1"]')
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.trusted_hosts == ['www.show.example', '.cdn.example', '::1']
