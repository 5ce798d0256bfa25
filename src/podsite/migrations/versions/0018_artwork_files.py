"""artwork files: the show's and each episode's uploaded artwork, by its stored name

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Artwork given by URL before stays as it is: no stored file, no copies.
    for table in ('podcast', 'episode'):
        op.add_column(
            table,
            sa.Column('artwork_file', sa.String(length=40), nullable=False, server_default=''),
        )


def downgrade() -> None:
    for table in ('episode', 'podcast'):
        op.drop_column(table, 'artwork_file')
