"""The admin's audit log: every admin write says who, what, when, and what changed."""

from typing import Any

from sqlalchemy import select

from podsite.data import AuditEntry
from podsite.infrastructure import db
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


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


async def latest(*, limit: int = 200) -> list[AuditRow]:
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
    )
    return [AuditRow.model_validate(row._mapping) for row in await db.session().execute(query)]
