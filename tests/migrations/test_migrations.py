"""Alembic is the source of truth: the migrated schema matches the models exactly."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from podsite.data import Base
from podsite.services.operations import schema_service


async def test_migrations_and_models_agree(empty_database_url: str) -> None:
    engine = create_async_engine(empty_database_url)

    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(
            connection,
            opts={'compare_type': True, 'include_object': schema_service.is_modelled},
        )
        return list(compare_metadata(context, Base.metadata))

    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(differences) == []
        assert await schema_service.current_revision(engine) == schema_service.head_revision()
    finally:
        await engine.dispose()
