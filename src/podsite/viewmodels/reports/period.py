"""The period a report covers, chosen in the query string."""

from datetime import UTC, date, datetime, timedelta

from podsite.services.analytics import counting
from podsite.settings import current_settings

PERIODS = {'7': 7, '30': 30, '90': 90, '365': 365, 'all': None}
DEFAULT_PERIOD = '90'


class ReportPeriod:
    def __init__(self, requested: str | None) -> None:
        self.message = ''
        if requested is not None and requested not in PERIODS:
            self.message = (
                f'There is no period {requested[:20]!r}; choose 7, 30, 90 or 365 days, or all. '
                f'Showing {DEFAULT_PERIOD} days.'
            )
            requested = None
        self.key = requested or DEFAULT_PERIOD
        self.today = datetime.now(UTC).date()
        days = PERIODS[self.key]
        self.since: date | None = None if days is None else self.today - timedelta(days=days - 1)
        self.label = 'all time' if days is None else f'the last {days} days'
        self.choices = list(PERIODS)


async def count_new_downloads() -> None:
    """Reports count what came in since the last round first, so they are never stale."""
    settings = current_settings()
    await counting.aggregate_downloads(settings.analytics_window)
