"""Read models of the public catalogue: the show, episodes, guests and sponsors."""

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from podsite.formats.artwork import variant_file_name
from podsite.formats.subscribe_apps import SubscribeLink, listed_links
from podsite.urls import (
    artwork_url,
    chapters_url,
    episode_url,
    guest_url,
    short_link_url,
    transcript_file_url,
    transcript_url,
)


class ReadModel(BaseModel):
    model_config = ConfigDict(frozen=True)


class SiteInfo(ReadModel):
    title: str
    subtitle: str
    description: str
    author: str
    language: str
    artwork_url: str
    website_url: str
    copyright: str
    artwork_file: str = ''
    """The uploaded artwork whose copies (thumbnails, the Open Graph card) the pages show."""

    @property
    def icon_url(self) -> str:
        """For the header's small image: the 300 px copy of uploaded artwork (the artwork
        itself may be 3000 px and half a megabyte), else the artwork as given."""
        if self.artwork_file:
            return artwork_url(variant_file_name(self.artwork_file, '300'))
        return self.artwork_url

    subscribe_urls: dict[str, str] = {}

    @property
    def subscribe_links(self) -> tuple[SubscribeLink, ...]:
        return listed_links(self.subscribe_urls)

    first_episode_year: int | None = None
    latest_episode_year: int | None = None

    def footer_notice(self, current_year: int) -> str:
        """The copyright line with its years running from the first episode to this year
        (or the latest episode's, if later): a notice written years ago stays current."""
        first = self.first_episode_year
        if first is None:
            return self.copyright or self.title
        last = max(current_year, self.latest_episode_year or first)
        years = str(first) if last == first else f'{first}-{last}'
        if not self.copyright:
            return f'© {years} {self.author or self.title}'
        notice, found = _YEARS.subn(years, self.copyright, count=1)
        return notice if found else self.copyright


_YEARS = re.compile(r'\b(?:19|20)\d\d(?:\s*[-\N{EN DASH}]\s*(?:19|20)\d\d)?\b')


class GuestRef(ReadModel):
    """A person as listed on an episode: enough for a name, a photo and a link."""

    name: str
    slug: str
    photo_url: str
    role: str

    @property
    def url(self) -> str:
        return guest_url(self.slug)

    @property
    def is_host(self) -> bool:
        return self.role == 'host'


class EpisodeCard(ReadModel):
    """An episode in a list."""

    number: int
    slug: str
    title: str
    subtitle: str
    published_at: datetime
    duration_seconds: int
    guests: tuple[GuestRef, ...] = ()

    @property
    def details_url(self) -> str:
        return episode_url(self.number, self.slug)

    @property
    def featured_guests(self) -> tuple[GuestRef, ...]:
        return tuple(guest for guest in self.guests if not guest.is_host)


class SponsorCard(ReadModel):
    name: str
    slug: str
    logo_url: str
    website_url: str
    description: str
    link_name: str | None = None
    """The tracked short link listeners follow; none when the sponsor has no website."""

    @property
    def link_path(self) -> str | None:
        return short_link_url(self.link_name) if self.link_name else None


class SponsorProfile(SponsorCard):
    episode_count: int
    """Published episodes the sponsor was read in."""


class Placement(SponsorCard):
    """A sponsor read in an episode, with its tracked link (none when the sponsor has no
    website to send listeners to)."""

    placement_id: int


class EpisodeLink(ReadModel):
    """A neighbouring episode, linked from an episode's page."""

    number: int
    slug: str
    title: str

    @property
    def details_url(self) -> str:
        return episode_url(self.number, self.slug)


class EpisodeDetails(EpisodeCard):
    recorded_at: datetime | None = None
    summary: str
    show_notes_html: str
    media_url: str
    media_size_bytes: int
    media_type: str
    media_file: str | None = None
    youtube_id: str | None
    season: int | None
    episode_number: int | None
    """The number the show gives it (within its season, if it has one); not the site's."""
    episode_type: str
    explicit: bool
    updated_at: datetime
    has_transcript: bool
    chapters: dict[str, Any] | None
    linked_transcripts: tuple[dict[str, str], ...] = ()
    """The source feed's transcripts, linked where podsite has no copy of its own."""
    linked_chapters_url: str = ''
    image_url: str = ''
    """The episode's own artwork (imported feeds have it); empty: the show's."""
    sponsors: tuple[Placement, ...] = ()
    artwork_file: str = ''
    """The episode's own uploaded artwork; empty: the show's is shown."""
    previous: EpisodeLink | None = None
    """The public episode numbered just before it; None for the first."""
    next: EpisodeLink | None = None
    stream_youtube_id: str | None = None
    """The live stream it was recorded in, on YouTube."""

    @property
    def stream_recording_url(self) -> str | None:
        if self.stream_youtube_id is None:
            return None
        return f'https://www.youtube.com/watch?v={self.stream_youtube_id}'

    @property
    def short_label(self) -> str:
        """`#21` as the show numbers it, or empty for an unnumbered episode."""
        return '' if self.episode_number is None else f'#{self.episode_number}'

    @property
    def label(self) -> str:
        """`Episode #21 · Season 9`, `Season 2 · Trailer`: the page's kicker, in the show's
        own numbers."""
        parts = [] if self.episode_number is None else [f'Episode #{self.episode_number}']
        if self.season is not None:
            parts.append(f'Season {self.season}')
        if self.episode_type != 'full' or not parts:
            parts.append(
                self.episode_type.capitalize() if self.episode_type != 'full' else 'Episode'
            )
        return ' · '.join(parts)

    @property
    def transcript_url(self) -> str:
        return transcript_url(self.number, self.slug)

    @property
    def chapters_url(self) -> str:
        return chapters_url(self.number)


class GuestCard(ReadModel):
    name: str
    slug: str
    bio: str
    photo_url: str
    website_url: str
    social_links: dict[str, str]
    episode_count: int | None = None
    """Their public episodes; None where a listing does not count them (recent guests)."""

    @property
    def url(self) -> str:
        return guest_url(self.slug)


class GuestDetails(GuestCard):
    episodes: tuple[EpisodeCard, ...] = ()


class MediaFile(ReadModel):
    """What a download needs: one indexed query."""

    episode_id: int
    media_url: str
    media_size_bytes: int
    media_type: str
    media_file: str | None


class TranscriptCue(ReadModel):
    start: float
    end: float | None = None
    speaker: str | None = None
    text: str
    new_turn: bool = False
    """Someone else speaks from here, though the source does not say who (YouTube's `>>`)."""


class EpisodeTranscript(ReadModel):
    number: int
    slug: str
    title: str
    published_at: datetime
    text: str
    cues: tuple[TranscriptCue, ...]

    @property
    def details_url(self) -> str:
        return episode_url(self.number, self.slug)

    @property
    def transcript_url(self) -> str:
        return transcript_url(self.number, self.slug)

    @property
    def text_url(self) -> str:
        return transcript_file_url(self.number, self.slug, 'txt')

    @property
    def vtt_url(self) -> str:
        return transcript_file_url(self.number, self.slug, 'vtt')
