"""The show itself: one row of channel-level settings."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from podsite.data.base import Base, utc_now


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
    artwork_file: Mapped[str] = mapped_column(String(40), default='', server_default='')
    """The uploaded artwork's stored name (infrastructure/artwork_files.py), whose copies the
    pages show; empty when `artwork_url` points elsewhere."""
    website_url: Mapped[str] = mapped_column(String(2000), default='')
    copyright: Mapped[str] = mapped_column(String(400), default='')
    guid: Mapped[str] = mapped_column(String(36), default='')
    """`podcast:guid`: the show's identity for podcast apps and directories, set once (from
    the imported feed, or when the show is created) and never derived again."""
    show_type: Mapped[str] = mapped_column(String(10), default='episodic')
    """`itunes:type`: `episodic` (newest first) or `serial` (in order)."""
    locked: Mapped[bool] = mapped_column(default=True)
    """`podcast:locked`: other hosting platforms may not import this feed."""
    funding_url: Mapped[str] = mapped_column(String(2000), default='')
    funding_text: Mapped[str] = mapped_column(String(128), default='')
    update_frequency_text: Mapped[str] = mapped_column(String(128), default='')
    update_frequency_rrule: Mapped[str] = mapped_column(String(200), default='')
    new_feed_url: Mapped[str] = mapped_column(String(2000), default='')
    """Where the feed moved to: announced in the feed as `itunes:new-feed-url`."""
    redirect_feed: Mapped[bool] = mapped_column(default=False)
    """Answer the old feed's address with a 301 to `new_feed_url` instead of the feed."""
    subscribe_urls: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    """Where listeners subscribe in each app the host lists, by app key (`apple_podcasts`,
    `spotify`, ...: `formats/subscribe_apps.py`); an app not listed gets no button."""
    # The channel's `podcast:person`s from an import ({"name", "role", "group", "href", "img"}),
    # written as they are (none, if the source listed none). None, for a show made in podsite:
    # the feed lists the hosts of its episodes.
    people: Mapped[list[Any] | None] = mapped_column(JSON(none_as_null=True), default=None)
    # Channel-level elements podsite does not model (`managingEditor`, `podcast:podroll`,
    # ...), kept verbatim from an import and written back into the feed.
    extra_elements: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)
