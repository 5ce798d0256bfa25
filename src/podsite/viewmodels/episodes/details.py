from dataclasses import dataclass
from typing import Any

from quart import request

from podsite.formats.durations import clock_text
from podsite.infrastructure import page_cache
from podsite.schemas.catalogue import EpisodeDetails
from podsite.services.analytics import recording
from podsite.services.catalogue import episode_service
from podsite.urls import media_download_path
from podsite.viewmodels.shared.formatting import date_text, duration_text
from podsite.viewmodels.shared.viewmodel_base import ViewModelBase


@dataclass(frozen=True)
class Chapter:
    seconds: int
    title: str

    @property
    def clock(self) -> str:
        return clock_text(self.seconds)


@dataclass(frozen=True)
class Preview:
    banner: str
    feed_item_xml: str


class EpisodeDetailsViewModel(ViewModelBase):
    """One episode, by its number; whether the address asked for is the episode's own (its
    slug may be stale) is `is_canonical_url`."""

    def __init__(self, number: int) -> None:
        super().__init__()
        self.number = number
        self.episode: EpisodeDetails | None = None
        self.youtube_embed_url: str | None = None
        self.chapters: list[Chapter] = []
        self.download_url = ''
        self.download_label = ''
        self.date_text = date_text
        self.duration_text = duration_text
        self.preview: Preview | None = None
        """Set on an admin's preview (viewmodels/admin/episode_preview.py) only."""

    async def load_page_async(self) -> None:
        self.show(await episode_service.episode_by_number(self.number))

    def show(self, episode: EpisodeDetails | None) -> None:
        self.episode = episode
        if self.episode is None:
            return
        label = self.episode.short_label
        self.page_title = f'{label}: {self.episode.title}' if label else self.episode.title
        self.description = self.episode.subtitle or self.episode.summary[:300]
        self.download_url = media_download_path(
            self.episode.number,
            self.episode.slug,
            media_type=self.episode.media_type,
            media_url=self.episode.media_url,
            media_file=self.episode.media_file,
        )
        self.download_label = self.download_url.rpartition('.')[2].upper()
        self.chapters = table_of_contents(self.episode.chapters)
        if self.episode.youtube_id:
            self.youtube_embed_url = (
                f'https://www.youtube-nocookie.com/embed/{self.episode.youtube_id}'
            )

    def record_impressions(self) -> None:
        """A view of the page is a view of each sponsor read on it, also when the page is
        served from the page cache."""
        if self.episode is None or not self.episode.sponsors or request.method != 'GET':
            return
        placement_ids = [sponsor.placement_id for sponsor in self.episode.sponsors]
        recording.record_impressions(placement_ids, request.headers.get('User-Agent', ''))
        page_cache.count_impressions_on_hits(placement_ids)

    @property
    def is_canonical_url(self) -> bool:
        """The slug, and the number spelt as it is too: `/episodes/show/0042/...` and other
        digits that read as 42 go to the page's one address, not kept as pages of their own."""
        return self.episode is not None and request.path == self.episode.details_url

    @property
    def canonical_path(self) -> str:
        return self.episode.details_url if self.episode else super().canonical_path


def table_of_contents(chapters: dict[str, Any] | None) -> list[Chapter]:
    """Chapters marked `toc: false` are for players, not for the page; imported chapters
    with a start that is not a number are left out rather than breaking the page."""
    listed = (chapters or {}).get('chapters')
    table: list[Chapter] = []
    for entry in listed if isinstance(listed, list) else []:
        if not isinstance(entry, dict) or entry.get('toc', True) is False:
            continue
        try:
            seconds = int(float(entry['startTime']))
        except (KeyError, TypeError, ValueError, OverflowError):
            continue
        table.append(Chapter(seconds=seconds, title=str(entry.get('title', ''))))
    return table
