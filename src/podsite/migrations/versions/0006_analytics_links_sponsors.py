"""counted downloads, short links and clicks, sponsor impressions, media facts

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 22:33:51.859173
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import podsite.data.base
from podsite.formats.markdown import render_markdown

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'aggregation_progress',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('last_event_id', sa.BigInteger(), nullable=False),
        sa.Column('window', sa.String(length=30), nullable=False),
        sa.Column('updated_at', podsite.data.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_aggregation_progress')),
    )
    op.create_table(
        'download_count',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('episode_id', sa.Integer(), nullable=False),
        sa.Column('app', sa.String(length=60), nullable=False),
        sa.Column('platform', sa.String(length=60), nullable=False),
        sa.Column('age_days', sa.Integer(), nullable=False),
        sa.Column('downloads', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['episode_id'],
            ['episode.id'],
            name=op.f('fk_download_count_episode_id_episode'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint(
            'day', 'episode_id', 'app', 'platform', name=op.f('pk_download_count')
        ),
    )
    with op.batch_alter_table('download_count', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_download_count_episode_id'), ['episode_id'], unique=False
        )

    op.create_table(
        'placement_impression',
        sa.Column('placement_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('impressions', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['placement_id'],
            ['sponsor_placement.id'],
            name=op.f('fk_placement_impression_placement_id_sponsor_placement'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('placement_id', 'day', name=op.f('pk_placement_impression')),
    )
    op.create_table(
        'short_link',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('target_url', sa.String(length=2000), nullable=False),
        sa.Column('episode_id', sa.Integer(), nullable=True),
        sa.Column('sponsor_id', sa.Integer(), nullable=True),
        sa.Column('guest_id', sa.Integer(), nullable=True),
        sa.Column('placement_id', sa.Integer(), nullable=True),
        sa.Column('created_at', podsite.data.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['episode_id'],
            ['episode.id'],
            name=op.f('fk_short_link_episode_id_episode'),
            ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['guest_id'],
            ['guest.id'],
            name=op.f('fk_short_link_guest_id_guest'),
            ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['placement_id'],
            ['sponsor_placement.id'],
            name=op.f('fk_short_link_placement_id_sponsor_placement'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['sponsor_id'],
            ['sponsor.id'],
            name=op.f('fk_short_link_sponsor_id_sponsor'),
            ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_short_link')),
        sa.UniqueConstraint('name', name=op.f('uq_short_link_name')),
        sa.UniqueConstraint('placement_id', name=op.f('uq_short_link_placement_id')),
    )
    with op.batch_alter_table('short_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_short_link_episode_id'), ['episode_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_short_link_guest_id'), ['guest_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_short_link_sponsor_id'), ['sponsor_id'], unique=False)

    op.create_table(
        'click_event',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('short_link_id', sa.Integer(), nullable=False),
        sa.Column('occurred_at', podsite.data.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('ip_hash', sa.String(length=64), nullable=False),
        sa.Column('user_agent', sa.String(length=1000), nullable=False),
        sa.Column('referrer', sa.String(length=2000), nullable=False),
        sa.ForeignKeyConstraint(
            ['short_link_id'],
            ['short_link.id'],
            name=op.f('fk_click_event_short_link_id_short_link'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_click_event')),
    )
    with op.batch_alter_table('click_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_click_event_day'), ['day'], unique=False)
        batch_op.create_index(
            batch_op.f('ix_click_event_short_link_id'), ['short_link_id'], unique=False
        )

    # Plain ADD COLUMN: a batch rebuild of `episode` on SQLite would drop its triggers.
    op.add_column('download_event', sa.Column('ip_hash_previous', sa.String(64), nullable=True))
    op.add_column('episode', sa.Column('media_header_bytes', sa.Integer(), nullable=True))
    op.add_column('episode', sa.Column('media_bitrate_bps', sa.Integer(), nullable=True))
    # Placement links are shown on episode pages, so editing one changes cached pages.
    bump = 'UPDATE site_state SET content_version = content_version + 1 WHERE id = 1'
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            'CREATE TRIGGER content_version_short_link AFTER INSERT OR UPDATE OR DELETE '
            'OR TRUNCATE ON short_link FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version()'
        )
    else:
        for event in ('INSERT', 'UPDATE', 'DELETE'):
            op.execute(
                f'CREATE TRIGGER content_version_short_link_{event.lower()} AFTER {event} '
                f'ON short_link BEGIN {bump}; END'
            )

    _tell_privacy_about_links()


# Added to the seeded privacy policy, after its paragraph on downloads, unless an admin has
# rewritten that paragraph (their text is theirs to change).
DOWNLOADS_END = "count downloads the way the podcast industry's measurement guidelines describe."
LINKS_AND_SPONSORS = """ How we count
them is described on [the methodology page](/analytics-methodology).

**Links and sponsors.** When you follow one of our short links (`/r/...`), we record the
time, the link, your browser's user agent, the page you came from, and your IP address
as the same kind of daily keyed hash. Views of episode pages are counted per day for our
sponsors, as numbers only: nothing about you is kept with them."""


def _tell_privacy_about_links() -> None:
    connection = op.get_bind()
    row = connection.execute(sa.text("SELECT id, body FROM policy WHERE slug = 'privacy'")).first()
    if row is None or DOWNLOADS_END not in row.body or 'Links and sponsors' in row.body:
        return
    body = row.body.replace(DOWNLOADS_END, DOWNLOADS_END + LINKS_AND_SPONSORS, 1)
    connection.execute(
        sa.text('UPDATE policy SET body = :body, body_html = :html WHERE id = :id'),
        {'body': body, 'html': render_markdown(body), 'id': row.id},
    )


def downgrade() -> None:
    # DROP COLUMN in place (SQLite 3.35+): a batch rebuild would drop the tables' triggers.
    op.drop_column('episode', 'media_bitrate_bps')
    op.drop_column('episode', 'media_header_bytes')
    op.drop_column('download_event', 'ip_hash_previous')

    with op.batch_alter_table('click_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_click_event_short_link_id'))
        batch_op.drop_index(batch_op.f('ix_click_event_day'))

    op.drop_table('click_event')
    with op.batch_alter_table('short_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_short_link_sponsor_id'))
        batch_op.drop_index(batch_op.f('ix_short_link_guest_id'))
        batch_op.drop_index(batch_op.f('ix_short_link_episode_id'))

    op.drop_table('short_link')
    op.drop_table('placement_impression')
    with op.batch_alter_table('download_count', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_download_count_episode_id'))

    op.drop_table('download_count')
    op.drop_table('aggregation_progress')
