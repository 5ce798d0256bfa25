"""The admin's guests, sponsors, policy pages and account roles; every write is audited in
its transaction."""

from typing import Any

from pydantic import BaseModel
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from podsite.data import Guest, Policy, Sponsor, User
from podsite.infrastructure import db
from podsite.schemas.account import UserInfo
from podsite.schemas.admin import GuestWrite, NamedRow, PolicyWrite, SponsorWrite, UserRow
from podsite.services.accounts import audit_service
from podsite.services.accounts.account_rules import ROLES
from podsite.services.catalogue.derived_columns import policy_columns
from podsite.services.sponsors import short_link_service

Model = type[Guest] | type[Sponsor] | type[Policy]
ENTITIES: dict[str, tuple[Model, type[BaseModel]]] = {
    'guest': (Guest, GuestWrite),
    'sponsor': (Sponsor, SponsorWrite),
    'policy': (Policy, PolicyWrite),
}


def _label(model: Model) -> Any:
    """What a row is called in lists and the audit log: a name, or a policy's title."""
    return Policy.title if model is Policy else model.name  # type: ignore[union-attr]


class SlugTakenError(Exception):
    """Another row already uses this slug."""


async def rows(entity: str) -> list[NamedRow]:
    model, _ = ENTITIES[entity]
    query = select(model.id, _label(model).label('name'), model.slug).order_by(_label(model))
    return [NamedRow.model_validate(row._mapping) for row in await db.session().execute(query)]


async def for_edit(entity: str, row_id: int) -> dict[str, Any] | None:
    model, schema = ENTITIES[entity]
    if not 0 < row_id <= 2**31 - 1:
        return None
    found = await db.session().get(model, row_id)
    if found is None:
        return None
    return {field: getattr(found, field) for field in schema.model_fields}


async def save(entity: str, *, row_id: int | None, data: BaseModel, actor: UserInfo) -> int:
    model, _ = ENTITIES[entity]
    values = data.model_dump(mode='json')
    derived = policy_columns(body=values['body']) if model is Policy else None
    try:
        saved = await audit_service.save_row(
            model,
            row_id,
            values,
            actor=actor,
            entity=entity,
            summary=values.get('name') or values['title'],
            derived=derived,
        )
    except IntegrityError as error:
        await db.session().rollback()
        raise SlugTakenError(values['slug']) from error
    if saved is None:
        raise LookupError(row_id)
    if model is Sponsor and await short_link_service.link_sponsors():
        await db.session().commit()
    return saved


async def remove(entity: str, *, row_id: int, actor: UserInfo) -> bool:
    model, _ = ENTITIES[entity]
    return await audit_service.delete_row(
        model,
        row_id,
        actor=actor,
        entity=entity,
        summary=lambda row: getattr(row, 'name', None) or row.title,
    )


async def users() -> list[UserRow]:
    query = select(
        User.id, User.email, User.name, User.role, User.sponsor_id, User.created_at,
        User.last_login_at,
    ).order_by(User.created_at)  # fmt: skip
    return [UserRow.model_validate(row._mapping) for row in await db.session().execute(query)]


async def set_role(*, user_id: int, role: str, sponsor_id: int | None, actor: UserInfo) -> bool:
    """Advertisers are bound to one sponsor; other roles to none."""
    if role not in ROLES:
        raise ValueError(role)
    session = db.session()
    user = await session.get(User, user_id)
    if user is None:
        return False
    sponsor = sponsor_id if role == 'advertiser' else None
    before = {'role': user.role, 'sponsor_id': user.sponsor_id}
    await session.execute(
        update(User).where(User.id == user_id).values(role=role, sponsor_id=sponsor)
    )
    audit_service.record(
        actor=actor,
        action='update',
        entity='user',
        entity_id=user_id,
        summary=user.email,
        changes=audit_service.changes_between(before, {'role': role, 'sponsor_id': sponsor}),
    )
    await session.commit()
    return True
