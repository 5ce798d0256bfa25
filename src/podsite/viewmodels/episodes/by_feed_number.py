from podsite.services.catalogue import episode_service
from podsite.urls import episode_url


class ByFeedNumberViewModel:
    """An episode found by the season and number its show gives it (`/episodes/show/s2e5`), for
    shows whose numbers are not the site's: those that number per season, or whose unnumbered
    bonus episodes put the site's numbers out of step with the show's."""

    def __init__(self, season: int | None, episode_number: int) -> None:
        self.season = season
        self.episode_number = episode_number
        self.details_url: str | None = None

    async def load_async(self) -> None:
        number = await episode_service.number_by_feed_number(
            season=self.season, episode_number=self.episode_number
        )
        if number is not None:
            episode = await episode_service.episode_by_number(number)
            self.details_url = None if episode is None else episode_url(number, episode.slug)
