"""Numbers in URLs: only what an integer column holds matches a route."""

import re

from hypothesis import given
from hypothesis import strategies as st

from podsite.formats.numbers import LARGEST_INTEGER
from podsite.infrastructure.url_converters import digits_at_most


@given(highest=st.integers(0, 2**64), number=st.integers(0, 2**65))
def test_the_pattern_matches_exactly_the_numbers_up_to_the_highest(
    highest: int, number: int
) -> None:
    pattern = re.compile(f'(?:{digits_at_most(highest)})')
    assert (pattern.fullmatch(str(number)) is not None) == (number <= highest)


@given(number=st.integers(LARGEST_INTEGER - 1000, LARGEST_INTEGER + 1000))
def test_numbers_around_the_largest_integer_column_value(number: int) -> None:
    pattern = re.compile(f'(?:{digits_at_most(LARGEST_INTEGER)})')
    assert (pattern.fullmatch(str(number)) is not None) == (number <= LARGEST_INTEGER)


def test_digits_of_other_scripts_are_not_numbers() -> None:
    pattern = re.compile(f'(?:{digits_at_most(LARGEST_INTEGER)})')
    assert pattern.fullmatch('\N{ARABIC-INDIC DIGIT ONE}') is None
