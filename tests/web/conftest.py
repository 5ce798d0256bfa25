"""Fixtures of the web tests alone: visitors of the demo site (anonymous, an administrator,
an administrator of the site that keeps uploads in a folder of the test's own), the sites
with nothing published, and the count of SQL statements a page runs."""

import sqlite3
from collections.abc import Iterator

import asyncpg
import pytest
from asyncpg.connection import LoggedQuery
from quart import Quart
from quart.typing import TestClientProtocol as Client
from sqlalchemy import event

from podsite.data import Podcast
from podsite.infrastructure import db
from tests.databases import QueryCounter, when_the_fast_path_takes_a_connection
from tests.visitors import Browser, logged_in


@pytest.fixture
def browser(app: Quart) -> Browser:
    return Browser(app.test_client())


@pytest.fixture
async def admin(app: Quart) -> Browser:
    return await logged_in(app, role='admin', email='admin@example.com')


@pytest.fixture
async def media_admin(media_app: Quart) -> Browser:
    """An administrator of `media_app`, whose uploads land in `media_folder`."""
    return await logged_in(media_app, role='admin', email='admin@example.com')


@pytest.fixture
def empty_client(empty_app: Quart) -> Client:
    return empty_app.test_client()


@pytest.fixture
async def new_site_client(empty_app: Quart) -> Client:
    """A site just set up (the show's settings stored), with nothing published yet."""
    async with empty_app.app_context():
        db.session().add(Podcast(id=1, title='A New Show'))
        await db.session().commit()
    return empty_app.test_client()


@pytest.fixture
def queries(app: Quart, monkeypatch: pytest.MonkeyPatch) -> Iterator[QueryCounter]:
    """Counts the SQL statements the app sends from now on."""
    counter = QueryCounter()
    database = db.Database.of(app)

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        counter.record(statement)

    # Prepared reads run below SQLAlchemy, on the driver's connection: on SQLite, SQLite
    # reports what it runs; on PostgreSQL, asyncpg logs what is run on the connections of
    # the fast path's pool (the app's own, and gone with it).
    def log_driver_queries(connection: asyncpg.Connection) -> None:
        connection.add_query_logger(record_driver_query)

    def record_driver_query(logged: LoggedQuery) -> None:
        counter.record(logged.query)

    def trace_sqlite(dbapi_connection: sqlite3.Connection, *_args: object) -> None:
        traced.add(dbapi_connection)
        dbapi_connection.set_trace_callback(counter.record)

    traced: set[sqlite3.Connection] = set()
    engine = database.engine.sync_engine
    event.listen(engine, 'before_cursor_execute', record)
    if database.server_reads is not None:
        when_the_fast_path_takes_a_connection(monkeypatch, database, log_driver_queries)
    if database.sqlite_reads is not None:
        event.listen(database.sqlite_reads, 'checkout', trace_sqlite)
        trace_sqlite(database.in_place_connection())
    yield counter
    if database.sqlite_reads is not None:
        event.remove(database.sqlite_reads, 'checkout', trace_sqlite)
    for traced_connection in traced:
        traced_connection.set_trace_callback(None)
    event.remove(engine, 'before_cursor_execute', record)
