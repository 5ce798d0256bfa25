"""A read shared by concurrent callers, none answered by a read older than its call."""

import asyncio

import pytest

from podsite.infrastructure.fresh_reads import FreshReads


class CountingSource:
    """Each read returns the number of reads begun so far, and waits for `release`;
    `reading` is set once the first has begun."""

    def __init__(self) -> None:
        self.begun = 0
        self.reading = asyncio.Event()
        self.release = asyncio.Event()
        self.release.set()

    async def read(self) -> int:
        self.begun += 1
        number = self.begun
        self.reading.set()
        await self.release.wait()
        return number


async def test_callers_arriving_together_share_one_read() -> None:
    source = CountingSource()
    reads = FreshReads(source.read)

    answers = await asyncio.gather(*(reads() for _ in range(20)))

    assert answers == [1] * 20
    assert source.begun == 1


async def test_a_caller_arriving_during_a_read_gets_the_next_one() -> None:
    source = CountingSource()
    source.release.clear()
    reads = FreshReads(source.read)
    early = asyncio.create_task(reads())
    await source.reading.wait()
    late = [asyncio.create_task(reads()) for _ in range(5)]
    await asyncio.sleep(0)  # they ask while the first read runs

    source.release.set()

    assert await early == 1
    assert await asyncio.gather(*late) == [2] * 5
    assert source.begun == 2


async def test_a_failed_read_reaches_its_callers_and_the_next_call_reads_again() -> None:
    failures = [ConnectionError('database went away')]

    async def read() -> str:
        if failures:
            raise failures.pop()
        return 'version 7'

    reads = FreshReads(read)
    outcomes = await asyncio.gather(reads(), reads(), return_exceptions=True)

    assert all(isinstance(outcome, ConnectionError) for outcome in outcomes)
    assert await reads() == 'version 7'


async def test_a_caller_giving_up_leaves_the_read_to_the_others() -> None:
    source = CountingSource()
    source.release.clear()
    reads = FreshReads(source.read)
    leaving = asyncio.create_task(reads())
    staying = asyncio.create_task(reads())
    await source.reading.wait()

    leaving.cancel()
    source.release.set()

    with pytest.raises(asyncio.CancelledError):
        await leaving
    assert await staying == 1
