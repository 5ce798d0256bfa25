"""The one clock grammar that feeds, the episode form and transcripts read."""

import pytest

from podsite.formats.durations import clock_text, iso_duration, parse_clock


@pytest.mark.parametrize(
    ('text', 'seconds'),
    [
        ('1:02:03', 3723),
        ('01:02:03', 3723),
        ('1:2:3', 3723),
        ('62:03', 3723),
        ('00:45', 45),
        ('3723', 3723),
        ('0', 0),
        ('100:00:00', 360_000),
        ('  45:00 \n', 2700),
        ('3723.7', 3723.7),
        ('3723,7', 3723.7),
        ('00:00:01.100', 1.1),
        ('01:02:03.500', 3723.5),
        ('02:03,5', 123.5),
        ('1:02:03.05', 3723.05),
        # Milliseconds are the precision; further digits are dropped, not rounded.
        ('0:00.12345', 0.123),
        ('61:01.000', 3661),
    ],
)
def test_accepted_clocks(text: str, seconds: float) -> None:
    assert parse_clock(text) == seconds


@pytest.mark.parametrize(
    'text',
    [
        '',
        '   ',
        'about an hour',
        '-5',
        '+5',
        '1:60:00',
        '1:00:60',
        '00:61:01.000',
        '1:002:03',
        '1:02:003',
        '1:02:03:04',
        ':45',
        '45:',
        '1::03',
        '1:02:03.',
        '.5',
        '1e3',
        '1 h',
        '1:02:03 extra',
        '4\u00b2',  # a superscript two is a digit to str.isdigit(), not to int()
        '\u0661:\u0660\u0660',  # Arabic-Indic digits
        '9' * 5000,  # more digits than int() reads
        '1:00:00.' + '0' * 5000,
    ],
)
def test_refused_clocks(text: str) -> None:
    assert parse_clock(text) is None


@pytest.mark.parametrize(
    ('text', 'seconds'),
    [('00:60:05', 3605), ('1:60:00', 7200), ('0:0:75', 75), ('90:90', 5490), ('1:02:03', 3723)],
)
def test_a_lenient_reading_adds_up_fields_past_59_as_feeds_mean_them(
    text: str, seconds: int
) -> None:
    assert parse_clock(text) is None or text == '1:02:03'
    assert parse_clock(text, lenient=True) == seconds


@pytest.mark.parametrize('text', ['1:02:03:04', '1:12345:00', 'about an hour', '-5', '4\u00b2'])
def test_a_lenient_reading_still_refuses_what_is_no_clock(text: str) -> None:
    assert parse_clock(text, lenient=True) is None


def test_milliseconds_read_back_as_the_same_digits() -> None:
    assert [parse_clock(f'00:00:00.{ms:03d}') for ms in range(1000)] == [
        ms / 1000 for ms in range(1000)
    ]


@pytest.mark.parametrize(
    ('seconds', 'text'),
    [(0, '00:00'), (425, '07:05'), (3723, '1:02:03'), (3723.9, '1:02:03'), (36_000, '10:00:00')],
)
def test_clock_text(seconds: float, text: str) -> None:
    assert clock_text(seconds) == text
    assert parse_clock(text) == int(seconds)


@pytest.mark.parametrize(
    ('seconds', 'written'),
    [(0, 'PT0S'), (59, 'PT59S'), (60, 'PT1M'), (3600, 'PT1H'), (3723, 'PT1H2M3S'),
     (86400 + 5, 'PT24H5S'), (-3, 'PT0S')],
)  # fmt: skip
def test_durations_are_written_as_iso_8601(seconds: int, written: str) -> None:
    assert iso_duration(seconds) == written
