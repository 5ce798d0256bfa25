"""Chapters JSON from the admin and from feeds: only what both databases store and players
read."""

import pytest

from podsite.formats.chapters import (
    ChapterRow,
    ChaptersError,
    chapters_document,
    parse_chapters,
    read_chapter_file,
)
from podsite.formats.durations import clock_field, parse_clock


def test_a_chapters_document_is_read_as_it_is() -> None:
    text = '{"version": "1.2.0", "chapters": [{"startTime": 12.5, "title": "Intro"}]}'
    assert parse_chapters(text)['chapters'] == [{'startTime': 12.5, 'title': 'Intro'}]


@pytest.mark.parametrize(
    ('text', 'message'),
    [('{"chapters": [', r'Not valid JSON \(line 1\)'),
     ('[1, 2]', 'needs a "chapters" list'),
     ('{"chapters": "x"}', 'needs a "chapters" list'),
     ('[' * 100_000, 'nested too deeply'),
     ('{"chapters": [{"startTime": NaN}]}', 'NaN is not a number JSON allows'),
     ('{"chapters": [{"startTime": -Infinity}]}', '-Infinity is not a number JSON allows'),
     ('{"chapters": [{"startTime": 1e999}]}', 'too large a number'),
     ('{"chapters": [{"startTime": ' + '9' * 5000 + '}]}', 'Not valid chapters JSON')],
)  # fmt: skip
def test_what_a_database_or_a_player_would_refuse_is_refused_with_a_reason(
    text: str, message: str
) -> None:
    with pytest.raises(ChaptersError, match=message):
        parse_chapters(text)


@pytest.mark.parametrize(
    ('seconds', 'field'),
    [
        (0, '0:00:00'),
        (750, '0:12:30'),
        (3723.25, '1:02:03.25'),
        (0.5, '0:00:00.5'),
        (12.9996, '0:00:13'),
    ],
)
def test_chapter_times_are_shown_as_clocks(seconds: float, field: str) -> None:
    assert clock_field(seconds) == field
    assert parse_clock(field) == round(seconds, 3)


def test_rows_become_a_document_with_version_and_start_times_in_seconds() -> None:
    rows = [ChapterRow(time='0:00', title='A', extra={'toc': False, 'img': 'javascript:x'}),
            ChapterRow(),
            ChapterRow(time='1:00:00', title='B', url='https://example.com/')]  # fmt: skip
    document, problems = chapters_document(rows, duration_seconds=4000)
    assert problems == {}
    assert document == {
        'version': '1.2.0',
        'chapters': [{'startTime': 0, 'title': 'A', 'toc': False},
                     {'startTime': 3600, 'title': 'B', 'url': 'https://example.com/'}],
    }  # fmt: skip
    assert chapters_document([ChapterRow()], duration_seconds=10) == (None, {})


def test_a_chapter_file_without_a_version_is_refused() -> None:
    with pytest.raises(ChaptersError, match='version'):
        read_chapter_file('{"chapters": []}')
