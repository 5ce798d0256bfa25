"""The iCalendar writer: valid RFC 5545 (CRLF, 75-octet lines, escaped text, UTC times),
read back with the same library a subscriber's tooling might use."""

from datetime import UTC, datetime, timedelta, timezone

import icalendar
from hypothesis import given
from hypothesis import strategies as st

from podsite.formats.calendar_feed import Event, calendar
from podsite.formats.xml_text import NOT_IN_XML, clean_text
from tests.strategies import any_text

START = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)


def event(**changes: object) -> Event:
    fields: dict[str, object] = {
        'uid': 'abc@podcast.test',
        'starts_at': START,
        'ends_at': START + timedelta(hours=1),
        'summary': 'Live, with; you',
        'description': 'Line one\nLine two',
        'url': 'https://podcast.test/live-stream',
        'changed_at': datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
    }
    return Event(**(fields | changes))  # type: ignore[arg-type]


def assert_valid_lines(text: str) -> None:
    assert text.endswith('\r\n') and '\n' not in text.replace('\r\n', '')
    for line in text.split('\r\n'):
        assert len(line.encode('utf-8')) <= 75
        line.encode('utf-8').decode('utf-8')  # never cut inside a character


def test_a_calendar_is_published_with_its_events() -> None:
    text = calendar([event()], product_id='-//podsite//test//EN', name='Show, live; now')
    assert_valid_lines(text)
    lines = text.split('\r\n')
    assert lines[:5] == [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        'PRODID:-//podsite//test//EN',
        'CALSCALE:GREGORIAN',
        'METHOD:PUBLISH',
    ]
    assert lines[-2] == 'END:VCALENDAR'
    assert 'SUMMARY:Live\\, with\\; you' in lines
    assert 'DESCRIPTION:Line one\\nLine two' in lines
    # Escaped as TEXT, though the library reads an X- property back as raw text.
    assert 'X-WR-CALNAME:Show\\, live\\; now' in lines
    parsed = icalendar.Calendar.from_ical(text)
    [read] = parsed.events
    assert str(read['UID']) == 'abc@podcast.test'
    assert str(read['SUMMARY']) == 'Live, with; you'
    assert str(read['DESCRIPTION']) == 'Line one\nLine two'
    assert str(read['URL']) == 'https://podcast.test/live-stream'
    assert read.start == START and read.end == START + timedelta(hours=1)
    assert read.DTSTAMP == read.last_modified == datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def test_times_are_written_in_utc() -> None:
    paris = timezone(timedelta(hours=1))
    local = datetime(2026, 12, 1, 18, 30, tzinfo=paris)
    text = calendar(
        [event(starts_at=local, ends_at=local + timedelta(hours=1), changed_at=local)],
        product_id='-//p//EN',
        name='Show',
    )
    lines = text.split('\r\n')
    assert 'DTSTART:20261201T173000Z' in lines and 'DTEND:20261201T183000Z' in lines
    assert 'DTSTAMP:20261201T173000Z' in lines and 'LAST-MODIFIED:20261201T173000Z' in lines
    assert 'VTIMEZONE' not in text


def test_an_unchanged_calendar_is_byte_for_byte_the_same() -> None:
    events = [event(), event(uid='def@podcast.test')]
    first = calendar(events, product_id='-//p//EN', name='Show')
    assert first == calendar(events, product_id='-//p//EN', name='Show')


def test_long_multibyte_text_folds_without_splitting_a_character() -> None:
    summary = 'é' * 40 + '😀' * 20 + ' long words' * 10
    text = calendar([event(summary=summary)], product_id='-//p//EN', name='Show')
    assert_valid_lines(text)
    assert str(icalendar.Calendar.from_ical(text).events[0]['SUMMARY']) == summary


@given(st.text(min_size=0, max_size=400))
def test_any_text_is_written_as_valid_lines_and_reads_back(text: str) -> None:
    written = calendar([event(description=text)], product_id='-//p//EN', name='Show')
    assert_valid_lines(written)
    read = icalendar.Calendar.from_ical(written).events[0]
    # Content lines end in CRLF, so a lone CR or LF in the text comes back as one newline;
    # characters XML does not allow (RFC 5545 allows no control characters) are left out.
    expected = clean_text(text).replace('\r\n', '\n').replace('\r', '\n')
    assert str(read['DESCRIPTION']) == expected


@given(any_text(max_size=200))
def test_no_stored_text_can_break_the_calendar(text: str) -> None:
    """The show's title and a stream's guid, title and description are stored text; the
    address is the site's own, from the settings."""
    written = calendar(
        [event(uid=f'{text}@podcast.test', summary=text, description=text)],
        product_id='-//p//EN',
        name=text,
    )
    assert_valid_lines(written)
    assert NOT_IN_XML.search(written) is None
    read = icalendar.Calendar.from_ical(written)
    assert str(read.events[0]['SUMMARY']) == clean_text(text).replace('\r\n', '\n').replace(
        '\r', '\n'
    )


def test_an_empty_schedule_is_still_a_valid_calendar() -> None:
    text = calendar([], product_id='-//p//EN', name='Show')
    assert text.startswith('BEGIN:VCALENDAR\r\n') and text.endswith('END:VCALENDAR\r\n')
    assert 'BEGIN:VEVENT' not in text
    assert icalendar.Calendar.from_ical(text).events == []
