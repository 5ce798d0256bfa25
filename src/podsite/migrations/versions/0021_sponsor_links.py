"""sponsor links: each sponsor with a website gets its own tracked short link

Pages listing sponsors outside an episode (home, Friends of the show) link through it, so
their clicks are counted; sponsors added later get theirs when saved.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 04:30:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import podsite.data.base

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

short_link = sa.table(
    'short_link',
    sa.column('id', sa.Integer()),
    sa.column('name', sa.String()),
    sa.column('target_url', sa.String()),
    sa.column('sponsor_id', sa.Integer()),
    sa.column('episode_id', sa.Integer()),
    sa.column('placement_id', sa.Integer()),
    sa.column('created_at', podsite.data.base.UTCDateTime(timezone=True)),
)
sponsor = sa.table(
    'sponsor', sa.column('id', sa.Integer()), sa.column('slug', sa.String()),
    sa.column('website_url', sa.String()),
)  # fmt: skip


def upgrade() -> None:
    connection = op.get_bind()
    has_own_link = (
        sa.select(short_link.c.id)
        .where(
            short_link.c.sponsor_id == sponsor.c.id,
            short_link.c.placement_id.is_(None),
            short_link.c.episode_id.is_(None),
        )
        .exists()
    )
    rows = connection.execute(
        sa.select(sponsor.c.id, sponsor.c.slug, sponsor.c.website_url)
        .where(sponsor.c.website_url != '', ~has_own_link)
        .order_by(sponsor.c.id)
    ).all()
    taken = set(connection.scalars(sa.select(short_link.c.name)))
    now = datetime.now(UTC)
    for row in rows:
        name, suffix = row.slug, 2
        while name in taken:
            name, suffix = f'{row.slug}-{suffix}', suffix + 1
        taken.add(name)
        connection.execute(
            sa.insert(short_link).values(
                name=name, target_url=row.website_url, sponsor_id=row.id, created_at=now
            )
        )


def downgrade() -> None:
    """The links stay: they are ordinary short links by then, and their clicks refer to them."""
