"""How numbers and dates read on the pages."""

from datetime import datetime


def duration_text(seconds: int) -> str:
    """`58 min`, `1 h 12 min`."""
    minutes = round(seconds / 60)
    if minutes < 60:
        return f'{minutes} min'
    return f'{minutes // 60} h {minutes % 60} min'


def date_text(moment: datetime) -> str:
    """`Nov 14, 2024`."""
    return f'{moment:%b} {moment.day}, {moment.year}'
