"""Search results, for the page and for `/search/api`."""

from datetime import datetime

from pydantic import computed_field

from podsite.schemas.catalogue import ReadModel
from podsite.urls import episode_url, guest_url, transcript_url


class EpisodeHit(ReadModel):
    number: int
    slug: str
    title: str
    published_at: datetime
    snippet_html: str
    """Escaped text with the matching words in `<mark>`."""
    transcript_seconds: float | None = None
    """Where in the audio the best match was said, when it was in the transcript."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def url(self) -> str:
        if self.transcript_seconds is None:
            return episode_url(self.number, self.slug)
        return f'{transcript_url(self.number, self.slug)}#t{int(self.transcript_seconds)}'


class GuestHit(ReadModel):
    name: str
    slug: str
    photo_url: str
    snippet_html: str

    @computed_field  # type: ignore[prop-decorator]
    @property
    def url(self) -> str:
        return guest_url(self.slug)


class SearchResults(ReadModel):
    query: str
    notices: tuple[str, ...] = ()
    episodes: tuple[EpisodeHit, ...] = ()
    guests: tuple[GuestHit, ...] = ()
    total_episodes: int = 0
    """Every published episode that matches, not only those on this page."""
    total_guests: int = 0
    page: int = 1
    pages: int = 0
