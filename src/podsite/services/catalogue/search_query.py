"""What a visitor typed, turned into a safe query for FTS5 or PostgreSQL's tsquery.

Only letters and digits leave here: every FTS or tsquery operator a visitor types (quotes
aside) is read as a separator. On PostgreSQL that is not enough, since unaccent turns some
letters into operators (U+02D0 into `:`, U+02BC into `'`, U+2474 into `(1)`): the search service
quotes each term after unaccent, so no input can be a syntax error there either.
"""

import re
from dataclasses import dataclass, field

MAX_QUERY_CHARACTERS = 200
MAX_TERMS = 16
_PHRASE = re.compile(r'"([^"]*)"')
_WORD_WITH_STAR = re.compile(r'([^\W_]+)(\*?)')
_WORD = re.compile(r'[^\W_]+')


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class ParsedQuery:
    text: str
    terms: tuple[Term, ...] = ()
    notices: tuple[str, ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        return not self.terms

    def fts5(self) -> str:
        """`"phrase words" "word" "prefix"*`: quoted, so FTS5 keywords stay plain words."""
        return ' '.join(
            f'"{" ".join(term.words)}"' + ('*' if term.prefix else '') for term in self.terms
        )

    def tsquery_terms(self) -> tuple[list[str], list[bool]]:
        """Each term's words (a phrase's joined by spaces) and whether it is a prefix: two
        arrays for the search service, which quotes each term after unaccent into
        `to_tsquery` as `'phrase words' & 'word' & 'prefix':*`."""
        return (
            [' '.join(term.words) for term in self.terms],
            [term.prefix for term in self.terms],
        )


def parse(raw: str) -> ParsedQuery:
    notices: list[str] = []
    text = raw.replace('\x00', '').strip()
    if len(text) > MAX_QUERY_CHARACTERS:
        text = text[:MAX_QUERY_CHARACTERS]
        notices.append(f'Your search was shortened to its first {MAX_QUERY_CHARACTERS} characters.')
    terms: list[Term] = []
    position = 0
    for match in _PHRASE.finditer(text):
        terms += _words(text[position : match.start()])
        words = tuple(word.lower() for word in _WORD.findall(match.group(1)))
        if words:
            terms.append(Term(words))
        position = match.end()
    terms += _words(text[position:])
    if len(terms) > MAX_TERMS:
        terms = terms[:MAX_TERMS]
        notices.append(f'Only the first {MAX_TERMS} words were searched for.')
    return ParsedQuery(text=text, terms=tuple(terms), notices=tuple(notices))


def _words(segment: str) -> list[Term]:
    """Words of unquoted text; `word*` matches every word that starts with `word`.

    Both databases stem English words (`developers` finds `develop`), so prefixes are only
    what the visitor asks for: an automatic one would cost the index a wide scan.
    """
    return [
        Term((word.lower(),), prefix=bool(star))
        for word, star in _WORD_WITH_STAR.findall(segment.replace('"', ' '))
    ]
