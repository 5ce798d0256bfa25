"""SQLAlchemy models, one module per aggregate. Importing this package registers them all."""

from podsite.data.account import (
    EpisodeAnnouncement,
    OutboxMessage,
    PasswordReset,
    PasswordResetRequest,
    User,
    UserSession,
)
from podsite.data.analytics import (
    AggregationProgress,
    ClickEvent,
    CountingCheckpoint,
    DownloadCount,
    PlacementImpression,
    ShortLink,
    SpooledSegment,
)
from podsite.data.audit import AuditEntry
from podsite.data.base import Base
from podsite.data.download import AnalyticsSalt, DownloadEvent
from podsite.data.episode import Episode, EpisodeGuest, Transcript
from podsite.data.guest import Guest
from podsite.data.live_stream import LiveStream, StreamNotification, StreamSubscriber
from podsite.data.podcast import Podcast
from podsite.data.policy import Policy
from podsite.data.publishing import FeedAnnouncement, FeedNotification, TagRewrite
from podsite.data.rate_limit import RateLimitCounter
from podsite.data.search import SearchDocument
from podsite.data.site_state import SiteState
from podsite.data.sponsor import Sponsor, SponsorPlacement
from podsite.data.two_factor import RecoveryCode, TotpCredential

__all__ = [
    'AggregationProgress',
    'AnalyticsSalt',
    'AuditEntry',
    'Base',
    'ClickEvent',
    'CountingCheckpoint',
    'DownloadCount',
    'DownloadEvent',
    'Episode',
    'EpisodeAnnouncement',
    'EpisodeGuest',
    'FeedAnnouncement',
    'FeedNotification',
    'Guest',
    'LiveStream',
    'OutboxMessage',
    'PasswordReset',
    'PasswordResetRequest',
    'PlacementImpression',
    'Podcast',
    'Policy',
    'RateLimitCounter',
    'RecoveryCode',
    'SearchDocument',
    'ShortLink',
    'SiteState',
    'Sponsor',
    'SponsorPlacement',
    'SpooledSegment',
    'StreamNotification',
    'StreamSubscriber',
    'TagRewrite',
    'TotpCredential',
    'Transcript',
    'User',
    'UserSession',
]
