"""moving the feed: the new feed URL and whether the old feed redirects to it

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 23:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN: a batch rebuild of `podcast` on SQLite would drop its triggers.
    op.add_column(
        'podcast',
        sa.Column('new_feed_url', sa.String(length=2000), nullable=False, server_default=''),
    )
    op.add_column(
        'podcast',
        sa.Column('redirect_feed', sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    # DROP COLUMN in place (SQLite 3.35+): a batch rebuild would drop the table's triggers.
    op.drop_column('podcast', 'redirect_feed')
    op.drop_column('podcast', 'new_feed_url')
