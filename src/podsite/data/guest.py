"""People who appear on the show: guests and hosts alike."""

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from podsite.data.base import Base


class Guest(Base):
    __tablename__ = 'guest'

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    bio: Mapped[str] = mapped_column(Text, default='')
    photo_url: Mapped[str] = mapped_column(String(2000), default='')
    website_url: Mapped[str] = mapped_column(String(2000), default='')
    # Network name to profile URL, e.g. {"Mastodon": "https://..."}.
    social_links: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
