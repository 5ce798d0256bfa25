"""Work an instance repeats in the background, such as turning download events into
counted downloads. Every instance runs it; the work itself must be safe to run twice."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable

from quart import Quart

logger = logging.getLogger(__name__)


def repeat_while_serving(
    app: Quart, work: Callable[[], Awaitable[object]], *, name: str, interval: float
) -> None:
    """Runs `work` in an app context every `interval` seconds while the app serves (0:
    never); stopped before the app's database closes (the `while_serving` hooks end before
    the `after_serving` ones run)."""
    if interval <= 0:
        return

    async def repeat() -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                async with app.app_context():
                    await work()
            except Exception:
                # The next round tries again; a failed round changed nothing (one transaction).
                logger.exception('%s failed', name)

    @app.while_serving
    async def repeating() -> AsyncGenerator[None]:
        task = asyncio.create_task(repeat(), name=name)
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
