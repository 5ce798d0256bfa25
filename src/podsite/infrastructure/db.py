"""The database of one app, and the one way podsite reads it.

Reads and writes go through the request's session, `session()`: one `AsyncSession` per app
context, opened on first use and closed at teardown, on the async driver (aiosqlite,
asyncpg), so none of its statements runs on the event loop's thread. Services are the only
code that calls it.

Beside it there is one fast path, `read_records`, for the hottest public reads only: the
episode page, the episode listings and the home page, the layout every page shares, and the
content state that tells whether a kept page is still valid. Each is a `PreparedRead`: a
select built once, compiled once per dialect and run by the driver itself, because
SQLAlchemy's work for each execution (its statement cache lookup, its result objects) costs
more than SQLite reading the rows, and more CPU than PostgreSQL spends on them. It reads
what was committed, never what the same request wrote: only its session sees that.

- On SQLite, a read declared `bounded` (an indexed lookup returning a few rows, whatever
  the size of the catalogue) runs in place, on the event loop's thread, on one plain
  sqlite3 connection the process keeps. Measured on a 10,000-episode catalogue (`podsite
  demo --episodes 10000`, 2026-12-06, two busy cores): the content state 17 µs, the layout
  25, an episode 59, the latest cards 35 and their people 53, the home page's recent guests
  257; one hop to a thread and back (`asyncio.to_thread`) costs 92 µs by itself, and one
  statement through aiosqlite, which hops for each step, about 1.1 ms. A read whose rows
  grow with the catalogue (every episode: 190 ms at that size; a guest's episodes; the
  sponsors) takes one hop to a thread and runs there on a connection of the same engine's
  pool. Whether another connection has committed since the last look (the check before a
  kept page is served) is `PRAGMA data_version` on the in-place connection, which never
  writes: 6 µs, shared by the requests that arrive together (`ContentStateWatch`).
- On a server, the read runs on a connection of asyncpg's own pool, outside any
  transaction (its begin and end would be round trips of their own). The pool neither pings
  a connection it hands out nor resets one given back (asyncpg's reset is a round trip, and
  these reads leave nothing to reset), though it replaces one it knows the server closed; a
  read whose connection the server had cut runs once more. SQLAlchemy's pool, which the
  fast path used before, cost about 110 µs of CPU a read more than asyncpg's (2026-12-07, a
  slow machine: 400 against 290 µs, the bare driver 130); served, a kept page at one
  connection took 965 µs of CPU a request with it and 569 with asyncpg's, a cold page's
  p50 5.3 and 4.6 ms.
"""

import asyncio
import json
import logging
import socket
import sqlite3
from collections.abc import Awaitable, Callable, Mapping
from contextlib import closing
from dataclasses import dataclass
from typing import Any

import asyncpg
from quart import Quart, current_app, g
from sqlalchemy import Dialect, Engine, PoolProxiedConnection, Select, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from podsite.settings import Settings

EXTENSION_KEY = 'podsite.database'
logger = logging.getLogger(__name__)
COMMIT_CHECK = 'PRAGMA data_version'
SQLALCHEMY_ADAPTER_OPTIONS = ('prepared_statement_cache_size', 'prepared_statement_name_func')
"""Options of a database URL that SQLAlchemy's asyncpg adapter takes, not asyncpg."""

Record = dict[str, Any]
"""A row of a prepared read, by column name."""
Processor = Callable[[Any], Any]


@dataclass(frozen=True)
class DriverStatement:
    """A select compiled for the driver: its SQL, how to bind its parameters in order, and
    how to turn each column's raw value into Python (dates, booleans, JSON)."""

    sql: str
    parameter_names: tuple[str, ...]
    fixed_values: dict[str, Any]
    bind_processors: dict[str, Processor | None]
    columns: tuple[str, ...]
    result_processors: tuple[Processor | None, ...]

    @classmethod
    def compile(cls, statement: Select[*tuple[Any, ...]], dialect: Dialect) -> 'DriverStatement':
        compiled = statement.compile(dialect=dialect)
        names = tuple(compiled.positiontup or ())
        binds = compiled.binds
        return cls(
            sql=compiled.string,
            parameter_names=names,
            fixed_values={
                name: bind.effective_value for name, bind in binds.items() if not bind.required
            },
            bind_processors={
                name: binds[name].type.dialect_impl(dialect).bind_processor(dialect)
                for name in names
            },
            columns=tuple(statement.selected_columns.keys()),
            result_processors=tuple(
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in statement.selected_columns
            ),
        )

    def arguments(self, parameters: Mapping[str, Any]) -> list[Any]:
        """The values in the SQL's order; a parameter not given is a KeyError, as SQLAlchemy
        would refuse to run the statement without it."""
        values = self.fixed_values | dict(parameters)
        arguments = []
        for name in self.parameter_names:
            value = values[name]
            process = self.bind_processors[name]
            arguments.append(value if process is None or value is None else process(value))
        return arguments

    def records(self, rows: list[tuple[Any, ...]]) -> list[Record]:
        processors = self.result_processors
        return [
            {
                column: value if process is None or value is None else process(value)
                for column, value, process in zip(self.columns, row, processors, strict=True)
            }
            for row in rows
        ]


class PreparedRead:
    """A select of the busiest public pages, built once (at import) and compiled once per
    dialect, for `read_records`. `bounded`: it returns a few rows by an indexed lookup
    whatever the size of the catalogue, so on SQLite it runs in place (see the module's
    docstring)."""

    def __init__(self, statement: Select[*tuple[Any, ...]], *, bounded: bool) -> None:
        self.statement = statement
        self.bounded = bounded
        self._compiled: dict[str, DriverStatement] = {}

    def for_dialect(self, dialect: Dialect) -> DriverStatement:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = DriverStatement.compile(
                self.statement, dialect
            )
        return compiled


class Database:
    """The engine and the session factory of one app, and the connections of the fast
    path."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
        self.sqlite_reads: Engine | None = None
        """On SQLite, a plain (sync) engine on the same file for the fast path."""
        self.server_reads: asyncpg.Pool | None = None
        """On a server, the fast path's pool: asyncpg's own, its reads outside any transaction."""
        self._in_place: PoolProxiedConnection | None = None
        self._in_place_openings = 0
        if engine.url.get_backend_name() == 'sqlite':
            self.sqlite_reads = create_sync_engine(
                engine.url.set(drivername='sqlite'), connect_args={'timeout': 15}
            )
            event.listen(self.sqlite_reads, 'connect', _tune_sqlite_connection)
        else:
            connect_args, connect_options = engine.dialect.create_connect_args(engine.url)
            for adapter_option in SQLALCHEMY_ADAPTER_OPTIONS:
                connect_options.pop(adapter_option, None)
            self.server_reads = asyncpg.create_pool(
                *connect_args,
                **connect_options,
                timeout=5,
                # Opened as reads need them; and no more than ten: a burst of requests
                # reaches its reads all at once, and a connection for each would cost the
                # server a backend each (throughput halved from 16 concurrent requests).
                # Reads wait for one of these instead; each holds it for one statement.
                min_size=0,
                max_size=10,
                init=_decode_json,
                reset=_leave_as_is,
            )
        self._server_reads_open = False
        self._opening_server_reads = asyncio.Lock()

    async def records(self, query: PreparedRead, parameters: Mapping[str, Any]) -> list[Record]:
        """The rows of a prepared read, as dicts by column name (see the module's docstring
        for where it runs)."""
        if self.sqlite_reads is not None:
            driver = query.for_dialect(self.sqlite_reads.dialect)
            arguments = driver.arguments(parameters)
            if query.bounded:
                return driver.records(self._rows_in_place(driver.sql, arguments))
            return await asyncio.to_thread(self._records_in_a_thread, driver, arguments)
        server_reads = self.server_reads
        assert server_reads is not None

        if not self._server_reads_open:
            async with self._opening_server_reads:
                if not self._server_reads_open:
                    await server_reads  # connects nothing yet: an outage is the read's 503
                    self._server_reads_open = True
        driver = query.for_dialect(self.engine.dialect)
        arguments = driver.arguments(parameters)

        async def by_the_driver() -> list[Record]:
            async with server_reads.acquire() as connection:
                rows = await connection.fetch(driver.sql, *arguments)
            return driver.records(rows)

        return await again_if_cut(by_the_driver)

    @property
    def tells_commits(self) -> bool:
        """Whether `data_version` tells if another connection committed (SQLite)."""
        return self.sqlite_reads is not None

    def data_version(self) -> tuple[int, int]:
        """On SQLite (`tells_commits`), a value that changes whenever another connection has
        committed to the file (another worker, another instance, the command line; the
        in-place connection never writes). The pragma counts per connection, so the value
        names the connection too: one opened after a failure may count from where the last
        one stood."""
        ((version,),) = self._rows_in_place(COMMIT_CHECK, [])
        return self._in_place_openings, int(version)

    def in_place_connection(self) -> sqlite3.Connection:
        """The connection bounded reads run on, on the event loop's thread; opened on first
        use, so an unreachable file is the request's 503, not a crash."""
        assert self.sqlite_reads is not None, 'reads in place are for SQLite'
        if self._in_place is None:
            self._in_place = self.sqlite_reads.raw_connection()
            self._in_place_openings += 1
        connection = self._in_place.driver_connection
        assert isinstance(connection, sqlite3.Connection)
        return connection

    def _rows_in_place(self, sql: str, arguments: list[Any]) -> list[tuple[Any, ...]]:
        """Checking a connection out of a pool and back for each read cost a third of a
        page's statements, so the loop's thread keeps one; a connection that failed is let
        go."""
        try:
            return self.in_place_connection().execute(sql, arguments).fetchall()
        except sqlite3.Error:
            self._let_go_in_place()
            raise

    def _records_in_a_thread(self, driver: DriverStatement, arguments: list[Any]) -> list[Record]:
        assert self.sqlite_reads is not None
        with closing(self.sqlite_reads.raw_connection()) as connection:
            rows = connection.cursor().execute(driver.sql, arguments).fetchall()
        return driver.records(rows)

    def _let_go_in_place(self) -> None:
        in_place, self._in_place = self._in_place, None
        if in_place is not None:
            in_place.close()

    async def dispose(self) -> None:
        self._let_go_in_place()
        await self.engine.dispose()
        if self.server_reads is not None and self._server_reads_open:
            await self.server_reads.close()
        if self.sqlite_reads is not None:
            self.sqlite_reads.dispose()

    @staticmethod
    def of(app: Quart) -> 'Database':
        found: Database | None = app.extensions.get(EXTENSION_KEY)
        if found is None:
            raise RuntimeError('the database is not open: run inside app.test_app() or serving')
        return found


def create_engine(settings: Settings) -> AsyncEngine:
    if settings.is_sqlite:
        engine = create_async_engine(
            settings.database_url, echo=settings.database_echo, connect_args={'timeout': 15}
        )
        event.listen(engine.sync_engine, 'connect', _tune_sqlite_connection)
        return engine
    return create_async_engine(
        settings.database_url,
        echo=settings.database_echo,
        pool_size=10,
        max_overflow=10,
        pool_pre_ping=True,
        # A dead database must fail fast into the 503 page, not hang the request.
        connect_args={'timeout': 5},
    )


async def _decode_json(connection: asyncpg.Connection) -> None:
    """JSON as SQLAlchemy's asyncpg dialect has it, decoded by the driver: a prepared read's
    column processors, compiled for that dialect, leave JSON to it."""
    for json_type in ('json', 'jsonb'):
        await connection.set_type_codec(
            json_type, encoder=str, decoder=json.loads, schema='pg_catalog'
        )


async def _leave_as_is(connection: asyncpg.Connection) -> None:
    """A connection given back to the fast path's pool has run one read: nothing to reset."""


def _tune_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute('PRAGMA journal_mode=WAL')
    cursor.execute('PRAGMA synchronous=NORMAL')
    cursor.execute('PRAGMA foreign_keys=ON')
    cursor.close()


def init_app(app: Quart) -> None:
    """Closes each app context's session; the app opens and closes the engine itself."""

    @app.teardown_appcontext
    async def close_session(_exc: BaseException | None) -> None:
        request_session: AsyncSession | None = g.pop('_db_session', None)
        if request_session is None:
            return
        try:
            await request_session.close()
        except Exception as error:
            if not is_unavailable(error):
                raise
            # The server cut the connection after the request's last statement (a restart):
            # there is nothing left to roll back, and the answer stands. The connection is
            # let go rather than returned to the pool.
            logger.warning('the database connection was cut at the end of a request: %s', error)
            await request_session.invalidate()


def open_database_for(app: Quart, settings: Settings) -> Database:
    database = Database(create_engine(settings))
    app.extensions[EXTENSION_KEY] = database
    return database


async def close_database_for(app: Quart) -> None:
    database: Database | None = app.extensions.pop(EXTENSION_KEY, None)
    if database is not None:
        await database.dispose()


def database() -> Database:
    return Database.of(current_app)


# SQLSTATE classes of a PostgreSQL server that cannot serve now, whatever the statement:
# connection exceptions (08), insufficient resources such as too many connections (53),
# operator intervention such as starting up, shutting down or a cancelled statement (57),
# system errors such as an I/O error (58).
UNAVAILABLE_SQLSTATE_CLASSES = ('08', '53', '57', '58')

# SQLite's primary result codes of a file it cannot use now: locked past the timeout, out of
# memory, read-only, an I/O error, a full disk, a file it cannot open. A wrong statement is
# SQLITE_ERROR, and stays an error.
UNAVAILABLE_SQLITE_CODES = frozenset({
    sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_NOMEM, sqlite3.SQLITE_READONLY,
    sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PROTOCOL,
})  # fmt: skip

# What says the database is unavailable when the driver gives no code: no connection to be
# had (refused, reset, timed out, a name that does not resolve, a pool with none free in
# time), one lost, or what PEP 249 calls an operational error.
UNAVAILABLE_ERRORS = (
    OperationalError,
    InterfaceError,
    PoolTimeoutError,
    asyncpg.exceptions.InterfaceError,
    ConnectionError,
    TimeoutError,
    socket.gaierror,
)

RAISED_WHEN_UNAVAILABLE = (
    *UNAVAILABLE_ERRORS,
    DBAPIError,
    asyncpg.exceptions.PostgresError,
    sqlite3.Error,
)
"""Every class of error `is_unavailable` may say yes to."""


def is_unavailable(error: BaseException) -> bool:
    """Whether an error says the database cannot serve right now (down, starting, stopping,
    out of connections, locked), rather than that a statement is wrong: the first is a 503
    that asks to come back, the second a 500. Judged by the driver's own code where it
    gives one, as raised by SQLAlchemy or by the driver itself (the fast path)."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    cause = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    if isinstance(cause, sqlite3.Error):
        code = getattr(cause, 'sqlite_errorcode', None)
        return code is not None and code & 0xFF in UNAVAILABLE_SQLITE_CODES
    sqlstate = getattr(cause, 'sqlstate', None)
    if isinstance(sqlstate, str):
        return sqlstate.startswith(UNAVAILABLE_SQLSTATE_CLASSES)
    return isinstance(error, UNAVAILABLE_ERRORS) or isinstance(cause, UNAVAILABLE_ERRORS)


# How asyncpg says a connection is gone, for statements run on it directly.
CUT_BY_SERVER = (
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.InterfaceError,
    ConnectionError,
)


def _connection_cut(error: Exception) -> bool:
    if isinstance(error, DBAPIError):
        return error.connection_invalidated
    return isinstance(error, CUT_BY_SERVER)


async def again_if_cut[Value](read: Callable[[], Awaitable[Value]]) -> Value:
    """Runs `read`, and once more if the server had cut its connection (a restart, say).
    Only for reads: running one twice is safe, and it spares pinging every connection
    before use, a round trip each time."""
    try:
        return await read()
    except (DBAPIError, *CUT_BY_SERVER) as error:
        if not _connection_cut(error):
            raise
    return await read()


async def read_records(query: PreparedRead, parameters: Mapping[str, Any]) -> list[Record]:
    """The fast path: a prepared read's rows as dicts by column name."""
    return await database().records(query, parameters)


def session() -> AsyncSession:
    """The current app context's session, created on first use and closed at teardown."""
    current: AsyncSession | None = g.get('_db_session')
    if current is None:
        current = database().sessionmaker()
        g._db_session = current
    return current
