"""The database engine (one per app) and the session (one per request, opened lazily)."""

import sqlite3
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg
from quart import Quart, current_app, g
from sqlalchemy import (
    Connection,
    Dialect,
    Engine,
    Executable,
    PoolProxiedConnection,
    Result,
    Row,
    Select,
    event,
)
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.exc import DBAPIError, InvalidatePoolError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from podsite.infrastructure.cache import ContentState
from podsite.infrastructure.fresh_reads import FreshReads
from podsite.infrastructure.sqlite_commits import CommitWatch
from podsite.settings import Settings

EXTENSION_KEY = 'podsite.database'

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
    """A select of the busiest public pages, built once (at import), compiled once per
    dialect and run on the driver's own connection (sqlite3's, asyncpg's): SQLAlchemy's work
    for each execution (its statement cache lookup, its result objects) costs more than
    SQLite reading the rows, and more CPU than PostgreSQL spends on them. See
    `read_records`."""

    def __init__(self, statement: Select[*tuple[Any, ...]]) -> None:
        self.statement = statement
        self._compiled: dict[str, DriverStatement] = {}

    def for_dialect(self, dialect: Dialect) -> DriverStatement:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = DriverStatement.compile(
                self.statement, dialect
            )
        return compiled


class Database:
    """Owns the engine and the session factory of one app."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
        self.quick_reads: Engine | None = None
        """On SQLite, a plain (sync) engine on the same file for the reads of public pages:
        aiosqlite hands each step of a statement to a thread and back, which costs most of a
        millisecond; reading a few rows of a local file in place costs tens of microseconds,
        less than the hop itself."""
        self._commit_watch: tuple[PoolProxiedConnection, CommitWatch] | None = None
        self.content_state_seen: tuple[int, ContentState] | None = None
        """The content state last read, with the commit counter it was read at."""
        self.fresh_content_state: FreshReads[ContentState] | None = None
        """On a server, the shared reads of the content state."""
        self._held: AsyncConnection | None = None
        self._in_place: Connection | None = None
        self.server_reads: AsyncEngine | None = None
        """On a server, an engine for the reads apart from the session, whose connections
        are not pinged when taken from the pool (a round trip each time): a read is safe to
        run again, so one that finds its connection dead is retried once on a new one."""
        if engine.url.get_backend_name() == 'sqlite':
            self.quick_reads = create_sync_engine(
                engine.url.set(drivername='sqlite'), connect_args={'timeout': 15}
            )
            event.listen(self.quick_reads, 'connect', _tune_sqlite_connection)
        else:
            self.server_reads = create_async_engine(
                engine.url,
                echo=engine.echo,
                # No overflow: a burst of requests reaches its reads all at once, and extra
                # connections, closed again as soon as they come back, cost the server a new
                # backend each (throughput halved from 16 concurrent requests). Reads wait
                # for one of these instead; each holds it for one statement.
                pool_size=10,
                max_overflow=0,
                connect_args={'timeout': 5},
                isolation_level='AUTOCOMMIT',
            )
            event.listen(self.server_reads.sync_engine, 'checkout', _refuse_closed_connection)

    def commit_counter(self) -> int | None:
        """On SQLite, a number that changes whenever any connection commits to the file
        (another worker, another instance, the command line), read in microseconds and
        without a query; None on servers, where only a query tells."""
        if self.quick_reads is None:
            return None
        if self._commit_watch is None:
            # Opened on first use, so an unreachable file is the request's 503, not a crash.
            connection = self.quick_reads.raw_connection()
            watched = connection.driver_connection
            assert isinstance(watched, sqlite3.Connection)
            # The watch connection never writes, so every commit is another connection's.
            self._commit_watch = (connection, CommitWatch(watched))
        return self._commit_watch[1].commits()

    def records_in_place(self, query: PreparedRead, parameters: Mapping[str, Any]) -> list[Record]:
        """On SQLite, a prepared read on the connection of `read_in_place`, by the driver."""
        assert self.quick_reads is not None, 'reads in place are for SQLite'
        driver = query.for_dialect(self.quick_reads.dialect)
        connection = self.in_place_driver_connection()
        try:
            rows = connection.execute(driver.sql, driver.arguments(parameters)).fetchall()
        except sqlite3.Error:
            self._let_go_in_place()
            raise
        return driver.records(rows)

    def in_place_driver_connection(self) -> sqlite3.Connection:
        """The SQLite connection under the one `read_in_place` uses."""
        driver_connection = self._in_place_connection().connection.dbapi_connection
        assert isinstance(driver_connection, sqlite3.Connection)
        return driver_connection

    def _in_place_connection(self) -> Connection:
        assert self.quick_reads is not None, 'reads in place are for SQLite'
        if self._in_place is None:
            connection = self.quick_reads.connect()
            self._in_place = connection.execution_options(isolation_level='AUTOCOMMIT')
        return self._in_place

    def _let_go_in_place(self) -> None:
        in_place, self._in_place = self._in_place, None
        if in_place is not None:
            in_place.close()

    def read_in_place(
        self, statement: Executable, parameters: Mapping[str, Any] | None = None
    ) -> Result[Any]:
        """On SQLite, a read on the one connection the process keeps for them, in autocommit
        (every statement sees what was committed before it): reads run on the event loop's
        thread, one at a time, and checking a connection out of a pool and back for each
        request cost a third of a page's statements. A connection that failed is let go."""
        try:
            return self._in_place_connection().execute(statement, parameters)
        except DBAPIError:
            self._let_go_in_place()
            raise

    async def read_one_held[*Columns](
        self, statement: Select[*Columns], parameters: Mapping[str, Any]
    ) -> Row[*Columns]:
        """The one row of a read that runs for every request (the content state on a
        server), on a connection of `server_reads` held open rather than taken from the
        pool and given back each time. For one caller at a time (`FreshReads` sees to
        that)."""

        async def on_the_held_connection() -> Row[*Columns]:
            if self._held is None:
                assert self.server_reads is not None, 'held reads are for servers'
                self._held = await self.server_reads.connect()
            return (await self._held.execute(statement, parameters)).one()

        return await again_if_cut(on_the_held_connection, self._release_held)

    async def _release_held(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            await held.close()

    async def dispose(self) -> None:
        await self._release_held()
        self._let_go_in_place()
        await self.engine.dispose()
        if self.server_reads is not None:
            await self.server_reads.dispose()
        if self._commit_watch is not None:
            connection, watch = self._commit_watch
            watch.close()
            connection.close()
            self._commit_watch = None
        if self.quick_reads is not None:
            self.quick_reads.dispose()

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


def _refuse_closed_connection(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """A connection the server closed while it sat in the pool (a restart) is known dead
    without a round trip; the pool then replaces it, and every connection as old."""
    if dbapi_connection.driver_connection.is_closed():
        raise InvalidatePoolError('the server closed this pooled connection')


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
        if request_session is not None:
            await request_session.close()


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


async def read(statement: Executable, parameters: Mapping[str, Any] | None = None) -> Result[Any]:
    """Runs a read-only statement of a public page apart from the session: on SQLite in
    place (`Database.read_in_place`); on a server on a connection of
    `Database.server_reads`, in autocommit, since a transaction's begin and end are round
    trips of their own and each statement reads committed data anyway. Never for what the
    same request wrote: that is only visible to its own session until committed."""
    current = database()
    if current.quick_reads is not None:
        return current.read_in_place(statement, parameters)

    async def on_a_pooled_connection() -> Result[Any]:
        async with _server_reads(current).connect() as connection:
            return await connection.execute(statement, parameters)  # buffered: safe to return

    return await again_if_cut(on_a_pooled_connection)


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


async def again_if_cut[Value](
    read: Callable[[], Awaitable[Value]], let_go: Callable[[], Awaitable[None]] | None = None
) -> Value:
    """Runs `read`, and once more if the server had cut its connection (a restart, say),
    after `let_go` dropped a connection the read keeps. Only for reads: running one twice is
    safe, and it spares pinging every connection before use, a round trip each time."""
    try:
        return await read()
    except (DBAPIError, *CUT_BY_SERVER) as error:
        if not _connection_cut(error):
            raise
    if let_go is not None:
        await let_go()
    return await read()


async def read_records(query: PreparedRead, parameters: Mapping[str, Any]) -> list[Record]:
    """Runs a prepared read where `read` would run its statement, by the driver itself; its
    rows as dicts by column name."""
    current = database()
    if current.quick_reads is not None:
        return current.records_in_place(query, parameters)

    async def by_the_driver() -> list[Record]:
        async with _server_reads(current).connect() as connection:
            driver = query.for_dialect(connection.dialect)
            driver_connection = (await connection.get_raw_connection()).driver_connection
            assert isinstance(driver_connection, asyncpg.Connection)
            # A connection that dies under this is refused when next taken from the pool.
            rows = await driver_connection.fetch(driver.sql, *driver.arguments(parameters))
        return driver.records(rows)

    return await again_if_cut(by_the_driver)


def _server_reads(current: Database) -> AsyncEngine:
    assert current.server_reads is not None, 'server reads are for PostgreSQL'
    return current.server_reads


def session() -> AsyncSession:
    """The current app context's session, created on first use and closed at teardown."""
    current: AsyncSession | None = g.get('_db_session')
    if current is None:
        current = database().sessionmaker()
        g._db_session = current
    return current
