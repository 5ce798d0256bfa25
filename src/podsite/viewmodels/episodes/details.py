from dataclasses import dataclass
from typing import Any

from quart import request, url_for

from podsite.formats.durations import clock_text
from podsite.formats.json_ld import script_text
from podsite.formats.show_notes import with_tracked_links
from podsite.infrastructure import page_cache
from podsite.infrastructure.event_recorder import recorder
from podsite.schemas.catalogue import EpisodeDetails
from podsite.services.catalogue import episode_service
from podsite.settings import current_settings
from podsite.urls import absolute, media_download_path
from podsite.viewmodels.episodes.embedding import (
    EMBED_HEIGHT,
    EMBED_WIDTH,
    absolute_embed_url,
    iframe_snippet,
)
from podsite.viewmodels.shared.artwork import artwork_copy_url
from podsite.viewmodels.shared.formatting import date_text, duration_text
from podsite.viewmodels.shared.structured_data import podcast_episode
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
    slug may be stale) is `is_canonical_url`. With what link previews read: Open Graph,
    the X (Twitter) player card, oEmbed discovery and schema.org data.

    `og:type` is `article`: the Open Graph protocol has no type for a podcast episode, and
    its `music.song` is for music (previews then show it as a song); an episode is a dated
    publication, which `article` (with `article:published_time`) describes, and its sound
    is `og:audio`, the counted download (previewers' fetches come from bots the counter
    leaves out)."""

    og_type = 'article'
    twitter_card = 'player'

    def __init__(self, number: int) -> None:
        super().__init__()
        self.number = number
        self.episode: EpisodeDetails | None = None
        self.youtube_embed_url: str | None = None
        self.chapters: list[Chapter] = []
        self.download_url = ''
        self.artwork_file = ''
        self.artwork_copy_url = artwork_copy_url
        self.download_label = ''
        self.absolute_download_url = ''
        self.embed_url = ''
        self.embed_width = EMBED_WIDTH
        self.embed_height = EMBED_HEIGHT
        self.embed_snippet = ''
        self.oembed_url = ''
        self.people_heading = ''
        self.show_notes_html = ''
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
        self.artwork_file = self.episode.artwork_file or self.site.artwork_file
        settings = current_settings()
        self.absolute_download_url = absolute(settings.public_base_url, self.download_url)
        self.embed_url = absolute_embed_url(settings, self.episode)
        self.embed_snippet = iframe_snippet(
            self.embed_url, self.episode.title, width=EMBED_WIDTH, height=EMBED_HEIGHT
        )
        page_url = absolute(settings.public_base_url, self.episode.details_url)
        self.oembed_url = url_for('episodes.oembed', url=page_url, format='json', _external=True)
        self.json_ld = script_text(
            podcast_episode(
                self.episode,
                self.site,
                settings,
                download_path=self.download_url,
                image_path=self.image_path,
                description=self.description,
            )
        )
        self.people_heading = people_heading(self.episode)
        # One sponsor block per page: mentions of a sponsor in the notes are kept (they are
        # the host's words) but lead through the read's tracked link, as the block does.
        self.show_notes_html = with_tracked_links(
            self.episode.show_notes_html,
            {sponsor.website_url: sponsor.link_path for sponsor in self.episode.sponsors
             if sponsor.link_path},
        )  # fmt: skip
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
        recorder().record_impressions(placement_ids, request.headers.get('User-Agent', ''))
        page_cache.count_impressions_on_hits(placement_ids)

    @property
    def is_canonical_url(self) -> bool:
        """The slug, and the number spelt as it is too: `/episodes/show/0042/...` and other
        digits that read as 42 go to the page's one address, not kept as pages of their own."""
        return self.episode is not None and request.path == self.episode.details_url

    @property
    def canonical_path(self) -> str:
        return self.episode.details_url if self.episode else super().canonical_path

    @property
    def image_path(self) -> str:
        if self.episode is not None and self.episode.artwork_file:
            return artwork_copy_url(self.episode.artwork_file, 'og')
        if self.episode is not None and self.episode.image_url:
            return self.episode.image_url
        return super().image_path


def people_heading(episode: EpisodeDetails) -> str:
    if episode.sponsors and episode.guests:
        return 'Guests and sponsors'
    return 'Sponsored by' if episode.sponsors else 'On this episode'


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
