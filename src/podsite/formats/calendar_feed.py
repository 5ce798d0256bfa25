"""A small iCalendar (RFC 5545) writer: just what a published schedule of events needs.

Lines end in CRLF and are folded at 75 octets (never inside a UTF-8 character); text values
are escaped; times are written in UTC.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

MAX_LINE_OCTETS = 75
CRLF = '\r\n'


@dataclass(frozen=True)
class Event:
    uid: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    description: str
    url: str
    changed_at: datetime
    """When the event was last revised: its DTSTAMP and LAST-MODIFIED, so an unchanged
    calendar is byte for byte the same (caches and static exports keep it)."""


def escape_text(value: str) -> str:
    """TEXT values: backslash, semicolon and comma escaped, every newline as `\\n`."""
    escaped = value.replace('\\', '\\\\').replace(';', '\\;').replace(',', '\\,')
    return escaped.replace('\r\n', '\\n').replace('\r', '\\n').replace('\n', '\\n')


def utc_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')


def fold(line: str) -> str:
    """Splits a content line into 75-octet pieces; each continuation starts with a space,
    which counts towards its 75."""
    pieces: list[str] = []
    current = ''
    size = 0
    limit = MAX_LINE_OCTETS
    for character in line:
        width = len(character.encode('utf-8'))
        if size + width > limit:
            pieces.append(current)
            current, size, limit = '', 0, MAX_LINE_OCTETS - 1
        current += character
        size += width
    pieces.append(current)
    return (CRLF + ' ').join(pieces)


def calendar(events: Iterable[Event], *, product_id: str, name: str) -> str:
    lines = [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        f'PRODID:{product_id}',
        'CALSCALE:GREGORIAN',
        'METHOD:PUBLISH',
        f'X-WR-CALNAME:{escape_text(name)}',
    ]
    for event in events:
        lines += [
            'BEGIN:VEVENT',
            f'UID:{event.uid}',
            f'DTSTAMP:{utc_time(event.changed_at)}',
            f'LAST-MODIFIED:{utc_time(event.changed_at)}',
            f'DTSTART:{utc_time(event.starts_at)}',
            f'DTEND:{utc_time(event.ends_at)}',
            f'SUMMARY:{escape_text(event.summary)}',
            f'DESCRIPTION:{escape_text(event.description)}',
            f'URL:{event.url}',
            'END:VEVENT',
        ]
    lines.append('END:VCALENDAR')
    return ''.join(fold(line) + CRLF for line in lines)
