"""Whole numbers from forms and feeds: ASCII digits, no larger than their column."""

import pytest

from podsite.formats.numbers import LARGEST_BIG_INTEGER, LARGEST_INTEGER, whole_number


@pytest.mark.parametrize(
    ('text', 'number'),
    [('0', 0), ('42', 42), (' 7 ', 7), ('007', 7), (str(LARGEST_INTEGER), LARGEST_INTEGER)],
)
def test_digits_are_read_as_the_number_they_write(text: str, number: int) -> None:
    assert whole_number(text) == number


@pytest.mark.parametrize(
    'text',
    ['', ' ', '-1', '+1', '1.0', '1e3', '²', '\N{ARABIC-INDIC DIGIT ONE}', 'seven',
     str(LARGEST_INTEGER + 1), '9' * 5000],
)  # fmt: skip
def test_anything_else_is_no_number(text: str) -> None:
    assert whole_number(text) is None


def test_a_larger_column_takes_larger_numbers() -> None:
    assert whole_number(str(2**40), highest=LARGEST_BIG_INTEGER) == 2**40
    assert whole_number(str(LARGEST_BIG_INTEGER + 1), highest=LARGEST_BIG_INTEGER) is None
