"""What the podcast feed needs, in four queries however many episodes there are."""

from sqlalchemy import exists, select

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
    query = select(*ITEM_COLUMNS).where(Episode.id == episode_id)
    row = (await db.session().execute(query)).first()
    if row is None:
        return None
    episode_ids = query.with_only_columns(Episode.id)
    people = await episode_service.guests_by_episode(episode_ids)
    sponsors = await episode_service.placements_by_episode(episode_ids)
    item = FeedItem.model_validate(
        {**row._mapping, 'people': people.get(row.id, ()), 'sponsors': sponsors.get(row.id, ())}
    )
    return Feed(podcast=podcast, items=(item,), as_of=clock.now())


async def public_feed() -> Feed | None:
    """The show, every public episode (newest first) and the upcoming and live streams;
    None before the show is set up."""
    podcast = await podcast_details()
    if podcast is None:
        return None
    now = clock.now()
    query = (
        select(*ITEM_COLUMNS)
        .where(episode_service.is_public(now))
        .order_by(Episode.published_at.desc(), Episode.number.desc())
    )
    rows = (await db.session().execute(query)).all()
    episode_ids = query.with_only_columns(Episode.id)
    people = await episode_service.guests_by_episode(episode_ids)
    sponsors = await episode_service.placements_by_episode(episode_ids)
    items = tuple(
        FeedItem.model_validate(
            {**row._mapping, 'people': people.get(row.id, ()), 'sponsors': sponsors.get(row.id, ())}
        )
        for row in rows
    )
    live_items = tuple(await live_stream_service.current_streams(now))
    return Feed(podcast=podcast, items=items, live_items=live_items, as_of=now)
