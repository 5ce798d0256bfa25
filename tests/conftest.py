"""Fixtures shared across the test folders: real databases (SQLite always, PostgreSQL when
configured), built by running the migrations, one fresh copy per test (see
`tests/databases.py`); the app over them with a clock the test moves; real audio; the
command-line runner and the site it runs over.

A folder's own fixtures are in its `conftest.py` (the web tests' visitors and query counts,
the browser tests' served sites, the fault tests' cluster, ...); the benchmarks' Flask
reference is in the module that compares with it, server processes (`podsite serve`, a
Redis of a test's own) in `tests/servers.py`."""

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from quart import Quart
from quart.typing import TestClientProtocol as Client
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from typer.testing import CliRunner

from podsite.app import create_app
from podsite.infrastructure import db
from podsite.settings import Settings
from tests.audio import AudioSamples, Mp3, encode, encode_m4a, make_audio_samples, varying_signal
from tests.clock import MovableClock
from tests.databases import DEMO_EPISODES, TEST_DATA_DIR, Backend, DatabaseFactory, settings_for

SHARED_DATA = Path(__file__).resolve().parents[2] / 'shared' / 'data'


@pytest.fixture(scope='session', autouse=True)
def test_data_folder() -> Iterator[Path]:
    """The data folder of every app the tests make (`settings_for`), holding the spool of
    each test's database; removed when the run ends."""
    yield TEST_DATA_DIR
    shutil.rmtree(TEST_DATA_DIR, ignore_errors=True)


@pytest.fixture(scope='session')
def backend(tmp_path_factory: pytest.TempPathFactory) -> Backend:
    configured = os.environ.get('PODSITE_DATABASE_URL', '')
    folder = tmp_path_factory.mktemp('databases')
    if configured.startswith('postgresql'):
        return Backend('postgresql', configured, folder)
    return Backend('sqlite', None, folder)


@pytest.fixture(scope='session')
async def databases(backend: Backend) -> AsyncIterator[DatabaseFactory]:
    factory = DatabaseFactory(backend, ahead=True)
    await factory.build_template('empty', demo_episodes=0)
    await factory.build_template('demo', demo_episodes=DEMO_EPISODES)
    yield factory
    await factory.drop_all()


@pytest.fixture
async def database_url(databases: DatabaseFactory) -> AsyncIterator[str]:
    """A fresh database holding the demo catalogue."""
    url = await databases.demo()
    yield url
    await databases.drop(url)


@pytest.fixture
async def empty_database_url(databases: DatabaseFactory) -> AsyncIterator[str]:
    """A fresh, migrated database with no rows."""
    url = await databases.empty()
    yield url
    await databases.drop(url)


@pytest.fixture(scope='session')
async def postgres_server(backend: Backend) -> str:
    """A PostgreSQL server for tests that need one whichever database the suite runs on: the
    configured one, else a local server on the default port if it answers."""
    if backend.server_url is not None:
        return backend.server_url
    local = 'postgresql+asyncpg://postgres@127.0.0.1:5432/postgres'
    engine = create_async_engine(local, connect_args={'timeout': 2})
    try:
        async with engine.connect():
            pass
    except (OSError, SQLAlchemyError) as error:
        pytest.skip(
            f'needs PostgreSQL: set PODSITE_DATABASE_URL or run one on 127.0.0.1:5432 ({error})'
        )
    finally:
        await engine.dispose()
    return local


@pytest.fixture
def clock() -> MovableClock:
    """The time the test's app goes by; `clock.advance(...)` moves it on."""
    return MovableClock()


async def _serving(settings: Settings, clock: MovableClock) -> AsyncIterator[Quart]:
    app = create_app(settings, clock=clock)
    async with app.test_app():
        yield app


@pytest.fixture
async def app(database_url: str, clock: MovableClock) -> AsyncIterator[Quart]:
    """The site over the demo catalogue, with startup and shutdown hooks run."""
    async for served in _serving(settings_for(database_url), clock):
        yield served


@pytest.fixture(scope='session')
def audio(tmp_path_factory: pytest.TempPathFactory) -> AudioSamples:
    """Small real audio files (and broken ones), made once per run with ffmpeg."""
    return make_audio_samples(tmp_path_factory.mktemp('audio'))


@pytest.fixture
def media_folder(tmp_path: Path) -> Path:
    """Where `media_app` keeps audio and artwork: an empty folder of the test's own, for
    tests to put files in as well."""
    folder = tmp_path / 'media'
    folder.mkdir()
    return folder


@pytest.fixture
async def media_app(
    database_url: str, clock: MovableClock, media_folder: Path
) -> AsyncIterator[Quart]:
    """The site over the demo catalogue, keeping its audio in a folder of the test's own."""
    async for served in _serving(settings_for(database_url, media_dir=media_folder), clock):
        yield served


@pytest.fixture
async def empty_app(empty_database_url: str, clock: MovableClock) -> AsyncIterator[Quart]:
    async for served in _serving(settings_for(empty_database_url), clock):
        yield served


@pytest.fixture
def client(app: Quart) -> Client:
    return app.test_client()


@pytest.fixture
async def session(app: Quart) -> AsyncIterator[AsyncSession]:
    """A session on the app's database, for arranging test data."""
    async with db.Database.of(app).sessionmaker() as arranging:
        yield arranging


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f'real data not found at {SHARED_DATA} (see DESIGN.md: ../shared/data)')
    return SHARED_DATA


@pytest.fixture(scope='session')
def audio_samples(audio: AudioSamples) -> dict[str, Path]:
    """`cbr` and `vbr` MP3s and an `m4a` by kind, for tests over each; copy one before
    changing it."""
    return {'cbr': audio.mp3_cbr, 'vbr': audio.mp3_vbr, 'm4a': audio.m4a}


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No `PODSITE_` variables from the shell that runs the tests."""
    for name in list(os.environ):
        if name.startswith('PODSITE_'):
            monkeypatch.delenv(name)


@pytest.fixture
def runner(clean_environment: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    """Typer's runner for the `podsite` command, in a folder of its own, with no settings
    but those a test passes (`env=` on `invoke`, or `monkeypatch.setenv`)."""
    monkeypatch.chdir(tmp_path)
    return CliRunner()


@pytest.fixture
def demo_site(runner: CliRunner, monkeypatch: pytest.MonkeyPatch, database_url: str) -> str:
    """The `podsite` command's database: a fresh copy of the demo catalogue (episodes 1 to
    40); its URL."""
    monkeypatch.setenv('PODSITE_DATABASE_URL', database_url)
    return database_url


@pytest.fixture(scope='session')
def mp3s(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Mp3]:
    """Real audio files, made once: MP3s in CBR and VBR at 44.1 kHz, MPEG-2 at 22.05 kHz, 45
    seconds (shorter than a minute), and VBR behind a tag with large cover art; AAC in MP4
    with its sample table before the audio, after it, and 45 seconds long."""
    folder = tmp_path_factory.mktemp('mp3s')
    signal = varying_signal(folder, seconds=90, sample_rate=44_100)
    short = varying_signal(folder, seconds=45, sample_rate=44_100)
    low = varying_signal(folder, seconds=90, sample_rate=22_050)
    return {
        'cbr': encode(signal, folder / 'cbr.mp3', '-b', '128'),
        'vbr': encode(signal, folder / 'vbr.mp3', '-V', '2'),
        'mpeg2': encode(low, folder / 'mpeg2.mp3', '-b', '64'),
        'short': encode(short, folder / 'short.mp3', '-b', '128'),
        'artwork': encode(signal, folder / 'artwork.mp3', '-V', '2', artwork=True),
        'm4a': encode_m4a(signal, folder / 'fast.m4a', fast_start=True),
        'm4a_moov_last': encode_m4a(signal, folder / 'moov-last.m4a', fast_start=False),
        'm4a_short': encode_m4a(short, folder / 'short.m4a', fast_start=True),
    }
