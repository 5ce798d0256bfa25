"""Settings refuse what would be unsafe in production."""

from pathlib import Path

import pytest
from pydantic import ValidationError
from pydantic_settings import SettingsError

from podsite.settings import DEVELOPMENT_SECRET_KEY, Settings

pytestmark = pytest.mark.usefixtures('clean_environment')


def test_defaults_run_the_embedded_site() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.database_url == 'sqlite+aiosqlite:///./podsite.db'
    assert settings.base_url == 'http://127.0.0.1:8000'
    assert settings.redis_url is None
    assert settings.page_cache_size == 32 * 2**20  # per worker


@pytest.mark.parametrize('secret', [DEVELOPMENT_SECRET_KEY, 'short'])
def test_production_refuses_a_weak_or_default_secret(secret: str) -> None:
    with pytest.raises(ValidationError, match='PODSITE_SECRET_KEY'):
        Settings(_env_file=None, environment='production', secret_key=secret)  # type: ignore[call-arg]


def test_settings_come_from_podsite_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('PODSITE_BASE_URL', 'https://talk.example/')
    monkeypatch.setenv('PODSITE_TRUSTED_PROXIES', '["127.0.0.1/32"]')
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.public_base_url == 'https://talk.example'
    assert [str(network) for network in settings.trusted_proxies] == ['127.0.0.1/32']


@pytest.mark.parametrize(
    ('given', 'size'), [('64MiB', 64 * 2**20), ('200MB', 200_000_000), ('1048576', 2**20)]
)
def test_the_page_cache_size_is_read_in_bytes_or_with_a_unit(
    monkeypatch: pytest.MonkeyPatch, given: str, size: int
) -> None:
    monkeypatch.setenv('PODSITE_PAGE_CACHE_SIZE', given)
    assert Settings(_env_file=None).page_cache_size == size  # type: ignore[call-arg]


@pytest.mark.parametrize('given', ['lots', '-1', '64 parsecs'])
def test_a_page_cache_size_that_is_not_one_is_refused(
    monkeypatch: pytest.MonkeyPatch, given: str
) -> None:
    monkeypatch.setenv('PODSITE_PAGE_CACHE_SIZE', given)
    with pytest.raises(ValidationError, match='page_cache_size'):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_hubs_and_pings_are_json_lists_of_web_addresses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('PODSITE_WEBSUB_HUBS', '["https://pubsubhubbub.appspot.com/"]')
    monkeypatch.setenv('PODSITE_PUBLISH_PINGS', '["https://ping.example/pubnotify"]')
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert [str(hub) for hub in settings.websub_hubs] == ['https://pubsubhubbub.appspot.com/']
    assert [str(ping) for ping in settings.publish_pings] == ['https://ping.example/pubnotify']


@pytest.mark.parametrize('given', ['https://hub.example/', '["ftp://hub.example/"]', '["hub"]'])
def test_a_hub_that_is_not_a_web_address_is_refused(
    monkeypatch: pytest.MonkeyPatch, given: str
) -> None:
    monkeypatch.setenv('PODSITE_WEBSUB_HUBS', given)
    # Not JSON at all is pydantic-settings' own error; JSON of the wrong kind, Pydantic's.
    with pytest.raises((SettingsError, ValidationError), match='websub_hubs'):
        Settings(_env_file=None)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ('values', 'folder'),
    [
        ({}, Path('media')),
        ({'database_url': 'sqlite+aiosqlite:////srv/show/podsite.db'}, Path('/srv/show/media')),
        ({'database_url': 'postgresql+asyncpg://db/show', 'data_dir': '/var/lib/podsite'},
         Path('/var/lib/podsite/media')),
        ({'database_url': 'sqlite+aiosqlite:///:memory:'}, Path('podsite-data/media')),
        ({'media_dir': '/mnt/audio', 'database_url': 'sqlite+aiosqlite:////srv/podsite.db'},
         Path('/mnt/audio')),
    ],
)  # fmt: skip
def test_audio_is_kept_beside_the_database_unless_told_otherwise(
    values: dict[str, str], folder: Path
) -> None:
    assert Settings(_env_file=None, **values).media_folder == folder  # type: ignore[call-arg,arg-type]


def test_uploads_are_a_gibibyte_at_most_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings(_env_file=None).max_upload_bytes == 2**30  # type: ignore[call-arg]
    monkeypatch.setenv('PODSITE_MAX_UPLOAD_MB', '200')
    assert Settings(_env_file=None).max_upload_bytes == 200 * 2**20  # type: ignore[call-arg]
    monkeypatch.setenv('PODSITE_MAX_UPLOAD_MB', '0')
    with pytest.raises(ValidationError, match='max_upload_mb'):
        Settings(_env_file=None)  # type: ignore[call-arg]


@pytest.mark.parametrize('prefix', ['_media/', '/_media', 'https://cdn.example/'])
def test_the_accel_redirect_prefix_must_be_an_internal_location(prefix: str) -> None:
    with pytest.raises(ValidationError, match='accel_redirect_prefix'):
        Settings(_env_file=None, accel_redirect_prefix=prefix)  # type: ignore[call-arg]
