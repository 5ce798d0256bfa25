"""live streams and their notify-me subscribers

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 22:55:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import podsite.data.base
from podsite.formats.markdown import render_markdown

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEEDED_EMAIL_PARAGRAPH = (
    '**Email.** We send email only for what you asked for: password resets, and the updates\n'
    'you switched on. Every message we send is kept in our outbox.'
)
EMAIL_PARAGRAPH = (
    SEEDED_EMAIL_PARAGRAPH
    + """

**Live stream alerts.** If you ask to hear when we go live, we keep your email address,
the time you asked (your consent), the time you confirmed it, and a hash of the
confirmation link. Every alert carries a link that deletes your address at once."""
)


def upgrade() -> None:
    op.create_table(
        'live_stream',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('guid', sa.String(length=36), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('description_html', sa.Text(), nullable=False),
        sa.Column('starts_at', podsite.data.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('duration_minutes', sa.Integer(), nullable=False),
        sa.Column('ends_at', podsite.data.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('youtube_id', sa.String(length=11), nullable=False),
        sa.Column('episode_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', podsite.data.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['episode_id'],
            ['episode.id'],
            name=op.f('fk_live_stream_episode_id_episode'),
            ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_live_stream')),
        sa.UniqueConstraint('guid', name=op.f('uq_live_stream_guid')),
    )
    with op.batch_alter_table('live_stream', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_stream_starts_at'), ['starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_live_stream_ends_at'), ['ends_at'], unique=False)
    op.create_table(
        'stream_subscriber',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=320), nullable=False),
        sa.Column('consent_at', podsite.data.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('confirmed_at', podsite.data.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('token_expires_at', podsite.data.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            'confirmation_sent_at', podsite.data.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stream_subscriber')),
        sa.UniqueConstraint('email', name=op.f('uq_stream_subscriber_email')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_stream_subscriber_token_hash')),
    )
    op.create_table(
        'stream_notification',
        sa.Column('stream_id', sa.Integer(), nullable=False),
        sa.Column('subscriber_id', sa.Integer(), nullable=False),
        sa.Column('queued_at', podsite.data.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['stream_id'],
            ['live_stream.id'],
            name=op.f('fk_stream_notification_stream_id_live_stream'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['subscriber_id'],
            ['stream_subscriber.id'],
            name=op.f('fk_stream_notification_subscriber_id_stream_subscriber'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('stream_id', 'subscriber_id', name=op.f('pk_stream_notification')),
    )
    with op.batch_alter_table('stream_notification', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_stream_notification_subscriber_id'), ['subscriber_id'], unique=False
        )
    _create_content_version_triggers()
    _mention_stream_alerts_in_privacy_policy()


def downgrade() -> None:
    _mention_stream_alerts_in_privacy_policy(undo=True)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER content_version_live_stream ON live_stream')
    else:
        for event in ('insert', 'update', 'delete'):
            op.execute(f'DROP TRIGGER content_version_live_stream_{event}')
    with op.batch_alter_table('stream_notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stream_notification_subscriber_id'))
    op.drop_table('stream_notification')
    op.drop_table('stream_subscriber')
    with op.batch_alter_table('live_stream', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_live_stream_ends_at'))
        batch_op.drop_index(batch_op.f('ix_live_stream_starts_at'))
    op.drop_table('live_stream')


def _create_content_version_triggers() -> None:
    """Stream edits reach the cached feed at once, like every other catalogue change."""
    bump = 'UPDATE site_state SET content_version = content_version + 1 WHERE id = 1'
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            'CREATE TRIGGER content_version_live_stream AFTER INSERT OR UPDATE OR DELETE '
            'OR TRUNCATE ON live_stream FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version()'
        )
    else:
        for event in ('INSERT', 'UPDATE', 'DELETE'):
            op.execute(
                f'CREATE TRIGGER content_version_live_stream_{event.lower()} AFTER {event} '
                f'ON live_stream BEGIN {bump}; END'
            )


def _mention_stream_alerts_in_privacy_policy(*, undo: bool = False) -> None:
    """Only the seeded text is extended: a policy the admin rewrote is theirs to change."""
    old, new = (
        (EMAIL_PARAGRAPH, SEEDED_EMAIL_PARAGRAPH)
        if undo
        else (SEEDED_EMAIL_PARAGRAPH, EMAIL_PARAGRAPH)
    )
    policy = sa.table('policy', sa.column('slug'), sa.column('body'), sa.column('body_html'))
    connection = op.get_bind()
    body = connection.scalar(sa.select(policy.c.body).where(policy.c.slug == 'privacy'))
    if body is None or old not in body or (not undo and EMAIL_PARAGRAPH in body):
        return
    new_body = body.replace(old, new)
    connection.execute(
        policy.update()
        .where(policy.c.slug == 'privacy')
        .values(body=new_body, body_html=render_markdown(new_body))
    )
