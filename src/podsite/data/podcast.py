"""The show itself: one row of channel-level settings."""

from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from podsite.data.base import Base


class Podcast(Base):
    __tablename__ = 'podcast'

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    subtitle: Mapped[str] = mapped_column(String(400), default='')
    description: Mapped[str] = mapped_column(Text, default='')
    author: Mapped[str] = mapped_column(String(200), default='')
    owner_name: Mapped[str] = mapped_column(String(200), default='')
    owner_email: Mapped[str] = mapped_column(String(320), default='')
    language: Mapped[str] = mapped_column(String(35), default='en')
    # Apple categories as [["Technology"], ["Education", "Courses"]]: category, then subcategory.
    categories: Mapped[list[Any]] = mapped_column(JSON, default=list)
    explicit: Mapped[bool] = mapped_column(default=False)
    artwork_url: Mapped[str] = mapped_column(String(2000), default='')
    website_url: Mapped[str] = mapped_column(String(2000), default='')
    copyright: Mapped[str] = mapped_column(String(400), default='')
