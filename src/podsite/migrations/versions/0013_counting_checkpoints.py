"""counting checkpoints: each listener's window state at every midnight

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-10 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'counting_checkpoint',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('listener', sa.String(length=64), nullable=False),
        sa.Column('user_agent', sa.String(length=1000), nullable=False),
        sa.Column('episode_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ['episode_id'],
            ['episode.id'],
            name=op.f('fk_counting_checkpoint_episode_id_episode'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_counting_checkpoint')),
    )
    op.create_index(
        op.f('ix_counting_checkpoint_day'), 'counting_checkpoint', ['day'], unique=False
    )
    # No checkpoints yet: the next counting run recounts every stored event once.
    with op.batch_alter_table('aggregation_progress') as table:
        table.add_column(sa.Column('checkpoints_from', sa.Date(), nullable=True))
        table.add_column(sa.Column('checkpoints_until', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('aggregation_progress') as table:
        table.drop_column('checkpoints_until')
        table.drop_column('checkpoints_from')
    op.drop_index(op.f('ix_counting_checkpoint_day'), table_name='counting_checkpoint')
    op.drop_table('counting_checkpoint')
