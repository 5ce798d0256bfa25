"""Read models of the public catalogue: the show, episodes, guests and sponsors."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from podsite.urls import (
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


class SponsorProfile(SponsorCard):
    episode_count: int
    """Published episodes the sponsor was read in."""


class Placement(SponsorCard):
    """A sponsor read in an episode, with its tracked link (none when the sponsor has no
    website to send listeners to)."""

    placement_id: int
    link_name: str | None

    @property
    def link_path(self) -> str | None:
        return short_link_url(self.link_name) if self.link_name else None


class EpisodeDetails(EpisodeCard):
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
    sponsors: tuple[Placement, ...] = ()

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
