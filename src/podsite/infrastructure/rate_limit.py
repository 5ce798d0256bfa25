"""Rate limits on logins and password resets, shared between instances through Redis
when `PODSITE_REDIS_URL` is set, per process otherwise.

Fixed windows: a counter per key and window, expiring with it. It allows up to twice the
limit across a window boundary, which is fine for slowing down password guessing and
costs one round trip (or one dict lookup) per attempt.
"""

import logging
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from quart import Quart, current_app
from redis.asyncio import Redis
from redis.exceptions import RedisError

from podsite.settings import Settings

logger = logging.getLogger(__name__)
EXTENSION_KEY = 'podsite.rate_limiter'
REDIS_PREFIX = 'podsite:ratelimit:'
REDIS_BAN_PREFIX = 'podsite:ban:'
# INCR and EXPIRE in one atomic script that runs on any Redis version (EXPIRE NX needs 7.0),
# and a counter found without a TTL gets one, so no key can be locked out for good.
HIT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then
    redis.call('EXPIRE', KEYS[1], ARGV[1])
    ttl = tonumber(ARGV[1])
end
return {count, ttl}
"""


@dataclass(frozen=True)
class RateLimitResult:
    allowed: bool
    remaining: int
    retry_after_seconds: int


class RateLimiter(Protocol):
    async def hit(self, key: str, *, limit: int, window_seconds: int) -> RateLimitResult: ...

    async def reset(self, key: str) -> None: ...

    async def ban(self, key: str, *, seconds: int) -> None: ...

    async def is_banned(self, key: str) -> bool: ...


def _result(count: int, limit: int, retry_after: int) -> RateLimitResult:
    return RateLimitResult(count <= limit, max(limit - count, 0), max(retry_after, 0))


class MemoryRateLimiter:
    """Per process. Expired windows and bans are swept out whenever the tables have doubled
    since the last sweep, so memory follows the keys active in a window and sweeping costs
    O(1) per new key on average, even while a flood of addresses is being counted."""

    def __init__(
        self, *, clock: Callable[[], float] = time.monotonic, sweep_at: int = 1024
    ) -> None:
        self._clock = clock
        self._windows: dict[str, tuple[float, int]] = {}
        self._bans: dict[str, float] = {}
        self._min_sweep_at = sweep_at
        self._sweep_at = sweep_at

    @property
    def size(self) -> int:
        """Windows and bans held, expired ones included until the next sweep."""
        return len(self._windows) + len(self._bans)

    async def hit(self, key: str, *, limit: int, window_seconds: int) -> RateLimitResult:
        now = self._clock()
        ends, count = self._windows.get(key, (0.0, 0))
        if ends <= now:
            ends, count = now + window_seconds, 0
        count += 1
        self._windows[key] = (ends, count)
        self._sweep(now)
        return _result(count, limit, math.ceil(ends - now))

    async def reset(self, key: str) -> None:
        self._windows.pop(key, None)

    async def ban(self, key: str, *, seconds: int) -> None:
        now = self._clock()
        self._bans[key] = now + seconds
        self._sweep(now)

    async def is_banned(self, key: str) -> bool:
        until = self._bans.get(key)
        if until is None:
            return False
        if until <= self._clock():
            del self._bans[key]
            return False
        return True

    def _sweep(self, now: float) -> None:
        if self.size < self._sweep_at:
            return
        self._windows = {key: window for key, window in self._windows.items() if window[0] > now}
        self._bans = {key: until for key, until in self._bans.items() if until > now}
        self._sweep_at = max(self._min_sweep_at, 2 * self.size)


class RedisRateLimiter:
    def __init__(self, url: str) -> None:
        self.redis = Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._hit = self.redis.register_script(HIT_SCRIPT)

    async def hit(self, key: str, *, limit: int, window_seconds: int) -> RateLimitResult:
        try:
            count, ttl = await self._hit(keys=[REDIS_PREFIX + key], args=[window_seconds])
        except (RedisError, OSError) as error:
            # A Redis outage must not lock every listener out of their account; the
            # limit is a brake on guessing, and argon2 stays a brake without it.
            logger.error('rate limit not applied, Redis failed: %s', error)
            return RateLimitResult(True, limit, 0)
        return _result(int(count), limit, int(ttl))

    async def reset(self, key: str) -> None:
        try:
            await self.redis.delete(REDIS_PREFIX + key)
        except (RedisError, OSError) as error:
            logger.error('rate limit not reset, Redis failed: %s', error)

    async def ban(self, key: str, *, seconds: int) -> None:
        try:
            await self.redis.set(REDIS_BAN_PREFIX + key, '1', ex=seconds)
        except (RedisError, OSError) as error:
            logger.error('ban not stored, Redis failed: %s', error)

    async def is_banned(self, key: str) -> bool:
        try:
            return bool(await self.redis.exists(REDIS_BAN_PREFIX + key))
        except (RedisError, OSError) as error:
            logger.error('ban not checked, Redis failed: %s', error)
            return False

    async def close(self) -> None:
        await self.redis.aclose()


async def first_exceeded(limits: Iterable[tuple[str, int]], *, window_seconds: int) -> str | None:
    """Counts one attempt against each (key, limit); a message if any limit is spent."""
    for key, limit in limits:
        result = await rate_limiter().hit(key, limit=limit, window_seconds=window_seconds)
        if not result.allowed:
            minutes = max(1, -(-result.retry_after_seconds // 60))
            return f'Try again in {minutes} minute{"s" if minutes > 1 else ""}.'
    return None


def init_app(app: Quart, settings: Settings) -> None:
    if settings.redis_url:
        limiter = RedisRateLimiter(settings.redis_url)
        app.extensions[EXTENSION_KEY] = limiter

        @app.after_serving
        async def close_redis() -> None:
            await limiter.close()

    else:
        app.extensions[EXTENSION_KEY] = MemoryRateLimiter()


def rate_limiter() -> RateLimiter:
    limiter: RateLimiter = current_app.extensions[EXTENSION_KEY]
    return limiter
