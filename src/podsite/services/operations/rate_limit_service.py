"""The rate limits' counters in the database: fixed windows counted by one atomic upsert
each, so every worker and instance on one database sees the same count, exactly.

Times are seconds since the epoch, as `limits` counts its windows (the caller passes
`now`). A window is a row until it is purged: one that has ended counts as absent, and the
next attempt starts it afresh in the same statement.
"""

import hashlib

from sqlalchemy import case, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from podsite.data.rate_limit import KEY_LENGTH, RateLimitCounter
from podsite.infrastructure import db

HASHED_PREFIX = 'sha256:'


def stored_key(key: str) -> str:
    """The key as kept: as given when it fits the column, else its digest (an address at
    the length limit of an email makes a key longer than any index should hold)."""
    if len(key) <= KEY_LENGTH:
        return key
    return HASHED_PREFIX + hashlib.sha256(key.encode()).hexdigest()


async def count_hit(*, key: str, amount: int, window_seconds: int, now: float) -> int:
    """Adds `amount` to the key's current window, opening a new one if there is none or
    the last has ended; the window's count afterwards."""
    session = db.session()
    dialect = session.get_bind().dialect.name
    upsert = (postgresql.insert if dialect == 'postgresql' else sqlite.insert)(RateLimitCounter)
    ended = RateLimitCounter.expires_at <= now
    statement = (
        upsert.values(key=stored_key(key), hits=amount, expires_at=now + window_seconds)
        .on_conflict_do_update(
            index_elements=[RateLimitCounter.key],
            set_={
                'hits': case((ended, upsert.excluded.hits), else_=RateLimitCounter.hits + amount),
                'expires_at': case(
                    (ended, upsert.excluded.expires_at), else_=RateLimitCounter.expires_at
                ),
            },
        )
        .returning(RateLimitCounter.hits)
    )
    hits = (await session.execute(statement)).scalar_one()
    await session.commit()
    return int(hits)


async def current_window(*, key: str, now: float) -> tuple[int, float] | None:
    """The count of the key's window and when it ends; None when it has none running."""
    row = (
        await db.session().execute(
            select(RateLimitCounter.hits, RateLimitCounter.expires_at).where(
                RateLimitCounter.key == stored_key(key), RateLimitCounter.expires_at > now
            )
        )
    ).one_or_none()
    return None if row is None else (row.hits, row.expires_at)


async def clear(*, key: str) -> None:
    session = db.session()
    await session.execute(delete(RateLimitCounter).where(RateLimitCounter.key == stored_key(key)))
    await session.commit()


async def clear_all() -> int:
    session = db.session()
    result = await session.execute(delete(RateLimitCounter))
    await session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]


async def forget_ended(*, now: float) -> int:
    """Deletes the windows that have ended; how many there were."""
    session = db.session()
    result = await session.execute(
        delete(RateLimitCounter).where(RateLimitCounter.expires_at <= now)
    )
    await session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]
