"""The fast path: prepared reads, run by the driver, give the rows SQLAlchemy would give, and
no read holds up the event loop."""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from quart import Quart
from sqlalchemy import Select, func, literal, select, update
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


def counting_to(limit: int) -> Select[tuple[int]]:
    """A statement that takes a while on any database: counting rows made one by one."""
    numbers = select(literal(1).label('x')).cte('numbers', recursive=True)
    numbers = numbers.union_all(select(numbers.c.x + 1).where(numbers.c.x < limit))
    return select(func.count()).select_from(numbers)


SLOW_COUNT = 3_000_000


async def slow_read_through_the_session() -> int:
    return int((await db.session().execute(counting_to(SLOW_COUNT))).scalar_one())


async def slow_read_on_the_fast_path() -> int:
    # Not bounded: on SQLite it runs in a thread, as every episode's cards do.
    query = db.PreparedRead(counting_to(SLOW_COUNT), bounded=False)
    ((count,),) = [record.values() for record in await db.read_records(query, {})]
    return int(count)


@pytest.mark.parametrize('slow_read', [slow_read_through_the_session, slow_read_on_the_fast_path])
async def test_a_slow_read_does_not_hold_up_other_requests(
    app: Quart, slow_read: Callable[[], Awaitable[int]]
) -> None:
    loop = asyncio.get_running_loop()
    longest_pause = 0.0

    async def tick_until(finished: asyncio.Future[int]) -> None:
        nonlocal longest_pause
        while not finished.done():
            before = loop.time()
            await asyncio.sleep(0.001)
            longest_pause = max(longest_pause, loop.time() - before)

    async def read_in_its_own_context() -> int:
        async with app.app_context():
            return await slow_read()

    client = app.test_client()
    await client.get('/health')  # whatever a first request does once is done
    started = loop.time()
    reading = asyncio.create_task(read_in_its_own_context())
    ticking = asyncio.create_task(tick_until(reading))
    await asyncio.sleep(0.05)  # the statement is under way
    answered = await client.get('/health')
    served_while_reading = not reading.done()
    count = await reading
    took = loop.time() - started
    await ticking

    assert count == SLOW_COUNT
    assert answered.status_code == 200
    assert served_while_reading, f'the read took only {took:.2f} s'
    # The loop went on ticking all along: a statement run on its thread would have stopped
    # it for about the whole read. The bound is a share of the read, not a fixed time: a
    # busy machine pauses the whole process now and then (0.08 s seen on two busy cores)
    # and slows the read as much.
    assert longest_pause < took / 2, f'the loop stalled {longest_pause:.3f} s of {took:.2f} s'
