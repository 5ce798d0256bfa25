"""Chapters JSON from the admin and from feeds: only what both databases store and players
read."""

import pytest

from podsite.formats.chapters import ChaptersError, parse_chapters


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
