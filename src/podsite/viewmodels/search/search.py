from quart import url_for

from podsite.infrastructure import page_cache
from podsite.schemas.search import SearchResults
from podsite.services.catalogue import search_service
from podsite.services.catalogue.search_query import MAX_QUERY_CHARACTERS, parse
from podsite.viewmodels.shared.formatting import date_text
from podsite.viewmodels.shared.viewmodel_base import ViewModelBase

RESULTS_PER_PAGE = 10
MAX_API_LIMIT = 50


def bounded_number(raw: str | None, *, default: int, highest: int) -> int:
    """Whatever the browser sends (missing, words, negative, huge) becomes a usable number."""
    try:
        return min(max(int(raw or default), 1), highest)
    except ValueError:
        return default


class SearchViewModel(ViewModelBase):
    page_title = 'Search'

    def __init__(
        self, query: str | None, page: str | None = None, limit: str | None = None
    ) -> None:
        super().__init__()
        self.query = query or ''
        self._page_as_given = page
        self.requested_page = bounded_number(page, default=1, highest=10_000)
        self.per_page = bounded_number(limit, default=RESULTS_PER_PAGE, highest=MAX_API_LIMIT)
        self.results = SearchResults(query='')
        self.previous_url: str | None = None
        self.next_url: str | None = None
        self.date_text = date_text

    async def load_page_async(self) -> None:
        await self.load_results_async()
        results = self.results
        if results.query:
            self.page_title = f'Search: {results.query}'
        if results.page > 1:
            self.previous_url = self._page_url(results.page - 1)
        if results.page < results.pages:
            self.next_url = self._page_url(results.page + 1)
        if not self._is_worth_keeping:
            page_cache.do_not_keep()

    @property
    def _is_worth_keeping(self) -> bool:
        """Only the page number as the pager spells it: any other (`abc`, `02`, `1`, past the
        last page) would keep one more copy of a page per spelling. A query past the length
        searched is nothing anyone links to, and its page carries all of it."""
        as_linked = None if self.results.page == 1 else str(self.results.page)
        return self._page_as_given == as_linked and len(self.query) <= MAX_QUERY_CHARACTERS

    async def load_results_async(self) -> None:
        """The results alone, for the JSON API: no layout, so no show query."""
        parsed = parse(self.query)
        self.results = await search_service.search(
            parsed, page=self.requested_page, per_page=self.per_page
        )

    def _page_url(self, page: int) -> str:
        if page == 1:
            return url_for('search.search', q=self.results.query)
        return url_for('search.search', q=self.results.query, page=page)
