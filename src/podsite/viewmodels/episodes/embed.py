from quart import request

from podsite.urls import embed_url
from podsite.viewmodels.episodes.details import EpisodeDetailsViewModel


class EmbedViewModel(EpisodeDetailsViewModel):
    """The episode's player as other sites frame it: what the episode page has, on a page
    of its own whose one address carries the current slug."""

    async def load_page_async(self) -> None:
        await super().load_page_async()
        self.artwork_path = self.image_path

    @property
    def is_canonical_url(self) -> bool:
        return self.episode is not None and request.path == self.own_path

    @property
    def own_path(self) -> str:
        return embed_url(self.episode.number, self.episode.slug) if self.episode else ''
