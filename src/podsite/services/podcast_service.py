"""The show's channel-level settings."""

from sqlalchemy import select

from podsite.data import Podcast
from podsite.infrastructure import db
from podsite.schemas.account import UserInfo
from podsite.schemas.admin import PodcastWrite
from podsite.schemas.catalogue import SiteInfo
from podsite.services import audit_service

SITE_COLUMNS = (
    Podcast.title,
    Podcast.subtitle,
    Podcast.description,
    Podcast.author,
    Podcast.language,
    Podcast.artwork_url,
    Podcast.website_url,
    Podcast.copyright,
)


async def get_site_info() -> SiteInfo | None:
    row = (await db.session().execute(select(*SITE_COLUMNS).limit(1))).first()
    return None if row is None else SiteInfo.model_validate(row._mapping)


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
        podcast = Podcast(id=1)
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
