"""The fast path: prepared reads, run by the driver, give the rows SQLAlchemy would give, and
no read holds up the event loop."""

from datetime import UTC, datetime
from typing import Any

import pytest
from quart import Quart
from sqlalchemy import update
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncSession

from podsite.data import Episode, Guest
from podsite.infrastructure import db
from podsite.services.catalogue import (
    episode_service,
    guest_service,
    podcast_service,
    site_state_service,
)
from podsite.services.sponsors import sponsor_service
from tests.factories import sponsored_episode


async def test_prepared_reads_give_the_rows_sqlalchemy_gives(
    app: Quart, session: AsyncSession
) -> None:
    episode, _link = await sponsored_episode(session)
    chapters = {'version': '1.2.0', 'chapters': [{'startTime': 0, 'title': 'Hello'}]}
    await session.execute(update(Episode).where(Episode.id == episode.id).values(chapters=chapters))
    await session.execute(update(Guest).values(social_links={'mastodon': 'https://m.test/@a'}))
    await session.commit()
    now = datetime.now(UTC)
    reads = [
        (episode_service.BY_NUMBER, {'now': now, 'number': episode.number}),
        (episode_service.LATEST.cards, {'now': now, 'limit': 5}),
        (episode_service.LATEST.guests, {'now': now, 'limit': 5}),
        (episode_service.EVERY_EPISODE.cards, {'now': now}),
        (episode_service.EVERY_EPISODE.guests, {'now': now}),
        (guest_service.RECENT_GUESTS, {'now': now, 'limit': 8}),
        (sponsor_service.EVERY_SPONSOR, {}),
        (podcast_service.LAYOUT_QUERY, {'now': now}),
        (site_state_service.STATE_QUERY, {'now': now}),
    ]

    async with app.app_context():
        for query, parameters in reads:
            records = await db.read_records(query, parameters)
            result = await db.session().execute(query.statement, parameters)
            by_sqlalchemy = [dict(row) for row in result.mappings()]

            assert records, query.statement
            assert records == by_sqlalchemy
            assert [types_of(record) for record in records] == [
                types_of(row) for row in by_sqlalchemy
            ]

    async with app.app_context():
        details = await episode_service.episode_by_number(episode.number)
    assert details is not None
    assert details.chapters == chapters
    assert details.published_at.tzinfo is UTC
    assert details.sponsors


def types_of(row: dict[str, Any]) -> dict[str, type]:
    """1 == True in Python: the types tell whether a boolean came back as one."""
    return {column: type(value) for column, value in row.items()}


async def test_a_prepared_read_missing_a_parameter_is_refused(app: Quart) -> None:
    async with app.app_context():
        with pytest.raises((KeyError, StatementError), match='now'):
            await db.read_records(episode_service.BY_NUMBER, {'number': 1})
