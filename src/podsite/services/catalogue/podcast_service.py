"""The show's channel-level settings."""

from sqlalchemy import and_, func, select

from podsite.data import Episode, LiveStream, Podcast
from podsite.data.base import NOW
from podsite.formats.feed_document import site_podcast_guid
from podsite.infrastructure import clock, db
from podsite.schemas.account import UserInfo
from podsite.schemas.admin import PodcastWrite
from podsite.schemas.catalogue import SiteInfo
from podsite.schemas.live_stream import StreamSlot
from podsite.services.accounts import audit_service
from podsite.settings import current_settings

SITE_COLUMNS = (
    Podcast.title,
    Podcast.subtitle,
    Podcast.description,
    Podcast.author,
    Podcast.language,
    Podcast.artwork_url,
    Podcast.artwork_file,
    Podcast.website_url,
    Podcast.copyright,
    Podcast.subscribe_urls,
)


_public = and_(Episode.is_published.is_(True), Episode.published_at <= NOW)
# Built once: it runs on the first page after every change (the layout is kept meanwhile).
LAYOUT_QUERY = db.PreparedRead(
    select(
        *SITE_COLUMNS,
        LiveStream.title.label('live_title'),
        LiveStream.starts_at.label('live_starts_at'),
        LiveStream.ends_at.label('live_ends_at'),
        # For the footer's year range.
        select(func.min(Episode.published_at)).where(_public).scalar_subquery().label('first'),
        select(func.max(Episode.published_at)).where(_public).scalar_subquery().label('latest'),
    )
    .outerjoin(LiveStream, and_(LiveStream.starts_at <= NOW, LiveStream.ends_at > NOW))
    .order_by(Podcast.id, LiveStream.starts_at)
    .limit(1),
    bounded=True,
)


async def layout_info() -> tuple[SiteInfo | None, StreamSlot | None]:
    """The show's details and the stream live right now, for every page's layout.

    One statement: the banner costs no query of its own. The stream is matched against the
    clock as the page is built, since a stream goes live by time passing, with no write a
    cache could key on.
    """
    rows = await db.read_records(LAYOUT_QUERY, {'now': clock.now()})
    if not rows:
        return None, None
    (row,) = rows
    site = SiteInfo.model_validate(
        {
            **row,
            'first_episode_year': row['first'].year if row['first'] else None,
            'latest_episode_year': row['latest'].year if row['latest'] else None,
        }
    )
    if row['live_title'] is None:
        return site, None
    return site, StreamSlot(
        title=row['live_title'], starts_at=row['live_starts_at'], ends_at=row['live_ends_at']
    )


async def settings_for_edit() -> PodcastWrite | None:
    podcast = await db.session().scalar(select(Podcast).order_by(Podcast.id).limit(1))
    if podcast is None:
        return None
    return PodcastWrite.model_validate(
        {field: getattr(podcast, field) for field in PodcastWrite.model_fields}
    )


async def save_settings(*, data: PodcastWrite, actor: UserInfo) -> None:
    session = db.session()
    podcast = await session.scalar(select(Podcast).order_by(Podcast.id).limit(1))
    if podcast is None:
        podcast = Podcast(id=1, guid=site_podcast_guid(current_settings().public_base_url))
        session.add(podcast)
    values = data.model_dump(mode='json')
    before = {field: getattr(podcast, field, None) for field in values}
    for field, value in values.items():
        setattr(podcast, field, value)
    audit_service.record(
        actor=actor,
        action='update',
        entity='podcast',
        entity_id=1,
        summary=data.title,
        changes=audit_service.changes_between(before, values),
    )
    await session.commit()
