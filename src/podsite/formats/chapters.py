"""Podcasting 2.0 JSON chapters as the admin pastes them or a feed links them: read
strictly enough that what is stored can be stored and served on both databases.

Python's `json` reads more than JSON: `NaN`, `Infinity` and `1e999` become floats that
PostgreSQL's `json` type refuses (a 500 when the episode is saved) and no player reads.
It also gives up with `RecursionError` on deep nesting and `ValueError` on numbers of
more than 4,300 digits; each is a `ChaptersError` here, with a message for the person.
"""

import json
import math
from typing import Any


class ChaptersError(ValueError):
    """Text that is not a chapters document; the message says why."""


def parse_chapters(text: str | bytes) -> dict[str, Any]:
    try:
        document = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite)
    except json.JSONDecodeError as error:
        raise ChaptersError(f'Not valid JSON (line {error.lineno}): {error.msg}.') from error
    except RecursionError as error:
        raise ChaptersError('Not valid chapters JSON: it is nested too deeply.') from error
    except ValueError as error:  # a number too long or not finite
        raise ChaptersError(f'Not valid chapters JSON: {error}.') from error
    if not isinstance(document, dict) or not isinstance(document.get('chapters'), list):
        raise ChaptersError('Chapters JSON needs a "chapters" list.')
    return document


def _refuse_constant(name: str) -> float:
    raise ValueError(f'{name} is not a number JSON allows')


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f'{text[:20]} is too large a number')
    return number
