"""Schema management: Alembic is the only path that creates or changes tables."""

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from podsite.settings import PACKAGE_DIR

MIGRATIONS_DIR = PACKAGE_DIR / 'migrations'


def is_modelled(
    _object: object, name: str | None, type_: str, _reflected: bool, _compare_to: object
) -> bool:
    """Search's FTS5 tables and tsvector column live in migrations only, not in the models."""
    if type_ == 'table' and (name or '').startswith('search_fts'):
        return False
    return name not in {'search_vector', 'ix_search_document_vector'}


def alembic_config(database_url: str = '') -> Config:
    config = Config()
    config.set_main_option('script_location', str(MIGRATIONS_DIR))
    config.set_main_option('sqlalchemy.url', database_url)
    return config


async def upgrade_to_head(engine: AsyncEngine) -> None:
    def upgrade(connection: Connection) -> None:
        config = alembic_config()
        config.attributes['connection'] = connection
        command.upgrade(config, 'head')

    async with engine.begin() as connection:
        await connection.run_sync(upgrade)


async def current_revision(engine: AsyncEngine) -> str | None:
    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(read)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
