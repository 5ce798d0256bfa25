"""policy pages

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 04:39:35.013299
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import podsite.data.base
from podsite.formats.markdown import render_markdown

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'policy',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('slug', sa.String(length=100), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('body_html', sa.Text(), nullable=False),
        sa.Column('updated_at', podsite.data.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_policy')),
        sa.UniqueConstraint('slug', name=op.f('uq_policy_slug')),
    )
    policy = sa.table(
        'policy',
        sa.column('slug', sa.String),
        sa.column('title', sa.String),
        sa.column('body', sa.Text),
        sa.column('body_html', sa.Text),
        sa.column('updated_at', podsite.data.base.UTCDateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        policy,
        [
            {'slug': slug, 'title': title, 'body': body, 'body_html': render_markdown(body),
             'updated_at': now}
            for slug, title, body in DEFAULT_POLICIES
        ],
    )  # fmt: skip
    bump = 'UPDATE site_state SET content_version = content_version + 1 WHERE id = 1'
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            'CREATE TRIGGER content_version_policy AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE '
            'ON policy FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version()'
        )
    else:
        for event in ('INSERT', 'UPDATE', 'DELETE'):
            op.execute(
                f'CREATE TRIGGER content_version_policy_{event.lower()} AFTER {event} ON policy '
                f'BEGIN {bump}; END'
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER content_version_policy ON policy')
    else:
        for event in ('insert', 'update', 'delete'):
            op.execute(f'DROP TRIGGER content_version_policy_{event}')
    op.drop_table('policy')


PRIVACY = """## What this site keeps

**Downloads.** When you download or stream an episode through this site, we record the
time, the episode, your app's user agent, the byte range it asked for, and your IP
address only as a keyed hash whose random key changes every day (for IPv6, of the first
64 bits). The address itself is never stored, and once a day's key is gone the hashes of
that day cannot be linked to an address or to other days. We use these records only to
count downloads the way the podcast industry's measurement guidelines describe.

**Accounts.** If you create an account we keep your name, your email address, a hash of
your password (argon2), your email preferences, and the time of your last login. You can
change all of them on your account page.

**Email.** We send email only for what you asked for: password resets, and the updates
you switched on. Every message we send is kept in our outbox.

**Cookies.** One cookie, set when you log in or fill in a form, signed so it cannot be
forged; it holds no tracking identifier. We use no third-party analytics or ad trackers.
Episode pages with a video embed it from youtube-nocookie.com.

## Your rights

Write to the address in the podcast's contact details to see, correct or delete what we
keep about you.
"""

TERMS = """## Using this site

The episodes, show notes and transcripts are published for you to listen to, read and
share with a link. Quoting short passages with credit is welcome; republishing whole
episodes or transcripts needs our permission.

## Accounts

Keep your password to yourself. We may close accounts that are used to abuse the site or
other listeners.

## No warranty

The show is offered as it is, without warranty; guests speak for themselves.
"""

DEFAULT_POLICIES = (
    ('privacy', 'Privacy', PRIVACY),
    ('terms', 'Terms of use', TERMS),
)
