"""What the admin reads and writes."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    HttpUrl,
    UrlConstraints,
    field_validator,
    model_validator,
)

from podsite.formats.artwork import ARTWORK_FILE_PATTERN
from podsite.formats.numbers import LARGEST_BIG_INTEGER
from podsite.formats.subscribe_apps import APP_KEYS
from podsite.formats.xml_text import CleanText, clean_json
from podsite.schemas.catalogue import ReadModel
from podsite.urls import short_link_url

EpisodeStatus = Literal['draft', 'published', 'scheduled']


class AdminEpisodeRow(ReadModel):
    id: int
    number: int
    title: str
    published_at: datetime
    status: EpisodeStatus
    """By the app's clock (`services/admin/admin_service.py`)."""
    has_transcript: bool
    guest_count: int


class Appearance(BaseModel):
    guest_slug: str
    role: Literal['host', 'guest'] = 'guest'


class EpisodeWrite(BaseModel):
    """A whole episode as the editor saves it: validated here, before the service."""

    number: int = Field(ge=1, le=2**31 - 1)
    slug: str = Field(min_length=1, max_length=200, pattern=r'^[a-z0-9]+(?:-[a-z0-9]+)*$')
    title: CleanText = Field(min_length=1, max_length=400)
    subtitle: CleanText = Field(default='', max_length=400)
    summary: CleanText = ''
    show_notes: CleanText = ''
    is_published: bool
    published_at: datetime
    recorded_at: datetime | None = None
    duration_seconds: int = Field(ge=0, le=100 * 3600)
    media_url: HttpUrl | Literal['']
    media_size_bytes: int = Field(ge=0, le=LARGEST_BIG_INTEGER)
    media_type: CleanText = Field(max_length=100)
    youtube_id: str | None = Field(default=None, pattern=r'^[A-Za-z0-9_-]{6,32}$')
    season: int | None = Field(default=None, ge=0, le=10_000)
    episode_type: Literal['full', 'trailer', 'bonus'] = 'full'
    explicit: bool = False
    appearances: list[Appearance] = []
    sponsor_slugs: list[str] = []
    chapters: Annotated[dict[str, Any], AfterValidator(clean_json)] | None = None
    artwork_file: str = Field(default='', pattern=ARTWORK_FILE_PATTERN)
    """Uploaded artwork (formats/artwork.py names it); empty: the episode has none of its own."""
    media_file: str | None = Field(default=None, max_length=300)
    """The stored file's name in the media folder (an upload); None for audio elsewhere."""
    media_header_bytes: int | None = Field(default=None, ge=0)
    media_bitrate_bps: int | None = Field(default=None, ge=0)
    media_first_minute_bytes: int | None = Field(default=None, ge=0)
    """Where the first minute of audio ends (the byte rule); None: to be read again."""
    media_sample_rate_hz: int | None = Field(default=None, ge=0)
    media_channels: int | None = Field(default=None, ge=0)


class EpisodeRemoval(ReadModel):
    """What deleting an episode takes with it, for the confirmation page and the audit log."""

    id: int
    number: int
    title: str
    is_public: bool
    counted_downloads: int
    download_events: int
    has_transcript: bool
    has_chapters: bool
    appearances: int
    sponsor_reads: int
    media_file: str | None


class DashboardCounts(ReadModel):
    published: int
    scheduled: int
    drafts: int
    guests: int
    sponsors: int
    users: int
    without_transcript: int


class AuditRow(ReadModel):
    created_at: datetime
    user_email: str
    action: str
    entity: str
    entity_id: int | None
    summary: str
    changes: dict[str, Any]

    @property
    def change_lines(self) -> list[tuple[str, str]]:
        """Each field with its change: `before → after` for what a create or update changed;
        the value itself for what went with a removal (`clicks: 3`, `episodes: 12, 40`)."""
        lines = []
        for field, value in self.changes.items():
            if self.action in {'create', 'update'} and isinstance(value, list) and len(value) == 2:
                lines.append((field, f'{value[0]} → {value[1]}'))
            elif isinstance(value, list):
                lines.append((field, ', '.join(str(item) for item in value) or 'none'))
            else:
                lines.append((field, str(value)))
        return lines


class GuestWrite(BaseModel):
    name: CleanText = Field(min_length=1, max_length=200)
    slug: str = Field(min_length=1, max_length=200, pattern=r'^[a-z0-9]+(?:-[a-z0-9]+)*$')
    bio: CleanText = Field(default='', max_length=20_000)
    photo_url: CleanText = Field(default='', max_length=2000, pattern=r'^(|https?://\S+|/\S*)$')
    website_url: HttpUrl | Literal[''] = ''
    social_links: dict[CleanText, HttpUrl] = {}


class SponsorWrite(BaseModel):
    name: CleanText = Field(min_length=1, max_length=200)
    slug: str = Field(min_length=1, max_length=200, pattern=r'^[a-z0-9]+(?:-[a-z0-9]+)*$')
    logo_url: CleanText = Field(default='', max_length=2000, pattern=r'^(|https?://\S+|/\S*)$')
    website_url: HttpUrl | Literal[''] = ''
    description: CleanText = Field(default='', max_length=20_000)


class UserRow(ReadModel):
    id: int
    email: str
    name: str
    role: str
    sponsor_id: int | None
    created_at: datetime
    last_login_at: datetime | None


class NamedRow(ReadModel):
    id: int
    name: str
    slug: str
    archived: bool = False


class Removal(ReadModel):
    """What removing a row would take with it: shown on the confirmation page, and stored
    in the audit entry of the removal. A row with history (`keeps_history`) is archived
    instead: hidden from the site, kept in the reports, restorable."""

    name: str
    consequences: list[str]
    removed: dict[str, Any]
    keeps_history: bool = False
    archived: bool = False


SubscribeUrl = Annotated[str, Field(max_length=2000, pattern=r'^https?://\S+$')]


class PodcastWrite(BaseModel):
    title: CleanText = Field(min_length=1, max_length=200)
    subtitle: CleanText = Field(default='', max_length=400)
    description: CleanText = Field(default='', max_length=4000)
    author: CleanText = Field(default='', max_length=200)
    owner_name: CleanText = Field(default='', max_length=200)
    owner_email: CleanText = Field(
        default='', max_length=320, pattern=r'^(|[^@\s]+@[^@\s]+\.[^@\s]+)$'
    )
    language: str = Field(default='en', pattern=r'^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$')
    categories: list[list[CleanText]] = []
    explicit: bool = False
    artwork_url: CleanText = Field(default='', max_length=2000, pattern=r'^(|https?://\S+|/\S*)$')
    artwork_file: str = Field(default='', pattern=ARTWORK_FILE_PATTERN)
    website_url: HttpUrl | Literal[''] = ''
    copyright: CleanText = Field(default='', max_length=400)
    locked: bool = True
    funding_url: HttpUrl | Literal[''] = ''
    funding_text: CleanText = Field(default='', max_length=128)
    update_frequency_text: CleanText = Field(default='', max_length=128)
    update_frequency_rrule: CleanText = Field(default='', max_length=200)
    new_feed_url: Annotated[HttpUrl, UrlConstraints(max_length=2000)] | Literal[''] = ''
    redirect_feed: bool = False
    # Kept as the host typed them (HttpUrl would add a slash to some): apps match them as is.
    subscribe_urls: dict[str, SubscribeUrl] = {}

    @field_validator('subscribe_urls')
    @classmethod
    def _known_apps_only(cls, urls: dict[str, str]) -> dict[str, str]:
        unknown = set(urls) - APP_KEYS
        if unknown:
            raise ValueError(f'no subscribe button for {", ".join(sorted(unknown))}')
        return urls

    @model_validator(mode='after')
    def _redirect_needs_a_target(self) -> 'PodcastWrite':
        if self.redirect_feed and not self.new_feed_url:
            raise ValueError('redirecting the feed needs a new feed URL')
        return self


class PolicyWrite(BaseModel):
    title: CleanText = Field(min_length=1, max_length=200)
    slug: str = Field(min_length=1, max_length=100, pattern=r'^[a-z0-9]+(?:-[a-z0-9]+)*$')
    body: CleanText = Field(default='', max_length=200_000)


class ShortLinkWrite(BaseModel):
    """A short link as the admin saves it; the related episode, sponsor and guest are
    optional and named the way the admin knows them."""

    name: str = Field(min_length=1, max_length=100, pattern=r'^[a-z0-9]+(?:-[a-z0-9]+)*$')
    target_url: HttpUrl
    episode_number: int | None = Field(default=None, ge=1, le=2**31 - 1)
    sponsor_slug: str | None = None
    guest_slug: str | None = None


class ShortLinkRow(ReadModel):
    id: int
    name: str
    target_url: str
    episode_number: int | None
    sponsor_slug: str | None
    guest_slug: str | None
    placement_id: int | None
    clicks: int
    archived: bool = False

    @property
    def path(self) -> str:
        return short_link_url(self.name)
