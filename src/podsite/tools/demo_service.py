"""Loading the generated demo catalogue into an empty database, in one transaction."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from podsite.data import (
    Base,
    Episode,
    EpisodeGuest,
    FeedAnnouncement,
    Guest,
    LiveStream,
    Podcast,
    ShortLink,
    Sponsor,
    SponsorPlacement,
    Transcript,
)
from podsite.formats.feed_document import site_podcast_guid
from podsite.formats.subscribe_apps import derived_urls
from podsite.infrastructure import db
from podsite.schemas.analytics import Window
from podsite.services.analytics import counting, storage
from podsite.services.catalogue import episode_service
from podsite.services.catalogue.derived_columns import episode_columns, live_stream_columns
from podsite.services.sponsors import short_link_service
from podsite.settings import current_settings
from podsite.tools import demo_audio, demo_listening
from podsite.tools.demo_audio import DemoTrack
from podsite.tools.demo_content import MEDIA_BASE_URL, DemoCatalogue, DemoLiveStream
from podsite.urls import absolute, feed_url

ROWS_PER_STATEMENT = 1000
# Transcripts are tens of kilobytes each; smaller batches keep each statement's memory modest.
TRANSCRIPTS_PER_STATEMENT = 100
EVENTS_PER_BATCH = 5000
SERIAL_ID_MODELS: tuple[type[Base], ...] = (Podcast, Guest, Sponsor, Episode, SponsorPlacement)


class CatalogueNotEmptyError(Exception):
    """The demo only goes into a database without episodes, so it never mixes with real ones."""


class DemoSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    episodes: int
    guests: int
    sponsors: int
    transcripts: int
    live_streams: int


async def has_episodes() -> bool:
    return await db.session().scalar(select(Episode.id).limit(1)) is not None


async def load_demo(catalogue: DemoCatalogue, *, media_dir: Path | None = None) -> DemoSummary:
    """Writes the whole catalogue and commits once; on any failure nothing is left behind.

    A show already configured (a podcast row) keeps its own settings. Guests and sponsors get
    ids after any that exist, so leftovers from an emptied catalogue do not collide.
    With a media folder, the demo's short audio files are made there and every episode
    points at one of them (with its true size and length), so the site plays and counts
    downloads by itself.
    """
    if media_dir is not None:
        tracks = demo_audio.demo_tracks()
        demo_audio.write_tracks(media_dir, tracks)
        catalogue = with_tracks(catalogue, tracks)
    session = db.session()
    if await has_episodes():
        raise CatalogueNotEmptyError('the database already has episodes; demo data not loaded')
    try:
        summary = await _insert_catalogue(session, catalogue)
        if session.get_bind().dialect.name == 'postgresql':
            await _advance_sequences(session)
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    return summary


def with_tracks(catalogue: DemoCatalogue, tracks: tuple[DemoTrack, ...]) -> DemoCatalogue:
    """Each episode on one of `tracks`, in turn; its media URL keeps the demo's host, as the
    download route serves the file by the URL's last segment."""
    episodes = []
    for episode in catalogue.episodes:
        track = tracks[(episode.number - 1) % len(tracks)]
        episodes.append(
            episode.model_copy(
                update={
                    'media_url': f'{MEDIA_BASE_URL}/{track.name}',
                    'media_size_bytes': track.size_bytes,
                    'duration_seconds': track.seconds,
                }
            )
        )
    return catalogue.model_copy(update={'episodes': tuple(episodes)})


async def _insert_catalogue(session: AsyncSession, catalogue: DemoCatalogue) -> DemoSummary:
    if await session.scalar(select(Podcast.id).limit(1)) is None:
        base_url = current_settings().public_base_url
        podcast = catalogue.podcast.model_dump()
        podcast['subscribe_urls'] = (
            derived_urls(
                feed_url=absolute(base_url, feed_url()),
                apple_url=catalogue.podcast.subscribe_urls.get('apple_podcasts', ''),
            )
            | catalogue.podcast.subscribe_urls
        )
        guid = site_podcast_guid(base_url)
        await _insert(session, Podcast, [{'id': 1, 'guid': guid, **podcast}])

    first_guest = await _next_id(session, Guest)
    guest_ids: dict[str, int] = {}
    guest_rows = []
    for guest_id, guest in enumerate(catalogue.people, start=first_guest):
        guest_ids[guest.slug] = guest_id
        guest_rows.append({'id': guest_id, **guest.model_dump()})
    await _insert(session, Guest, guest_rows)

    first_sponsor = await _next_id(session, Sponsor)
    sponsor_ids: dict[str, int] = {}
    sponsor_rows = []
    for sponsor_id, sponsor in enumerate(catalogue.sponsors, start=first_sponsor):
        sponsor_ids[sponsor.slug] = sponsor_id
        sponsor_rows.append({'id': sponsor_id, **sponsor.model_dump()})
    await _insert(session, Sponsor, sponsor_rows)

    first_episode = await _next_id(session, Episode)
    placement_id = await _next_id(session, SponsorPlacement)
    episode_rows: list[dict[str, Any]] = []
    appearance_rows: list[dict[str, Any]] = []
    placement_rows: list[dict[str, Any]] = []
    transcript_rows: list[dict[str, Any]] = []
    for episode_id, episode in enumerate(catalogue.episodes, start=first_episode):
        row = episode.model_dump(exclude={'appearances', 'placements', 'transcript'})
        row.update(
            id=episode_id,
            episode_number=episode.number,
            **episode_columns(show_notes=episode.show_notes),
            created_at=episode.published_at,
            updated_at=episode.published_at,
        )
        episode_rows.append(row)
        appearance_rows += [
            {
                'episode_id': episode_id,
                'guest_id': guest_ids[appearance.guest_slug],
                'role': appearance.role,
                'position': appearance.position,
            }
            for appearance in episode.appearances
        ]
        for placement in episode.placements:
            placement_rows.append(
                {
                    'id': placement_id,
                    'episode_id': episode_id,
                    'sponsor_id': sponsor_ids[placement.sponsor_slug],
                    'position': placement.position,
                }
            )
            placement_id += 1
        if episode.transcript is not None:
            transcript = episode.transcript.model_dump()
            transcript_rows.append(
                {
                    'episode_id': episode_id,
                    'text': transcript['text'],
                    'cues': list(transcript['cues']),
                    'updated_at': episode.published_at,
                }
            )
    await _insert(session, Episode, episode_rows)
    await _insert(session, EpisodeGuest, appearance_rows)
    await _insert(session, SponsorPlacement, placement_rows)
    await _insert(session, Transcript, transcript_rows, batch=TRANSCRIPTS_PER_STATEMENT)
    now = datetime.now(UTC)
    # Made-up episodes are no news for WebSub hubs and podcast directories: only those the
    # demo schedules are announced, when their time comes.
    announced = [
        {'episode_id': row['id'], 'announced_at': now}
        for row in episode_rows
        if row['is_published'] and row['published_at'] <= now
    ]
    await _insert(session, FeedAnnouncement, announced)
    episode_ids = {row['number']: row['id'] for row in episode_rows}
    today = now.date()
    for stream in catalogue.live_streams:
        session.add(_live_stream(stream, episode_ids, today=today))
    await session.flush()
    await short_link_service.link_placements()
    await short_link_service.link_sponsors()
    return DemoSummary(
        episodes=len(episode_rows),
        guests=len(guest_rows),
        sponsors=len(sponsor_rows),
        transcripts=len(transcript_rows),
        live_streams=len(catalogue.live_streams),
    )


def _live_stream(stream: DemoLiveStream, episode_ids: dict[int, int], *, today: date) -> LiveStream:
    starts_at = stream.starts_at or datetime.combine(
        today + timedelta(days=stream.days_ahead), time(17, 0), tzinfo=UTC
    )
    return LiveStream(
        title=stream.title,
        description=stream.description,
        starts_at=starts_at,
        duration_minutes=stream.duration_minutes,
        youtube_id=stream.youtube_id,
        episode_id=None if stream.episode_number is None else episode_ids[stream.episode_number],
        **live_stream_columns(
            description=stream.description,
            starts_at=starts_at,
            duration_minutes=stream.duration_minutes,
        ),
    )


async def _next_id(
    session: AsyncSession, model: type[Guest | Sponsor | Episode | SponsorPlacement]
) -> int:
    highest = await session.scalar(select(func.max(model.id)))
    return (highest or 0) + 1


async def _insert(
    session: AsyncSession,
    model: type[Base],
    rows: Sequence[dict[str, Any]],
    *,
    batch: int = ROWS_PER_STATEMENT,
) -> None:
    """Plain Core executemany on the table: no RETURNING, no ORM bookkeeping per row."""
    table = _table(model)
    for start in range(0, len(rows), batch):
        await session.execute(insert(table), rows[start : start + batch])


async def _advance_sequences(session: AsyncSession) -> None:
    """Rows went in with explicit ids, so PostgreSQL's sequences must move past them."""
    for model in SERIAL_ID_MODELS:
        table = _table(model)
        next_id = select(func.coalesce(func.max(table.c.id), 0) + 1).scalar_subquery()
        sequence = func.pg_get_serial_sequence(table.name, 'id')
        await session.execute(select(func.setval(sequence, next_id, False)))


def _table(model: type[Base]) -> Table:
    return Base.metadata.tables[model.__tablename__]


async def load_demo_listening(*, seed: int, window: Window, episodes: int = 12) -> int:
    """Stores generated listening for the latest `episodes` public episodes, up to today,
    through the same code as real traffic, and counts it; returns the counted downloads."""
    session = db.session()
    latest = (
        await session.execute(
            select(Episode.id, Episode.published_at, Episode.media_size_bytes)
            .where(episode_service.is_public())
            .order_by(Episode.published_at.desc())
            .limit(episodes)
        )
    ).all()
    reads = await session.execute(
        select(SponsorPlacement.episode_id, SponsorPlacement.id, ShortLink.id.label('link_id'))
        .outerjoin(ShortLink, ShortLink.placement_id == SponsorPlacement.id)
        .where(SponsorPlacement.episode_id.in_([row.id for row in latest]))
    )
    placements: dict[int, list[int]] = defaultdict(list)
    links: dict[int, list[int]] = defaultdict(list)
    for read in reads:
        placements[read.episode_id].append(read.id)
        if read.link_id is not None:
            links[read.episode_id].append(read.link_id)
    listening = demo_listening.generate_listening(
        [
            demo_listening.ReleasedEpisode(
                row.id, row.published_at, row.media_size_bytes,
                tuple(placements[row.id]), tuple(links[row.id]),
            )
            for row in latest
        ],
        seed=seed,
        today=datetime.now(UTC).date(),
    )  # fmt: skip
    for start in range(0, len(listening.downloads), EVENTS_PER_BATCH):
        await storage.store_downloads(listening.downloads[start : start + EVENTS_PER_BATCH])
    await storage.store_clicks(listening.clicks)
    await storage.store_impressions(listening.impressions)
    result = await counting.aggregate_downloads(window)
    return result.downloads
