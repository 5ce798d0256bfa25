"""Lengths and positions in the audio written as clocks: `1:02:03`, `62:03`, `3723`, `00:01:02.500`.

One grammar for every place that reads them (a feed's `itunes:duration`, the admin's episode
form, transcript timestamps), so a length typed in the admin reads as the same length in a feed:
`[[H:]M:]S`, then optionally a fraction after `.` or `,`. The first field may be as large as
it likes (`62:03` is how many feeds write an hour and two minutes); the fields after it are
base-60 digits, one or two of them, at most 59. ASCII digits only: `int()` would refuse some
characters `str.isdigit()` accepts (`²`).

Feeds are read leniently (`lenient=True`): hosts write `00:60:05` for an hour and five
seconds, and podcast apps add fields past 59 up as they were meant, so a feed's fields after
the first may be up to four digits of any value.
"""

import re

MAX_CLOCK_LENGTH = 40
_CLOCK = re.compile(
    r'(?:(?:(?P<h>[0-9]+):)?(?P<m>[0-9]+):)?(?P<s>[0-9]+)(?:[.,](?P<f>[0-9]+))?', re.ASCII
)


def parse_clock(text: str, *, lenient: bool = False) -> float | None:
    """Seconds, to the millisecond (further digits are dropped), or None for anything that is
    not such a clock, or longer than any clock (`int()` refuses over 4,300 digits).
    Whitespace around it is ignored. `lenient` reads a feed's fields past 59."""
    text = text.strip()
    if len(text) > MAX_CLOCK_LENGTH:
        return None
    match = _CLOCK.fullmatch(text)
    if match is None:
        return None
    hours, minutes, seconds, fraction = match.group('h', 'm', 's', 'f')
    inner = (minutes, seconds) if hours is not None else (seconds,) if minutes is not None else ()
    longest, largest = (4, 9999) if lenient else (2, 59)
    if any(len(field) > longest or int(field) > largest for field in inner):
        return None
    whole = (int(hours or 0) * 60 + int(minutes or 0)) * 60 + int(seconds)
    milliseconds = whole * 1000 + int((fraction or '0')[:3].ljust(3, '0'))
    # One division from whole milliseconds, so `00:00:01.100` reads back as the same digits.
    return milliseconds / 1000


def clock_text(seconds: float) -> str:
    """`07:05` or `1:02:03`: a position in the audio, in whole seconds."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f'{hours}:{minutes:02d}:{secs:02d}' if hours else f'{minutes:02d}:{secs:02d}'


def iso_duration(seconds: int) -> str:
    """`PT1H2M3S` for 3723 seconds (ISO 8601, as schema.org's Duration wants it; whole seconds)."""
    hours, rest = divmod(max(seconds, 0), 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        f'{hours}H' if hours else '',
        f'{minutes}M' if minutes else '',
        f'{secs}S' if secs else '',
    ]
    return 'PT' + (''.join(parts) or '0S')


def clock_field(seconds: float) -> str:
    """`1:02:03`, with the fraction of a second where there is one (`0:00:12.5`), to the
    millisecond: what `parse_clock` reads back as the same number."""
    whole, milliseconds = divmod(round(seconds * 1000), 1000)
    text = f'{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}'
    return f'{text}.{milliseconds:03d}'.rstrip('0') if milliseconds else text
