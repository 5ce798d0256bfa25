"""A fresh demo site served on a free loopback port, for `make check-site` and `make load`.

The database is a new SQLite file, or a new database on the PostgreSQL server of
`PODSITE_DATABASE_URL` when that points at one (created and dropped here).
"""

import os
import secrets
import socket
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from run import BIN, fresh_database, load_demo, process, wait_for


@dataclass(frozen=True)
class DemoSite:
    base_url: str
    log: Path
    database_url: str


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def demo_site(
    *, episodes: int, workers: int = 1, public_url: str | None = None, **settings: str
) -> Iterator[DemoSite]:
    """`podsite serve` in production mode over `podsite demo --episodes N`; `public_url` is
    the site's configured address (its own loopback address when None)."""
    configured = os.environ.get('PODSITE_DATABASE_URL', '')
    postgres_url = configured if configured.startswith('postgresql') else None
    with tempfile.TemporaryDirectory(prefix='podsite-demo-') as folder, ExitStack() as stack:
        work = Path(folder)
        database_url = stack.enter_context(fresh_database(work, postgres_url))
        base = f'http://127.0.0.1:{free_port()}'
        env = {name: value for name, value in os.environ.items() if not name.startswith('PODSITE_')}
        env |= {
            'PODSITE_ENVIRONMENT': 'production',
            'PODSITE_SECRET_KEY': secrets.token_urlsafe(32),
            'PODSITE_DATABASE_URL': database_url,
            'PODSITE_BASE_URL': public_url or base,
            # Requested on its loopback address whatever its public one is.
            'PODSITE_TRUSTED_HOSTS': '["127.0.0.1"]',
            'PYTHONUNBUFFERED': '1',
        }
        env |= {f'PODSITE_{name.upper()}': value for name, value in settings.items()}
        load_demo(env, episodes)
        log = work / 'server.log'
        port = base.rsplit(':', 1)[1]
        command = [str(BIN / 'podsite'), 'serve', '--port', port, '--workers', str(workers)]
        stack.enter_context(process(command, env, log))
        wait_for(f'{base}/health')
        yield DemoSite(base, log, database_url)
