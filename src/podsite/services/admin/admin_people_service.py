"""The admin's guests, sponsors, policy pages and account roles; every write is audited in
its transaction."""

from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from podsite.data import (
    ClickEvent,
    Episode,
    EpisodeGuest,
    Guest,
    Policy,
    ShortLink,
    Sponsor,
    SponsorPlacement,
    User,
)
from podsite.infrastructure import db
from podsite.schemas.account import UserInfo
from podsite.schemas.admin import (
    GuestWrite,
    NamedRow,
    PolicyWrite,
    Removal,
    SponsorWrite,
    UserRow,
)
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
    columns = [model.id, _label(model).label('name'), model.slug]
    if model is Sponsor:
        columns.append(Sponsor.archived_at.is_not(None).label('archived'))
    query = select(*columns).order_by(_label(model))
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


def _numbers(numbers: list[int]) -> str:
    return ', '.join(str(number) for number in numbers)


def _plural(count: int, word: str) -> str:
    return f'{count} {word}' if count == 1 else f'{count} {word}s'


async def removal(entity: str, row_id: int) -> Removal | None:
    """What removing the row would take with it; None when there is no such row."""
    model, _ = ENTITIES[entity]
    if not 0 < row_id <= 2**31 - 1:
        return None
    row: Guest | Sponsor | Policy | None = await db.session().get(model, row_id)
    if row is None:
        return None
    if isinstance(row, Guest):
        return await _guest_removal(row)
    if isinstance(row, Sponsor):
        return await _sponsor_removal(row)
    return Removal(
        name=row.title,
        consequences=[f'The page {row.title!r} leaves the site.'],
        removed={'slug': row.slug},
    )


async def _guest_removal(guest: Guest) -> Removal:
    session = db.session()
    episodes = list(
        await session.scalars(
            select(Episode.number)
            .join(EpisodeGuest, EpisodeGuest.episode_id == Episode.id)
            .where(EpisodeGuest.guest_id == guest.id)
            .order_by(Episode.number)
        )
    )
    links = await session.scalar(
        select(func.count()).select_from(ShortLink).where(ShortLink.guest_id == guest.id)
    )
    consequences = [f'Their page /guests/{guest.slug} leaves the site.']
    if episodes:
        consequences.append(
            f'{_plural(len(episodes), "episode")} lose them from their guests: '
            f'{_numbers(episodes)}. The episodes stay.'
        )
    if links:
        consequences.append(f'{_plural(links, "short link")} stop naming them; they keep working.')
    return Removal(
        name=guest.name,
        consequences=consequences,
        removed={'episodes': episodes, 'short_links': links or 0},
    )


async def _sponsor_removal(sponsor: Sponsor) -> Removal:
    session = db.session()
    episodes = list(
        await session.scalars(
            select(Episode.number)
            .join(SponsorPlacement, SponsorPlacement.episode_id == Episode.id)
            .where(SponsorPlacement.sponsor_id == sponsor.id)
            .order_by(Episode.number)
        )
    )
    clicks = await session.scalar(
        select(func.count())
        .select_from(ClickEvent)
        .join(ShortLink, ShortLink.id == ClickEvent.short_link_id)
        .where(ShortLink.sponsor_id == sponsor.id)
    )
    advertisers = await session.scalar(
        select(func.count()).select_from(User).where(User.sponsor_id == sponsor.id)
    )
    removed = {'placements': len(episodes), 'episodes': episodes, 'clicks': clicks or 0}
    if episodes:
        return Removal(
            name=sponsor.name,
            keeps_history=True,
            archived=sponsor.archived_at is not None,
            removed=removed,
            consequences=[
                f'It was read in {_plural(len(episodes), "episode")} ({_numbers(episodes)}), '
                'so it is archived rather than deleted: it leaves the home page, the friends '
                'page, the episode pages, the feed and the pickers.',
                f'Its reads and their {_plural(clicks or 0, "click")} stay in the reports and '
                'the advertiser portal; its tracked links keep working for listeners who '
                'follow an old link. Restore it from the sponsors list at any time.',
            ],
        )
    consequences = ['It leaves the home page and the friends page. It was never read.']
    if advertisers:
        consequences.append(
            f'{_plural(advertisers, "advertiser account")} lose their sponsor and its reports.'
        )
    return Removal(name=sponsor.name, consequences=consequences, removed=removed)


async def remove(entity: str, *, row_id: int, actor: UserInfo) -> Removal | None:
    """Deletes the row, or archives it when it has history; audited with what went with
    it. What was done, or None when there is no such row."""
    model, _ = ENTITIES[entity]
    done = await removal(entity, row_id)
    if done is None or done.archived:
        return done  # archived already: restoring it is the only way on
    if done.keeps_history:
        stored = await audit_service.set_archived(
            model, row_id, archived=True, actor=actor, entity=entity,
            summary=lambda row: row.name, kept=done.removed,
        )  # fmt: skip
    else:
        stored = await audit_service.delete_row(
            model, row_id, actor=actor, entity=entity,
            summary=lambda row: getattr(row, 'name', None) or row.title, removed=done.removed,
        )  # fmt: skip
    return done if stored else None


async def restore_sponsor(*, row_id: int, actor: UserInfo) -> bool:
    """Brings an archived sponsor back to the site, audited."""
    if not 0 < row_id <= 2**31 - 1:
        return False
    return await audit_service.set_archived(
        Sponsor, row_id, archived=False, actor=actor, entity='sponsor',
        summary=lambda row: row.name,
    )  # fmt: skip


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
