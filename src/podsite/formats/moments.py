"""Dates and times written in the admin's forms or found in feeds, as aware UTC datetimes
within the years every later computation can handle.

Python's `datetime` ends with the year 9999: `9999-12-31T23:59-05:00` overflows when it is
turned into UTC, and a stream starting in the last hours of 9999 overflows when its end is
worked out. Moments outside `EARLIEST` to `LATEST` are refused like unreadable text.
"""

from datetime import UTC, datetime

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def in_utc(moment: datetime) -> datetime | None:
    """The moment in UTC (one without a time zone is read as UTC), or None outside
    `EARLIEST` to `LATEST`."""
    try:
        utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError:
        return None
    return utc if EARLIEST <= utc < LATEST else None


def parse_iso_moment(text: str) -> datetime | None:
    """`2026-12-01T17:00`, with seconds or an offset if given, or None."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return in_utc(moment)
