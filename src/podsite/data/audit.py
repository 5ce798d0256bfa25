"""Who changed what in the admin, and when."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from podsite.data.base import Base, utc_now


class AuditEntry(Base):
    __tablename__ = 'audit_entry'

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now, index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey('user_account.id', ondelete='SET NULL'), default=None
    )
    user_email: Mapped[str] = mapped_column(String(320))
    """Kept as written: the log must still say who, after the account is gone."""
    action: Mapped[str] = mapped_column(String(20))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(default=None)
    summary: Mapped[str] = mapped_column(Text)
    # {"field": [before, after], ...} for the fields that changed.
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
