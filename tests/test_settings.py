"""Settings refuse what would be unsafe in production."""

import pytest
from pydantic import ValidationError

from podsite.settings import DEVELOPMENT_SECRET_KEY, Settings

pytestmark = pytest.mark.usefixtures('clean_environment')


def test_defaults_run_the_embedded_site() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.database_url == 'sqlite+aiosqlite:///./podsite.db'
    assert settings.base_url == 'http://127.0.0.1:8000'
    assert settings.redis_url is None


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
