"""What the podcast feed needs: the show and its streams in two queries, then the episodes
in chunks of `ITEMS_PER_CHUNK`, three queries a chunk."""

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy import Select, exists, select, tuple_

from podsite.data import Episode, Podcast, Transcript
from podsite.infrastructure import clock, db
from podsite.schemas.feed import Feed, FeedItem, PodcastDetails
from podsite.services.catalogue import episode_service
from podsite.services.streams import live_stream_service

PODCAST_COLUMNS = tuple(
    getattr(Podcast, name) for name in PodcastDetails.model_fields if hasattr(Podcast, name)
)
ITEM_COLUMNS = (
    Episode.id,
    *(
        getattr(Episode, name)
        for name in FeedItem.model_fields
        if name not in {'has_transcript', 'has_chapters', 'people', 'sponsors'}
    ),
    exists().where(Transcript.episode_id == Episode.id).label('has_transcript'),
    Episode.chapters.is_not(None).label('has_chapters'),
)


async def podcast_details() -> PodcastDetails | None:
    row = (await db.session().execute(select(*PODCAST_COLUMNS).limit(1))).first()
    return None if row is None else PodcastDetails.model_validate(row._mapping)


async def preview_feed(episode_id: int) -> Feed | None:
    """The feed as it would be with only this episode in it, published or not: for the
    admin's preview. None before the show is set up, or without such an episode."""
    podcast = await podcast_details()
    if podcast is None:
        return None
    items = await _items(select(*ITEM_COLUMNS).where(Episode.id == episode_id))
    return Feed(podcast=podcast, items=items, as_of=clock.now()) if items else None


ITEMS_PER_CHUNK = 500
"""Episodes read and built at a time: a 10,000-episode feed held the rows and models of
every episode at once, and the objects made meanwhile that outlived them kept a worker's
memory 17 MB bigger (2026-12-07)."""


async def public_feed() -> Feed | None:
    """The show and its upcoming and live streams, without items (`public_items` reads those
    for the moment in `as_of`); None before the show is set up."""
    podcast = await podcast_details()
    if podcast is None:
        return None
    now = clock.now()
    live_items = tuple(await live_stream_service.current_streams(now))
    return Feed(podcast=podcast, items=(), live_items=live_items, as_of=now)


async def public_items(as_of: datetime) -> AsyncIterator[tuple[FeedItem, ...]]:
    """Every episode public at `as_of`, newest first, `ITEMS_PER_CHUNK` at a time."""
    newest_first = (
        select(*ITEM_COLUMNS)
        .where(episode_service.is_public(as_of))
        .order_by(Episode.published_at.desc(), Episode.number.desc())
        .limit(ITEMS_PER_CHUNK)
    )
    items = await _items(newest_first)
    while items:
        yield items
        if len(items) < ITEMS_PER_CHUNK:
            return
        last = items[-1]
        items = await _items(
            newest_first.where(
                tuple_(Episode.published_at, Episode.number) < (last.published_at, last.number)
            )
        )


async def _items(query: Select[Any]) -> tuple[FeedItem, ...]:
    """The items of the episodes `query` selects (of `ITEM_COLUMNS`), with their people and
    sponsors."""
    rows = (await db.session().execute(query)).all()
    if not rows:
        return ()
    episode_ids = query.with_only_columns(Episode.id)
    people = await episode_service.guests_by_episode(episode_ids)
    sponsors = await episode_service.placements_by_episode(episode_ids)
    return tuple(
        FeedItem.model_validate(
            {**row._mapping, 'people': people.get(row.id, ()), 'sponsors': sponsors.get(row.id, ())}
        )
        for row in rows
    )
