from typing import get_args

from podsite.formats.xml_text import clean_text
from podsite.schemas.admin import AdminEpisodeRow
from podsite.services.admin import admin_service
from podsite.services.admin.admin_service import EpisodeFilter
from podsite.viewmodels.shared.formatting import date_text
from podsite.viewmodels.shared.viewmodel_base import ViewModelBase

FILTERS: tuple[EpisodeFilter, ...] = get_args(EpisodeFilter)


class EpisodeListViewModel(ViewModelBase):
    page_title = 'Episodes · Admin'

    def __init__(self, status: str | None, text: str | None, *, deleted: bool = False) -> None:
        super().__init__()
        self.message = 'Deleted, with its files and its download history.' if deleted else ''
        self.status: EpisodeFilter = next((f for f in FILTERS if f == status), 'all')
        self.text = clean_text(text or '').strip()[:200]
        self.filters = FILTERS
        self.episodes: list[AdminEpisodeRow] = []
        self.date_text = date_text

    async def load_page_async(self) -> None:
        self.episodes = await admin_service.episode_rows(status=self.status, text=self.text)
