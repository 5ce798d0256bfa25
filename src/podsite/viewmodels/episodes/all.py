from podsite.infrastructure.memory import large_document_turn
from podsite.schemas.catalogue import EpisodeCard
from podsite.services.catalogue import episode_service
from podsite.viewmodels.shared.formatting import date_text
from podsite.viewmodels.shared.viewmodel_base import ViewModelBase


class AllEpisodesViewModel(ViewModelBase):
    page_title = 'All episodes'

    def __init__(self) -> None:
        super().__init__()
        self.episodes: list[EpisodeCard] = []
        self.date_text = date_text

    async def load_page_async(self) -> None:
        await large_document_turn()
        self.episodes = await episode_service.all_episodes()
        self.description = f'Every episode of {self.site.title}, newest first.'
