"""Live streams: the public schedule and archive, and the admin's audited writes."""

from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.sql import Select

from podsite.data import Episode, LiveStream, StreamNotification
from podsite.infrastructure import clock, db
from podsite.schemas.account import UserInfo
from podsite.schemas.live_stream import LiveStreamCard, LiveStreamWrite
from podsite.services.accounts import audit_service
from podsite.services.catalogue import episode_service
from podsite.services.catalogue.derived_columns import live_stream_columns

MAX_ID = 2**31 - 1


class UnknownEpisodeError(Exception):
    """The admin linked a stream to an episode number that does not exist."""


def _cards(*, public_episodes_only: bool) -> Select[*tuple[Any, ...]]:
    """Streams with the episode each became; the public site links published episodes only."""
    joined = Episode.id == LiveStream.episode_id
    if public_episodes_only:
        joined = and_(joined, episode_service.is_public())
    return select(
        LiveStream.id,
        LiveStream.guid,
        LiveStream.title,
        LiveStream.description,
        LiveStream.description_html,
        LiveStream.starts_at,
        LiveStream.ends_at,
        LiveStream.duration_minutes,
        LiveStream.youtube_id,
        LiveStream.updated_at,
        Episode.number.label('episode_number'),
        Episode.slug.label('episode_slug'),
        Episode.title.label('episode_title'),
    ).outerjoin(Episode, joined)


async def _run(query: Select[*tuple[Any, ...]]) -> list[LiveStreamCard]:
    return [
        LiveStreamCard.model_validate(row._mapping) for row in await db.session().execute(query)
    ]


async def all_streams() -> list[LiveStreamCard]:
    """Every stream, soonest first; the page splits them by the clock."""
    return await _run(_cards(public_episodes_only=True).order_by(LiveStream.starts_at))


async def current_streams(now: datetime | None = None) -> list[LiveStreamCard]:
    """Upcoming and live streams, soonest first: what the feed and the calendar announce."""
    query = _cards(public_episodes_only=True).where(LiveStream.ends_at > (now or clock.now()))
    return await _run(query.order_by(LiveStream.starts_at))


async def stream(stream_id: int) -> LiveStreamCard | None:
    if not 0 < stream_id <= MAX_ID:
        return None
    found = await _run(_cards(public_episodes_only=True).where(LiveStream.id == stream_id))
    return found[0] if found else None


async def admin_rows() -> list[LiveStreamCard]:
    """Newest first, linked episodes shown whether published or not."""
    return await _run(_cards(public_episodes_only=False).order_by(LiveStream.starts_at.desc()))


async def for_edit(stream_id: int) -> LiveStreamCard | None:
    if not 0 < stream_id <= MAX_ID:
        return None
    found = await _run(_cards(public_episodes_only=False).where(LiveStream.id == stream_id))
    return found[0] if found else None


async def save(*, stream_id: int | None, data: LiveStreamWrite, actor: UserInfo) -> int | None:
    """The stream's id, or None when the stream to update is gone."""
    session = db.session()
    episode_id = None
    if data.episode_number is not None:
        episode_id = await session.scalar(
            select(Episode.id).where(Episode.number == data.episode_number)
        )
        if episode_id is None:
            raise UnknownEpisodeError(data.episode_number)
    values: dict[str, Any] = data.model_dump(exclude={'episode_number'}) | {
        'episode_id': episode_id
    }
    if stream_id is not None and not 0 < stream_id <= MAX_ID:
        return None
    derived = live_stream_columns(
        description=data.description,
        starts_at=data.starts_at,
        duration_minutes=data.duration_minutes,
    )
    return await audit_service.save_row(
        LiveStream,
        stream_id,
        values,
        actor=actor,
        entity='live_stream',
        summary=data.title,
        derived=derived,
    )


async def remove(*, stream_id: int, actor: UserInfo) -> bool:
    """Deletes the stream, audited with when it was and the notices sent for it (which go
    with it)."""
    if not 0 < stream_id <= MAX_ID:
        return False
    session = db.session()
    stream = await session.get(LiveStream, stream_id)
    if stream is None:
        return False
    notices = await session.scalar(
        select(func.count()).where(StreamNotification.stream_id == stream_id)
    )
    removed = {'starts_at': stream.starts_at.isoformat(), 'youtube_id': stream.youtube_id,
               'notifications': notices or 0}  # fmt: skip
    return await audit_service.delete_row(
        LiveStream, stream_id, actor=actor, entity='live_stream', summary=lambda row: row.title,
        removed=removed,
    )  # fmt: skip
