"""Events written in batches off the request path."""

import asyncio

from podsite.infrastructure.batch_writer import BatchWriter


def recording_writer(
    *, interval: float, max_batch: int
) -> tuple[BatchWriter[int], list[list[int]]]:
    """A writer whose batches land in the returned list."""
    written: list[list[int]] = []

    async def write(events: list[int]) -> None:
        written.append(events)

    return BatchWriter(write, name='test events', interval=interval, max_batch=max_batch), written


async def test_a_full_batch_is_written_at_once_and_the_rest_waits_for_the_interval() -> None:
    writer, written = recording_writer(interval=60, max_batch=10)
    writer.start()
    for event in range(25):
        writer.record(event)
    await asyncio.sleep(0.05)

    assert [len(batch) for batch in written] == [10, 10]
    assert writer.pending == 5  # not a transaction of its own while traffic goes on

    await writer.stop()
    assert [len(batch) for batch in written] == [10, 10, 5]
    assert [event for batch in written for event in batch] == list(range(25))


async def test_a_quiet_writer_writes_what_it_has_every_interval() -> None:
    writer, written = recording_writer(interval=0.05, max_batch=10)
    writer.start()
    writer.record(1)
    writer.record(2)
    await asyncio.sleep(0.3)

    assert written == [[1, 2]]
    await writer.stop()


async def test_events_recorded_during_a_write_wait_for_the_next_interval() -> None:
    written: list[list[int]] = []

    async def slow_write(events: list[int]) -> None:
        if not written:
            writer.record(100)  # traffic goes on while the first batch is written
        await asyncio.sleep(0.01)
        written.append(events)

    writer = BatchWriter(slow_write, name='test events', interval=0.1, max_batch=10)
    writer.start()
    writer.record(1)
    writer.record(2)
    await asyncio.sleep(0.15)

    assert written == [[1, 2]]  # one write per interval, not one per event that came in
    assert writer.pending == 1
    await writer.stop()
    assert written == [[1, 2], [100]]


async def test_stopping_writes_the_events_recorded_during_its_last_write() -> None:
    written: list[list[int]] = []

    async def slow_write(events: list[int]) -> None:
        if len(written) < 2:
            writer.record(100 + len(written))  # the last requests finish while it writes
        await asyncio.sleep(0.01)
        written.append(events)

    writer = BatchWriter(slow_write, name='test events', interval=60, max_batch=10)
    writer.start()
    writer.record(1)
    await writer.stop()

    assert written == [[1], [100], [101]]
    assert writer.pending == 0


async def test_stopping_keeps_the_events_a_failed_write_could_not_store() -> None:
    async def failing_write(events: list[int]) -> None:
        raise OSError('database unavailable')

    writer = BatchWriter(failing_write, name='test events', interval=60, max_batch=10)
    writer.start()
    writer.record(1)
    await writer.stop()

    assert writer.pending == 1


async def test_a_queue_that_fills_during_a_write_keeps_exactly_the_unwritten_events() -> None:
    written: list[list[int]] = []

    async def slow_write(events: list[int]) -> None:
        if not written:
            for event in range(100, 104):  # an outage's backlog: the full queue drops 1 and 2
                writer.record(event)
        await asyncio.sleep(0)
        written.append(events)

    writer = BatchWriter(slow_write, name='test events', interval=60, max_batch=3, max_queued=5)
    for event in (1, 2, 3):
        writer.record(event)

    assert await writer.flush()
    assert written == [[1, 2, 3]]
    assert writer.pending == 4, 'the four events recorded during the write are still queued'
    assert await writer.flush()
    assert written == [[1, 2, 3], [100, 101, 102], [103]]


async def test_a_backlog_larger_than_the_batch_drops_the_oldest_unwritten_events_too() -> None:
    written: list[list[int]] = []

    async def slow_write(events: list[int]) -> None:
        if not written:
            for event in range(100, 106):  # drops 1 and 2 (written now), 3 and 100 (never)
                writer.record(event)
        written.append(events)

    writer = BatchWriter(slow_write, name='test events', interval=60, max_batch=2, max_queued=5)
    for event in (1, 2, 3):
        writer.record(event)

    assert await writer.flush()
    assert written == [[1, 2]], 'event 3 was dropped before its turn, so the flush ends'
    assert await writer.flush()
    assert [event for batch in written for event in batch] == [1, 2, 101, 102, 103, 104, 105]
