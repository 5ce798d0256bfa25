"""subscribing and being found: the show's subscribe links, episodes' recording dates and
the index that finds their neighbours, and the queue of notices to WebSub hubs and publish
pings

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 04:30:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import podsite.data.base

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN: a batch rebuild on SQLite would drop the tables' triggers.
    op.add_column(
        'podcast', sa.Column('subscribe_urls', sa.JSON(), nullable=False, server_default='{}')
    )
    op.add_column(
        'episode',
        sa.Column('recorded_at', podsite.data.base.UTCDateTime(timezone=True), nullable=True),
    )
    op.create_index('ix_episode_published_number', 'episode', ['is_published', 'number'])
    op.create_table(
        'feed_announcement',
        sa.Column('episode_id', sa.Integer(), nullable=False),
        sa.Column('announced_at', podsite.data.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['episode_id'], ['episode.id'],
            name=op.f('fk_feed_announcement_episode_id_episode'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('episode_id', name=op.f('pk_feed_announcement')),
    )  # fmt: skip
    op.create_table(
        'feed_notification',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('target_url', sa.String(length=2000), nullable=False),
        sa.Column('feed_url', sa.String(length=2000), nullable=False),
        sa.Column('created_at', podsite.data.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('sent_at', podsite.data.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', podsite.data.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_notification')),
    )
    op.create_index(
        op.f('ix_feed_notification_next_attempt_at'),
        'feed_notification',
        ['next_attempt_at'],
        unique=False,
    )
    # Episodes already public were announced, by the feed itself, before there were
    # notices: only those going public from now on are.
    now = datetime.now(UTC)
    episode = sa.table(
        'episode',
        sa.column('id', sa.Integer()),
        sa.column('is_published', sa.Boolean()),
        sa.column('published_at', podsite.data.base.UTCDateTime(timezone=True)),
    )
    announcement = sa.table(
        'feed_announcement',
        sa.column('episode_id', sa.Integer()),
        sa.column('announced_at', podsite.data.base.UTCDateTime(timezone=True)),
    )
    op.execute(
        announcement.insert().from_select(
            ['episode_id', 'announced_at'],
            sa.select(episode.c.id, sa.literal(now, podsite.data.base.UTCDateTime())).where(
                episode.c.is_published.is_(True), episode.c.published_at <= now
            ),
        )
    )


def downgrade() -> None:
    op.drop_index(op.f('ix_feed_notification_next_attempt_at'), table_name='feed_notification')
    op.drop_table('feed_notification')
    op.drop_table('feed_announcement')
    op.drop_index('ix_episode_published_number', table_name='episode')
    op.drop_column('episode', 'recorded_at')
    op.drop_column('podcast', 'subscribe_urls')
