"""Shared fixtures: real databases (SQLite always, PostgreSQL when configured), built by
running the migrations, one fresh copy per test."""

import asyncio
import importlib.util
import itertools
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import asyncpg
import pytest
from asyncpg.connection import LoggedQuery
from flask import Flask
from playwright.async_api import Page, async_playwright
from quart import Quart, Response
from quart.typing import TestClientProtocol as Client
from sqlalchemy import event, make_url, text
from sqlalchemy.engine.interfaces import AdaptedConnection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from podsite.app import create_app
from podsite.infrastructure import db
from podsite.services.accounts import account_service
from podsite.services.operations import schema_service
from podsite.settings import Settings
from podsite.tools import demo_content, demo_service

DEMO_EPISODES = 40
TEST_SECRET_KEY = 'test-secret-key-that-is-long-enough-0123456789'
SHARED_DATA = Path(__file__).resolve().parents[2] / 'shared' / 'data'
REFERENCE_APP = Path(__file__).resolve().parents[1] / 'bench' / 'reference' / 'app.py'


@dataclass(frozen=True)
class Backend:
    """Where test databases live: a folder of SQLite files, or a PostgreSQL server."""

    name: str
    server_url: str | None
    folder: Path

    def url_for(self, database: str) -> str:
        if self.server_url is None:
            return f'sqlite+aiosqlite:///{self.folder / database}.db'
        return make_url(self.server_url).set(database=database).render_as_string(False)


@pytest.fixture(scope='session')
def backend(tmp_path_factory: pytest.TempPathFactory) -> Backend:
    configured = os.environ.get('PODSITE_DATABASE_URL', '')
    folder = tmp_path_factory.mktemp('databases')
    if configured.startswith('postgresql'):
        return Backend('postgresql', configured, folder)
    return Backend('sqlite', None, folder)


class DatabaseFactory:
    """Creates migrated databases from templates and drops them afterwards."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.prefix = f'podsite_test_{os.getpid()}'
        self.counter = itertools.count()
        self.created: list[str] = []

    async def _server_execute(self, *statements: str) -> None:
        assert self.backend.server_url is not None
        engine = create_async_engine(self.backend.server_url, isolation_level='AUTOCOMMIT')
        try:
            async with engine.connect() as connection:
                for statement in statements:
                    await connection.execute(text(statement))
        finally:
            await engine.dispose()

    async def build_template(self, name: str, *, demo_episodes: int) -> str:
        database = f'{self.prefix}_{name}'
        if self.backend.server_url is not None:
            await self._server_execute(
                f'DROP DATABASE IF EXISTS {database}', f'CREATE DATABASE {database}'
            )
            self.created.append(database)
        url = self.backend.url_for(database)
        settings = settings_for(url)
        app = create_app(settings)
        opened = db.open_database_for(app, settings)
        try:
            await schema_service.upgrade_to_head(opened.engine)
            if demo_episodes:
                async with app.app_context():
                    catalogue = demo_content.generate_catalogue(episodes=demo_episodes)
                    await demo_service.load_demo(catalogue)
        finally:
            await db.close_database_for(app)
        return database

    async def blank(self) -> str:
        """A new database without any schema (on SQLite, a file not created yet)."""
        database = f'{self.prefix}_blank_{next(self.counter)}'
        if self.backend.server_url is not None:
            await self._server_execute(f'CREATE DATABASE {database}')
            self.created.append(database)
        return self.backend.url_for(database)

    async def copy(self, template: str) -> str:
        database = f'{self.prefix}_{next(self.counter)}'
        if self.backend.server_url is None:
            shutil.copyfile(
                self.backend.folder / f'{template}.db', self.backend.folder / f'{database}.db'
            )
        else:
            await self._server_execute(f'CREATE DATABASE {database} TEMPLATE {template}')
            self.created.append(database)
        return self.backend.url_for(database)

    async def drop(self, url: str) -> None:
        database = make_url(url).database or ''
        if self.backend.server_url is None:
            await asyncio.to_thread(Path(database).unlink, missing_ok=True)
            return
        await self._server_execute(f'DROP DATABASE IF EXISTS {database} WITH (FORCE)')
        self.created.remove(database)

    async def drop_all(self) -> None:
        if self.backend.server_url is not None and self.created:
            await self._server_execute(
                *(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)' for name in self.created)
            )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def podsite_server(
    database_url: str, folder: Path, *, workers: int = 1, **settings: str
) -> Iterator[str]:
    """`podsite serve` (Granian) in a subprocess on a free loopback port over the database,
    with only the `PODSITE_` settings given here; yields its base URL once /health answers."""
    port = free_port()
    base = f'http://127.0.0.1:{port}'
    env = {name: value for name, value in os.environ.items() if not name.startswith('PODSITE_')}
    env |= {
        'PODSITE_ENVIRONMENT': 'test',
        'PODSITE_SECRET_KEY': TEST_SECRET_KEY,
        'PODSITE_DATABASE_URL': database_url,
        'PODSITE_BASE_URL': base,
    }
    env |= {f'PODSITE_{name.upper()}': value for name, value in settings.items()}
    podsite = str(Path(sys.executable).parent / 'podsite')
    command = [podsite, 'serve', '--port', str(port), '--workers', str(workers)]
    server_log = folder / 'server.log'
    with server_log.open('w') as log:
        # A session of its own, so that the workers can be stopped with their server.
        process = subprocess.Popen(command, env=env, stdout=log, stderr=log, start_new_session=True)
        try:
            deadline = time.monotonic() + 30
            # Every worker must be serving: a test of several workers that only reached the
            # first one to start would prove nothing about the others.
            while not _answers_with_every_worker(base, server_log, workers):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f'podsite serve did not start: {server_log.read_text()}')
                time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                # A worker that does not finish its shutdown must not outlive the test.
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _answers_with_every_worker(base: str, server_log: Path, workers: int) -> bool:
    log = server_log.read_text()
    if not all(f'Started worker-{number}' in log for number in range(1, workers + 1)):
        return False
    try:
        with urllib.request.urlopen(f'{base}/health', timeout=1):  # noqa: S310
            return True
    except OSError:
        return False


def settings_for(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        'environment': 'test',
        'database_url': database_url,
        'secret_key': TEST_SECRET_KEY,
        'base_url': 'https://podcast.test',
    }
    return Settings(_env_file=None, **(values | overrides))  # type: ignore[call-arg,arg-type]


@pytest.fixture(scope='session')
async def databases(backend: Backend) -> AsyncIterator[DatabaseFactory]:
    factory = DatabaseFactory(backend)
    await factory.build_template('empty', demo_episodes=0)
    await factory.build_template('demo', demo_episodes=DEMO_EPISODES)
    yield factory
    await factory.drop_all()


@pytest.fixture
async def database_url(databases: DatabaseFactory) -> AsyncIterator[str]:
    """A fresh database holding the demo catalogue."""
    url = await databases.copy(f'{databases.prefix}_demo')
    yield url
    await databases.drop(url)


@pytest.fixture
async def empty_database_url(databases: DatabaseFactory) -> AsyncIterator[str]:
    """A fresh, migrated database with no rows."""
    url = await databases.copy(f'{databases.prefix}_empty')
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
async def blank_postgres_url(postgres_server: str, tmp_path: Path) -> AsyncIterator[str]:
    """A new PostgreSQL database without any schema."""
    factory = DatabaseFactory(Backend('postgresql', postgres_server, tmp_path))
    url = await factory.blank()
    yield url
    await factory.drop_all()


async def _serving(settings: Settings) -> AsyncIterator[Quart]:
    app = create_app(settings)
    async with app.test_app():
        yield app


@pytest.fixture
async def app(database_url: str) -> AsyncIterator[Quart]:
    """The site over the demo catalogue, with startup and shutdown hooks run."""
    async for served in _serving(settings_for(database_url)):
        yield served


@pytest.fixture
async def empty_app(empty_database_url: str) -> AsyncIterator[Quart]:
    async for served in _serving(settings_for(empty_database_url)):
        yield served


@pytest.fixture
def reference_app(database_url: str) -> Iterator[Flask]:
    """The benchmarks' Flask reference (bench/reference/app.py) over the same database."""
    spec = importlib.util.spec_from_file_location('bench_reference_app', REFERENCE_APP)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    reference: Flask = module.create_app(settings_for(database_url))
    yield reference
    reference.extensions['engine'].dispose()


@pytest.fixture
def client(app: Quart) -> Client:
    return app.test_client()


@pytest.fixture
def empty_client(empty_app: Quart) -> Client:
    return empty_app.test_client()


@pytest.fixture
async def session(app: Quart) -> AsyncIterator[AsyncSession]:
    """A session on the app's database, for arranging test data."""
    async with db.Database.of(app).sessionmaker() as arranging:
        yield arranging


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []
        self.commit_checks = 0
        """`PRAGMA data_version` on SQLite: whether anyone committed, no table read."""

    @property
    def count(self) -> int:
        return len(self.statements)

    @property
    def page_count(self) -> int:
        """Statements other than the content-state read, which on SQLite happens only after
        something was committed, so it is asserted apart from a page's own queries."""
        return sum('site_state.content_version' not in statement for statement in self.statements)

    def record(self, statement: str) -> None:
        if statement == db.COMMIT_CHECK:
            self.commit_checks += 1
        else:
            self.statements.append(statement)

    def reset(self) -> None:
        self.statements.clear()
        self.commit_checks = 0


@pytest.fixture
def queries(app: Quart) -> Iterator[QueryCounter]:
    """Counts the SQL statements the app sends from now on."""
    counter = QueryCounter()
    database = db.Database.of(app)
    engines = [database.engine.sync_engine]
    if database.server_reads is not None:
        engines.append(database.server_reads.sync_engine)

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        counter.record(statement)

    # Prepared reads run below SQLAlchemy, on the driver's connection: on SQLite, SQLite
    # reports what it runs; on PostgreSQL, asyncpg logs what is run on it directly (its
    # loggers do not see the prepared statements SQLAlchemy runs, which the event counts).
    def log_driver_queries(dbapi_connection: AdaptedConnection, *_args: object) -> None:
        watched.add(dbapi_connection.driver_connection)
        dbapi_connection.driver_connection.add_query_logger(record_driver_query)

    def record_driver_query(logged: LoggedQuery) -> None:
        counter.record(logged.query)

    def trace_sqlite(dbapi_connection: sqlite3.Connection, *_args: object) -> None:
        traced.add(dbapi_connection)
        dbapi_connection.set_trace_callback(counter.record)

    watched: set[asyncpg.Connection] = set()
    traced: set[sqlite3.Connection] = set()
    for engine in engines:
        event.listen(engine, 'before_cursor_execute', record)
    if database.server_reads is not None:
        event.listen(database.server_reads.sync_engine, 'checkout', log_driver_queries)
    if database.sqlite_reads is not None:
        event.listen(database.sqlite_reads, 'checkout', trace_sqlite)
        trace_sqlite(database.in_place_connection())
    yield counter
    if database.sqlite_reads is not None:
        event.remove(database.sqlite_reads, 'checkout', trace_sqlite)
    for traced_connection in traced:
        traced_connection.set_trace_callback(None)
    if database.server_reads is not None:
        event.remove(database.server_reads.sync_engine, 'checkout', log_driver_queries)
    for connection in watched:
        connection.remove_query_logger(record_driver_query)
    for engine in engines:
        event.remove(engine, 'before_cursor_execute', record)


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f'real data not found at {SHARED_DATA} (see DESIGN.md: ../shared/data)')
    return SHARED_DATA


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No `PODSITE_` variables from the shell that runs the tests."""
    for name in list(os.environ):
        if name.startswith('PODSITE_'):
            monkeypatch.delenv(name)


class Browser:
    """A visitor with cookies who fills in forms: it reads each form's CSRF token from the
    page first, as a browser would send it."""

    TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')

    def __init__(self, client: Client, cookie: str | None = None) -> None:
        self.client = client
        if cookie is not None:
            self.client.cookie_jar = None  # type: ignore[assignment]
            self.headers = {'Cookie': f'podsite_session={cookie}'}
        else:
            self.headers = {}

    async def page(self, path: str) -> str:
        response = await self.client.get(path, headers=self.headers)
        assert response.status_code == 200, (path, response.status_code)
        return await response.get_data(as_text=True)

    async def submit(self, path: str, form: dict[str, str]) -> Response:
        """Posts the form after loading a page that carries the session's CSRF token."""
        html = await self.page('/account/login' if '/reset/' not in path else path)
        if 'name="csrf_token"' not in html:
            html = await self.page('/account/reset')
        match = self.TOKEN.search(html)
        assert match is not None
        return await self.client.post(
            path, form={**form, 'csrf_token': match.group(1)}, headers=self.headers
        )

    def cookie(self) -> str | None:
        jar = self.client.cookie_jar
        if jar is None:
            return None
        return next((c.value for c in jar if c.name == 'podsite_session'), None)


@pytest.fixture
def browser(app: Quart) -> Browser:
    return Browser(app.test_client())


ADMIN_PASSWORD = 'admin password 123'


async def logged_in(app: Quart, *, role: str, email: str, sponsor_id: int | None = None) -> Browser:
    """A browser logged in as a new account with the role (and, for advertisers, sponsor)."""
    async with app.app_context():
        await account_service.create_user(
            name=role.title(), email=email, password=ADMIN_PASSWORD, role=role,
            sponsor_id=sponsor_id,
        )  # fmt: skip
    browser = Browser(app.test_client())
    response = await browser.submit('/account/login', {'email': email, 'password': ADMIN_PASSWORD})
    assert response.status_code == 302
    return browser


@pytest.fixture
async def admin(app: Quart) -> Browser:
    return await logged_in(app, role='admin', email='admin@example.com')


async def edit_form(admin: Browser, episode_id: int) -> dict[str, str]:
    """The edit form's fields as the page fills them in."""
    html = await admin.page(f'/admin/episodes/{episode_id}')
    fields = dict(re.findall(r'<input id="(\w+)" name="\w+" value="([^"]*)"', html))
    for name in ('summary', 'show_notes', 'people', 'chapters'):
        match = re.search(rf'<textarea id="{name}"[^>]*>(.*?)</textarea>', html, re.S)
        fields[name] = match.group(1) if match else ''
    status = re.search(
        r'<option value="(\w+)" selected="selected">(draft|published|scheduled)', html
    )
    fields['status'] = status.group(1) if status else 'published'
    return {key: unescape(value) for key, value in fields.items()}


CHROMIUM = Path('/usr/bin/chromium')
SCREENSHOTS = Path(__file__).resolve().parents[1] / 'test-artifacts' / 'screenshots'
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason='Debian chromium is not installed (apt-get install chromium)'
)


@dataclass
class BrowserPage:
    """A page in Debian's Chromium that reaches nothing but loopback (anything else, such
    as a YouTube embed, gets an empty answer), with the console errors it logged."""

    page: Page
    console_errors: list[str]

    async def screenshot(self, name: str) -> None:
        """Kept as a test artefact under test-artifacts/screenshots/."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await self.page.screenshot(path=str(SCREENSHOTS / f'{name}.png'), full_page=True)


@asynccontextmanager
async def chromium_page() -> AsyncIterator[BrowserPage]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
        )
        try:
            page = await browser.new_page()
            await page.route(
                re.compile(r'^https?://(?!127\.0\.0\.1[:/])'),
                lambda route: route.fulfill(status=204),
            )
            errors: list[str] = []
            page.on('console', lambda m: errors.append(m.text) if m.type == 'error' else None)
            yield BrowserPage(page, errors)
        finally:
            await browser.close()
