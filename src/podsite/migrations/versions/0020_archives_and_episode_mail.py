"""archived sponsors and short links; new-episode mail; no newsletter

Sponsors and short links with history are archived (kept for the reports, hidden from the
site) rather than deleted. New-episode emails: each announced episode is recorded once, and
outbox messages carry header lines (List-Unsubscribe). The newsletter preference goes: the
site has no newsletter to send.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 04:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import podsite.data.base

revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE rather than batch mode for the catalogue tables: SQLite's batch mode
# copies the table, which would drop the triggers that bump the content version.
def upgrade() -> None:
    for table in ('sponsor', 'short_link'):
        op.add_column(
            table,
            sa.Column('archived_at', podsite.data.base.UTCDateTime(timezone=True), nullable=True),
        )
    op.create_table(
        'episode_announcement',
        sa.Column('episode_id', sa.Integer(), nullable=False),
        sa.Column('recipients', sa.Integer(), nullable=False),
        sa.Column('announced_at', podsite.data.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['episode_id'],
            ['episode.id'],
            name=op.f('fk_episode_announcement_episode_id_episode'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('episode_id', name=op.f('pk_episode_announcement')),
    )
    op.add_column('outbox_message', sa.Column('headers', sa.JSON(), nullable=True))
    op.execute("UPDATE outbox_message SET headers = '{}'")
    with op.batch_alter_table('outbox_message') as batch:
        batch.alter_column('headers', existing_type=sa.JSON(), nullable=False)
    op.drop_column('user_account', 'wants_newsletter')


def downgrade() -> None:
    op.add_column(
        'user_account',
        sa.Column('wants_newsletter', sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    with op.batch_alter_table('outbox_message') as batch:
        batch.drop_column('headers')
    op.drop_table('episode_announcement')
    for table in ('sponsor', 'short_link'):
        op.drop_column(table, 'archived_at')
