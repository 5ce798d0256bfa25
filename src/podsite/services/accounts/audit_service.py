"""The admin's audit log: every admin write says who, what, when, and what changed."""

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import delete, func, select

from podsite.data import AuditEntry
from podsite.infrastructure import clock, db
from podsite.schemas.account import UserInfo
from podsite.schemas.admin import AuditRow


def changes_between(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """`{field: [before, after]}` for fields whose value differs; long text is cut."""

    def short(value: Any) -> Any:
        text = value if isinstance(value, str) else None
        return text[:200] + '…' if text is not None and len(text) > 200 else value

    return {
        field: [short(before.get(field)), short(after.get(field))]
        for field in sorted(set(before) | set(after))
        if before.get(field) != after.get(field)
    }


def record(
    *,
    actor: UserInfo,
    action: str,
    entity: str,
    entity_id: int | None,
    summary: str,
    changes: dict[str, Any] | None = None,
) -> None:
    """Adds the entry to the current transaction, so it is stored with the change or not at all."""
    db.session().add(
        AuditEntry(
            user_id=actor.id,
            user_email=actor.email,
            action=action,
            entity=entity,
            entity_id=entity_id,
            summary=summary,
            changes=_jsonable(changes or {}),
        )
    )


SITE_ACTOR = 'podsite'
"""Who the log names for what the site did by itself, in the background."""


def record_by_site(
    *, action: str, entity: str, entity_id: int | None, summary: str, changes: dict[str, Any]
) -> None:
    """Like `record`, for work no admin did at that moment (a notice sent in the background)."""
    db.session().add(
        AuditEntry(
            user_id=None,
            user_email=SITE_ACTOR,
            action=action,
            entity=entity,
            entity_id=entity_id,
            summary=summary,
            changes=_jsonable(changes),
        )
    )


async def save_row(
    model: type[Any],
    row_id: int | None,
    values: dict[str, Any],
    *,
    actor: UserInfo,
    entity: str,
    summary: str,
    derived: Mapping[str, Any] | None = None,
) -> int | None:
    """Creates a `model` row from `values` (no `row_id`) or sets them on row `row_id`, and
    commits it with its audit entry of what changed; the row's id, or None when the row to
    update is gone. A constraint the write breaks raises from the flush, before the entry.
    `derived` columns (rendered Markdown, say) are written too but not audited: they change
    only because `values` did."""
    session = db.session()
    if row_id is None:
        row = model(**values, **(derived or {}))
        session.add(row)
        before: dict[str, Any] = {}
    else:
        row = await session.get(model, row_id)
        if row is None:
            return None
        before = {field: getattr(row, field) for field in values}
        for field, value in {**values, **(derived or {})}.items():
            setattr(row, field, value)
    await session.flush()
    record(
        actor=actor,
        action='create' if row_id is None else 'update',
        entity=entity,
        entity_id=row.id,
        summary=summary,
        changes=changes_between(before, values),
    )
    await session.commit()
    return int(row.id)


async def delete_row(
    model: type[Any],
    row_id: int,
    *,
    actor: UserInfo,
    entity: str,
    summary: Callable[[Any], str],
    removed: dict[str, Any] | None = None,
) -> bool:
    """Deletes row `row_id` of `model` (and what cascades from it), committed with its audit
    entry, which `summary` names from the row and `removed` says what went with it; False
    when there is no such row."""
    session = db.session()
    row = await session.get(model, row_id)
    if row is None:
        return False
    name = summary(row)
    await session.execute(delete(model).where(model.id == row_id))
    record(
        actor=actor, action='delete', entity=entity, entity_id=row_id, summary=name,
        changes=removed,
    )  # fmt: skip
    await session.commit()
    return True


async def set_archived(
    model: type[Any],
    row_id: int,
    *,
    archived: bool,
    actor: UserInfo,
    entity: str,
    summary: Callable[[Any], str],
    kept: dict[str, Any] | None = None,
) -> bool:
    """Archives (or restores) row `row_id` of `model`, a row with history that is hidden
    rather than deleted, committed with its audit entry naming what is `kept`; False when
    there is no such row."""
    session = db.session()
    row = await session.get(model, row_id)
    if row is None:
        return False
    row.archived_at = clock.now() if archived else None
    record(
        actor=actor, action='archive' if archived else 'restore', entity=entity,
        entity_id=row_id, summary=summary(row), changes=kept,
    )  # fmt: skip
    await session.commit()
    return True


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


async def entry_count() -> int:
    return await db.session().scalar(select(func.count()).select_from(AuditEntry)) or 0


async def latest(*, limit: int, offset: int = 0) -> list[AuditRow]:
    """`limit` entries, newest first, from `offset` on."""
    query = (
        select(
            AuditEntry.created_at,
            AuditEntry.user_email,
            AuditEntry.action,
            AuditEntry.entity,
            AuditEntry.entity_id,
            AuditEntry.summary,
            AuditEntry.changes,
        )
        .order_by(AuditEntry.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [AuditRow.model_validate(row._mapping) for row in await db.session().execute(query)]
