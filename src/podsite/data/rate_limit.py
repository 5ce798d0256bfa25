"""Rate-limit counters kept in the database: where the limits on logins, password resets
and sign-ups are counted when Redis is not configured or not answering (see
`infrastructure/rate_limit.py`)."""

from sqlalchemy import Float, String
from sqlalchemy.orm import Mapped, mapped_column

from podsite.data.base import Base

KEY_LENGTH = 400


class RateLimitCounter(Base):
    """One fixed window of one limit: how many attempts it has seen, and when it ends."""

    __tablename__ = 'rate_limit_counter'

    key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    hits: Mapped[int]
    expires_at: Mapped[float] = mapped_column(Float, index=True)
    """Seconds since the epoch, as `limits` counts its windows."""
