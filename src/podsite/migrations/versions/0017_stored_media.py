"""stored media: the name of an uploaded audio file and what was read from it

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 04:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('episode') as batch:
        batch.add_column(sa.Column('media_file', sa.String(length=300), nullable=True))
        batch.add_column(sa.Column('media_sample_rate_hz', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('media_channels', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('episode') as batch:
        batch.drop_column('media_channels')
        batch.drop_column('media_sample_rate_hz')
        batch.drop_column('media_file')
