"""Reading guests for the public pages."""

from typing import Any

from sqlalchemy import Select, bindparam, func, select

from podsite.data import Episode, EpisodeGuest, Guest
from podsite.data.base import NOW
from podsite.infrastructure import clock, db
from podsite.schemas.catalogue import GuestCard, GuestDetails
from podsite.services.catalogue import episode_service

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
    rows = await db.session().execute(query)
    return [GuestCard.model_validate(row._mapping) for row in rows]


# Featured guests come from this many of the latest episodes (a year of a weekly show), so
# the home page costs the same whatever the size of the catalogue (all of it would be read
# to rank every guest). Ranking the appearances of 200 episodes was the home page's
# costliest statement, at about 200 us.
RECENT_EPISODE_WINDOW = 50


def _recent_guests_query() -> Select[*tuple[Any, ...]]:
    recent = (
        select(Episode.id, Episode.published_at)
        .where(episode_service.is_public(NOW))
        .order_by(Episode.published_at.desc())
        .limit(RECENT_EPISODE_WINDOW)
        .subquery()
    )
    last_seen = func.max(recent.c.published_at).label('last_seen')
    # The guests are chosen from the appearances alone, and only the chosen few are read:
    # with thousands of guests, reading every guest of the window touched a page of the
    # file for each, which made the home page slower as the catalogue grew.
    chosen = (
        select(EpisodeGuest.guest_id, last_seen)
        .join(recent, recent.c.id == EpisodeGuest.episode_id)
        .where(EpisodeGuest.role == 'guest')
        .group_by(EpisodeGuest.guest_id)
        .order_by(last_seen.desc(), EpisodeGuest.guest_id)
        .limit(bindparam('limit'))
        .subquery()
    )
    return (
        select(*GUEST_COLUMNS)
        .join(chosen, chosen.c.guest_id == Guest.id)
        .order_by(chosen.c.last_seen.desc(), Guest.name)
    )


RECENT_GUESTS = db.PreparedRead(_recent_guests_query(), bounded=True)


async def recent_guests(*, limit: int) -> list[GuestCard]:
    """Guests of the latest episodes, most recent appearance first (not counted: counting
    reads every appearance of each, which grows with the catalogue)."""
    rows = await db.read_records(RECENT_GUESTS, {'now': clock.now(), 'limit': limit})
    return [GuestCard.model_validate(row) for row in rows]


async def guest_by_slug(slug: str) -> GuestDetails | None:
    row = (
        await db.session().execute(select(Guest.id, *GUEST_COLUMNS).where(Guest.slug == slug))
    ).first()
    if row is None:
        return None
    episodes = await episode_service.episodes_with_guest(guest_id=row.id)
    return GuestDetails.model_validate(
        {**row._mapping, 'episodes': episodes, 'episode_count': len(episodes)}
    )
