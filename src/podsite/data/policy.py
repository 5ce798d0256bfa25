"""Policy pages (privacy, terms, and any the admin adds), written in Markdown."""

from datetime import datetime

from sqlalchemy import String, Text, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from podsite.data.base import Base, utc_now
from podsite.formats.markdown import render_markdown


class Policy(Base):
    __tablename__ = 'policy'

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default='')
    """Markdown, as the admin wrote it."""
    body_html: Mapped[str] = mapped_column(Text, default='')
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)


@event.listens_for(Policy, 'before_insert')
@event.listens_for(Policy, 'before_update')
def _render_body(_mapper: Mapper[Policy], _connection: Connection, policy: Policy) -> None:
    policy.body_html = render_markdown(policy.body or '')
