"""Fixtures of the tools' tests alone: a PostgreSQL database with no schema, to restore a
backup into."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.databases import Backend, DatabaseFactory


@pytest.fixture
async def blank_postgres_url(postgres_server: str, tmp_path: Path) -> AsyncIterator[str]:
    """A new PostgreSQL database without any schema."""
    factory = DatabaseFactory(Backend('postgresql', postgres_server, tmp_path))
    url = await factory.blank()
    yield url
    await factory.drop_all()
