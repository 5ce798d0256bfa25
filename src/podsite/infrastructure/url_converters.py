"""`<int:...>` in every route holds only what an integer column can: an id or number past
it (`/admin/episodes/99999999999999999999`) matches no route and is a 404 like any id not
found, where it used to reach the database and overflow its driver with a 500."""

from quart import Quart
from werkzeug.routing import IntegerConverter

from podsite.formats.numbers import LARGEST_INTEGER


def digits_at_most(highest: int) -> str:
    """A regular expression for the numbers 0 to `highest` in ASCII digits: those with fewer
    digits, then, digit by digit, those below `highest` from there on.

    The bound is in the pattern rather than in `to_python` (Werkzeug's `max`) because a
    value the converter refuses after the pattern matched is a 405 when a rule for another
    method has the same path (POST `/admin/episodes/<huge>` would say "use GET").
    """
    text = str(highest)
    alternatives = [f'[0-9]{{1,{len(text) - 1}}}'] if len(text) > 1 else []
    for position, digit in enumerate(text):
        if digit != '0':
            rest = len(text) - position - 1
            alternatives.append(f'{text[:position]}[0-{int(digit) - 1}][0-9]{{{rest}}}')
    alternatives.append(text)
    return '|'.join(alternatives)


class ColumnIntegerConverter(IntegerConverter):
    """Werkzeug's `int` converter for the numbers 0 to the largest integer column value,
    in ASCII digits (Werkzeug's `\\d+` takes any script's digits)."""

    regex = digits_at_most(LARGEST_INTEGER)


def init_app(app: Quart) -> None:
    """Before any route is added: a rule takes its converter when it is added."""
    app.url_map.converters['int'] = ColumnIntegerConverter
