"""Policy pages: read for the public site, written from the admin with an audit entry."""

from datetime import datetime

from sqlalchemy import select

from podsite.data import Policy
from podsite.infrastructure import db
from podsite.schemas.catalogue import ReadModel
from podsite.urls import policy_url


class PolicyPage(ReadModel):
    slug: str
    title: str
    body_html: str
    updated_at: datetime

    @property
    def url(self) -> str:
        return policy_url(self.slug)


async def policy(slug: str) -> PolicyPage | None:
    query = select(Policy.slug, Policy.title, Policy.body_html, Policy.updated_at).where(
        Policy.slug == slug
    )
    row = (await db.session().execute(query)).first()
    return None if row is None else PolicyPage.model_validate(row._mapping)


async def all_policies() -> list[PolicyPage]:
    query = select(Policy.slug, Policy.title, Policy.body_html, Policy.updated_at).order_by(
        Policy.title
    )
    return [PolicyPage.model_validate(row._mapping) for row in await db.session().execute(query)]
