"""One row of site-wide state shared by every worker and instance."""

from sqlalchemy import BigInteger
from sqlalchemy.orm import Mapped, mapped_column

from podsite.data.base import Base

# Catalogue tables whose every change bumps `content_version` (by database triggers, so that
# no write path can forget it): caches of public pages and feeds key on the version.
VERSIONED_TABLES = (
    'podcast',
    'episode',
    'guest',
    'episode_guest',
    'sponsor',
    'sponsor_placement',
    'transcript',
)


class SiteState(Base):
    __tablename__ = 'site_state'

    id: Mapped[int] = mapped_column(primary_key=True)
    content_version: Mapped[int] = mapped_column(BigInteger, default=0)
