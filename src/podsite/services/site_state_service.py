"""The site-wide content version that caches key on."""

from datetime import UTC, datetime

from sqlalchemy import func, select

from podsite.data import Episode, SiteState
from podsite.infrastructure import db
from podsite.infrastructure.cache import ContentState


async def content_state() -> ContentState:
    """The version (bumped by triggers on every catalogue change) and the next scheduled
    publication, after which cached pages are stale although nothing was written."""
    now = datetime.now(UTC)
    next_publication = (
        select(func.min(Episode.published_at))
        .where(Episode.is_published.is_(True), Episode.published_at > now)
        .scalar_subquery()
    )
    row = (
        await db.session().execute(
            select(SiteState.content_version, next_publication).where(SiteState.id == 1)
        )
    ).one()
    return ContentState(version=row[0], valid_until=row[1])
