"""Runtime configuration, read from `PODSITE_` environment variables and `.env`."""

import ipaddress
import re
from functools import cached_property
from pathlib import Path
from typing import Literal, Self
from urllib.parse import urlsplit

from pydantic import ByteSize, Field, HttpUrl, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from quart import Quart, current_app
from sqlalchemy import make_url

from podsite.schemas.analytics import Window

DEVELOPMENT_SECRET_KEY = 'development-only-secret-key-change-me'  # noqa: S105 (refused outside development)
PACKAGE_DIR = Path(__file__).resolve().parent

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
LOCAL_HOSTS = ('127.0.0.1', 'localhost', '::1')
HOST_LABEL = r'[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?'
HOST_NAME = re.compile(rf'(?i){HOST_LABEL}(?:\.{HOST_LABEL})*')


class Settings(BaseSettings):
    """Everything that differs between a laptop, CI and production."""

    model_config = SettingsConfigDict(
        env_prefix='PODSITE_', env_file='.env', extra='ignore', frozen=True
    )

    environment: Literal['development', 'test', 'production'] = 'development'
    """`development` allows the built-in secret key; `production` refuses it."""

    database_url: str = 'sqlite+aiosqlite:///./podsite.db'
    """SQLAlchemy async URL: `sqlite+aiosqlite:///path` or `postgresql+asyncpg://...`."""

    secret_key: str = DEVELOPMENT_SECRET_KEY
    """Signs cookies and tokens; must be set to a long random value outside development."""

    backup_key: str | None = None
    """Signs backups (HMAC-SHA256) and checks them on restore. Unset, a key derived from
    `secret_key` does: set one (and keep it with the backups' whereabouts) to restore them
    on a site with another secret key, or after changing it."""

    base_url: str = 'http://127.0.0.1:8000'
    """Public address of the site (`http://` or `https://`, with its host): every absolute
    URL the site makes is built from it (canonical links, the feed, the sitemap, emails,
    redirects), never from the Host a request came with."""

    trusted_hosts: list[str] = Field(default_factory=list)
    """Host names the site answers to besides the base URL's host (`.example.org` allows
    every subdomain); a request with any other `Host` is refused with 400. Outside
    production the local names (127.0.0.1, localhost, ::1) are trusted as well."""

    redis_url: str | None = None
    """Optional Redis for the rate limits (logins, password resets, sign-ups) and probe bans,
    shared between instances. Unset (or not answering), the limits are counted in the
    database and probe bans in each process."""

    redis_timeout_seconds: float = Field(default=0.25, gt=0, le=10)
    """How long a Redis call (connecting included) may take before it counts as failed."""

    redis_retry_seconds: float = Field(default=10, gt=0, le=3600)
    """After a Redis call fails, how long podsite leaves Redis alone and uses its fallbacks
    before trying it again."""

    trusted_proxies: list[IPNetwork] = Field(default_factory=list)
    """Addresses (or networks) of reverse proxies whose `Forwarded` (RFC 7239) or, without
    it, `X-Forwarded-For` is believed."""

    media_dir: Path | None = None
    """Folder of episode audio: files uploaded in the admin are stored there, and any file
    whose name is the last path segment of an episode's media URL is served by podsite
    itself (with Range support) instead of redirecting to that URL. Unset: `media/` beside
    the SQLite database, or in `data_dir` on PostgreSQL (see `media_folder`)."""

    max_upload_mb: int = Field(default=1024, ge=1, le=1024 * 1024)
    """The largest audio file the admin accepts, in MiB; only the episode form's routes take
    a body that large, every other route keeps a 16 MiB limit."""

    accel_redirect_prefix: str | None = Field(default=None, pattern=r'^/\S*/$')
    """Behind nginx: the internal location (like `/_media/`) that serves `media_folder`. A
    download of a local file is then recorded by podsite and answered with an empty
    `X-Accel-Redirect` response that nginx fills from the disk. Unset: podsite sends the
    bytes itself."""

    data_dir: Path = Path('podsite-data')
    """Folder for data podsite keeps on the machine: `podsite update-agents` puts the OPAWG
    user-agent list there (`user-agents/`), preferred to the copy podsite ships, and the
    recorded events wait in `spool/` until the database has them. Must be writable, local
    (file locks) and kept across restarts."""

    smtp_host: str = ''
    """SMTP server for outgoing email; empty: emails are stored and logged, not sent."""

    smtp_port: int = 587
    """SMTP port."""

    smtp_username: str = ''
    """SMTP login, if the server wants one."""

    smtp_password: str = ''
    """SMTP password."""

    smtp_starttls: bool = True
    """Upgrade the SMTP connection with STARTTLS."""

    smtp_from: str = 'podsite <no-reply@localhost>'
    """The From address of every email."""

    probe_limit: int = 10
    """Bot probes (`/wp-login.php`, `/.env`, ...) an address may send per window before
    it is refused everywhere with 429."""

    probe_window_seconds: int = 600
    """The window in which probes are counted."""

    probe_ban_seconds: int = 3600
    """How long an address that probed too much is refused."""

    login_attempts_per_account: int = Field(default=5, ge=1)
    """Login attempts for one account per quarter hour before it is refused for a while."""

    login_attempts_per_ip: int = Field(default=20, ge=1)
    """Login attempts from one address per quarter hour; raise it where many people share
    one address (or for a load test from one machine)."""

    registrations_per_ip: int = Field(default=10, ge=1)
    """Sign-ups from one address per hour."""

    mail_interval_seconds: float = Field(default=5, ge=0)
    """How often each instance sends the queued email (requests only queue it); 0 leaves
    it to `podsite send-mail`."""

    mail_per_run: int = Field(default=200, ge=1)
    """At most this many messages per run of the sender, each `mail_interval_seconds`: the
    sending rate (200 every 5 s: 2,400 a minute per instance), so a new episode mailed to
    every subscriber does not flood the SMTP server."""
    websub_hubs: list[HttpUrl] = Field(default_factory=list)
    """WebSub hubs the feed names (`<atom:link rel="hub">`) and tells when an episode goes
    public (`hub.mode=publish`), e.g. `["https://pubsubhubbub.appspot.com/"]`."""

    publish_pings: list[HttpUrl] = Field(default_factory=list)
    """URLs asked `GET <url>?url=<feed>` when an episode goes public, as Podcast Index's
    `https://api.podcastindex.org/api/1.0/hub/pubnotify` expects."""

    publish_interval_seconds: float = Field(default=30, ge=0)
    """How often each instance looks for episodes gone public (a scheduled one included)
    and sends the hubs' and pings' notices due; 0 leaves it to `podsite notify-feed`."""

    tagging_interval_seconds: float = Field(default=5, ge=0)
    """How often each instance writes the show's tags into the stored audio files queued by
    an edit of the show (its title, author or artwork); 0 leaves it to `podsite retag`."""

    analytics_window: Window = Window.ROLLING_FIRST_TOUCH
    """How a listener's requests for an episode are grouped into one download (IAB v2.3):
    `calendar-day`, `rolling-first-touch` or `last-touch`; stated on the methodology page."""

    analytics_datacenter_filter: bool = True
    """Leave out downloads from data-centre and VPN networks (IAB v2.3, 5.5.2, step 1.2,
    item 2), by the list `podsite update-datacenters` refreshes; stated on the methodology
    page."""

    analytics_high_volume_limit: int = Field(default=50, ge=0)
    """The most downloads (different app and episode pairs) one address may ask for in a
    UTC day before all of its requests that day are left out (IAB v2.3, 5.5.2, step 1.2,
    item 1); 0 switches the rule off. Stated on the methodology page."""

    analytics_interval_seconds: int = Field(default=300, ge=0)
    """How often each instance turns new download events into counted downloads; 0 leaves
    it to `podsite aggregate`."""

    record_events: bool = True
    """Record downloads, short-link clicks and sponsor impressions. Off, redirects and pages
    are served alike but nothing is counted."""

    page_cache: bool = True
    """Keep whole public pages for anonymous visitors (see infrastructure/page_cache.py);
    off only to measure or debug the uncached path."""

    page_cache_size: ByteSize = Field(default=ByteSize(32 * 2**20), ge=0)
    """The most memory each worker's kept pages may take: bytes, or with a unit (`64MiB`,
    `200MB`); past it the least recently used page goes. A 2,000-episode show's
    `/episodes/all` is about 770 KB, an episode page about 14 KB (17 KB as the cache counts
    it), so the default keeps about 2,000 pages. With 64 MiB, a worker of a 10,000-episode
    show ended `bench/catalogue.py`'s busy day at 245-261 MB, 219 MB with 32 (2026-12-07)."""

    database_echo: bool = False
    """Log every SQL statement (debugging only)."""

    template_auto_reload: bool = False
    """Re-read templates when they change on disk (development convenience)."""

    @field_validator('base_url')
    @classmethod
    def _base_url_is_an_http_address(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in {'http', 'https'} or not parts.hostname:
            raise ValueError('PODSITE_BASE_URL must be an http:// or https:// address with a host')
        return value

    @field_validator('trusted_hosts')
    @classmethod
    def _trusted_hosts_are_host_names(cls, names: list[str]) -> list[str]:
        for name in names:
            if not _is_host_name(name.removeprefix('.')):
                raise ValueError(
                    f'PODSITE_TRUSTED_HOSTS: {name!r} is not a host name (like www.example.org, '
                    'or .example.org for it and every subdomain)'
                )
        return [name.lower() for name in names]

    @model_validator(mode='after')
    def _refuse_development_secret_outside_development(self) -> Self:
        if self.environment != 'development' and (
            self.secret_key == DEVELOPMENT_SECRET_KEY or len(self.secret_key) < 32
        ):
            raise ValueError(
                'PODSITE_SECRET_KEY must be set to a random value of at least 32 characters '
                f'when PODSITE_ENVIRONMENT is {self.environment!r}'
            )
        return self

    @model_validator(mode='after')
    def _refuse_a_short_backup_key(self) -> Self:
        if self.backup_key is not None and len(self.backup_key) < 32:
            raise ValueError('PODSITE_BACKUP_KEY must be a random value of at least 32 characters')
        return self

    @cached_property
    def media_folder(self) -> Path:
        """Where episode audio is kept: `media_dir`, else a `media/` folder beside the
        SQLite database file (so `make run` takes uploads out of the box), else in
        `data_dir`. Created by whatever first stores a file in it. Kept once worked out:
        every download asks for it."""
        if self.media_dir is not None:
            return self.media_dir
        database = make_url(self.database_url).database if self.is_sqlite else None
        if database and database != ':memory:' and not database.startswith('file:'):
            return Path(database).parent / 'media'
        return self.data_dir / 'media'

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 2**20

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith('sqlite')

    @property
    def public_base_url(self) -> str:
        return self.base_url.rstrip('/')

    @property
    def answered_hosts(self) -> tuple[str, ...]:
        """The host names requests may carry: the base URL's, the configured ones, and the
        local names outside production."""
        local = () if self.environment == 'production' else LOCAL_HOSTS
        return (urlsplit(self.base_url).hostname or '', *self.trusted_hosts, *local)


def _is_host_name(name: str) -> bool:
    """A DNS name (ASCII, as IDNA writes it) or an IP address, without port or scheme."""
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return HOST_NAME.fullmatch(name) is not None
    return True


SETTINGS_KEY = 'PODSITE_SETTINGS'


def current_settings(app: Quart | None = None) -> Settings:
    """The settings `create_app` was given: of `app`, or of the app in the current context.
    The one way code reads them, so their place in the app stays private to this module."""
    settings: Settings = (app or current_app).config[SETTINGS_KEY]
    return settings
