"""Fixtures of the infrastructure tests alone: a Redis server of a test's own."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import RedisServer, redis_server


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis server of this test's own, which it may pause or stop."""
    if shutil.which('redis-server') is None:
        pytest.skip('redis-server is not installed (apt-get install redis-server)')
    folder = tmp_path / 'redis'
    folder.mkdir()
    with redis_server(folder) as server:
        yield server
