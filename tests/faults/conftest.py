"""Fault tests: a PostgreSQL cluster of their own, which they stop and start, and a copy of
a small migrated demo database on it for each test."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.databases import Backend, DatabaseFactory
from tests.servers import PostgresCluster, postgres_cluster

FAULT_EPISODES = 3


@pytest.fixture(scope='session')
def cluster() -> Iterator[PostgresCluster]:
    try:
        with postgres_cluster() as running:
            yield running
    except LookupError as reason:
        pytest.skip(f'needs a PostgreSQL cluster of its own: {reason}')


@pytest.fixture(scope='session')
async def cluster_databases(
    cluster: PostgresCluster, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[DatabaseFactory]:
    factory = DatabaseFactory(
        Backend('postgresql', cluster.server_url, tmp_path_factory.mktemp('cluster'))
    )
    await factory.build_template('demo', demo_episodes=FAULT_EPISODES)
    yield factory
    cluster.start_if_stopped()
    await factory.drop_all()


@pytest.fixture
async def cluster_database_url(
    cluster: PostgresCluster, cluster_databases: DatabaseFactory
) -> AsyncIterator[str]:
    """A fresh demo database on the cluster, which the test may stop and start."""
    url = await cluster_databases.demo()
    yield url
    cluster.start_if_stopped()
    await cluster_databases.drop(url)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Where the test's servers keep their logs and data (the spool)."""
    return tmp_path
