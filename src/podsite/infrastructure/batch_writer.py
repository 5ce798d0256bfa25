"""Events recorded on the request path and written in batches off it.

`record()` appends the event to the process's spool (`infrastructure/spool.py`): one
`write()` to a local file, so a download or a redirect never waits for the database, and
an event recorded is never lost with the process. A background task seals the spool's open
segment every `interval` seconds (or sooner when `max_batch` events are waiting) and writes
its events in batches of `max_batch`, each in one transaction with the spool's progress
(`SpoolProgress`), so that no event is stored twice either. When the database is
unavailable the events stay in the spool and are retried; what a stop cannot write is
written by the next start, or by a sibling worker.

Events that are only ever added up (a page's sponsor views) may be counted in memory
instead, by a `Tally` the writer empties into the spool at the start of each round.
"""

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from sqlalchemy.exc import DBAPIError

from podsite.infrastructure.db import is_unavailable
from podsite.infrastructure.spool import Segment, Spool, SpoolProgress

logger = logging.getLogger(__name__)

type Write[Event] = Callable[[list[Event], SpoolProgress], Awaitable[None]]
"""Stores events and the spool's progress in one transaction."""
type ReadProgress = Callable[[Sequence[str]], Awaitable[dict[str, int]]]
"""The lines the database has of each of these segments (none: not in the result)."""


class Tally[Event](Protocol):
    """Events counted in memory between rounds, taken as the few events they add up to."""

    def __len__(self) -> int: ...

    def take(self) -> list[Event]: ...


class BatchWriter[Event]:
    def __init__(
        self,
        write: Write[Event],
        read_progress: ReadProgress,
        *,
        spool: Spool,
        encode: Callable[[Event], bytes],
        decode: Callable[[bytes], Event],
        name: str,
        interval: float = 2.0,
        max_batch: int = 500,
        max_unspooled: int = 200_000,
        enabled: bool = True,
        tally: Tally[Event] | None = None,
    ) -> None:
        self.write = write
        self.read_progress = read_progress
        self.spool = spool
        self.encode = encode
        self.decode = decode
        self.enabled = enabled
        self.name = name
        self.interval = interval
        self.max_batch = max_batch
        self.tally = tally
        self._unspooled: deque[Event] = deque(maxlen=max_unspooled)
        """Events the spool could not take (a full disk): kept in memory, as a last resort."""
        self._finished: list[str] = []
        """Segments stored in full whose progress rows the next write deletes."""
        self._spool_failing = False
        self._wake = asyncio.Event()
        self._writing = asyncio.Lock()
        """One flush at a time: two would write the same segment."""
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def record(self, event: Event) -> None:
        if not self.enabled:
            return
        try:
            self.spool.append(self.encode(event))
        except OSError:
            if not self._spool_failing:  # once, not for every request that follows
                logger.exception(
                    '%s: the spool in %s cannot take events; keeping them in memory until it can',
                    self.name,
                    self.spool.folder,
                )
                self._spool_failing = True
            if len(self._unspooled) == self._unspooled.maxlen:
                logger.error('%s: memory queue full; dropping the oldest event', self.name)
            self._unspooled.append(event)
        else:
            if self._spool_failing:
                logger.warning('%s: the spool takes events again', self.name)
                self._spool_failing = False
        if self.spool.unsealed + len(self._unspooled) >= self.max_batch:
            self._wake.set()

    @property
    def pending(self) -> int:
        """Events recorded and not stored yet (adopted segments included)."""
        spooled = sum(segment.lines - (segment.stored or 0) for segment in self.spool.segments)
        tallied = len(self.tally) if self.tally is not None else 0
        return tallied + self.spool.unsealed + spooled + len(self._unspooled)

    def start(self) -> None:
        """Starts writing in the background; the first round takes over the spooled events
        of processes that are gone and writes them, without holding up the start."""
        if not self.enabled:
            return
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name=f'{self.name} writer')

    async def stop(self) -> None:
        """Lets a write in progress finish (cancelling it could leave its commit unknown),
        then writes what is left; what it cannot write stays in the spool."""
        if self._task is not None:
            self._stopping = True
            self._wake.set()
            await self._task
            self._task = None
        if not self.enabled:
            return
        # Nothing comes after these flushes, so events recorded while one writes go too; a
        # failed write ends them.
        stored = await self.flush()
        while stored and self.pending:
            stored = await self.flush()
        if stored and self._finished:
            try:
                await self.write([], SpoolProgress(finished=tuple(self._finished)))
                self._finished.clear()
            except Exception:
                # Rows of segments already deleted: harmless, and nothing else is lost.
                logger.warning('%s: spool progress left in the database', self.name)
        if self.pending:
            logger.warning(
                '%s: %d events could not be written; they stay in %s for the next start',
                self.name,
                self.pending,
                self.spool.folder,
            )
        await self.spool.close()

    async def flush(self) -> bool:
        """Writes every event recorded before the call; False if a write failed (its events
        and those after it stay in the spool). Events recorded while it writes wait for the
        next flush: under steady traffic, chasing them kept one write in progress at all
        times, a transaction for every few events."""
        if not self.enabled:
            return True
        async with self._writing:
            for event in self.tally.take() if self.tally is not None else ():
                self.record(event)
            await self.spool.seal()
            if self._unspooled and not await self._write_unspooled():
                return False
            for segment in list(self.spool.segments):
                if not await self._write_segment(segment):
                    return False
            return True

    async def _write_segment(self, segment: Segment) -> bool:
        try:
            if segment.stored is None:
                progress = await self.read_progress([segment.name])
                segment.stored = progress.get(segment.name, 0)
            while segment.stored < segment.lines:
                count = min(self.max_batch, segment.lines - segment.stored)
                events, read = await asyncio.to_thread(self._read, segment, count)
                stored = segment.stored + read
                await self.write(
                    events, SpoolProgress({segment.name: stored}, tuple(self._finished))
                )
                segment.stored = stored
                self._finished.clear()
                if read < count:
                    break  # the file ends early: lines lost to a power cut
        except Exception as error:
            # A write that failed may have committed all the same: the database says.
            segment.stored = None
            self._write_failed(error, 'they stay in the spool')
            return False
        self.spool.finish(segment)
        self._finished.append(segment.name)
        return True

    async def _write_unspooled(self) -> bool:
        while self._unspooled:
            count = min(self.max_batch, len(self._unspooled))
            batch = [self._unspooled.popleft() for _ in range(count)]
            try:
                await self.write(batch, SpoolProgress(finished=tuple(self._finished)))
            except Exception as error:
                self._write_failed(error, 'will retry')
                self._unspooled.extendleft(reversed(batch))
                return False
            self._finished.clear()
        return True

    def _write_failed(self, error: Exception, then: str) -> None:
        """One line while the database is down (every round of an outage would log its
        traceback), the traceback for anything else."""
        if is_unavailable(error):
            # The driver's own message: SQLAlchemy's adds the statement and its parameters.
            reason = error.orig if isinstance(error, DBAPIError) and error.orig else error
            logger.warning('%s: the database is unavailable (%s); %s', self.name, reason, then)
        else:
            logger.exception('%s: writing events failed; %s', self.name, then)

    def _read(self, segment: Segment, count: int) -> tuple[list[Event], int]:
        """The events of the segment's next `count` lines, and how many lines were read
        (blocking: file reads and decoding run in a thread, off the event loop)."""
        assert segment.stored is not None
        lines = segment.read(segment.stored, count)
        events = []
        for line in lines:
            try:
                events.append(self.decode(line))
            except ValueError:
                # A line cut short by a power cut, or written by another release.
                logger.warning('%s: skipping an unreadable line in %s', self.name, segment.path)
        return events, len(lines)

    async def _run(self) -> None:
        while True:
            # A full batch that woke this round is in it: only one filled meanwhile wakes
            # the next.
            self._wake.clear()
            try:
                async with self._writing:
                    await self.spool.adopt_orphans()
                await self.flush()
            except Exception:
                # The spool's files (a folder gone, a full disk): the next round tries again.
                logger.exception('%s: writing from the spool failed', self.name)
            if self._stopping:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval)
            if self._stopping:
                return
