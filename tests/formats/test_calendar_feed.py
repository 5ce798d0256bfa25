"""The iCalendar writer: RFC 5545 line folding, text escaping and UTC times."""

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from podsite.formats.calendar_feed import Event, calendar, escape_text, fold, utc_time


def unfold(text: str) -> str:
    return text.replace('\r\n ', '')


def test_text_escapes_backslashes_semicolons_commas_and_newlines() -> None:
    assert escape_text('a\\b;c,d\ne\r\nf\rg') == 'a\\\\b\\;c\\,d\\ne\\nf\\ng'
    assert escape_text('plain: text') == 'plain: text'


def test_times_are_written_in_utc() -> None:
    paris = timezone(timedelta(hours=1))
    assert utc_time(datetime(2026, 12, 1, 18, 30, tzinfo=paris)) == '20261201T173000Z'


def test_short_lines_are_not_folded() -> None:
    assert fold('SUMMARY:short') == 'SUMMARY:short'
    assert fold('X' * 75) == 'X' * 75


def test_long_lines_fold_at_75_octets_with_a_leading_space() -> None:
    folded = fold('D' * 200)
    pieces = folded.split('\r\n')
    assert [len(piece) for piece in pieces] == [75, 75, 52]
    assert all(piece.startswith(' ') for piece in pieces[1:])
    assert unfold(folded) == 'D' * 200


def test_folding_never_splits_a_multibyte_character() -> None:
    line = 'SUMMARY:' + 'é' * 40 + '😀' * 20
    folded = fold(line)
    for piece in folded.split('\r\n'):
        assert len(piece.encode('utf-8')) <= 75
        piece.encode('utf-8').decode('utf-8')
    assert unfold(folded) == line
    # 'SUMMARY:' is 8 octets, so 33 two-octet letters fill 74 and the 34th must move down.
    assert folded.split('\r\n')[0] == 'SUMMARY:' + 'é' * 33


@given(st.text(min_size=0, max_size=400))
def test_any_text_folds_to_valid_short_lines_and_unfolds_back(text: str) -> None:
    line = 'DESCRIPTION:' + escape_text(text)
    folded = fold(line)
    assert all(len(piece.encode('utf-8')) <= 75 for piece in folded.split('\r\n'))
    assert unfold(folded) == line


def test_a_calendar_is_published_with_crlf_line_ends() -> None:
    start = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    event = Event(
        uid='abc@podcast.test',
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        summary='Live, with; you',
        description='Line one\nLine two',
        url='https://podcast.test/live-stream',
        changed_at=datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
    )
    text = calendar([event], product_id='-//podsite//test//EN', name='Show')
    lines = text.split('\r\n')
    assert lines[-1] == '' and '\n' not in text.replace('\r\n', '')
    assert lines[:5] == [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        'PRODID:-//podsite//test//EN',
        'CALSCALE:GREGORIAN',
        'METHOD:PUBLISH',
    ]
    assert 'SUMMARY:Live\\, with\\; you' in lines
    assert 'DESCRIPTION:Line one\\nLine two' in lines
    assert 'DTSTART:20261201T170000Z' in lines and 'DTEND:20261201T180000Z' in lines
    assert 'DTSTAMP:20261120T093000Z' in lines and 'LAST-MODIFIED:20261120T093000Z' in lines
    assert text == calendar([event], product_id='-//podsite//test//EN', name='Show')
    assert lines[-2] == 'END:VCALENDAR'


def test_an_empty_schedule_is_still_a_valid_calendar() -> None:
    text = calendar([], product_id='-//p//EN', name='Show')
    assert text.startswith('BEGIN:VCALENDAR\r\n') and text.endswith('END:VCALENDAR\r\n')
    assert 'BEGIN:VEVENT' not in text
