"""Episodes, who appears in them, and their transcripts."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from podsite.data.base import Base, utc_now

EPISODE_TYPES = ('full', 'trailer', 'bonus')
APPEARANCE_ROLES = ('host', 'guest')
NOTES_FORMATS = ('markdown', 'html', 'text')


class Episode(Base):
    __tablename__ = 'episode'
    __table_args__ = (
        Index('ix_episode_published', 'is_published', 'published_at'),
        # An episode page's neighbours: the nearest published number, found by walking
        # this index from the page's own number.
        Index('ix_episode_published_number', 'is_published', 'number'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    """The site's own number: the episode's URLs, given once and never changed."""
    episode_number: Mapped[int | None] = mapped_column(default=None)
    """The number the feed and the page give the episode (`itunes:episode`), within its
    season when the show numbers per season; None for an unnumbered one (a bonus, a trailer).
    An imported episode has its source's; one made in podsite, its site number."""
    slug: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(400))
    subtitle: Mapped[str] = mapped_column(String(400), default='')
    summary: Mapped[str] = mapped_column(Text, default='')
    show_notes: Mapped[str] = mapped_column(Text, default='')
    """As the host wrote them: Markdown in podsite's editor, HTML or plain text from a feed."""
    show_notes_format: Mapped[str] = mapped_column(String(10), default='markdown')
    """`markdown`, `html` or `text` (NOTES_FORMATS): how `show_notes` is read."""
    show_notes_html: Mapped[str] = mapped_column(Text, default='')
    """`show_notes` rendered and sanitised by the service that writes it
    (services/catalogue/derived_columns.py)."""
    published_at: Mapped[datetime]
    recorded_at: Mapped[datetime | None] = mapped_column(default=None)
    """When the conversation was recorded, shown beside the publication date; None if
    not known (an imported episode)."""
    is_published: Mapped[bool] = mapped_column(default=False)
    duration_seconds: Mapped[int] = mapped_column(default=0)
    media_url: Mapped[str] = mapped_column(String(2000), default='')
    media_size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    media_type: Mapped[str] = mapped_column(String(100), default='audio/mpeg')
    media_first_minute_bytes: Mapped[int | None] = mapped_column(BigInteger, default=None)
    """Where the file's first minute of audio ends, tags before it included: the IAB byte
    rule counts a download once a listener has fetched this much (the whole file when it is
    shorter). Read from the file's frames by `podsite probe-media`; unknown (not probed, or
    a format podsite cannot read), the rule asks for the whole file."""
    media_header_bytes: Mapped[int | None] = mapped_column(default=None)
    """Size of the file's tags before the audio, as read when it was stored (shown in the
    admin with the other facts of the file)."""
    media_bitrate_bps: Mapped[int | None] = mapped_column(default=None)
    """The audio's average bitrate, read when the file was stored."""
    media_file: Mapped[str | None] = mapped_column(String(300), default=None)
    """The name of the file podsite stores in its media folder, when the audio was uploaded
    in the admin (or fetched by `import-feed --fetch-media`); None for audio elsewhere."""
    media_sample_rate_hz: Mapped[int | None] = mapped_column(default=None)
    media_channels: Mapped[int | None] = mapped_column(default=None)
    youtube_id: Mapped[str | None] = mapped_column(String(32), default=None)
    season: Mapped[int | None] = mapped_column(default=None)
    episode_type: Mapped[str] = mapped_column(String(10), default='full')
    explicit: Mapped[bool] = mapped_column(default=False)
    guid: Mapped[str] = mapped_column(String(400), unique=True)
    image_url: Mapped[str] = mapped_column(String(2000), default='')
    artwork_file: Mapped[str] = mapped_column(String(40), default='', server_default='')
    """The episode's uploaded artwork, as the show's `Podcast.artwork_file`."""
    # Podcasting 2.0 JSON chapters (version 1.2): {"version": "1.2.0", "chapters": [...]}.
    chapters: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), default=None)
    # [{"start": 1234.5, "duration": 30.0, "title": "..."}]: `podcast:soundbite`.
    soundbites: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # Links an imported item had to its transcripts and chapters elsewhere, as the feed gave
    # them ({"url", "type", "language", "rel"}): the feed and the page point to them while
    # podsite has no copy of its own (not fetched, or the fetch failed).
    linked_transcripts: Mapped[list[Any]] = mapped_column(JSON, default=list)
    linked_chapters_url: Mapped[str] = mapped_column(String(2000), default='')
    # Item-level elements podsite does not model (`itunes:author`, `podcast:alternateEnclosure`,
    # ...), kept verbatim from an import and written back into the feed.
    extra_elements: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)


class EpisodeGuest(Base):
    """Who appears in an episode, in which role, in billing order."""

    __tablename__ = 'episode_guest'

    episode_id: Mapped[int] = mapped_column(
        ForeignKey('episode.id', ondelete='CASCADE'), primary_key=True
    )
    guest_id: Mapped[int] = mapped_column(
        ForeignKey('guest.id', ondelete='CASCADE'), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    role: Mapped[str] = mapped_column(String(10), default='guest')


class Transcript(Base):
    """An episode's transcript: plain text, plus timed cues when the source had them."""

    __tablename__ = 'transcript'

    episode_id: Mapped[int] = mapped_column(
        ForeignKey('episode.id', ondelete='CASCADE'), primary_key=True
    )
    text: Mapped[str] = mapped_column(Text)
    # [{"start": 12.5, "end": 19.0, "speaker": "Michael", "text": "..."}, ...]
    cues: Mapped[list[Any] | None] = mapped_column(JSON(none_as_null=True), default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)
