"""tag rewrites: the queue of stored audio files waiting for the show's new tags

A change of the show's title, author or artwork is written into every stored file in the
background, where the settings page's save had done it before answering.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 20:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import podsite.data.base

revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'tag_rewrite',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('episode_id', sa.Integer(), nullable=False),
        sa.Column('queued_at', podsite.data.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('sent_at', podsite.data.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', podsite.data.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ['episode_id'], ['episode.id'],
            name=op.f('fk_tag_rewrite_episode_id_episode'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tag_rewrite')),
    )  # fmt: skip
    op.create_index(op.f('ix_tag_rewrite_episode_id'), 'tag_rewrite', ['episode_id'])
    op.create_index(op.f('ix_tag_rewrite_next_attempt_at'), 'tag_rewrite', ['next_attempt_at'])


def downgrade() -> None:
    op.drop_index(op.f('ix_tag_rewrite_next_attempt_at'), table_name='tag_rewrite')
    op.drop_index(op.f('ix_tag_rewrite_episode_id'), table_name='tag_rewrite')
    op.drop_table('tag_rewrite')
