"""accounts confirmed by email, reset requests queued, the outbox sent in the background

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import podsite.data.base

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        'user_account',
        sa.Column(
            'email_confirmed_at', podsite.data.base.UTCDateTime(timezone=True), nullable=True
        ),
    )
    # Accounts from before confirmation existed keep logging in as they did.
    op.execute('UPDATE user_account SET email_confirmed_at = created_at')

    op.add_column(
        'outbox_message',
        sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'),
    )
    # Messages from before were sent (or only logged) when they were stored: none is due.
    op.add_column(
        'outbox_message',
        sa.Column('next_attempt_at', podsite.data.base.UTCDateTime(timezone=True), nullable=True),
    )
    op.create_index(
        op.f('ix_outbox_message_next_attempt_at'),
        'outbox_message',
        ['next_attempt_at'],
        unique=False,
    )

    op.create_table(
        'password_reset_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=320), nullable=False),
        sa.Column('requested_at', podsite.data.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_password_reset_request')),
    )


def downgrade() -> None:
    op.drop_table('password_reset_request')
    op.drop_index(op.f('ix_outbox_message_next_attempt_at'), table_name='outbox_message')
    # DROP COLUMN in place (SQLite 3.35+), as 0008 does.
    op.drop_column('outbox_message', 'next_attempt_at')
    op.drop_column('outbox_message', 'attempts')
    op.drop_column('user_account', 'email_confirmed_at')
