"""The snippet under a search result: the passage around the first match, words marked.

Done in Python for both databases: PostgreSQL's ts_headline was 40 % of a search's time,
and this way SQLite and PostgreSQL show the same snippet for the same document.
"""

import html
import re
import unicodedata
from functools import lru_cache

from podsite.services.catalogue.search_query import ParsedQuery

CHARACTERS_BEFORE = 80
CHARACTERS_AFTER = 220
# Both databases stem words; matching on the first letters of each term finds the same
# inflections (`developers` for `developing`) without a stemmer here.
STEM_SHARE = 0.75
SHORTEST_STEM = 4


@lru_cache(maxsize=4096)
def _base_character(character: str) -> str:
    """`é` → `e`, one character for one, so positions in folded text match the original."""
    decomposed = unicodedata.normalize('NFKD', character)
    base = ''.join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return base if len(base) == 1 else character.casefold()[:1] or character


def fold(text: str) -> str:
    if text.isascii():
        return text.lower()
    return ''.join(_base_character(character) for character in text)


def _pattern(query: ParsedQuery) -> re.Pattern[str] | None:
    stems = []
    for term in query.terms:
        for word in term.words:
            folded = fold(word)
            if term.prefix or len(folded) <= SHORTEST_STEM:
                stems.append(folded)
            else:
                stems.append(folded[: max(SHORTEST_STEM, int(len(folded) * STEM_SHARE))])
    if not stems:
        return None
    return re.compile(r'\b(?:' + '|'.join(map(re.escape, stems)) + r')\w*')


def snippet_html(text: str, query: ParsedQuery) -> str:
    """Escaped HTML: a window of text around the first match, matches in `<mark>`."""
    pattern = _pattern(query)
    folded = fold(text)
    first = pattern.search(folded) if pattern else None
    anchor = first.start() if first else 0
    start = max(anchor - CHARACTERS_BEFORE, 0)
    end = min(anchor + CHARACTERS_AFTER, len(text))
    # Whole words only at the edges of the window.
    if start > 0:
        start = text.find(' ', start, anchor) + 1 or start
    if end < len(text) and (space := text.rfind(' ', anchor, end)) > anchor:
        end = space
    pieces = ['…' if start > 0 else '']
    cursor = start
    for match in pattern.finditer(folded, start, end) if pattern else ():
        pieces.append(html.escape(text[cursor : match.start()], quote=False))
        pieces.append(f'<mark>{html.escape(text[match.start() : match.end()], quote=False)}</mark>')
        cursor = match.end()
    pieces.append(html.escape(text[cursor:end], quote=False))
    pieces.append('…' if end < len(text) else '')
    return ''.join(pieces).strip()
