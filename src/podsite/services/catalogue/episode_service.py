"""Reading episodes for the public pages: a fixed, small number of queries per page."""

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, ScalarSelect, Select, and_, bindparam, exists, select
from sqlalchemy.orm import aliased

from podsite.data import (
    Episode,
    EpisodeGuest,
    Guest,
    LiveStream,
    ShortLink,
    Sponsor,
    SponsorPlacement,
    Transcript,
)
from podsite.data.base import NOW, json_rows
from podsite.infrastructure import clock, db
from podsite.schemas.catalogue import (
    EpisodeCard,
    EpisodeDetails,
    EpisodeLink,
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
    Episode.recorded_at,
    Episode.summary,
    Episode.show_notes_html,
    Episode.media_url,
    Episode.media_size_bytes,
    Episode.media_type,
    Episode.media_file,
    Episode.youtube_id,
    Episode.season,
    Episode.episode_number,
    Episode.episode_type,
    Episode.explicit,
    Episode.updated_at,
    Episode.chapters,
    Episode.linked_transcripts,
    Episode.linked_chapters_url,
    Episode.image_url,
    Episode.artwork_file,
    exists().where(Transcript.episode_id == Episode.id).label('has_transcript'),
)


def is_public(now: datetime | ColumnElement[datetime] | None = None) -> ColumnElement[bool]:
    """Published and due: scheduled episodes stay hidden until their time comes."""
    due = clock.now() if now is None else now
    return and_(Episode.is_published.is_(True), Episode.published_at <= due)


# Archived sponsors and links keep their history for the reports but leave the public
# pages: a read of an archived sponsor is not shown, and without its tracked link a read
# links to the sponsor's site directly.
SPONSOR_SHOWN = Sponsor.archived_at.is_(None)
LINK_SHOWN = ShortLink.archived_at.is_(None)


def _guests_query(episodes: ColumnElement[bool]) -> Select[*tuple[Any, ...]]:
    return (
        select(EpisodeGuest.episode_id, Guest.name, Guest.slug, Guest.photo_url, EpisodeGuest.role)
        .join(Guest, Guest.id == EpisodeGuest.guest_id)
        .where(episodes)
        .order_by(EpisodeGuest.episode_id, EpisodeGuest.position)
    )


def _placements_query(episodes: ColumnElement[bool]) -> Select[*tuple[Any, ...]]:
    return (
        select(
            SponsorPlacement.episode_id, SponsorPlacement.id.label('placement_id'), Sponsor.name,
            Sponsor.slug, Sponsor.logo_url, Sponsor.website_url, Sponsor.description,
            ShortLink.name.label('link_name'),
        )
        .join(Sponsor, and_(Sponsor.id == SponsorPlacement.sponsor_id, SPONSOR_SHOWN))
        .outerjoin(ShortLink, and_(ShortLink.placement_id == SponsorPlacement.id, LINK_SHOWN))
        .where(episodes)
        .order_by(SponsorPlacement.episode_id, SponsorPlacement.position)
    )  # fmt: skip


@dataclass(frozen=True)
class CardListing:
    """A list of episode cards and the query for their people, built once."""

    cards: db.PreparedRead
    guests: db.PreparedRead

    @classmethod
    def of(cls, cards: Select[*tuple[Any, ...]], *, bounded: bool) -> 'CardListing':
        episode_ids = cards.with_only_columns(Episode.id)
        guests = _guests_query(EpisodeGuest.episode_id.in_(episode_ids))
        return cls(
            db.PreparedRead(cards, bounded=bounded), db.PreparedRead(guests, bounded=bounded)
        )


# The statements of the busiest pages, built once: building a statement costs more than
# running it on SQLite, and a prepared read skips SQLAlchemy's work per execution.
LATEST = CardListing.of(
    select(*CARD_COLUMNS)
    .where(is_public(NOW))
    .order_by(Episode.published_at.desc(), Episode.number.desc())
    .limit(bindparam('limit')),
    bounded=True,
)
# These two grow with the catalogue (a host is in every episode).
EVERY_EPISODE = CardListing.of(
    select(*CARD_COLUMNS).where(is_public(NOW)).order_by(Episode.number.desc()), bounded=False
)
WITH_GUEST = CardListing.of(
    select(*CARD_COLUMNS)
    .join(EpisodeGuest, EpisodeGuest.episode_id == Episode.id)
    .where(is_public(NOW), EpisodeGuest.guest_id == bindparam('guest_id'))
    .order_by(Episode.number.desc()),
    bounded=False,
)


def _neighbour_number(*, later: bool) -> ScalarSelect[int]:
    """The number of the public episode just before (or after) the one read, by number:
    the walk along `ix_episode_published_number` stops at the first one due. (Without that
    index SQLite read every published episode through the publication index: 5.4 ms a page
    at 2,000 episodes, against 0.03 ms for the whole statement with it; 2026-12-07.)"""
    other = aliased(Episode)
    return (
        select(other.number)
        .where(
            other.number > Episode.number if later else other.number < Episode.number,
            other.is_published.is_(True),
            other.published_at <= NOW,
        )
        .order_by(other.number if later else other.number.desc())
        .limit(1)
        .scalar_subquery()
    )


PREVIOUS = aliased(Episode, name='previous_episode')
NEXT = aliased(Episode, name='next_episode')
# One episode with its people, its sponsor reads, its neighbours and the live stream it was
# recorded in, in one statement (one round trip).
DETAILS = (
    select(
        *DETAIL_COLUMNS,
        select(
            json_rows(
                name=Guest.name, slug=Guest.slug, photo_url=Guest.photo_url,
                role=EpisodeGuest.role, position=EpisodeGuest.position,
            )
        )
        .select_from(EpisodeGuest)
        .join(Guest, Guest.id == EpisodeGuest.guest_id)
        .where(EpisodeGuest.episode_id == Episode.id)
        .scalar_subquery()
        .label('guests'),
        select(
            json_rows(
                placement_id=SponsorPlacement.id, name=Sponsor.name, slug=Sponsor.slug,
                logo_url=Sponsor.logo_url, website_url=Sponsor.website_url,
                description=Sponsor.description, link_name=ShortLink.name,
                position=SponsorPlacement.position,
            )
        )
        .select_from(SponsorPlacement)
        .join(Sponsor, and_(Sponsor.id == SponsorPlacement.sponsor_id, SPONSOR_SHOWN))
        .outerjoin(ShortLink, and_(ShortLink.placement_id == SponsorPlacement.id, LINK_SHOWN))
        .where(SponsorPlacement.episode_id == Episode.id)
        .scalar_subquery()
        .label('sponsors'),
        select(LiveStream.youtube_id)
        .where(LiveStream.episode_id == Episode.id)
        .order_by(LiveStream.starts_at.desc())
        .limit(1)
        .scalar_subquery()
        .label('stream_youtube_id'),
        PREVIOUS.number.label('previous_number'), PREVIOUS.slug.label('previous_slug'),
        PREVIOUS.title.label('previous_title'),
        NEXT.number.label('next_number'), NEXT.slug.label('next_slug'),
        NEXT.title.label('next_title'),
    )
    .select_from(Episode)
    .outerjoin(PREVIOUS, PREVIOUS.number == _neighbour_number(later=False))
    .outerjoin(NEXT, NEXT.number == _neighbour_number(later=True))
)  # fmt: skip
BY_NUMBER = db.PreparedRead(
    DETAILS.where(is_public(NOW), Episode.number == bindparam('number')), bounded=True
)
# An admin's preview: any episode, published or not, by its id.
ANY_BY_ID = db.PreparedRead(DETAILS.where(Episode.id == bindparam('episode_id')), bounded=True)


async def latest_episodes(*, limit: int) -> list[EpisodeCard]:
    return await _cards(LATEST, limit=limit)


async def all_episodes() -> list[EpisodeCard]:
    return await _cards(EVERY_EPISODE)


async def episodes_with_guest(*, guest_id: int) -> list[EpisodeCard]:
    return await _cards(WITH_GUEST, guest_id=guest_id)


async def episode_by_number(number: int) -> EpisodeDetails | None:
    if not 0 < number <= MAX_EPISODE_NUMBER:
        return None
    found = await db.read_records(BY_NUMBER, {'now': clock.now(), 'number': number})
    return _details(found[0]) if found else None


async def episode_for_preview(episode_id: int) -> EpisodeDetails | None:
    """Any episode, published or not: for the admin's preview only, never a public page."""
    if not 0 < episode_id <= MAX_EPISODE_NUMBER:
        return None
    found = await db.read_records(ANY_BY_ID, {'now': clock.now(), 'episode_id': episode_id})
    return _details(found[0]) if found else None


def _details(episode: dict[str, Any]) -> EpisodeDetails:
    episode['guests'] = _in_position_order(episode['guests'], GuestRef)
    episode['sponsors'] = _in_position_order(episode['sponsors'], Placement)
    for side in ('previous', 'next'):
        number = episode.pop(f'{side}_number')
        slug, title = episode.pop(f'{side}_slug'), episode.pop(f'{side}_title')
        episode[side] = (
            None if number is None else EpisodeLink(number=number, slug=slug, title=title)
        )
    return EpisodeDetails.model_validate(episode)


def _in_position_order[Model: BaseModel](
    rows: list[dict[str, Any]] | None, model: type[Model]
) -> list[Model]:
    return [model.model_validate(row) for row in sorted(rows or (), key=itemgetter('position'))]


async def number_by_feed_number(*, season: int | None, episode_number: int) -> int | None:
    """The site number of the public episode the show calls season `season`, episode
    `episode_number` (no season: an episode of a show without seasons); the earliest if the
    feed gave two episodes the same pair."""
    if not 0 <= episode_number <= MAX_EPISODE_NUMBER or not 0 <= (season or 0) <= 10_000:
        return None
    query = (
        select(Episode.number)
        .where(
            is_public(),
            Episode.episode_number == episode_number,
            Episode.season.is_(None) if season is None else Episode.season == season,
        )
        .order_by(Episode.published_at, Episode.number)
        .limit(1)
    )
    found: int | None = await db.session().scalar(query)
    return found


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
    row = (await db.session().execute(query)).first()
    if row is None:
        return None
    return EpisodeTranscript.model_validate({**row._mapping, 'cues': row.cues or ()})


async def chapters(number: int) -> dict[str, Any] | None:
    if not 0 < number <= MAX_EPISODE_NUMBER:
        return None
    query = select(Episode.chapters).where(is_public(), Episode.number == number)
    found: dict[str, Any] | None = (await db.session().execute(query)).scalar()
    return found


async def media_file(number: int) -> MediaFile | None:
    if not 0 < number <= MAX_EPISODE_NUMBER:
        return None
    query = select(
        Episode.id.label('episode_id'),
        Episode.media_url,
        Episode.media_size_bytes,
        Episode.media_type,
        Episode.media_file,
    ).where(is_public(), Episode.number == number)
    row = (await db.session().execute(query)).first()
    return None if row is None else MediaFile.model_validate(row._mapping)


async def media_urls_by_number() -> dict[int, str]:
    """The media URL of every public episode, for pages that link to the audio itself."""
    rows = await db.session().execute(select(Episode.number, Episode.media_url).where(is_public()))
    return {row.number: row.media_url for row in rows}


async def _cards(listing: CardListing, **parameters: Any) -> list[EpisodeCard]:
    parameters['now'] = clock.now()
    rows = await db.read_records(listing.cards, parameters)
    if not rows:
        return []
    guests = _by_episode(await db.read_records(listing.guests, parameters), GuestRef)
    return [
        EpisodeCard.model_validate({**row, 'guests': guests.get(row['id'], ())}) for row in rows
    ]


async def placements_by_episode(episode_ids: Select[int]) -> dict[int, list[Placement]]:
    """The sponsor reads of the given episodes, in order, with their tracked links."""
    query = _placements_query(SponsorPlacement.episode_id.in_(episode_ids))
    return _by_episode((await db.session().execute(query)).mappings(), Placement)


async def guests_by_episode(episode_ids: Select[int]) -> dict[int, list[GuestRef]]:
    """Everyone appearing in the given episodes, in billing order, in one query."""
    query = _guests_query(EpisodeGuest.episode_id.in_(episode_ids))
    return _by_episode((await db.session().execute(query)).mappings(), GuestRef)


def _by_episode[Model: BaseModel](
    rows: Iterable[Mapping[Any, Any]], model: type[Model]
) -> dict[int, list[Model]]:
    """The rows' models by episode; rows alike but for their episode share one (read models
    are frozen): a host or a frequent guest is one model, not one per episode. The guests
    of 10,000 episodes were 25,000 models where 5,000 people are listed (2026-12-07)."""
    by_episode: dict[int, list[Model]] = defaultdict(list)
    alike: dict[Any, Model] = {}
    fields_of: Callable[[Mapping[Any, Any]], Any] | None = None
    for row in rows:
        if fields_of is None:
            fields_of = itemgetter(*(name for name in model.model_fields if name in row))
        fields = fields_of(row)
        found = alike.get(fields)
        if found is None:
            found = alike[fields] = model.model_validate(row)
        by_episode[row['episode_id']].append(found)
    return by_episode
