"""Reading episodes for the public pages: a fixed, small number of queries per page."""

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, select

from podsite.data import (
    Episode,
    EpisodeGuest,
    Guest,
    ShortLink,
    Sponsor,
    SponsorPlacement,
    Transcript,
)
from podsite.infrastructure import db
from podsite.schemas.catalogue import (
    EpisodeCard,
    EpisodeDetails,
    EpisodeTranscript,
    GuestRef,
    MediaFile,
    Placement,
)

# Episode numbers are 32-bit integers in the schema; larger ones cannot exist.
MAX_EPISODE_NUMBER = 2**31 - 1

CARD_COLUMNS = (
    Episode.id,
    Episode.number,
    Episode.slug,
    Episode.title,
    Episode.subtitle,
    Episode.published_at,
    Episode.duration_seconds,
)
DETAIL_COLUMNS = (
    *CARD_COLUMNS,
    Episode.summary,
    Episode.show_notes_html,
    Episode.media_url,
    Episode.media_size_bytes,
    Episode.media_type,
    Episode.youtube_id,
    Episode.season,
    Episode.episode_type,
    Episode.explicit,
    Episode.updated_at,
    Episode.chapters,
    exists().where(Transcript.episode_id == Episode.id).label('has_transcript'),
)


def is_public(now: datetime | None = None) -> ColumnElement[bool]:
    """Published and due: scheduled episodes stay hidden until their time comes."""
    return and_(Episode.is_published.is_(True), Episode.published_at <= (now or datetime.now(UTC)))


async def latest_episodes(*, limit: int) -> list[EpisodeCard]:
    query = (
        select(*CARD_COLUMNS)
        .where(is_public())
        .order_by(Episode.published_at.desc(), Episode.number.desc())
        .limit(limit)
    )
    return await _cards(query)


async def all_episodes() -> list[EpisodeCard]:
    query = select(*CARD_COLUMNS).where(is_public()).order_by(Episode.number.desc())
    return await _cards(query)


async def episodes_with_guest(*, guest_id: int) -> list[EpisodeCard]:
    query = (
        select(*CARD_COLUMNS)
        .join(EpisodeGuest, EpisodeGuest.episode_id == Episode.id)
        .where(is_public(), EpisodeGuest.guest_id == guest_id)
        .order_by(Episode.number.desc())
    )
    return await _cards(query)


async def episode_by_number(number: int) -> EpisodeDetails | None:
    if not 0 < number <= MAX_EPISODE_NUMBER:
        return None
    query = select(*DETAIL_COLUMNS).where(is_public(), Episode.number == number)
    row = (await db.read(query)).first()
    if row is None:
        return None
    guests = await guests_by_episode(select(Episode.id).where(Episode.id == row.id))
    sponsors = await placements_by_episode(select(Episode.id).where(Episode.id == row.id))
    return EpisodeDetails.model_validate(
        {**row._mapping, 'guests': guests.get(row.id, ()), 'sponsors': sponsors.get(row.id, ())}
    )


async def transcript(number: int) -> EpisodeTranscript | None:
    if not 0 < number <= MAX_EPISODE_NUMBER:
        return None
    query = (
        select(
            Episode.number,
            Episode.slug,
            Episode.title,
            Episode.published_at,
            Transcript.text,
            Transcript.cues,
        )
        .join(Transcript, Transcript.episode_id == Episode.id)
        .where(is_public(), Episode.number == number)
    )
    row = (await db.read(query)).first()
    if row is None:
        return None
    return EpisodeTranscript.model_validate({**row._mapping, 'cues': row.cues or ()})


async def chapters(number: int) -> dict[str, Any] | None:
    if not 0 < number <= MAX_EPISODE_NUMBER:
        return None
    query = select(Episode.chapters).where(is_public(), Episode.number == number)
    found: dict[str, Any] | None = (await db.read(query)).scalar()
    return found


async def media_file(number: int) -> MediaFile | None:
    if not 0 < number <= MAX_EPISODE_NUMBER:
        return None
    query = select(
        Episode.id.label('episode_id'),
        Episode.media_url,
        Episode.media_size_bytes,
        Episode.media_type,
    ).where(is_public(), Episode.number == number)
    row = (await db.read(query)).first()
    return None if row is None else MediaFile.model_validate(row._mapping)


async def media_urls_by_number() -> dict[int, str]:
    """The media URL of every public episode, for pages that link to the audio itself."""
    rows = await db.read(select(Episode.number, Episode.media_url).where(is_public()))
    return {row.number: row.media_url for row in rows}


async def _cards(query: Select[*tuple[Any, ...]]) -> list[EpisodeCard]:
    rows = (await db.read(query)).all()
    if not rows:
        return []
    guests = await guests_by_episode(query.with_only_columns(Episode.id))
    return [
        EpisodeCard.model_validate({**row._mapping, 'guests': guests.get(row.id, ())})
        for row in rows
    ]


async def placements_by_episode(episode_ids: Select[int]) -> dict[int, list[Placement]]:
    """The sponsor reads of the given episodes, in order, with their tracked links."""
    query = (
        select(
            SponsorPlacement.episode_id, SponsorPlacement.id.label('placement_id'), Sponsor.name,
            Sponsor.slug, Sponsor.logo_url, Sponsor.website_url, Sponsor.description,
            ShortLink.name.label('link_name'),
        )
        .join(Sponsor, Sponsor.id == SponsorPlacement.sponsor_id)
        .outerjoin(ShortLink, ShortLink.placement_id == SponsorPlacement.id)
        .where(SponsorPlacement.episode_id.in_(episode_ids))
        .order_by(SponsorPlacement.episode_id, SponsorPlacement.position)
    )  # fmt: skip
    by_episode: dict[int, list[Placement]] = defaultdict(list)
    for row in await db.read(query):
        by_episode[row.episode_id].append(Placement.model_validate(row._mapping))
    return by_episode


async def guests_by_episode(episode_ids: Select[int]) -> dict[int, list[GuestRef]]:
    """Everyone appearing in the given episodes, in billing order, in one query."""
    query = (
        select(EpisodeGuest.episode_id, Guest.name, Guest.slug, Guest.photo_url, EpisodeGuest.role)
        .join(Guest, Guest.id == EpisodeGuest.guest_id)
        .where(EpisodeGuest.episode_id.in_(episode_ids))
        .order_by(EpisodeGuest.episode_id, EpisodeGuest.position)
    )
    by_episode: dict[int, list[GuestRef]] = defaultdict(list)
    for row in await db.read(query):
        by_episode[row.episode_id].append(GuestRef.model_validate(row._mapping))
    return by_episode
