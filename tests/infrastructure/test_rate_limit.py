"""The rate limiter: fixed windows; where they are counted (Redis, else the database for
attempts and the process for probes and bans); and a Redis in trouble, paused or stopped,
left alone for a while so that the site stays fast and the limits never switch off."""

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from limits.aio.storage import MemoryStorage
from quart import Quart
from redis.asyncio import Redis
from sqlalchemy import func, select
from time_machine import TimeMachineFixture

from podsite.app import create_app
from podsite.data import RateLimitCounter
from podsite.infrastructure import db
from podsite.infrastructure.rate_limit import (
    PURGE_INTERVAL_SECONDS,
    REDIS_PREFIX,
    DatabaseStorage,
    RateLimiter,
    redis_storage,
)
from podsite.services.accounts import account_service
from tests.databases import settings_for
from tests.servers import RedisServer, podsite_server

TIMEOUT = 0.2
COOL_DOWN = 30
LOGGER = 'podsite.infrastructure.rate_limit'


@pytest.fixture
def wall_clock(time_machine: TimeMachineFixture) -> TimeMachineFixture:
    """Wall-clock time, which `limits`' windows and the circuit breaker's cool-down run on,
    held still until a test moves it (asyncio's timeouts run on another clock)."""
    time_machine.move_to(1_800_000_000.0, tick=False)
    return time_machine


def in_memory() -> RateLimiter:
    return RateLimiter(attempts=MemoryStorage())


@pytest.fixture
async def redis_limiter(own_redis: RedisServer) -> AsyncIterator[RateLimiter]:
    """A limiter on the test's own Redis; its fallback for attempts is in memory, where the
    test can see what was counted there."""
    async with limiter_on(own_redis) as limiter:
        yield limiter


@asynccontextmanager
async def limiter_on(server: RedisServer) -> AsyncIterator[RateLimiter]:
    storage, pool = redis_storage(server.url, timeout_seconds=TIMEOUT)
    limiter = RateLimiter(
        attempts=MemoryStorage(), redis=storage, pool=pool, retry_seconds=COOL_DOWN
    )
    try:
        yield limiter
    finally:
        await limiter.close()


async def redis_keys(server: RedisServer) -> list[bytes]:
    client = Redis.from_url(server.url)
    try:
        return sorted(await client.keys(f'{REDIS_PREFIX}:*'))
    finally:
        await client.aclose()


async def allowed(limiter: RateLimiter, key: str, *, limit: int, times: int) -> list[bool]:
    return [(await limiter.hit(key, limit=limit, window_seconds=60)).allowed for _ in range(times)]


# Fixed windows


async def test_the_limit_is_allowed_per_window_then_refused(wall_clock: TimeMachineFixture) -> None:
    limiter = in_memory()
    results = [await limiter.hit('k', limit=3, window_seconds=60) for _ in range(5)]
    assert [r.allowed for r in results] == [True, True, True, False, False]
    assert results[3].retry_after_seconds == 60
    wall_clock.shift(20.5)
    refused = await limiter.hit('k', limit=3, window_seconds=60)
    assert not refused.allowed and refused.retry_after_seconds == 40
    assert (await limiter.hit('other key', limit=3, window_seconds=60)).allowed
    wall_clock.shift(40)
    assert (await limiter.hit('k', limit=3, window_seconds=60)).allowed
    assert (await limiter.hit('k', limit=3, window_seconds=60)).allowed


async def test_reset_forgets_a_key(wall_clock: TimeMachineFixture) -> None:
    limiter = in_memory()
    await allowed(limiter, 'k', limit=2, times=2)
    await allowed(limiter, 'kept', limit=1, times=1)
    await limiter.reset('k', limit=2, window_seconds=60)
    await limiter.reset('never seen', limit=2, window_seconds=60)
    assert await allowed(limiter, 'k', limit=2, times=3) == [True, True, False]
    assert await allowed(limiter, 'kept', limit=1, times=1) == [False]


async def test_a_ban_lasts_until_it_expires(wall_clock: TimeMachineFixture) -> None:
    limiter = in_memory()
    await limiter.ban('probe:10.0.0.1', seconds=60)
    assert await limiter.is_banned('probe:10.0.0.1')
    assert not await limiter.is_banned('probe:10.0.0.2')
    wall_clock.shift(60)
    assert not await limiter.is_banned('probe:10.0.0.1')


# Attempts in the database


async def test_attempts_in_the_database_are_exact_across_workers(empty_database_url: str) -> None:
    """Two apps on one database, as two workers or two instances are: forty attempts at
    once against a limit of five let exactly five through."""
    apps = [create_app(settings_for(empty_database_url)) for _ in range(2)]
    async with apps[0].test_app(), apps[1].test_app():
        limiters = [RateLimiter(attempts=DatabaseStorage(app)) for app in apps]
        results = await asyncio.gather(*(
            limiters[attempt % 2].hit('login:account:ada@example.com', limit=5, window_seconds=900)
            for attempt in range(40)
        ))  # fmt: skip
    assert sum(result.allowed for result in results) == 5
    assert all(0 < result.retry_after_seconds <= 900 for result in results if not result.allowed)


async def test_a_window_in_the_database_ends_and_a_new_one_starts(
    empty_app: Quart, wall_clock: TimeMachineFixture
) -> None:
    limiter = RateLimiter(attempts=DatabaseStorage(empty_app))
    assert await allowed(limiter, 'k', limit=2, times=3) == [True, True, False]
    wall_clock.shift(20.5)
    refused = await limiter.hit('k', limit=2, window_seconds=60)
    assert not refused.allowed and refused.retry_after_seconds == 40
    assert await allowed(limiter, 'another', limit=2, times=1) == [True]
    wall_clock.shift(40)
    assert await allowed(limiter, 'k', limit=2, times=3) == [True, True, False]
    await limiter.reset('k', limit=2, window_seconds=60)
    assert await allowed(limiter, 'k', limit=2, times=1) == [True]


async def test_ended_windows_are_purged_and_a_key_of_any_length_fits(
    empty_app: Quart, wall_clock: TimeMachineFixture
) -> None:
    limiter = RateLimiter(attempts=DatabaseStorage(empty_app))
    long_key = 'login:account:' + 'a' * 3000 + '@example.com'
    assert await allowed(limiter, long_key, limit=1, times=2) == [True, False]
    assert await allowed(limiter, long_key + '.org', limit=1, times=1) == [True]
    wall_clock.shift(PURGE_INTERVAL_SECONDS)
    assert await allowed(limiter, 'fresh', limit=1, times=1) == [True]
    async with empty_app.app_context():
        assert await db.session().scalar(select(func.count()).select_from(RateLimitCounter)) == 1


# Redis


async def test_redis_counts_and_bans_are_shared_between_instances(
    own_redis: RedisServer, redis_limiter: RateLimiter
) -> None:
    async with limiter_on(own_redis) as other_instance:
        assert (await redis_limiter.hit('k', limit=2, window_seconds=30)).allowed
        assert (await other_instance.hit('k', limit=2, window_seconds=30)).allowed
        third = await redis_limiter.hit('k', limit=2, window_seconds=30)
        assert not third.allowed and 0 < third.retry_after_seconds <= 30
        await other_instance.reset('k', limit=2, window_seconds=30)
        assert [(await redis_limiter.hit('k', limit=2, window_seconds=30)).allowed
                for _ in range(3)] == [True, True, False]  # fmt: skip

        await redis_limiter.ban('probe:10.0.0.9', seconds=30)
        assert await other_instance.is_banned('probe:10.0.0.9')
        assert not await other_instance.is_banned('probe:10.0.0.10')
    client = Redis.from_url(own_redis.url)
    try:
        for key in await redis_keys(own_redis):
            assert 0 < await client.ttl(key) <= 30
    finally:
        await client.aclose()


async def test_a_paused_redis_costs_one_timeout_then_is_left_alone(
    own_redis: RedisServer, redis_limiter: RateLimiter, caplog: pytest.LogCaptureFixture
) -> None:
    assert not await redis_limiter.is_banned('probe:10.0.0.1')  # connected
    own_redis.pause()

    with caplog.at_level(logging.ERROR, logger=LOGGER):
        started = time.perf_counter()
        assert not await redis_limiter.is_banned('probe:10.0.0.1')
        first = time.perf_counter() - started
        started = time.perf_counter()
        for _ in range(100):
            assert not await redis_limiter.is_banned('probe:10.0.0.1')
        hundred_more = time.perf_counter() - started
        counted = await allowed(redis_limiter, 'login:account:ada', limit=2, times=3)

    assert TIMEOUT * 0.9 < first < TIMEOUT + 0.5
    assert hundred_more < 0.1
    assert counted == [True, True, False]  # in the fallback, as if nothing happened
    assert await redis_limiter.attempts.get('LIMITER/login:account:ada/2/60/second') == 3
    assert caplog.text.count('Redis failed') == 1


async def test_a_stopped_redis_never_switches_the_limits_off(
    own_redis: RedisServer, redis_limiter: RateLimiter
) -> None:
    assert await allowed(redis_limiter, 'warm', limit=5, times=1) == [True]
    own_redis.stop()

    assert await allowed(redis_limiter, 'login:account:ada', limit=3, times=5) == [
        True, True, True, False, False,
    ]  # fmt: skip
    for _ in range(3):
        await redis_limiter.hit_probe('probe:10.0.0.2', limit=2, window_seconds=60)
    assert not (await redis_limiter.hit_probe('probe:10.0.0.2', limit=2, window_seconds=60)).allowed
    await redis_limiter.ban('probe:10.0.0.2', seconds=60)
    assert await redis_limiter.is_banned('probe:10.0.0.2')


async def test_redis_is_tried_again_after_the_cool_down_and_used_when_it_answers(
    own_redis: RedisServer,
    redis_limiter: RateLimiter,
    wall_clock: TimeMachineFixture,
    caplog: pytest.LogCaptureFixture,
) -> None:
    own_redis.pause()
    await redis_limiter.ban('probe:10.0.0.3', seconds=3600)  # fails over to the process
    own_redis.resume()
    await redis_limiter.hit('during', limit=5, window_seconds=60)
    assert await redis_keys(own_redis) == []  # still left alone

    wall_clock.shift(COOL_DOWN + 1)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        await redis_limiter.hit('after', limit=5, window_seconds=60)
    assert await redis_keys(own_redis) == [f'{REDIS_PREFIX}:LIMITER/after/5/60/second'.encode()]
    assert 'Redis answers again' in caplog.text
    assert await redis_limiter.is_banned('probe:10.0.0.3')  # the ban made meanwhile holds


# A served site with its Redis in trouble

EMAIL = 'listener@example.com'
PASSWORD = 'the right password'
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


async def add_listener(database_url: str) -> None:
    app = create_app(settings_for(database_url))
    async with app.test_app(), app.app_context():
        await account_service.create_user(name='Listener', email=EMAIL, password=PASSWORD)


async def log_in(base: str, passwords: list[str]) -> list[str]:
    """What the login form answered to each password, on a new connection each time, so
    that every worker of the server takes its share."""
    answers = []
    fresh_connections = httpx.Limits(max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=base, limits=fresh_connections, timeout=10) as client:
        for password in passwords:
            page = await client.get('/account/login')
            token = TOKEN.search(page.text)
            assert token is not None
            response = await client.post(
                '/account/login',
                data={'email': EMAIL, 'password': password, 'csrf_token': token.group(1)},
            )
            if response.status_code == 302:
                answers.append('logged in')
            elif 'Too many attempts' in response.text:
                answers.append('refused')
            else:
                assert 'not right' in response.text, response.text
                answers.append('wrong')
    return answers


LIMITED = ['wrong'] * 5 + ['refused', 'refused']
"""Five wrong passwords per account are checked (the default limit); then not even the right
one is."""


async def test_without_redis_the_login_limit_is_exact_across_two_workers(
    database_url: str, tmp_path: Path
) -> None:
    await add_listener(database_url)
    with podsite_server(database_url, tmp_path, workers=2) as base:
        assert await log_in(base, ['wrong'] * 6 + [PASSWORD]) == LIMITED


async def durations(base: str, paths: list[str]) -> list[float]:
    taken = []
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        for path in paths:
            started = time.perf_counter()
            response = await client.get(path)
            taken.append(time.perf_counter() - started)
            assert response.status_code == 200, (path, response.status_code)
    return taken


async def test_a_paused_redis_leaves_the_site_fast_and_the_logins_limited(
    database_url: str, tmp_path: Path, own_redis: RedisServer
) -> None:
    await add_listener(database_url)
    pages = ['/health', '/', '/episodes/all'] * 10
    with podsite_server(database_url, tmp_path, workers=2, redis_url=own_redis.url) as base:
        await durations(base, pages)  # pages kept, connections to Redis open
        own_redis.pause()

        taken = await durations(base, pages)
        answers = await log_in(base, ['wrong'] * 6 + [PASSWORD])

    # A worker waits for Redis once (the timeout, 0.25 s), then leaves it alone.
    assert max(taken) < 1.5, taken
    assert sum(taken) < 3, taken
    assert sorted(taken)[-3] < 0.2, taken
    assert answers == LIMITED


async def test_a_stopped_redis_never_switches_the_login_limits_off(
    database_url: str, tmp_path: Path, own_redis: RedisServer
) -> None:
    await add_listener(database_url)
    with podsite_server(database_url, tmp_path, workers=2, redis_url=own_redis.url) as base:
        assert await log_in(base, ['wrong']) == ['wrong']  # counted in Redis
        own_redis.stop()
        answers = await log_in(base, ['wrong'] * 5 + [PASSWORD])
        assert (await durations(base, ['/health', '/']))[-1] < 1

    # Counting starts afresh in the database: the limit again, never none.
    assert answers == ['wrong'] * 5 + ['refused']
