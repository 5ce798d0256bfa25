"""Raw download events, recorded as they happen; counting rules read them later."""

from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from podsite.data.base import Base


class DownloadEvent(Base):
    __tablename__ = 'download_event'

    # SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, 'sqlite'), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    episode_id: Mapped[int] = mapped_column(
        ForeignKey('episode.id', ondelete='CASCADE'), index=True
    )
    ip_hash: Mapped[str] = mapped_column(String(64))
    """HMAC of the client address with the day's salt; the address itself is never stored."""
    ip_hash_previous: Mapped[str | None] = mapped_column(String(64), default=None)
    """The same address under the previous day's salt, so that a 24-hour window crossing
    midnight still knows the listener after the salt has changed."""
    user_agent: Mapped[str] = mapped_column(String(1000), default='')
    range_header: Mapped[str | None] = mapped_column(String(200), default=None)
    bytes_served: Mapped[int | None] = mapped_column(BigInteger, default=None)
    """The bytes really sent when podsite serves the file (planned ones before 0016);
    None for a redirect."""
    served_from: Mapped[int | None] = mapped_column(BigInteger, default=None)
    """The offset of the first byte sent; None for a redirect (and before 0016), where
    counting goes by the Range asked for."""
    ended_early: Mapped[bool | None] = mapped_column(default=None)
    """The client hung up before the last byte planned; None when podsite sent no file, or
    while the transfer is not over (and for good, when its worker was killed during it)."""
    transfer: Mapped[str | None] = mapped_column(String(32), default=None, index=True)
    """A file sent by podsite is recorded when its transfer starts (`ended_early` None) and
    again when it ends, under this key; the end's row replaces the start's. None for
    everything else."""
    method: Mapped[str] = mapped_column(String(8))
    status: Mapped[int]
    from_datacenter: Mapped[bool] = mapped_column(default=False, server_default=false())
    """The address was in a data-centre or VPN network when stored (`datacenters`); the
    address itself is not kept, so this is looked up then or never."""


class AnalyticsSalt(Base):
    """A random salt per day; deleting old rows makes old hashes unlinkable."""

    __tablename__ = 'analytics_salt'

    day: Mapped[date] = mapped_column(primary_key=True)
    salt: Mapped[str] = mapped_column(String(64))
