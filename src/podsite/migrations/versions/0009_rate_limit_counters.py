"""rate-limit counters in the database, for when Redis is not configured or not answering

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'rate_limit_counter',
        sa.Column('key', sa.String(length=400), nullable=False),
        sa.Column('hits', sa.Integer(), nullable=False),
        sa.Column('expires_at', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_limit_counter')),
    )
    op.create_index(op.f('ix_rate_limit_counter_expires_at'), 'rate_limit_counter', ['expires_at'])


def downgrade() -> None:
    op.drop_index(op.f('ix_rate_limit_counter_expires_at'), table_name='rate_limit_counter')
    op.drop_table('rate_limit_counter')
