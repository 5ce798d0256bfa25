"""Policy pages (privacy, terms, and any the admin adds), written in Markdown."""

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from podsite.data.base import Base, utc_now


class Policy(Base):
    __tablename__ = 'policy'

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default='')
    """Markdown, as the admin wrote it."""
    body_html: Mapped[str] = mapped_column(Text, default='')
    """`body` rendered by the service that writes it (services/catalogue/derived_columns.py)."""
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)
