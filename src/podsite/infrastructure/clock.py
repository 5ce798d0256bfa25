"""What time it is for the public site: the moment a scheduled episode appears, a live stream
starts and ends, and kept pages and the feed go stale without any write.

Every such decision reads the app's clock, so that a test moves time on instead of sleeping
through it (`create_app(settings, clock=...)`). Moments that are only stamped on a row
(events, sessions, audit entries) read the system clock directly.
"""

from collections.abc import Callable
from datetime import UTC, datetime

from quart import Quart, current_app

Clock = Callable[[], datetime]
"""Returns the current moment, timezone-aware."""

EXTENSION_KEY = 'podsite.clock'


def system_clock() -> datetime:
    return datetime.now(UTC)


def use_clock(app: Quart, clock: Clock) -> None:
    app.extensions[EXTENSION_KEY] = clock


def clock_of(app: Quart) -> Clock:
    clock: Clock = app.extensions[EXTENSION_KEY]
    return clock


def current_clock() -> Clock:
    return clock_of(current_app)


def now() -> datetime:
    """The current app's time."""
    return current_clock()()
