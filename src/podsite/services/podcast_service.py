"""The show's channel-level settings."""

from sqlalchemy import select

from podsite.data import Podcast
from podsite.infrastructure import db
from podsite.schemas.catalogue import SiteInfo

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
