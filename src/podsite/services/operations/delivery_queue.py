"""Rows waiting to go out somewhere (an email to its SMTP server, a notice to a WebSub hub)
or to be done (the show's new tags, into a stored audio file), each handled by whichever of
several instances takes it first, and tried again after a failure.

A sender claims a row by moving its `next_attempt_at` on, in one UPDATE that only one sender
can win, so nothing goes out twice; a sender that dies while sending leaves its claims to the
others after CLAIM_FOR. A failed row is due again after FIRST_RETRY_AFTER, doubled after each
failure, until MAX_ATTEMPTS (the last try about half an hour after the first).

The model needs `id`, `sent_at`, `attempts` and `next_attempt_at` (None once sent or given up).
"""

from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.ext.asyncio import AsyncSession

MAX_ATTEMPTS = 6
FIRST_RETRY_AFTER = timedelta(minutes=1)
CLAIM_FOR = timedelta(minutes=5)
BATCH = 100


def retry_at(attempts: int, now: datetime) -> datetime | None:
    """When a row that failed its `attempts`-th time is due again; None: given up."""
    return None if attempts >= MAX_ATTEMPTS else now + FIRST_RETRY_AFTER * 2 ** (attempts - 1)


@dataclass(frozen=True)
class DeliveryQueue:
    model: type[Any]

    async def drain(
        self,
        session: AsyncSession,
        now: Callable[[], datetime],
        deliver: Callable[[int], Awaitable[str]],
        *,
        limit: int | None = None,
    ) -> Counter[str]:
        """Delivers the rows that are due, batch by batch, until none is left or `limit`
        were handled (the rest wait for the next run): how many of each outcome `deliver`
        named."""
        model = self.model
        outcomes: Counter[str] = Counter()
        while limit is None or outcomes.total() < limit:
            batch = BATCH if limit is None else min(BATCH, limit - outcomes.total())
            due = (
                select(model.id)
                .where(model.sent_at.is_(None), model.next_attempt_at <= now())
                .order_by(model.id)
                .limit(batch)
            )
            ids = list(await session.scalars(due))
            await session.commit()
            if not ids:
                return outcomes
            for row_id in ids:
                outcomes[await deliver(row_id)] += 1
        return outcomes

    async def claim(
        self, session: AsyncSession, row_id: int, now: datetime, *columns: Any
    ) -> Row[Any] | None:
        """The row's `columns`, if this sender won it; None: another sender has it, or
        it is no longer due."""
        model = self.model
        claimed = await session.execute(
            update(model)
            .where(model.id == row_id, model.sent_at.is_(None), model.next_attempt_at <= now)
            .values(next_attempt_at=now + CLAIM_FOR)
            .returning(*columns)
        )
        row = claimed.first()
        await session.commit()
        return row

    async def finish(self, session: AsyncSession, row_id: int, **values: object) -> None:
        """Stores the outcome of an attempt, in the caller's transaction (not committed)."""
        await session.execute(update(self.model).where(self.model.id == row_id).values(**values))
