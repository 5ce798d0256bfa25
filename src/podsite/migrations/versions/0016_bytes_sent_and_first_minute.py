"""bytes really sent by a download, and the exact end of each file's first minute

A download event served from podsite's own files keeps where its bytes started, whether
the transfer ended early (`bytes_served` now holds the bytes sent), and the transfer it
belongs to: recorded when it starts, replaced by its end's event when it ends. An episode
keeps the byte offset where its first minute of audio ends, read from the file's frames,
in place of the header size and average bitrate the threshold was estimated from.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 04:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('download_event', sa.Column('served_from', sa.BigInteger(), nullable=True))
    op.add_column('download_event', sa.Column('ended_early', sa.Boolean(), nullable=True))
    op.add_column('download_event', sa.Column('transfer', sa.String(length=32), nullable=True))
    op.create_index(
        op.f('ix_download_event_transfer'), 'download_event', ['transfer'], unique=False
    )
    # The header size and average bitrate stay as facts of the file; the byte rule now uses
    # this, which `podsite probe-media` reads from the file's frames.
    op.add_column('episode', sa.Column('media_first_minute_bytes', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column('episode', 'media_first_minute_bytes')
    op.drop_index(op.f('ix_download_event_transfer'), table_name='download_event')
    op.drop_column('download_event', 'transfer')
    op.drop_column('download_event', 'ended_early')
    op.drop_column('download_event', 'served_from')
