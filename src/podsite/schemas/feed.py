"""Read models of the podcast feed."""

from datetime import datetime
from typing import Any

from podsite.schemas.catalogue import GuestRef, Placement, ReadModel
from podsite.schemas.live_stream import LiveStreamCard


class PodcastDetails(ReadModel):
    title: str
    subtitle: str
    description: str
    author: str
    owner_name: str
    owner_email: str
    language: str
    categories: list[list[str]]
    explicit: bool
    artwork_url: str
    website_url: str
    copyright: str
    guid: str
    show_type: str
    locked: bool
    funding_url: str
    funding_text: str
    update_frequency_text: str
    update_frequency_rrule: str
    new_feed_url: str
    redirect_feed: bool
    people: list[dict[str, str]] | None
    extra_elements: list[str]
    updated_at: datetime


class FeedItem(ReadModel):
    number: int
    episode_number: int | None
    slug: str
    title: str
    subtitle: str
    summary: str
    show_notes_html: str
    published_at: datetime
    updated_at: datetime
    duration_seconds: int
    media_url: str
    media_size_bytes: int
    media_type: str
    media_file: str | None = None
    season: int | None
    episode_type: str
    explicit: bool
    guid: str
    image_url: str
    has_transcript: bool
    has_chapters: bool
    linked_transcripts: list[dict[str, str]]
    linked_chapters_url: str
    soundbites: list[dict[str, Any]]
    extra_elements: list[str]
    people: tuple[GuestRef, ...] = ()
    sponsors: tuple[Placement, ...] = ()


class Feed(ReadModel):
    podcast: PodcastDetails
    items: tuple[FeedItem, ...]
    live_items: tuple[LiveStreamCard, ...] = ()
    """Upcoming and live streams, soonest first."""
    as_of: datetime
    """The moment the feed was read for: streams that started by then are live."""

    @property
    def last_modified(self) -> datetime:
        return max(
            [
                self.podcast.updated_at,
                *(item.updated_at for item in self.items),
                *(stream.updated_at for stream in self.live_items),
                # A stream going live changes the feed without any write.
                *(stream.starts_at for stream in self.live_items if stream.starts_at <= self.as_of),
            ]
        )
