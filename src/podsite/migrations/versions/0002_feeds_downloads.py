"""feeds, chapters, downloads, content version

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 03:19:44.334502
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import podsite.data.base
from podsite.data.site_state import VERSIONED_TABLES

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'analytics_salt',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('salt', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('day', name=op.f('pk_analytics_salt')),
    )
    op.create_table(
        'site_state',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('content_version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_site_state')),
    )
    op.create_table(
        'download_event',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('occurred_at', podsite.data.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('episode_id', sa.Integer(), nullable=False),
        sa.Column('ip_hash', sa.String(length=64), nullable=False),
        sa.Column('user_agent', sa.String(length=1000), nullable=False),
        sa.Column('range_header', sa.String(length=200), nullable=True),
        sa.Column('bytes_served', sa.BigInteger(), nullable=True),
        sa.Column('method', sa.String(length=8), nullable=False),
        sa.Column('status', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['episode_id'],
            ['episode.id'],
            name=op.f('fk_download_event_episode_id_episode'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_download_event')),
    )
    with op.batch_alter_table('download_event', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_download_event_episode_id'), ['episode_id'], unique=False
        )
        batch_op.create_index(
            batch_op.f('ix_download_event_occurred_at'), ['occurred_at'], unique=False
        )

    with op.batch_alter_table('episode', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('show_notes_html', sa.Text(), nullable=False, server_default='')
        )
        batch_op.add_column(
            sa.Column('image_url', sa.String(length=2000), nullable=False, server_default='')
        )
        batch_op.add_column(sa.Column('chapters', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('soundbites', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(
            sa.Column('extra_podcast_elements', sa.JSON(), nullable=False, server_default='[]')
        )

    with op.batch_alter_table('podcast', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('locked', sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(
            sa.Column('funding_url', sa.String(length=2000), nullable=False, server_default='')
        )
        batch_op.add_column(
            sa.Column('funding_text', sa.String(length=128), nullable=False, server_default='')
        )
        batch_op.add_column(
            sa.Column(
                'update_frequency_text', sa.String(length=128), nullable=False, server_default=''
            )
        )
        batch_op.add_column(
            sa.Column(
                'update_frequency_rrule', sa.String(length=200), nullable=False, server_default=''
            )
        )
        batch_op.add_column(
            sa.Column('extra_podcast_elements', sa.JSON(), nullable=False, server_default='[]')
        )
        batch_op.add_column(
            sa.Column(
                'updated_at',
                podsite.data.base.UTCDateTime(timezone=True),
                nullable=False,
                server_default=sa.func.current_timestamp(),
            )
        )

    op.execute('INSERT INTO site_state (id, content_version) VALUES (1, 0)')
    create_content_version_triggers()


def downgrade() -> None:
    drop_content_version_triggers()
    with op.batch_alter_table('podcast', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
        batch_op.drop_column('extra_podcast_elements')
        batch_op.drop_column('update_frequency_rrule')
        batch_op.drop_column('update_frequency_text')
        batch_op.drop_column('funding_text')
        batch_op.drop_column('funding_url')
        batch_op.drop_column('locked')

    with op.batch_alter_table('episode', schema=None) as batch_op:
        batch_op.drop_column('extra_podcast_elements')
        batch_op.drop_column('soundbites')
        batch_op.drop_column('chapters')
        batch_op.drop_column('image_url')
        batch_op.drop_column('show_notes_html')

    with op.batch_alter_table('download_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_download_event_occurred_at'))
        batch_op.drop_index(batch_op.f('ix_download_event_episode_id'))

    op.drop_table('download_event')
    op.drop_table('site_state')
    op.drop_table('analytics_salt')


def create_content_version_triggers() -> None:
    """Every change to a catalogue table bumps `site_state.content_version`."""
    bump = 'UPDATE site_state SET content_version = content_version + 1 WHERE id = 1'
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            'CREATE FUNCTION bump_content_version() RETURNS trigger LANGUAGE plpgsql AS '
            f'$$ BEGIN {bump}; RETURN NULL; END $$'
        )
        for table in VERSIONED_TABLES:
            op.execute(
                f'CREATE TRIGGER content_version_{table} AFTER INSERT OR UPDATE OR DELETE '
                f'OR TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version()'
            )
        return
    for table in VERSIONED_TABLES:
        for event in ('INSERT', 'UPDATE', 'DELETE'):
            op.execute(
                f'CREATE TRIGGER content_version_{table}_{event.lower()} AFTER {event} ON {table} '
                f'BEGIN {bump}; END'
            )


def drop_content_version_triggers() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table in VERSIONED_TABLES:
            op.execute(f'DROP TRIGGER content_version_{table} ON {table}')
        op.execute('DROP FUNCTION bump_content_version()')
        return
    for table in VERSIONED_TABLES:
        for event in ('insert', 'update', 'delete'):
            op.execute(f'DROP TRIGGER content_version_{table}_{event}')
