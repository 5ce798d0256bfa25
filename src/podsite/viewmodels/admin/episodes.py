from typing import get_args

from quart import url_for

from podsite.formats.xml_text import clean_text
from podsite.schemas.admin import AdminEpisodeRow
from podsite.services.admin import admin_service
from podsite.services.admin.admin_service import EpisodeFilter
from podsite.viewmodels.shared.formatting import date_text
from podsite.viewmodels.shared.pager import Pager, asked_page
from podsite.viewmodels.shared.viewmodel_base import ViewModelBase

FILTERS: tuple[EpisodeFilter, ...] = get_args(EpisodeFilter)
EPISODES_PER_PAGE = 100


class EpisodeListViewModel(ViewModelBase):
    page_title = 'Episodes · Admin'

    def __init__(
        self,
        status: str | None,
        text: str | None,
        *,
        page: str | None = None,
        deleted: bool = False,
    ) -> None:
        """`page` as the query string has it: an unreadable one is the first; a page past the
        last is not found."""
        super().__init__()
        self.message = 'Deleted, with its files and its download history.' if deleted else ''
        self.status: EpisodeFilter = next((f for f in FILTERS if f == status), 'all')
        self.text = clean_text(text or '').strip()[:200]
        self.filters = FILTERS
        self.page = asked_page(page)
        self.found = True
        self.episodes: list[AdminEpisodeRow] = []
        self.pager: Pager | None = None
        self.date_text = date_text

    async def load_page_async(self) -> None:
        count = await admin_service.episode_count(status=self.status, text=self.text)
        self.pager = Pager(
            self.page,
            EPISODES_PER_PAGE,
            count,
            noun='episodes',
            label='Pages of episodes',
            page_url=self._page_url,
        )
        if not self.pager.found:
            self.found = False
            return
        self.episodes = await admin_service.episode_rows(
            status=self.status, text=self.text, limit=EPISODES_PER_PAGE, offset=self.pager.offset
        )

    def _page_url(self, page: int) -> str:
        """The filter as chosen; the defaults, as the filter form would leave them, left out."""
        return url_for(
            'admin.episodes',
            status=None if self.status == 'all' else self.status,
            q=self.text or None,
            page=None if page == 1 else page,
        )
