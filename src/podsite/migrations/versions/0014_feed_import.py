"""moving a show in: site and feed numbers apart, the notes' format, linked transcripts and
chapters, the show's GUID, type and people, and every element kept from the source feed

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 10:00:00.000000
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from quart import has_app_context

from podsite.settings import Settings, current_settings

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The Podcasting 2.0 spec's namespace for deriving podcast:guid from the feed URL; as in
# formats/feed_document.py at this revision (a migration keeps its own copy of what it uses).
PODCAST_GUID_NAMESPACE = uuid.UUID('ead4c236-bf58-58c6-a2c6-a6b28d128cb6')


def _guid_the_feed_has_had() -> str:
    """The GUID the feed has been publishing: derived from its address, so it is stored now
    and no longer follows `PODSITE_BASE_URL`."""
    settings = current_settings() if has_app_context() else Settings()
    feed_url = f'{settings.public_base_url}/episodes/rss'
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, feed_url.split('://', 1)[-1].rstrip('/')))


def upgrade() -> None:
    # Plain ADD COLUMN and RENAME COLUMN: a batch rebuild on SQLite would drop the tables'
    # triggers (content version, search).
    episode_columns = (
        sa.Column('episode_number', sa.Integer(), nullable=True),
        sa.Column('show_notes_format', sa.String(length=10), nullable=False,
                  server_default='markdown'),
        sa.Column('linked_transcripts', sa.JSON(), nullable=False, server_default='[]'),
        sa.Column('linked_chapters_url', sa.String(length=2000), nullable=False,
                  server_default=''),
    )  # fmt: skip
    for column in episode_columns:
        op.add_column('episode', column)
    op.execute('UPDATE episode SET episode_number = number')
    podcast_columns = (
        sa.Column('guid', sa.String(length=36), nullable=False, server_default=''),
        sa.Column('show_type', sa.String(length=10), nullable=False, server_default='episodic'),
        sa.Column('people', sa.JSON(), nullable=True),
    )
    for column in podcast_columns:
        op.add_column('podcast', column)
    for table in ('episode', 'podcast'):
        op.execute(f'ALTER TABLE {table} RENAME COLUMN extra_podcast_elements TO extra_elements')
    if op.get_bind().scalar(sa.text('SELECT count(*) FROM podcast')):
        op.execute(
            sa.text("UPDATE podcast SET guid = :guid WHERE guid = ''").bindparams(
                guid=_guid_the_feed_has_had()
            )
        )


def downgrade() -> None:
    for table in ('episode', 'podcast'):
        op.execute(f'ALTER TABLE {table} RENAME COLUMN extra_elements TO extra_podcast_elements')
    for name in ('people', 'show_type', 'guid'):
        op.drop_column('podcast', name)
    for name in ('linked_chapters_url', 'linked_transcripts', 'show_notes_format',
                 'episode_number'):  # fmt: skip
        op.drop_column('episode', name)
