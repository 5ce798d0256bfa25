from quart import url_for

from podsite.formats.json_ld import script_text
from podsite.schemas.catalogue import EpisodeCard, GuestCard, SponsorCard
from podsite.services.catalogue import episode_service, guest_service
from podsite.services.sponsors import sponsor_service
from podsite.settings import current_settings
from podsite.viewmodels.shared.artwork import artwork_copy_url
from podsite.viewmodels.shared.formatting import date_text, duration_text
from podsite.viewmodels.shared.structured_data import podcast_series
from podsite.viewmodels.shared.viewmodel_base import ViewModelBase

LATEST_EPISODE_COUNT = 10
FEATURED_GUEST_COUNT = 8


class IndexViewModel(ViewModelBase):
    def __init__(self) -> None:
        super().__init__()
        self.latest_episodes: list[EpisodeCard] = []
        self.featured_guests: list[GuestCard] = []
        self.sponsors: list[SponsorCard] = []
        self.date_text = date_text
        self.duration_text = duration_text
        self.artwork_copy_url = artwork_copy_url

    async def load_page_async(self) -> None:
        self.latest_episodes = await episode_service.latest_episodes(limit=LATEST_EPISODE_COUNT)
        self.featured_guests = await guest_service.recent_guests(limit=FEATURED_GUEST_COUNT)
        self.sponsors = await sponsor_service.all_sponsors()
        self.json_ld = script_text(
            podcast_series(self.site, current_settings(), feed_url=url_for('episodes.rss'))
        )
