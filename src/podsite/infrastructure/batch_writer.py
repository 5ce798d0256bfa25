"""Events recorded on the request path and written in batches off it.

`record()` only appends to a list, so a download or a redirect never waits for the
database. A background task writes a batch every `interval` seconds (or sooner when
`max_batch` events are waiting); `stop()` writes whatever is left, so a clean shutdown
loses nothing. When the database is unavailable, events stay queued and are retried.
"""

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from itertools import islice

logger = logging.getLogger(__name__)


class BatchWriter[Event]:
    def __init__(
        self,
        write: Callable[[list[Event]], Awaitable[None]],
        *,
        name: str,
        interval: float = 2.0,
        max_batch: int = 500,
        max_queued: int = 200_000,
        enabled: bool = True,
    ) -> None:
        self.write = write
        self.enabled = enabled
        self.name = name
        self.interval = interval
        self.max_batch = max_batch
        self._queue: deque[Event] = deque(maxlen=max_queued)
        self._dropped = 0
        """Events dropped from the front of a full queue since the writer was made."""
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def record(self, event: Event) -> None:
        if not self.enabled:
            return
        if len(self._queue) == self._queue.maxlen:
            # Memory is the limit when the database stays down for long; say so, loudly.
            logger.error(
                '%s queue full (%d); dropping the oldest event', self.name, self._queue.maxlen
            )
            self._dropped += 1
        self._queue.append(event)  # a full deque drops its oldest event itself
        if len(self._queue) >= self.max_batch:
            self._wake.set()

    @property
    def pending(self) -> int:
        return len(self._queue)

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name=f'{self.name} writer')

    async def stop(self) -> None:
        """Lets a write in progress finish (cancelling it could store a batch twice)."""
        if self._task is not None:
            self._stopping = True
            self._wake.set()
            await self._task
            self._task = None
        # Nothing comes after these flushes, so events recorded while one writes go too; a
        # failed write ends them, with its events still queued.
        while self._queue and await self.flush():
            pass

    async def flush(self, *, full_batches_only: bool = False) -> bool:
        """Writes the events queued when it was called; False if a write failed. Those
        recorded while it writes wait for the next flush: under steady traffic, chasing
        them kept one write in progress at all times, a transaction for every few events."""
        waiting = len(self._queue)
        while waiting >= (self.max_batch if full_batches_only else 1):
            batch = list(islice(self._queue, min(self.max_batch, waiting)))
            dropped_before = self._dropped
            try:
                await self.write(batch)
            except Exception:
                logger.exception('%s: writing %d events failed; will retry', self.name, len(batch))
                return False
            # A queue that filled up while the batch was written dropped its oldest events,
            # the batch's own first: only the batch's events still queued leave it now.
            dropped = self._dropped - dropped_before
            for _ in range(len(batch) - dropped):
                self._queue.popleft()
            waiting -= max(len(batch), dropped)
        return True

    async def _run(self) -> None:
        while not self._stopping:
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval)
                woken_early = not self._stopping
            except TimeoutError:
                woken_early = False
            self._wake.clear()
            # Woken by a full batch, only full batches go: the events that came in while one
            # was written wait for the next, instead of each costing a transaction.
            await self.flush(full_batches_only=woken_early)
