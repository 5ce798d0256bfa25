"""download events remember whether their address was in a data-centre network

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-12 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Events stored before were not looked up: the address is gone, so they stay unmarked.
    op.add_column(
        'download_event',
        sa.Column('from_datacenter', sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column('download_event', 'from_datacenter')
