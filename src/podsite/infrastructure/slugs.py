"""URL slugs: making them from titles and names, and recognising well-formed ones."""

import re
import unicodedata

MAX_SLUG_LENGTH = 200
_SLUG = re.compile(r'[a-z0-9]+(?:-[a-z0-9]+)*')
_NOT_SLUG_CHARS = re.compile(r'[^a-z0-9]+')


def slugify(text: str, *, max_length: int = 80) -> str:
    ascii_text = unicodedata.normalize('NFKD', text).encode('ascii', 'ignore').decode('ascii')
    slug = _NOT_SLUG_CHARS.sub('-', ascii_text.lower()).strip('-')
    return slug[:max_length].rstrip('-')


def is_valid_slug(candidate: str) -> bool:
    """True for slugs podsite could have made; anything else cannot match a row."""
    return len(candidate) <= MAX_SLUG_LENGTH and _SLUG.fullmatch(candidate) is not None
