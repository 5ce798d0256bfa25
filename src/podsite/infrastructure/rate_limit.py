"""Rate limits on logins, password resets and signups, and bans of addresses that probe,
kept by `limits`: in Redis when `PODSITE_REDIS_URL` is set, so instances share them, in
the process otherwise.

Fixed windows: a counter per key and window, expiring with it. It allows up to twice the
limit across a window boundary, which is fine for slowing down password guessing and
costs one round trip (or one dict lookup) per attempt. A ban is a counter of its own that
expires when the ban ends.

A Redis outage must not lock every listener out of their account or take the site down:
the limits fail open, and the outage is logged. The limit is a brake on guessing, and
argon2 stays a brake without it.
"""

import logging
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Self

from limits import RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.errors import StorageError
from quart import Quart, current_app
from redis.asyncio import ConnectionPool

from podsite.settings import Settings

logger = logging.getLogger(__name__)
EXTENSION_KEY = 'podsite.rate_limiter'
REDIS_PREFIX = 'podsite:ratelimit'
BAN_PREFIX = 'ban/'
REDIS_TIMEOUT_SECONDS = 2


@dataclass(frozen=True)
class RateLimitResult:
    allowed: bool
    retry_after_seconds: int
    """How long until the window ends; 0 when the attempt was allowed."""


class RateLimiter:
    def __init__(self, storage: Storage, pool: ConnectionPool | None = None) -> None:
        self.storage = storage
        self._windows = FixedWindowRateLimiter(storage)
        self._pool = pool

    @classmethod
    def in_memory(cls) -> Self:
        return cls(MemoryStorage())

    @classmethod
    def in_redis(cls, url: str) -> Self:
        # The storage over a pool of ours: the storage itself has no way to close its
        # connections.
        pool = ConnectionPool.from_url(
            url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
        )
        scheme = 'async+' if url.startswith(('redis://', 'rediss://')) else 'async+redis+'
        storage = RedisStorage(
            scheme + url,
            implementation='redispy',
            wrap_exceptions=True,
            key_prefix=REDIS_PREFIX,
            # Documented as a parameter, though the options' annotation leaves it out.
            connection_pool=pool,  # type: ignore[arg-type]
        )
        return cls(storage, pool)

    async def hit(self, key: str, *, limit: int, window_seconds: int) -> RateLimitResult:
        item = RateLimitItemPerSecond(limit, window_seconds)
        try:
            if await self._windows.hit(item, key):
                return RateLimitResult(True, 0)
            ends_at, _ = await self._windows.get_window_stats(item, key)
        except StorageError as error:
            logger.error('rate limit not applied, Redis failed: %s', error.storage_error)
            return RateLimitResult(True, 0)
        return RateLimitResult(False, max(math.ceil(ends_at - time.time()), 1))

    async def reset(self, key: str, *, limit: int, window_seconds: int) -> None:
        try:
            await self._windows.clear(RateLimitItemPerSecond(limit, window_seconds), key)
        except StorageError as error:
            logger.error('rate limit not reset, Redis failed: %s', error.storage_error)

    async def ban(self, key: str, *, seconds: int) -> None:
        try:
            await self.storage.incr(BAN_PREFIX + key, seconds)
        except StorageError as error:
            logger.error('ban not stored, Redis failed: %s', error.storage_error)

    async def is_banned(self, key: str) -> bool:
        try:
            return await self.storage.get(BAN_PREFIX + key) > 0
        except StorageError as error:
            logger.error('ban not checked, Redis failed: %s', error.storage_error)
            return False

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()


async def first_exceeded(limits: Iterable[tuple[str, int]], *, window_seconds: int) -> str | None:
    """Counts one attempt against each (key, limit); a message if any limit is spent."""
    for key, limit in limits:
        result = await rate_limiter().hit(key, limit=limit, window_seconds=window_seconds)
        if not result.allowed:
            minutes = max(1, -(-result.retry_after_seconds // 60))
            return f'Try again in {minutes} minute{"s" if minutes > 1 else ""}.'
    return None


def init_app(app: Quart, settings: Settings) -> None:
    limiter = (
        RateLimiter.in_redis(settings.redis_url) if settings.redis_url else RateLimiter.in_memory()
    )
    app.extensions[EXTENSION_KEY] = limiter
    app.after_serving(limiter.close)


def rate_limiter() -> RateLimiter:
    limiter: RateLimiter = current_app.extensions[EXTENSION_KEY]
    return limiter
