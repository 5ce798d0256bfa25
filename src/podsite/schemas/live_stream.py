"""Read and write models of live streams."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from podsite.formats.xml_text import CleanText
from podsite.schemas.catalogue import ReadModel
from podsite.urls import episode_url

StreamStatus = Literal['upcoming', 'live', 'past']
YOUTUBE_ID_PATTERN = r'^[A-Za-z0-9_-]{11}$'
MAX_DURATION_MINUTES = 24 * 60


def status_at(starts_at: datetime, ends_at: datetime, now: datetime) -> StreamStatus:
    if now < starts_at:
        return 'upcoming'
    return 'live' if now < ends_at else 'past'


class StreamSlot(ReadModel):
    """When a stream runs: what the layout's banner needs, cheap to keep for every page."""

    title: str
    starts_at: datetime
    ends_at: datetime


class LiveStreamCard(ReadModel):
    id: int
    guid: str
    title: str
    description: str
    description_html: str
    starts_at: datetime
    ends_at: datetime
    duration_minutes: int
    youtube_id: str
    updated_at: datetime
    episode_number: int | None = None
    episode_slug: str | None = None
    episode_title: str | None = None

    def status(self, now: datetime) -> StreamStatus:
        return status_at(self.starts_at, self.ends_at, now)

    @property
    def watch_url(self) -> str:
        return f'https://www.youtube.com/watch?v={self.youtube_id}'

    @property
    def embed_url(self) -> str:
        return f'https://www.youtube-nocookie.com/embed/{self.youtube_id}'

    @property
    def episode_url(self) -> str | None:
        if self.episode_number is None or self.episode_slug is None:
            return None
        return episode_url(self.episode_number, self.episode_slug)


class LiveStreamWrite(BaseModel):
    """A stream as the admin saves it, validated before the service sees it."""

    title: CleanText = Field(min_length=1, max_length=200)
    description: CleanText = Field(default='', max_length=100_000)
    starts_at: datetime
    duration_minutes: int = Field(ge=1, le=MAX_DURATION_MINUTES)
    youtube_id: str = Field(pattern=YOUTUBE_ID_PATTERN)
    episode_number: int | None = Field(default=None, ge=1, le=2**31 - 1)
