"""The admin's reads and writes of the catalogue; every write is audited in its transaction."""

from datetime import UTC, datetime
from typing import Any, Literal, cast

from sqlalchemy import Select, case, delete, func, or_, select

from podsite.data import (
    DownloadCount,
    DownloadEvent,
    Episode,
    EpisodeGuest,
    Guest,
    Sponsor,
    SponsorPlacement,
    Transcript,
    User,
)
from podsite.formats.numbers import whole_number
from podsite.formats.transcript_formats import (
    Cue,
    ParsedTranscript,
    TranscriptFormat,
    render_vtt,
)
from podsite.infrastructure import clock, db
from podsite.schemas.account import UserInfo
from podsite.schemas.admin import (
    AdminEpisodeRow,
    DashboardCounts,
    EpisodeRemoval,
    EpisodeWrite,
)
from podsite.services.accounts import audit_service
from podsite.services.catalogue.derived_columns import NotesFormat, episode_columns
from podsite.services.publishing import transcript_service
from podsite.services.sponsors import short_link_service
from podsite.urls import artwork_url

EpisodeFilter = Literal['all', 'published', 'scheduled', 'draft', 'no-transcript']
EDITABLE_FIELDS = tuple(
    name for name in EpisodeWrite.model_fields if name not in {'appearances', 'sponsor_slugs'}
)


class UnknownReferenceError(Exception):
    """The form named guests or sponsors that do not exist."""

    def __init__(self, kind: str, slugs: list[str]) -> None:
        super().__init__(f'unknown {kind}: {", ".join(slugs)}')
        self.kind = kind
        self.slugs = slugs


class NumberTakenError(Exception):
    """Another episode has this number."""


_HAS_TRANSCRIPT = select(Transcript.episode_id).where(Transcript.episode_id == Episode.id).exists()


async def dashboard_counts() -> DashboardCounts:
    session = db.session()
    now = clock.now()
    row = (
        await session.execute(
            select(
                func.count().filter(Episode.is_published, Episode.published_at <= now),
                func.count().filter(Episode.is_published, Episode.published_at > now),
                func.count().filter(Episode.is_published.is_(False)),
                func.count().filter(~_HAS_TRANSCRIPT),
            ).select_from(Episode)
        )
    ).one()
    guests = await session.scalar(select(func.count()).select_from(Guest)) or 0
    sponsors = await session.scalar(select(func.count()).select_from(Sponsor)) or 0
    users = await session.scalar(select(func.count()).select_from(User)) or 0
    return DashboardCounts(
        published=row[0],
        scheduled=row[1],
        drafts=row[2],
        without_transcript=row[3],
        guests=guests,
        sponsors=sponsors,
        users=users,
    )


async def episode_rows(
    *, status: EpisodeFilter = 'all', text: str = '', limit: int, offset: int = 0
) -> list[AdminEpisodeRow]:
    """The episodes the filter keeps, newest number first, from `offset` on."""
    guest_count = (
        select(func.count())
        .where(EpisodeGuest.episode_id == Episode.id, EpisodeGuest.role == 'guest')
        .scalar_subquery()
    )
    # By the app's clock, as the public site decides what is out.
    status_now = case(
        (Episode.is_published.is_(False), 'draft'),
        (Episode.published_at > clock.now(), 'scheduled'),
        else_='published',
    )
    query = select(
        Episode.id,
        Episode.number,
        Episode.title,
        Episode.published_at,
        status_now.label('status'),
        _HAS_TRANSCRIPT.label('has_transcript'),
        guest_count.label('guest_count'),
    )
    query = _filtered(query, status, text).order_by(Episode.number.desc())
    rows = await db.session().execute(query.limit(limit).offset(offset))
    return [AdminEpisodeRow.model_validate(r._mapping) for r in rows]


async def episode_count(*, status: EpisodeFilter = 'all', text: str = '') -> int:
    query = _filtered(select(func.count()).select_from(Episode), status, text)
    return await db.session().scalar(query) or 0


def _filtered[Q: Select[Any]](query: Q, status: EpisodeFilter, text: str) -> Q:
    """`query` kept to the episodes of one status, and to those whose title holds `text`
    or whose number it is."""
    now = clock.now()
    conditions = {
        'published': Episode.is_published.is_(True) & (Episode.published_at <= now),
        'scheduled': Episode.is_published.is_(True) & (Episode.published_at > now),
        'draft': Episode.is_published.is_(False),
        'no-transcript': ~_HAS_TRANSCRIPT,
    }
    if status in conditions:
        query = query.where(conditions[status])
    if text:
        pattern = f'%{text[:200]}%'
        number = whole_number(text)
        by_number = Episode.number == (-1 if number is None else number)
        query = query.where(or_(Episode.title.ilike(pattern), by_number))
    return query


async def next_episode_number() -> int:
    return (await db.session().scalar(select(func.max(Episode.number))) or 0) + 1


async def episode_for_edit(episode_id: int) -> EpisodeWrite | None:
    if not 0 < episode_id <= 2**31 - 1:
        return None
    session = db.session()
    episode = await session.get(Episode, episode_id)
    if episode is None:
        return None
    appearances = await session.execute(
        select(Guest.slug, EpisodeGuest.role)
        .join(EpisodeGuest, EpisodeGuest.guest_id == Guest.id)
        .where(EpisodeGuest.episode_id == episode_id)
        .order_by(EpisodeGuest.position)
    )
    sponsors = await session.scalars(
        select(Sponsor.slug)
        .join(SponsorPlacement, SponsorPlacement.sponsor_id == Sponsor.id)
        .where(SponsorPlacement.episode_id == episode_id)
        .order_by(SponsorPlacement.position)
    )
    return EpisodeWrite.model_validate(
        {
            **{field: getattr(episode, field) for field in EDITABLE_FIELDS},
            'appearances': [{'guest_slug': a.slug, 'role': a.role} for a in appearances],
            'sponsor_slugs': list(sponsors),
        }
    )


async def transcript_for_edit(episode_id: int) -> tuple[str, TranscriptFormat] | None:
    """The stored transcript as the editor shows it: WebVTT when it has timed cues, else
    its text; None when the episode has none."""
    row = (
        await db.session().execute(
            select(Transcript.text, Transcript.cues).where(Transcript.episode_id == episode_id)
        )
    ).one_or_none()
    if row is None:
        return None
    if row.cues:
        return render_vtt([Cue.model_validate(cue) for cue in row.cues]), 'vtt'
    return row.text, 'text'


async def save_episode(
    *,
    episode_id: int | None,
    data: EpisodeWrite,
    actor: UserInfo,
    transcript: ParsedTranscript | None = None,
) -> int:
    """Creates or updates an episode with its people, sponsors and (when given) transcript,
    and audits it, all in one transaction."""
    session = db.session()
    guests = await _ids(Guest, [a.guest_slug for a in data.appearances], 'guests')
    sponsors = await _ids(Sponsor, data.sponsor_slugs, 'sponsors')
    if await number_taken(data.number, episode_id=episode_id):
        raise NumberTakenError(data.number)
    values = _column_values(data)
    if episode_id is None:
        guid = f'podsite-{datetime.now(UTC):%Y%m%d%H%M%S}-{data.number}'
        derived = episode_columns(show_notes=data.show_notes)
        # An episode made here carries its site number in the feed too.
        episode = Episode(guid=guid, episode_number=data.number, **values, **derived)
        session.add(episode)
        before: dict[str, Any] = {}
    else:
        found = await session.get(Episode, episode_id)
        if found is None:
            raise LookupError(episode_id)
        episode = found
        before = {**{f: getattr(episode, f) for f in values}, **await _people(episode_id)}
        # The form shows the publish time to the second: a stored fraction of a second it
        # could not show is kept, not changed (and audited) by a save that left it alone.
        stored_moment = before['published_at']
        if stored_moment.replace(microsecond=0) == values['published_at']:
            values['published_at'] = stored_moment
        # Imported notes stay HTML or text; the feed's number follows a renumbered episode
        # only where it was the site number (an imported season's numbers stay the source's).
        derived = episode_columns(
            show_notes=data.show_notes,
            notes_format=cast(NotesFormat, episode.show_notes_format),
        )
        if episode.episode_number == episode.number:
            episode.episode_number = data.number
        for field, value in {**values, **derived}.items():
            setattr(episode, field, value)
    await session.flush()
    await session.execute(delete(EpisodeGuest).where(EpisodeGuest.episode_id == episode.id))
    for position, appearance in enumerate(data.appearances):
        session.add(
            EpisodeGuest(
                episode_id=episode.id,
                guest_id=guests[appearance.guest_slug],
                role=appearance.role,
                position=position,
            )
        )
    await _place_sponsors(episode.id, [sponsors[s] for s in dict.fromkeys(data.sponsor_slugs)])
    if transcript is not None:
        await transcript_service.save_transcript(episode_id=episode.id, transcript=transcript)
    after = {**values, **_people_of(data)}
    if transcript is not None:
        after['transcript'] = f'{len(transcript.cues)} cues, {len(transcript.text)} characters'

    changes = audit_service.changes_between(before, after)
    # A save that changed nothing leaves no entry: the log lists what somebody changed.
    if episode_id is None or changes:
        audit_service.record(
            actor=actor,
            action='create' if episode_id is None else 'update',
            entity='episode',
            entity_id=episode.id,
            summary=f'#{data.number} {data.title}',
            changes=changes,
        )
    await session.commit()
    return episode.id


async def episode_removal(episode_id: int) -> EpisodeRemoval | None:
    """What deleting the episode would take with it; None when there is no such episode."""
    if not 0 < episode_id <= 2**31 - 1:
        return None
    session = db.session()
    episode = await session.get(Episode, episode_id)
    if episode is None:
        return None

    async def how_many(query: Any) -> int:
        return int(await session.scalar(query) or 0)

    return EpisodeRemoval(
        id=episode.id,
        number=episode.number,
        title=episode.title,
        is_public=episode.is_published and episode.published_at <= clock.now(),
        counted_downloads=await how_many(
            select(func.sum(DownloadCount.downloads)).where(DownloadCount.episode_id == episode_id)
        ),
        download_events=await how_many(
            select(func.count()).where(DownloadEvent.episode_id == episode_id)
        ),
        has_transcript=await session.get(Transcript, episode_id) is not None,
        has_chapters=episode.chapters is not None,
        appearances=await how_many(
            select(func.count()).where(EpisodeGuest.episode_id == episode_id)
        ),
        sponsor_reads=await how_many(
            select(func.count()).where(SponsorPlacement.episode_id == episode_id)
        ),
        media_file=episode.media_file,
    )


async def delete_episode(*, episode_id: int, actor: UserInfo) -> EpisodeRemoval | None:
    """Deletes the episode and, through the schema's cascades, its appearances, sponsor
    reads and their impressions, transcript, download events and counts and search entry;
    audited in the same transaction, with what went. None when there is no such episode.
    The caller removes the audio file once this has committed."""
    removal = await episode_removal(episode_id)
    if removal is None:
        return None
    session = db.session()
    await session.execute(delete(Episode).where(Episode.id == episode_id))
    audit_service.record(
        actor=actor,
        action='delete',
        entity='episode',
        entity_id=episode_id,
        summary=f'#{removal.number} {removal.title}',
        changes=audit_service.changes_between(
            removal.model_dump(exclude={'id', 'number', 'title'}), {}
        ),
    )
    await session.commit()
    return removal


def _column_values(data: EpisodeWrite) -> dict[str, Any]:
    values = data.model_dump(exclude={'appearances', 'sponsor_slugs'})
    values['media_url'] = str(data.media_url)
    if data.artwork_file:
        values['image_url'] = artwork_url(data.artwork_file)
    return values


def _people_of(data: EpisodeWrite) -> dict[str, Any]:
    return {
        'people': [f'{a.guest_slug} ({a.role})' for a in data.appearances],
        'sponsors': list(data.sponsor_slugs),
    }


async def _people(episode_id: int) -> dict[str, Any]:
    current = await episode_for_edit(episode_id)
    return _people_of(current) if current else {}


async def _ids(model: type[Guest] | type[Sponsor], slugs: list[str], kind: str) -> dict[str, int]:
    if not slugs:
        return {}
    rows = await db.session().execute(select(model.slug, model.id).where(model.slug.in_(slugs)))
    found = {row.slug: row.id for row in rows}
    missing = [slug for slug in slugs if slug not in found]
    if missing:
        raise UnknownReferenceError(kind, missing)
    return found


async def unknown_slugs(kind: Literal['guests', 'sponsors'], slugs: list[str]) -> list[str]:
    """The slugs, in the order given, that name no guest (or sponsor)."""
    if not slugs:
        return []
    model = Guest if kind == 'guests' else Sponsor
    found = set(await db.session().scalars(select(model.slug).where(model.slug.in_(slugs))))
    return [slug for slug in dict.fromkeys(slugs) if slug not in found]


async def number_taken(number: int, *, episode_id: int | None) -> bool:
    """Whether an episode other than this one has the number."""
    clash = await db.session().scalar(
        select(Episode.id).where(Episode.number == number, Episode.id != (episode_id or 0))
    )
    return clash is not None


async def guest_slugs() -> list[str]:
    return list(await db.session().scalars(select(Guest.slug).order_by(Guest.slug)))


async def _place_sponsors(episode_id: int, sponsor_ids: list[int]) -> None:
    """Placements that stay keep their rows, and with them their tracked link, clicks and
    impressions; only removed sponsors lose theirs."""
    session = db.session()
    existing = {
        placement.sponsor_id: placement
        for placement in await session.scalars(
            select(SponsorPlacement).where(SponsorPlacement.episode_id == episode_id)
        )
    }
    for sponsor_id, placement in existing.items():
        if sponsor_id not in sponsor_ids:
            await session.delete(placement)
    for position, sponsor_id in enumerate(sponsor_ids):
        placement = existing.get(sponsor_id) or SponsorPlacement(
            episode_id=episode_id, sponsor_id=sponsor_id
        )
        placement.position = position
        session.add(placement)
    await session.flush()
    await short_link_service.link_placements(episode_id)
    await short_link_service.link_sponsors()


async def sponsor_slugs() -> list[str]:
    """The sponsors a new link can name: archived ones are no longer offered."""
    return list(
        await db.session().scalars(
            select(Sponsor.slug).where(Sponsor.archived_at.is_(None)).order_by(Sponsor.slug)
        )
    )
