"""Short links (`/r/<name>`): resolving them and keeping them; their clicks are stored by
`analytics.storage`."""

from typing import Any

from sqlalchemy import ColumnElement, func, insert, select

from podsite.data import ClickEvent, Episode, Guest, ShortLink, Sponsor, SponsorPlacement
from podsite.data.base import utc_now
from podsite.infrastructure import db
from podsite.infrastructure.slugs import is_valid_slug
from podsite.schemas.account import UserInfo
from podsite.schemas.admin import Removal, ShortLinkRow, ShortLinkWrite
from podsite.schemas.links import ShortLinkTarget
from podsite.services.accounts import audit_service
from podsite.urls import short_link_url


class NameTakenError(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f'The name {name!r} is already used by another short link.')


class UnknownReferenceError(ValueError):
    """The form named an episode, sponsor or guest that does not exist."""


async def target_of(name: str) -> ShortLinkTarget | None:
    if not is_valid_slug(name):
        return None
    row = (
        await db.session().execute(
            select(ShortLink.id, ShortLink.target_url).where(
                ShortLink.name == name, ShortLink.archived_at.is_(None)
            )
        )
    ).first()
    return ShortLinkTarget.model_validate(row._mapping) if row else None


async def all_targets() -> dict[str, str]:
    """Where each short link leads, by name, for pages that link to the target itself."""
    rows = await db.session().execute(
        select(ShortLink.name, ShortLink.target_url).where(ShortLink.archived_at.is_(None))
    )
    return {row.name: row.target_url for row in rows}


async def link_placements(episode_id: int | None = None) -> int:
    """Gives each sponsor placement without one its tracked link, named after the sponsor
    and the episode (`acme-42`), so clicks are attributed per episode: of one episode, or
    of all. Runs in the caller's transaction; returns how many links were made."""
    session = db.session()
    query = (
        select(SponsorPlacement.id, SponsorPlacement.episode_id, Sponsor.id.label('sponsor_id'),
               Sponsor.slug, Sponsor.website_url, Episode.number)
        .join(Sponsor, Sponsor.id == SponsorPlacement.sponsor_id)
        .join(Episode, Episode.id == SponsorPlacement.episode_id)
        .outerjoin(ShortLink, ShortLink.placement_id == SponsorPlacement.id)
        .where(ShortLink.id.is_(None), Sponsor.website_url != '')
        .order_by(Episode.number, SponsorPlacement.position)
    )  # fmt: skip
    if episode_id is not None:
        query = query.where(SponsorPlacement.episode_id == episode_id)
    rows = (await session.execute(query)).all()
    taken = set(await session.scalars(select(ShortLink.name)))
    links = []
    for row in rows:
        name, suffix = f'{row.slug}-{row.number}', 2
        while name in taken:
            name, suffix = f'{row.slug}-{row.number}-{suffix}', suffix + 1
        taken.add(name)
        links.append(
            {'name': name, 'target_url': row.website_url, 'episode_id': row.episode_id,
             'sponsor_id': row.sponsor_id, 'placement_id': row.id, 'created_at': utc_now()}
        )  # fmt: skip
    if links:
        await session.execute(insert(ShortLink), links)
    return len(links)


async def link_sponsors() -> int:
    """Gives each sponsor with a website its own tracked link (`/r/acme`), for the pages
    that list sponsors outside any episode (home, Friends of the show). Runs in the
    caller's transaction; returns how many links were made."""
    session = db.session()
    rows = (
        await session.execute(
            select(Sponsor.id, Sponsor.slug, Sponsor.website_url)
            .where(Sponsor.website_url != '', ~select(ShortLink.id).where(
                is_sponsor_link(), ShortLink.sponsor_id == Sponsor.id).exists())
            .order_by(Sponsor.id)
        )
    ).all()  # fmt: skip
    taken = set(await session.scalars(select(ShortLink.name)))
    links = []
    for row in rows:
        name, suffix = row.slug, 2
        while name in taken:
            name, suffix = f'{row.slug}-{suffix}', suffix + 1
        taken.add(name)
        links.append(
            {'name': name, 'target_url': row.website_url, 'sponsor_id': row.id,
             'created_at': utc_now()}
        )  # fmt: skip
    if links:
        await session.execute(insert(ShortLink), links)
    return len(links)


def is_sponsor_link() -> ColumnElement[bool]:
    """A sponsor's own link, as opposed to one of its reads in an episode."""
    return ShortLink.placement_id.is_(None) & ShortLink.episode_id.is_(None)


async def all_links(*conditions: ColumnElement[bool]) -> list[ShortLinkRow]:
    clicks = (
        select(ClickEvent.short_link_id, func.count().label('clicks'))
        .group_by(ClickEvent.short_link_id)
        .subquery()
    )
    query = (
        select(
            ShortLink.id, ShortLink.name, ShortLink.target_url, ShortLink.placement_id,
            Episode.number.label('episode_number'), Sponsor.slug.label('sponsor_slug'),
            Guest.slug.label('guest_slug'), func.coalesce(clicks.c.clicks, 0).label('clicks'),
            ShortLink.archived_at.is_not(None).label('archived'),
        )
        .outerjoin(Episode, Episode.id == ShortLink.episode_id)
        .outerjoin(Sponsor, Sponsor.id == ShortLink.sponsor_id)
        .outerjoin(Guest, Guest.id == ShortLink.guest_id)
        .outerjoin(clicks, clicks.c.short_link_id == ShortLink.id)
        .where(*conditions)
        .order_by(ShortLink.name)
    )  # fmt: skip
    return [ShortLinkRow.model_validate(row._mapping) for row in await db.session().execute(query)]


async def link(link_id: int) -> ShortLinkRow | None:
    return next(iter(await all_links(ShortLink.id == link_id)), None)


async def save_link(link_id: int | None, data: ShortLinkWrite, *, actor: UserInfo) -> int:
    """Creates or updates a link, audited in the same transaction."""
    session = db.session()
    clash = await session.scalar(
        select(ShortLink.id).where(ShortLink.name == data.name, ShortLink.id != (link_id or 0))
    )
    if clash is not None:
        raise NameTakenError(data.name)
    values = {
        'name': data.name,
        'target_url': str(data.target_url),
        'episode_id': await _reference(Episode.id, Episode.number, data.episode_number, 'episode'),
        'sponsor_id': await _reference(Sponsor.id, Sponsor.slug, data.sponsor_slug, 'sponsor'),
        'guest_id': await _reference(Guest.id, Guest.slug, data.guest_slug, 'guest'),
    }
    saved = await audit_service.save_row(
        ShortLink,
        link_id,
        values,
        actor=actor,
        entity='short_link',
        summary=short_link_url(data.name),
    )
    if saved is None:
        raise LookupError(link_id)
    return saved


async def _reference(id_column: Any, key_column: Any, key: object, what: str) -> int | None:
    if key is None or key == '':
        return None
    found: int | None = await db.session().scalar(select(id_column).where(key_column == key))
    if found is None:
        raise UnknownReferenceError(f'There is no {what} {key}.')
    return found


async def removal(link_id: int) -> Removal | None:
    """What removing the link would take with it; None when there is no such link."""
    if not 0 < link_id <= 2**31 - 1:
        return None
    found = await link(link_id)
    if found is None:
        return None
    if found.clicks:
        clicks = f'{found.clicks} click' if found.clicks == 1 else f'{found.clicks} clicks'
        consequences = [
            f'It has {clicks}, so it is archived rather than deleted: {found.path} stops '
            'redirecting and leaves the episode pages and the feed.',
            'Its clicks stay in the reports and the advertiser portal. Restore it from the '
            'short links list at any time.',
        ]
    else:
        consequences = [f'{found.path} stops redirecting. It was never clicked.']
    if found.placement_id is not None:
        consequences.append(
            f'It is the tracked link of sponsor {found.sponsor_slug} in episode '
            f'{found.episode_number}; the episode page links to the sponsor directly instead.'
        )
    return Removal(
        name=found.path,
        consequences=consequences,
        removed={'clicks': found.clicks, 'target_url': found.target_url},
        keeps_history=found.clicks > 0,
        archived=found.archived,
    )


async def remove_link(link_id: int, *, actor: UserInfo) -> Removal | None:
    """Deletes the link, or archives it when it has clicks; audited with what went with
    it. What was done, or None when there is no such link."""
    done = await removal(link_id)
    if done is None or done.archived:
        return done  # archived already: restoring it is the only way on
    if done.keeps_history:
        stored = await audit_service.set_archived(
            ShortLink, link_id, archived=True, actor=actor, entity='short_link',
            summary=lambda row: short_link_url(row.name), kept=done.removed,
        )  # fmt: skip
    else:
        stored = await audit_service.delete_row(
            ShortLink, link_id, actor=actor, entity='short_link',
            summary=lambda row: short_link_url(row.name), removed=done.removed,
        )  # fmt: skip
    return done if stored else None


async def restore_link(link_id: int, *, actor: UserInfo) -> bool:
    """Makes an archived link redirect again, audited."""
    if not 0 < link_id <= 2**31 - 1:
        return False
    return await audit_service.set_archived(
        ShortLink, link_id, archived=False, actor=actor, entity='short_link',
        summary=lambda row: short_link_url(row.name),
    )  # fmt: skip
