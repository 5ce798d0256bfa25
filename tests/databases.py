"""Test databases: real ones (SQLite always, PostgreSQL when `PODSITE_DATABASE_URL` points
at a server), built once per run by running the migrations into two templates (empty, and
the demo catalogue) and copied for every test: a file copy on SQLite, `CREATE DATABASE …
TEMPLATE` on PostgreSQL."""

import asyncio
import itertools
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import Executable, Row, make_url, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import create_async_engine

from podsite.app import create_app
from podsite.data import Base
from podsite.infrastructure import db
from podsite.services.operations import schema_service
from podsite.settings import Settings
from podsite.tools import demo_content, demo_service

DEMO_EPISODES = 40
TEST_SECRET_KEY = 'test-secret-key-that-is-long-enough-0123456789'
TEST_DATA_DIR = Path(tempfile.gettempdir()) / f'podsite-test-data-{os.getpid()}'
"""The data folder of the test run's apps (the spool of each test's database is a folder of
its own in it); removed at the end of the run (`test_data_folder` in conftest)."""


def when_the_fast_path_takes_a_connection(
    monkeypatch: pytest.MonkeyPatch, database: db.Database, use: Callable[[Any], None]
) -> None:
    """Calls `use` with each connection the fast path takes from its pool (PostgreSQL); other
    pools, other apps' included, are left alone."""
    pool = database.server_reads
    assert pool is not None
    acquire = asyncpg.Pool.acquire

    @asynccontextmanager
    async def acquire_and_use(
        taken_from: asyncpg.Pool, *args: Any, **kwargs: Any
    ) -> AsyncIterator[asyncpg.Connection]:
        async with acquire(taken_from, *args, **kwargs) as connection:
            if taken_from is pool:
                use(connection)
            yield connection

    monkeypatch.setattr(asyncpg.Pool, 'acquire', acquire_and_use)


def settings_for(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        'environment': 'test',
        'database_url': database_url,
        'secret_key': TEST_SECRET_KEY,
        'base_url': 'https://podcast.test',
        # Tests send the queued mail themselves (`tests/visitors.py::send_mail`), when they
        # mean to: a sender running on its own would race them.
        'mail_interval_seconds': 0,
        'publish_interval_seconds': 0,
        'tagging_interval_seconds': 0,
        'data_dir': TEST_DATA_DIR,
    }
    return Settings(_env_file=None, **(values | overrides))  # type: ignore[call-arg,arg-type]


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


class DatabaseFactory:
    """Creates migrated databases from templates and drops them afterwards.

    With `ahead`, on PostgreSQL, the next copy of a template is made and a used database
    dropped while the tests go on: a copy and a drop take the server about 0.3 s, which
    each of the suite's thousand-odd tests with a database of its own otherwise waited for.
    """

    def __init__(self, backend: Backend, *, ahead: bool = False) -> None:
        self.backend = backend
        self.prefix = f'podsite_test_{os.getpid()}'
        self.counter = itertools.count()
        self.created: list[str] = []
        self.ahead = ahead and backend.server_url is not None
        self._spares: dict[str, asyncio.Task[str]] = {}
        """Per template, the copy being made for the next test."""
        self._drops: set[asyncio.Task[None]] = set()

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
        if self.backend.server_url is None:
            database = f'{self.prefix}_{next(self.counter)}'
            shutil.copyfile(
                self.backend.folder / f'{template}.db', self.backend.folder / f'{database}.db'
            )
            return self.backend.url_for(database)
        database = await self._spare_or_new_copy(template)
        if self.ahead:
            self._spares[template] = asyncio.create_task(self._new_copy(template))
        return self.backend.url_for(database)

    async def _spare_or_new_copy(self, template: str) -> str:
        spare = self._spares.pop(template, None)
        if spare is not None:
            try:
                return await spare
            except (SQLAlchemyError, OSError):
                pass  # made while a test had the server down: made again now
        return await self._new_copy(template)

    async def _new_copy(self, template: str) -> str:
        database = f'{self.prefix}_{next(self.counter)}'
        await self._server_execute(f'CREATE DATABASE {database} TEMPLATE {template}')
        self.created.append(database)
        return database

    async def demo(self) -> str:
        """A fresh database holding the demo catalogue."""
        return await self.copy(f'{self.prefix}_demo')

    async def empty(self) -> str:
        """A fresh, migrated database with no rows."""
        return await self.copy(f'{self.prefix}_empty')

    async def drop(self, url: str) -> None:
        database = make_url(url).database or ''
        if self.backend.server_url is None:
            await asyncio.to_thread(Path(database).unlink, missing_ok=True)
            return
        if not self.ahead:
            await self._drop_database(database)
            return
        dropping = asyncio.create_task(self._drop_database(database))
        self._drops.add(dropping)
        dropping.add_done_callback(self._drops.discard)

    async def _drop_database(self, database: str) -> None:
        await self._server_execute(f'DROP DATABASE IF EXISTS {database} WITH (FORCE)')
        self.created.remove(database)

    async def drop_all(self) -> None:
        # The spares are dropped with the rest, and any database a drop on the side missed.
        await asyncio.gather(*self._spares.values(), *self._drops, return_exceptions=True)
        if self.backend.server_url is not None and self.created:
            await self._server_execute(
                *(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)' for name in self.created)
            )


class QueryCounter:
    """The SQL statements an app sent, recorded by the `queries` fixture."""

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


Snapshot = dict[str, list[tuple[Any, ...]]]


async def snapshot(database_url: str) -> Snapshot:
    """Every table's rows, in an order and form that do not depend on the database: the
    search index without its ids (the triggers number it), the state row without the
    content version (a restore bumps it on purpose)."""
    engine = create_async_engine(database_url)
    tables: Snapshot = {}
    try:
        async with engine.connect() as connection:
            for table in Base.metadata.sorted_tables:
                leave_out = {'search_document': 'id', 'site_state': 'content_version'}
                columns = [c for c in table.columns if c.name != leave_out.get(table.name)]
                rows = (await connection.execute(select(*columns))).all()
                tables[table.name] = sorted((tuple(row) for row in rows), key=repr)
    finally:
        await engine.dispose()
    return tables


def run_on(database_url: str, statement: Executable) -> list[Row[Any]]:
    """Runs one statement on a database and commits, from a test that is not async (the
    `podsite` command runs its own event loop); the rows it returned, if any."""

    async def run() -> list[Row[Any]]:
        engine = create_async_engine(database_url)
        try:
            async with engine.begin() as connection:
                result = await connection.execute(statement)
                return list(result.all()) if result.returns_rows else []
        finally:
            await engine.dispose()

    return asyncio.run(run())
