"""A published schedule of events as an iCalendar (RFC 5545) file, written by `icalendar`.

The library folds lines at 75 octets, escapes text and ends lines in CRLF; times are given
to it in UTC, so every DTSTART and DTEND ends in Z and needs no VTIMEZONE. It writes control
characters as they are (RFC 5545 allows none in text) and cannot encode a lone surrogate, so
every text is cleaned of what XML does not allow first: a few short strings per event.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from podsite.formats.xml_text import clean_text


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


def calendar(events: Iterable[Event], *, product_id: str, name: str) -> str:
    # Imported when a calendar is first asked for: with its time-zone tables the library
    # takes 3 MB of every worker and a tenth of a second of its start.
    import icalendar

    # Built property by property rather than with `Calendar.new`, which gives the calendar
    # a random UID and so would change the file on every request.
    feed = icalendar.Calendar()
    feed.add('version', '2.0')
    feed.add('prodid', product_id)
    feed.add('calscale', 'GREGORIAN')
    feed.add('method', 'PUBLISH')
    # An X- property is of unknown type to the library, which then writes it unescaped.
    feed.add('x-wr-calname', icalendar.vText(clean_text(name)))
    for event in events:
        changed_at = event.changed_at.astimezone(UTC)
        feed.add_component(
            icalendar.Event.new(
                uid=clean_text(event.uid),
                stamp=changed_at,
                last_modified=changed_at,
                start=event.starts_at.astimezone(UTC),
                end=event.ends_at.astimezone(UTC),
                summary=clean_text(event.summary),
                description=clean_text(event.description),
                url=clean_text(event.url),
            )
        )
    written: bytes = feed.to_ical()
    return written.decode()
