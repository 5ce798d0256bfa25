"""The database engine (one per app) and the session (one per request, opened lazily)."""

from typing import Any

from quart import Quart, current_app, g
from sqlalchemy import Engine, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from podsite.settings import Settings

EXTENSION_KEY = 'podsite.database'


class Database:
    """Owns the engine and the session factory of one app."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
        self.quick_reads: Engine | None = None
        """On SQLite, a plain (sync) engine on the same file for the one-row reads done on
        every request (the content version): aiosqlite hands each step of a statement to a
        thread and back, which costs milliseconds; reading one row of a local file in place
        costs tens of microseconds."""
        if engine.url.get_backend_name() == 'sqlite':
            self.quick_reads = create_sync_engine(
                engine.url.set(drivername='sqlite'), connect_args={'timeout': 15}
            )
            event.listen(self.quick_reads, 'connect', _tune_sqlite_connection)

    async def dispose(self) -> None:
        await self.engine.dispose()
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


def session() -> AsyncSession:
    """The current app context's session, created on first use and closed at teardown."""
    current: AsyncSession | None = g.get('_db_session')
    if current is None:
        current = database().sessionmaker()
        g._db_session = current
    return current
