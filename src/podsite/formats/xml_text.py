"""Text every format podsite writes can carry: the characters XML 1.0 does not allow, removed.

XML 1.0 allows tab, newline, carriage return and every character from U+0020 on, except the
surrogates and U+FFFE and U+FFFF (its `Char` production). One character outside that, a
vertical tab pasted into an episode title, made lxml refuse to write the whole feed
(`ValueError: All strings must be XML compatible`), so no podcast app could read it; NUL is
also refused by PostgreSQL in text, and a lone surrogate by every UTF-8 encoder. None of
them means anything to a reader.

So text is cleaned where it comes in (forms, `CleanText` fields of the schemas services take,
feed import, transcripts, restore), and the writers of the feed, the sitemap and the calendar
clean what they write again, for text stored before this rule or written around it.

One regular expression of the specification's ranges: lxml only refuses such text, and no
library on PyPI cleans it that is worth a dependency for one line.
"""

import re
from typing import Annotated, Any

from pydantic import BeforeValidator

NOT_IN_XML = re.compile('[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]')


def clean_text(text: str) -> str:
    """The text without the characters XML 1.0 does not allow (the same string, when it had
    none, at the cost of one scan)."""
    return NOT_IN_XML.sub('', text)


def clean_json(value: Any) -> Any:
    """A JSON value (chapters, a restored JSON column) with every string in it cleaned, keys
    too; numbers, booleans and null as they were."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean_json(item) for item in value]
    if isinstance(value, dict):
        return {clean_json(key): clean_json(item) for key, item in value.items()}
    return value


def _clean_if_text(value: object) -> object:
    return clean_text(value) if isinstance(value, str) else value


CleanText = Annotated[str, BeforeValidator(_clean_if_text)]
"""A `str` field cleaned before it is validated, so that length limits and patterns judge the
text that will be stored: a title of only a vertical tab is empty, and refused as empty."""
