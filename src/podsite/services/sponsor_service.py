"""Reading sponsors for the public pages."""

from sqlalchemy import select

from podsite.data import Sponsor
from podsite.infrastructure import db
from podsite.schemas.catalogue import SponsorCard


async def all_sponsors() -> list[SponsorCard]:
    query = select(
        Sponsor.name, Sponsor.slug, Sponsor.logo_url, Sponsor.website_url, Sponsor.description
    ).order_by(Sponsor.name)
    return [SponsorCard.model_validate(row._mapping) for row in await db.session().execute(query)]
