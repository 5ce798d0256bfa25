"""Which database errors mean "cannot serve now" (a 503 that asks to come back) rather than
"this statement is wrong" (a 500)."""

import socket
import sqlite3
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import create_async_engine

from podsite.infrastructure import db

SERVER_CANNOT_SERVE_NOW = [
    asyncpg.exceptions.CannotConnectNowError('the database system is starting up'),
    asyncpg.exceptions.CannotConnectNowError('the database system is shutting down'),
    asyncpg.exceptions.TooManyConnectionsError('sorry, too many clients already'),
    asyncpg.exceptions.AdminShutdownError('terminating connection due to administrator command'),
    asyncpg.exceptions.CrashShutdownError('terminating connection because of crash'),
    asyncpg.exceptions.ConnectionFailureError('connection failure'),
    asyncpg.exceptions.DiskFullError('could not extend file: No space left on device'),
    asyncpg.exceptions.QueryCanceledError('canceling statement due to statement timeout'),
]
STATEMENT_IS_WRONG = [
    asyncpg.exceptions.PostgresSyntaxError('syntax error in tsquery'),
    asyncpg.exceptions.UniqueViolationError('duplicate key value violates unique constraint'),
]


@pytest.mark.parametrize('error', SERVER_CANNOT_SERVE_NOW, ids=repr)
def test_a_server_that_cannot_serve_now_is_unavailable_however_it_is_raised(
    error: asyncpg.PostgresError,
) -> None:
    assert db.is_unavailable(error)  # run by the driver itself (the fast path)
    assert db.is_unavailable(DBAPIError('SELECT 1', None, error))  # through SQLAlchemy


@pytest.mark.parametrize('error', STATEMENT_IS_WRONG, ids=repr)
def test_a_wrong_statement_is_not_an_outage(error: asyncpg.PostgresError) -> None:
    assert not db.is_unavailable(error)
    assert not db.is_unavailable(DBAPIError('SELECT 1', None, error))
    assert not db.is_unavailable(IntegrityError('INSERT', None, error))


@pytest.mark.parametrize(
    'error',
    [
        ConnectionRefusedError(111, 'Connection refused'),
        ConnectionResetError(104, 'Connection reset by peer'),
        TimeoutError(),
        socket.gaierror(-2, 'Name or service not known'),
        PoolTimeoutError('QueuePool limit of size 10 overflow 10 reached'),
        asyncpg.exceptions.ConnectionDoesNotExistError('connection was closed in the middle'),
    ],
    ids=repr,
)
def test_no_connection_to_be_had_is_unavailable(error: Exception) -> None:
    assert db.is_unavailable(error)


async def test_sqlite_locked_past_its_timeout_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / 'locked.db'
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute('CREATE TABLE t (x)')
    holder.execute('BEGIN EXCLUSIVE')
    engine = create_async_engine(f'sqlite+aiosqlite:///{path}', connect_args={'timeout': 0})
    in_place = sqlite3.connect(path, timeout=0)
    try:
        with pytest.raises(DBAPIError) as raised:
            async with engine.connect() as connection:
                await connection.execute(text('SELECT * FROM t'))
        with pytest.raises(sqlite3.OperationalError) as raised_in_place:
            in_place.execute('SELECT * FROM t')
    finally:
        in_place.close()
        await engine.dispose()
        holder.close()
    assert 'database is locked' in str(raised.value)
    assert db.is_unavailable(raised.value)
    assert db.is_unavailable(raised_in_place.value)
