"""One read shared by every caller waiting for it, none of them answered by a read that
began before it asked."""

import asyncio
from collections.abc import Awaitable, Callable


class FreshReads[T]:
    """Calls `read` for concurrent callers, each getting the result of a read that began
    after it called.

    A caller arriving while a read runs waits for the next read, which everyone arriving
    meanwhile shares: under load a worker sends one query per round trip instead of one per
    request, and whatever was committed before a caller arrived is in its answer.
    """

    def __init__(self, read: Callable[[], Awaitable[T]]) -> None:
        self._read = read
        self._next: asyncio.Future[T] | None = None
        self._reading: asyncio.Task[None] | None = None

    async def __call__(self) -> T:
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
            if self._reading is None:
                self._reading = asyncio.create_task(self._read_for_waiters())
        # A caller that gives up (its client went away) leaves the read to the others.
        return await asyncio.shield(self._next)

    async def _read_for_waiters(self) -> None:
        try:
            while self._next is not None:
                # Taken before the read begins: whoever comes later waits for the next one.
                waiting, self._next = self._next, None
                try:
                    waiting.set_result(await self._read())
                except Exception as error:
                    waiting.set_exception(error)
        finally:
            self._reading = None
