"""The site-wide content version that caches key on."""

from datetime import UTC, datetime

from sqlalchemy import func, select

from podsite.data import Episode, LiveStream, SiteState
from podsite.infrastructure import db
from podsite.infrastructure.cache import ContentState


async def content_state() -> ContentState:
    """The version (bumped by triggers on every catalogue change) and the next moment cached
    pages go stale although nothing was written: a scheduled publication, or a live stream
    starting or ending (the feed says pending, then live)."""
    now = datetime.now(UTC)
    next_publication = (
        select(func.min(Episode.published_at))
        .where(Episode.is_published.is_(True), Episode.published_at > now)
        .scalar_subquery()
    )
    next_stream_start = (
        select(func.min(LiveStream.starts_at)).where(LiveStream.starts_at > now).scalar_subquery()
    )
    next_stream_end = (
        select(func.min(LiveStream.ends_at)).where(LiveStream.ends_at > now).scalar_subquery()
    )
    query = select(
        SiteState.content_version, next_publication, next_stream_start, next_stream_end
    ).where(SiteState.id == 1)
    quick_reads = db.database().quick_reads
    if quick_reads is not None:
        with quick_reads.connect() as connection:
            row = connection.execute(query).one()
    else:
        row = (await db.session().execute(query)).one()
    changes = [moment for moment in row[1:] if moment is not None]
    return ContentState(version=row[0], valid_until=min(changes, default=None))
