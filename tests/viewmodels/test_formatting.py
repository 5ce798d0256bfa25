from datetime import datetime

from podsite.viewmodels.shared.formatting import date_text, duration_text


def test_dates_read_with_the_english_month_abbreviation() -> None:
    assert date_text(datetime(2024, 11, 14)) == 'Nov 14, 2024'
    assert [date_text(datetime(2025, month, 1)).split()[0] for month in range(1, 13)] == [
        'Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'
    ]  # fmt: skip


def test_durations_read_in_minutes_then_hours() -> None:
    assert duration_text(58 * 60) == '58 min'
    assert duration_text(72 * 60) == '1 h 12 min'
