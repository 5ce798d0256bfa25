"""Whole numbers written by people (forms, URLs) or found in feeds.

ASCII digits only: `int()` refuses some characters `str.isdigit()` accepts (`²`), and Python
reads other scripts' digits (`١٢`) that nobody means as an id. No larger than the column it
is meant for, so that a number past it reads as "no such row" rather than as an overflow in
the database driver (SQLite stops at 64 bits, PostgreSQL's `integer` at 32).
"""

LARGEST_INTEGER = 2**31 - 1
"""PostgreSQL's `integer`: the type of every id, number and count column podsite has."""
LARGEST_BIG_INTEGER = 2**63 - 1
"""`bigint`, and SQLite's INTEGER: byte counts, event ids."""


def whole_number(text: str, *, highest: int = LARGEST_INTEGER) -> int | None:
    """The number `text` writes (whitespace around it ignored), or None for anything else:
    a sign, a fraction, other characters, or a number above `highest`."""
    digits = text.strip()
    if not digits.isascii() or not digits.isdigit() or len(digits) > len(str(highest)):
        return None
    number = int(digits)
    return number if number <= highest else None
