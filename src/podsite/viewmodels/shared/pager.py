"""One page of a long list (the admin's episodes, audit log and reports), as the query
string asks for it."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from math import ceil

from podsite.formats.numbers import whole_number

HIGHEST_PAGE = 1_000_000


def asked_page(raw: str | None) -> int:
    """The page a query string asks for; whatever it holds that is no page number (missing,
    words, zero, negative, huge) asks for the first."""
    return whole_number(raw or '1', highest=HIGHEST_PAGE) or 1


@dataclass(frozen=True)
class Pager:
    page: int
    per_page: int
    count: int
    """Items in the whole list."""
    noun: str
    """What the items are, for `Page 2 of 7 (320 episodes)`."""
    label: str
    """The pager's accessible name, e.g. `Pages of episodes`."""
    page_url: Callable[[int], str]

    @property
    def page_count(self) -> int:
        return max(1, ceil(self.count / self.per_page))

    @property
    def found(self) -> bool:
        """False for a page past the last: not found, rather than an empty page."""
        return self.page <= self.page_count

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def previous_url(self) -> str:
        return self.page_url(self.page - 1) if self.page > 1 else ''

    @property
    def next_url(self) -> str:
        return self.page_url(self.page + 1) if self.page < self.page_count else ''

    def window[T](self, items: Sequence[T]) -> list[T]:
        """This page's share of the whole list, for a list read whole."""
        return list(items[self.offset : self.offset + self.per_page])
