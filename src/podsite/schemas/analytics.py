"""Analytics: events as recorded on the request path, and the numbers reports show."""

from datetime import date, datetime
from enum import StrEnum

from podsite.schemas.catalogue import ReadModel


class Window(StrEnum):
    """How a listener's requests for an episode are grouped into one download (IAB v2.3);
    a setting, so it lives here rather than with the rules that apply it."""

    CALENDAR_DAY = 'calendar-day'
    """One download per listener, episode and UTC day."""
    ROLLING_FIRST_TOUCH = 'rolling-first-touch'
    """The first request opens 24 hours; requests in them are one download."""
    LAST_TOUCH = 'last-touch'
    """Each request extends the window by 24 hours from itself."""


class PendingDownload(ReadModel):
    """A download as it happened; the address is hashed when the batch is stored."""

    occurred_at: datetime
    episode_id: int
    client_ip: str
    user_agent: str
    range_header: str | None
    bytes_served: int | None
    """The bytes podsite really sent (see `served_from`); None when it sent none of its own
    (a redirect to the media)."""
    method: str
    status: int
    served_from: int | None = None
    """The offset in the file of the first byte sent; None for a redirect."""
    ended_early: bool | None = None
    """The transfer stopped before the last byte planned (the client hung up); None when
    podsite sent no file, or in the event recorded as a transfer starts."""
    transfer: str | None = None
    """A file sent by podsite is recorded twice under this key: as its transfer starts
    (`ended_early` None), so that a worker killed during it loses nothing, and as it ends,
    with the bytes sent, which replaces the stored start."""

    @property
    def transfer_over(self) -> bool:
        return self.transfer is not None and self.ended_early is not None


class PendingImpression(ReadModel):
    """An episode page shown with its sponsor placements, `views` times on the day of
    `occurred_at` (the first of them)."""

    occurred_at: datetime
    placement_ids: list[int]
    views: int = 1


class DailyCount(ReadModel):
    day: date
    count: int


class EpisodeDownloads(ReadModel):
    """Counted downloads of an episode in its first days, and in all."""

    episode_id: int
    number: int
    title: str
    published_at: datetime
    first_7_days: int
    first_30_days: int
    first_90_days: int
    all_time: int


class Share(ReadModel):
    name: str
    downloads: int


class LinkClicks(ReadModel):
    id: int
    name: str
    target_url: str
    created_at: datetime
    clicks: int
    """Clicks by people: clicks from bots and link checkers are left out."""


class CampaignRow(ReadModel):
    """One sponsor read: the episode it was in, and what it earned."""

    placement_id: int
    episode_number: int
    episode_title: str
    published_at: datetime
    link_name: str | None
    downloads: int
    clicks: int
    impressions: int


class CampaignDay(ReadModel):
    day: date
    episode_number: int
    downloads: int
    clicks: int
    impressions: int
