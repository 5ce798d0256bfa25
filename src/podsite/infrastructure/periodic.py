"""Work an instance repeats in the background, such as turning download events into
counted downloads. Every instance runs it; the work itself must be safe to run twice."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable

from quart import Quart

logger = logging.getLogger(__name__)


class PeriodicTask:
    def __init__(self, work: Callable[[], Awaitable[None]], *, name: str, interval: float) -> None:
        self.work = work
        self.name = name
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    def run_while_serving(self, app: Quart) -> None:
        """Starts once the app serves; stopped before the app's database closes (the
        `while_serving` hooks end before the `after_serving` ones run)."""

        @app.while_serving
        async def running() -> AsyncGenerator[None]:
            self.start()
            yield
            await self.stop()

    def start(self) -> None:
        if self.interval > 0:
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.work()
            except Exception:
                # The next round tries again; a failed round changed nothing (one transaction).
                logger.exception('%s failed', self.name)
