"""Sponsors and where they are placed."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from podsite.data.base import Base


class Sponsor(Base):
    __tablename__ = 'sponsor'

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    logo_url: Mapped[str] = mapped_column(String(2000), default='')
    website_url: Mapped[str] = mapped_column(String(2000), default='')
    description: Mapped[str] = mapped_column(Text, default='')
    # A sponsor whose reads were heard is archived rather than deleted: gone from the public
    # pages and the admin's pickers, still in the reports, and restorable.
    archived_at: Mapped[datetime | None] = mapped_column(default=None)


class SponsorPlacement(Base):
    """A sponsor read in an episode; `position` orders several reads in one episode."""

    __tablename__ = 'sponsor_placement'

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(
        ForeignKey('episode.id', ondelete='CASCADE'), index=True
    )
    sponsor_id: Mapped[int] = mapped_column(
        ForeignKey('sponsor.id', ondelete='CASCADE'), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
