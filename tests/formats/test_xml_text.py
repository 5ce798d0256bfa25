"""The one rule for text: what XML 1.0 does not allow is left out, everything else kept."""

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from lxml import etree
from pydantic import BaseModel, Field, ValidationError

from podsite.formats.xml_text import CleanText, clean_json, clean_text
from podsite.schemas.admin import EpisodeWrite
from tests.strategies import REFUSED_BY_XML, any_text


@pytest.mark.parametrize('character', list(REFUSED_BY_XML))
def test_characters_xml_refuses_are_left_out(character: str) -> None:
    assert clean_text(f'a{character}b') == 'ab'


@pytest.mark.parametrize(
    'text', ['tab\there', 'lines\nand\r\nreturns', 'DEL \x7f and NEL \x85', 'emoji 🎙️',
             'last BMP \ufffd', 'astral \U0010ffff', 'non-character \ufdd0', '<&>'],
)  # fmt: skip
def test_everything_xml_allows_is_kept(text: str) -> None:
    assert clean_text(text) == text


@settings(max_examples=200, deadline=None)
@given(any_text(max_size=200))
def test_clean_text_is_always_fit_for_xml_and_cleaning_twice_changes_nothing(text: str) -> None:
    cleaned = clean_text(text)
    element = etree.Element('text')
    element.text = cleaned  # lxml refuses what XML does not allow
    read = etree.fromstring(etree.tostring(element, encoding='utf-8'))
    assert read.text == (cleaned or None)
    assert clean_text(cleaned) == cleaned


def test_json_values_are_cleaned_keys_and_all() -> None:
    chapters = {'version': '1.2.0', 'chap\x0bters': [{'title': 'In\x00tro', 'startTime': 0.5}]}
    assert clean_json(chapters) == {
        'version': '1.2.0',
        'chapters': [{'title': 'Intro', 'startTime': 0.5}],
    }
    assert clean_json([True, None, 3]) == [True, None, 3]


class Named(BaseModel):
    name: CleanText = Field(min_length=1, max_length=3)


def test_a_clean_text_field_is_judged_by_what_will_be_stored() -> None:
    assert Named(name='a\x0bbc\x00').name == 'abc'
    with pytest.raises(ValidationError, match='at least 1 character'):
        Named(name='\x0b\ufffe')


def test_the_episode_the_editor_saves_is_clean() -> None:
    episode = EpisodeWrite(
        number=1, slug='one', title='The\x0b title', show_notes='Notes\x00', summary='\ud800',
        is_published=True, published_at=datetime.now(UTC), duration_seconds=60, media_url='',
        media_size_bytes=0, media_type='audio/mpeg',
        chapters={'chapters': [{'title': 'Intro\x1f', 'startTime': 0}]},
    )  # fmt: skip
    assert (episode.title, episode.show_notes, episode.summary) == ('The title', 'Notes', '')
    assert episode.chapters == {'chapters': [{'title': 'Intro', 'startTime': 0}]}
