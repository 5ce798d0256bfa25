"""How numbers and dates read on the pages."""

from datetime import datetime


def duration_text(seconds: int) -> str:
    """`58 min`, `1 h 12 min`."""
    minutes = round(seconds / 60)
    if minutes < 60:
        return f'{minutes} min'
    return f'{minutes // 60} h {minutes % 60} min'


MONTH_ABBREVIATIONS = (
    'Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec',
)  # fmt: skip


def date_text(moment: datetime) -> str:
    """`Nov 14, 2024`: the English abbreviation whatever the process's locale (`%b` follows
    it), and without strftime, which was a tenth of a cold episode page's render."""
    return f'{MONTH_ABBREVIATIONS[moment.month - 1]} {moment.day}, {moment.year}'
