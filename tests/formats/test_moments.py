"""Dates and times from forms and feeds: in UTC, within the years later sums can handle."""

from datetime import UTC, datetime

import pytest

from podsite.formats.moments import in_utc, parse_iso_moment


def test_a_moment_without_a_zone_is_utc_and_one_with_a_zone_is_moved_to_utc() -> None:
    assert parse_iso_moment('2026-12-01T17:00') == datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    assert parse_iso_moment(' 2026-12-01T17:00+02:00 ') == datetime(2026, 12, 1, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    'text',
    ['', 'yesterday', '2024-02-30T10:00', '9999-12-31T23:59-05:00', '0001-01-01T00:00+05:00',
     '9999-12-31T23:59', '1899-12-31T23:59'],
)  # fmt: skip
def test_unreadable_or_out_of_range_moments_are_none(text: str) -> None:
    assert parse_iso_moment(text) is None


def test_the_ends_of_the_calendar_are_refused_without_overflowing() -> None:
    assert in_utc(datetime.max.replace(tzinfo=UTC)) is None
    assert in_utc(datetime.min) is None
