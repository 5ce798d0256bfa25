"""Rate limits on logins, password resets and sign-ups, and bans of addresses that probe,
kept by `limits` in fixed windows: a counter per key and window, expiring with it. A fixed
window allows up to twice the limit across a window boundary, which is fine for slowing
down password guessing and costs one round trip per attempt. A ban is a counter of its own
that expires when the ban ends.

Where the counters live:

- With `PODSITE_REDIS_URL`, in Redis, shared by every worker and instance.
- Attempts (logins, password resets, sign-ups) otherwise live in the database
  (`rate_limit_service`, one atomic upsert per attempt): exact across the workers and
  instances of one database. They never switch off: when Redis is configured but fails,
  they are counted in the database until Redis answers again (counts then start afresh
  there, so an outage can at most double an attacker's tries, never lift the limit).
- Probe counts and bans otherwise live in the process: the ban check runs on every
  request, kept pages included, and a query there would cost more than the page. A ban is
  also kept in the process that made it, so it holds through a Redis outage and a banned
  address is refused without a round trip.

Redis calls have tight timeouts (`PODSITE_REDIS_TIMEOUT_SECONDS`, connecting included) and
no retries, and go through a circuit breaker (purgatory's): after a failure, Redis is left
alone for `PODSITE_REDIS_RETRY_SECONDS` and the fallbacks answer; then calls try it again,
and the first failure leaves it alone again. A paused Redis (which accepts connections and
never answers) thus costs the requests of one timeout per cool-down, not every request.
"""

import logging
import math
import time
from collections.abc import Awaitable, Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass

from limits import RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.errors import StorageError
from purgatory import AsyncCircuitBreakerFactory, ContextChanged, Event
from purgatory.domain.model import OpenedState
from quart import Quart, current_app
from redis.asyncio import ConnectionPool
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from sqlalchemy.exc import SQLAlchemyError

from podsite.services.operations import rate_limit_service
from podsite.settings import Settings

logger = logging.getLogger(__name__)
EXTENSION_KEY = 'podsite.rate_limiter'
REDIS_PREFIX = 'podsite:ratelimit'
BAN_PREFIX = 'ban/'
REDIS_CIRCUIT = 'redis'
PURGE_INTERVAL_SECONDS = 600


@dataclass(frozen=True)
class RateLimitResult:
    allowed: bool
    retry_after_seconds: int
    """How long until the window ends; 0 when the attempt was allowed."""


class RedisUnusable(Exception):
    """Redis failed just now, or lately (its circuit is open): use the fallback."""


class DatabaseStorage(Storage):
    """A `limits` storage in the app's database (`rate_limit_service`). Each call runs in
    an app context of its own, so its session commits apart from the request's; a database
    that fails fails the request (its 503) rather than letting the attempt through."""

    STORAGE_SCHEME = None

    def __init__(self, app: Quart) -> None:
        super().__init__()
        self._app = app
        self._next_purge = 0.0

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    async def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        async with self._app.app_context():
            if now >= self._next_purge:
                # Ended windows are dead weight; a burst of keys (one per guessed address)
                # must not grow the table for ever.
                self._next_purge = now + PURGE_INTERVAL_SECONDS
                await rate_limit_service.forget_ended(now=now)
            return await rate_limit_service.count_hit(
                key=key, amount=amount, window_seconds=expiry, now=now
            )

    async def get(self, key: str) -> int:
        async with self._app.app_context():
            window = await rate_limit_service.current_window(key=key, now=time.time())
        return 0 if window is None else window[0]

    async def get_expiry(self, key: str) -> float:
        now = time.time()
        async with self._app.app_context():
            window = await rate_limit_service.current_window(key=key, now=now)
        return now if window is None else window[1]

    async def check(self) -> bool:
        try:
            await self.get('check')
        except SQLAlchemyError:
            return False
        return True

    async def reset(self) -> int | None:
        async with self._app.app_context():
            return await rate_limit_service.clear_all()

    async def clear(self, key: str) -> None:
        async with self._app.app_context():
            await rate_limit_service.clear(key=key)


def redis_storage(url: str, *, timeout_seconds: float) -> tuple[RedisStorage, ConnectionPool]:
    """`limits`' Redis storage over a pool of ours (the storage itself has no way to close
    its connections), with tight timeouts and no retries: the circuit breaker decides when
    Redis is worth another try."""
    pool = ConnectionPool.from_url(
        url,
        socket_timeout=timeout_seconds,
        socket_connect_timeout=timeout_seconds,
        retry=Retry(NoBackoff(), 0),
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
    return storage, pool


class RateLimiter:
    """`attempts`: where attempts are counted without Redis (the database when serving).
    `redis`: the shared storage, if any, used while it answers."""

    def __init__(
        self,
        *,
        attempts: Storage,
        redis: Storage | None = None,
        pool: ConnectionPool | None = None,
        retry_seconds: float = 10,
    ) -> None:
        self.attempts = attempts
        self.redis = redis
        self.local = MemoryStorage()
        self.retry_seconds = retry_seconds
        self._pool = pool
        self._breakers = AsyncCircuitBreakerFactory(default_threshold=1, default_ttl=retry_seconds)
        self._breakers.add_listener(self._tell_when_redis_is_back)

    async def hit(self, key: str, *, limit: int, window_seconds: int) -> RateLimitResult:
        """One attempt at something a limit protects (logging in, asking for a reset link,
        signing up): counted in Redis, else in the database."""
        item = RateLimitItemPerSecond(limit, window_seconds)
        return await self._on_redis_or(self.attempts, lambda storage: _hit(storage, item, key))

    async def reset(self, key: str, *, limit: int, window_seconds: int) -> None:
        """Forgets a key's attempts wherever they may have been counted."""
        item = RateLimitItemPerSecond(limit, window_seconds)

        async def clear(storage: Storage) -> None:
            await FixedWindowRateLimiter(storage).clear(item, key)

        await clear(self.attempts)
        if self.redis is not None:
            with suppress(RedisUnusable):
                await self._on_redis(clear)

    async def hit_probe(self, key: str, *, limit: int, window_seconds: int) -> RateLimitResult:
        """One bot probe: counted in Redis, else in the process."""
        item = RateLimitItemPerSecond(limit, window_seconds)
        return await self._on_redis_or(self.local, lambda storage: _hit(storage, item, key))

    async def ban(self, key: str, *, seconds: int) -> None:
        await self.local.incr(BAN_PREFIX + key, seconds)
        if self.redis is not None:
            with suppress(RedisUnusable):
                await self._on_redis(lambda storage: storage.incr(BAN_PREFIX + key, seconds))

    async def is_banned(self, key: str) -> bool:
        if await self.local.get(BAN_PREFIX + key) > 0:
            return True
        if self.redis is None:
            return False
        try:
            return await self._on_redis(lambda storage: storage.get(BAN_PREFIX + key)) > 0
        except RedisUnusable:
            return False

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()

    async def _on_redis_or[Result](
        self, fallback: Storage, operation: Callable[[Storage], Awaitable[Result]]
    ) -> Result:
        if self.redis is not None:
            with suppress(RedisUnusable):
                return await self._on_redis(operation)
        return await operation(fallback)

    async def _on_redis[Result](self, operation: Callable[[Storage], Awaitable[Result]]) -> Result:
        assert self.redis is not None
        try:
            async with await self._breakers.get_breaker(REDIS_CIRCUIT):
                return await operation(self.redis)
        except OpenedState as open_circuit:
            raise RedisUnusable from open_circuit
        except StorageError as error:
            # The breaker is open now: one line per cool-down, however busy the site.
            logger.error(
                'Redis failed (%s): counting attempts in the database and probes in the '
                'process for the next %g s',
                error.storage_error,
                self.retry_seconds,
            )
            raise RedisUnusable from error

    def _tell_when_redis_is_back(self, _circuit: str, _kind: str, event: Event) -> None:
        if isinstance(event, ContextChanged) and event.state == 'closed':
            logger.warning('Redis answers again: rate limits and bans are shared again')


async def _hit(storage: Storage, item: RateLimitItemPerSecond, key: str) -> RateLimitResult:
    windows = FixedWindowRateLimiter(storage)
    if await windows.hit(item, key):
        return RateLimitResult(True, 0)
    ends_at, _ = await windows.get_window_stats(item, key)
    return RateLimitResult(False, max(math.ceil(ends_at - time.time()), 1))


async def first_exceeded(limits: Iterable[tuple[str, int]], *, window_seconds: int) -> str | None:
    """Counts one attempt against each (key, limit); a message if any limit is spent."""
    for key, limit in limits:
        result = await rate_limiter().hit(key, limit=limit, window_seconds=window_seconds)
        if not result.allowed:
            minutes = max(1, -(-result.retry_after_seconds // 60))
            return f'Try again in {minutes} minute{"s" if minutes > 1 else ""}.'
    return None


def init_app(app: Quart, settings: Settings) -> None:
    attempts = DatabaseStorage(app)
    if settings.redis_url:
        redis, pool = redis_storage(
            settings.redis_url, timeout_seconds=settings.redis_timeout_seconds
        )
        limiter = RateLimiter(
            attempts=attempts, redis=redis, pool=pool, retry_seconds=settings.redis_retry_seconds
        )
    else:
        limiter = RateLimiter(attempts=attempts)
    app.extensions[EXTENSION_KEY] = limiter
    app.after_serving(limiter.close)


def rate_limiter() -> RateLimiter:
    limiter: RateLimiter = current_app.extensions[EXTENSION_KEY]
    return limiter
