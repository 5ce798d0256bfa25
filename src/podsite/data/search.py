"""What search reads: one row per searchable piece, kept in sync by database triggers.

Episodes (title; subtitle, summary and notes), guests (name; bio) and transcripts (one
row per passage of a few timed cues, so a hit can link to its moment; one row for an
untimed transcript). Passages leave speakers out: a host's name would otherwise match
half of every transcript.
SQLite indexes the rows with FTS5, PostgreSQL with a generated `tsvector` column.
"""

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from podsite.data.base import Base

SEARCH_KINDS = ('episode', 'guest', 'passage', 'transcript')


class SearchDocument(Base):
    __tablename__ = 'search_document'

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    episode_id: Mapped[int | None] = mapped_column(
        ForeignKey('episode.id', ondelete='CASCADE'), index=True
    )
    guest_id: Mapped[int | None] = mapped_column(
        ForeignKey('guest.id', ondelete='CASCADE'), index=True
    )
    start_seconds: Mapped[float | None]
    title: Mapped[str] = mapped_column(Text, default='')
    body: Mapped[str] = mapped_column(Text, default='')
