"""Sponsors on the public pages; how often their placements are seen is stored by
`analytics.storage`."""

from sqlalchemy import func, select

from podsite.data import Episode, ShortLink, Sponsor, SponsorPlacement
from podsite.infrastructure import db
from podsite.schemas.catalogue import SponsorCard, SponsorProfile
from podsite.services.catalogue import episode_service
from podsite.services.sponsors.short_link_service import is_sponsor_link

# The sponsor's own tracked link, so that every click from a page listing it is counted.
SPONSOR_LINK = (
    select(func.min(ShortLink.name))
    .where(ShortLink.sponsor_id == Sponsor.id, is_sponsor_link())
    .scalar_subquery()
    .label('link_name')
)
SPONSOR_COLUMNS = (
    Sponsor.name, Sponsor.slug, Sponsor.logo_url, Sponsor.website_url, Sponsor.description,
    SPONSOR_LINK,
)  # fmt: skip


# On the home page; as many as the show has had, so not bounded.
EVERY_SPONSOR = db.PreparedRead(
    select(*SPONSOR_COLUMNS).where(episode_service.SPONSOR_SHOWN).order_by(Sponsor.name),
    bounded=False,
)


async def all_sponsors() -> list[SponsorCard]:
    return [SponsorCard.model_validate(row) for row in await db.read_records(EVERY_SPONSOR, {})]


async def sponsor(sponsor_id: int) -> SponsorCard | None:
    row = (
        await db.session().execute(select(*SPONSOR_COLUMNS).where(Sponsor.id == sponsor_id))
    ).first()
    return SponsorCard.model_validate(row._mapping) if row else None


async def sponsor_profiles() -> list[SponsorProfile]:
    """Every sponsor, with how many published episodes carried its reads."""
    public_reads = (
        select(SponsorPlacement.sponsor_id, func.count().label('episode_count'))
        .join(Episode, Episode.id == SponsorPlacement.episode_id)
        .where(episode_service.is_public())
        .group_by(SponsorPlacement.sponsor_id)
        .subquery()
    )
    query = (
        select(
            *SPONSOR_COLUMNS, func.coalesce(public_reads.c.episode_count, 0).label('episode_count')
        )
        .outerjoin(public_reads, public_reads.c.sponsor_id == Sponsor.id)
        .where(episode_service.SPONSOR_SHOWN)
        .order_by(Sponsor.name)
    )
    return [
        SponsorProfile.model_validate(row._mapping) for row in await db.session().execute(query)
    ]
