"""archived sponsors and short links: kept for the reports, hidden from the site

Revision ID: 0022
Revises: 0015
Create Date: 2026-12-07 04:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import podsite.data.base

revision: str = '0022'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE rather than batch mode: SQLite's batch mode copies the table, which
# would drop the triggers that bump the content version on every change.
def upgrade() -> None:
    for table in ('sponsor', 'short_link'):
        op.add_column(
            table,
            sa.Column('archived_at', podsite.data.base.UTCDateTime(timezone=True), nullable=True),
        )


def downgrade() -> None:
    for table in ('sponsor', 'short_link'):
        op.drop_column(table, 'archived_at')
