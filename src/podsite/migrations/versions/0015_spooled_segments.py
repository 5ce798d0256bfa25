"""spooled segments: how much of each local spool file of events the database has

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 01:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import podsite.data.base

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'spooled_segment',
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('stored_lines', sa.Integer(), nullable=False),
        sa.Column('updated_at', podsite.data.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_spooled_segment')),
    )


def downgrade() -> None:
    op.drop_table('spooled_segment')
