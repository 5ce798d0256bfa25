"""The time a test's app goes by (`create_app(settings, clock=...)`)."""

from datetime import UTC, datetime, timedelta


class MovableClock:
    """The system clock moved on by as much as the test asked: it keeps running, so rows a
    test or the app stamps with the system time stay in order with it, and `advance` gets
    to a later moment (a stream starting, a scheduled episode due) without waiting for it."""

    def __init__(self) -> None:
        self.ahead = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.ahead

    def advance(self, by: timedelta) -> None:
        self.ahead += by
