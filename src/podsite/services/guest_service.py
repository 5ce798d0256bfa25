"""Reading guests for the public pages."""

from sqlalchemy import func, select

from podsite.data import Episode, EpisodeGuest, Guest
from podsite.infrastructure import db
from podsite.schemas.catalogue import GuestCard, GuestDetails
from podsite.services import episode_service

GUEST_COLUMNS = (
    Guest.name,
    Guest.slug,
    Guest.bio,
    Guest.photo_url,
    Guest.website_url,
    Guest.social_links,
)


async def guests_on_air(*, role: str = 'guest') -> list[GuestCard]:
    """Everyone with the role in at least one public episode, by name, with their count."""
    episode_count = func.count(EpisodeGuest.episode_id).label('episode_count')
    query = (
        select(*GUEST_COLUMNS, episode_count)
        .join(EpisodeGuest, EpisodeGuest.guest_id == Guest.id)
        .join(Episode, Episode.id == EpisodeGuest.episode_id)
        .where(episode_service.is_public(), EpisodeGuest.role == role)
        .group_by(Guest.id)
        .order_by(Guest.name)
    )
    rows = await db.read(query)
    return [GuestCard.model_validate(row._mapping) for row in rows]


async def recent_guests(*, limit: int) -> list[GuestCard]:
    """Guests of the latest episodes, most recent appearance first."""
    last_seen = func.max(Episode.published_at)
    query = (
        select(*GUEST_COLUMNS, func.count(EpisodeGuest.episode_id).label('episode_count'))
        .join(EpisodeGuest, EpisodeGuest.guest_id == Guest.id)
        .join(Episode, Episode.id == EpisodeGuest.episode_id)
        .where(episode_service.is_public(), EpisodeGuest.role == 'guest')
        .group_by(Guest.id)
        .order_by(last_seen.desc(), Guest.name)
        .limit(limit)
    )
    rows = await db.read(query)
    return [GuestCard.model_validate(row._mapping) for row in rows]


async def guest_by_slug(slug: str) -> GuestDetails | None:
    row = (await db.read(select(Guest.id, *GUEST_COLUMNS).where(Guest.slug == slug))).first()
    if row is None:
        return None
    episodes = await episode_service.episodes_with_guest(guest_id=row.id)
    return GuestDetails.model_validate(
        {**row._mapping, 'episodes': episodes, 'episode_count': len(episodes)}
    )
