"""Alembic environment: runs on the connection podsite hands it, or opens its own."""

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from podsite.data import Base
from podsite.services.operations.schema_service import is_modelled

config = context.config
target_metadata = Base.metadata


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == 'sqlite',
        compare_type=True,
        include_object=is_modelled,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_with_own_engine() -> None:
    engine = create_async_engine(config.get_main_option('sqlalchemy.url') or '')
    async with engine.begin() as connection:
        await connection.run_sync(run_migrations)
    await engine.dispose()


given_connection: Connection | None = config.attributes.get('connection')
if given_connection is not None:
    run_migrations(given_connection)
else:
    asyncio.run(run_with_own_engine())
