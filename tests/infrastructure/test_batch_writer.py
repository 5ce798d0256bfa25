"""Events spooled on the request path and written in batches off it, each batch in one
transaction with the spool's progress: none lost, none stored twice."""

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from podsite.infrastructure.batch_writer import BatchWriter, Tally
from podsite.infrastructure.spool import Spool, SpoolProgress
from tests.infrastructure.test_spool import files_in, spool_in_a_process_that_dies, spooled_lines


@dataclass
class Database:
    """Stores batches and the spool's progress together, as one transaction does."""

    batches: list[list[int]] = field(default_factory=list)
    progress: dict[str, int] = field(default_factory=dict)
    failing: bool = False
    fails_after_commit: bool = False
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    @property
    def events(self) -> list[int]:
        return [event for batch in self.batches for event in batch]

    async def holds(self, count: int) -> None:
        """Returns once `count` events are stored by a writer working in the background."""
        async with self.changed:
            await asyncio.wait_for(
                self.changed.wait_for(lambda: len(self.events) >= count), timeout=10
            )

    async def write(self, events: list[int], progress: SpoolProgress) -> None:
        if self.failing:
            raise ConnectionRefusedError(111, 'Connection refused')
        await asyncio.sleep(0)
        if events:  # a write of none only forgets the progress of finished segments
            self.batches.append(events)
        self.progress.update(progress.stored)
        for name in progress.finished:
            del self.progress[name]
        async with self.changed:
            self.changed.notify_all()
        if self.fails_after_commit:
            self.fails_after_commit = False
            raise ConnectionResetError('the connection broke before the commit was confirmed')

    async def read_progress(self, segments: object) -> dict[str, int]:
        if self.failing:
            raise ConnectionRefusedError(111, 'Connection refused')
        return dict(self.progress)


def writer_over(
    database: Database,
    folder: Path,
    *,
    interval: float = 60,
    max_batch: int = 10,
    tally: Tally[int] | None = None,
) -> BatchWriter[int]:
    return BatchWriter(
        database.write,
        database.read_progress,
        spool=Spool(folder),
        encode=lambda event: str(event).encode(),
        decode=int,
        name='test events',
        interval=interval,
        max_batch=max_batch,
        tally=tally,
    )


async def test_events_are_spooled_as_recorded_and_written_in_batches(tmp_path: Path) -> None:
    database = Database()
    writer = writer_over(database, tmp_path, max_batch=10)
    for event in range(25):
        writer.record(event)

    assert spooled_lines(tmp_path) == [[str(event) for event in range(25)]]
    assert await writer.flush()
    assert [len(batch) for batch in database.batches] == [10, 10, 5]
    assert database.events == list(range(25))
    assert writer.pending == 0 and spooled_lines(tmp_path) == []


async def test_a_full_batch_wakes_the_writer_and_later_events_wait_for_the_interval(
    tmp_path: Path,
) -> None:
    database = Database()
    writer = writer_over(database, tmp_path, interval=60, max_batch=10)
    writer.start()
    for event in range(10):
        writer.record(event)
    await database.holds(10)
    for event in range(10, 15):
        writer.record(event)
    for _ in range(10):  # every turn the writer could take without its hour passing
        await asyncio.sleep(0)

    assert database.batches == [list(range(10))]
    assert writer.pending == 5  # not a transaction of its own while traffic goes on
    await writer.stop()
    assert database.batches == [list(range(10)), list(range(10, 15))]


async def test_a_quiet_writer_writes_what_it_has_every_interval(tmp_path: Path) -> None:
    database = Database()
    writer = writer_over(database, tmp_path, interval=0.05, max_batch=10)
    writer.record(1)
    writer.start()
    await database.holds(1)  # the round at the start
    writer.record(2)  # far from a full batch: nothing wakes the writer
    await database.holds(2)

    assert database.batches == [[1], [2]]
    await writer.stop()


async def test_events_recorded_during_a_write_wait_for_the_next_flush(tmp_path: Path) -> None:
    database = Database()
    write = database.write

    async def write_while_traffic_goes_on(events: list[int], progress: SpoolProgress) -> None:
        if not database.batches:
            writer.record(100)
        await write(events, progress)

    writer = writer_over(database, tmp_path)
    writer.write = write_while_traffic_goes_on
    writer.record(1)
    writer.record(2)

    assert await writer.flush()
    assert database.batches == [[1, 2]]  # one write per flush, not one per event that came in
    assert writer.pending == 1
    assert await writer.flush()
    assert database.batches == [[1, 2], [100]]


async def test_stopping_writes_the_events_recorded_during_its_last_writes(tmp_path: Path) -> None:
    database = Database()
    write = database.write

    async def write_while_the_last_requests_finish(
        events: list[int], progress: SpoolProgress
    ) -> None:
        if len(database.batches) < 2:
            writer.record(100 + len(database.batches))
        await write(events, progress)

    writer = writer_over(database, tmp_path)
    writer.write = write_while_the_last_requests_finish
    writer.start()
    writer.record(1)
    await writer.stop()

    assert database.batches == [[1], [100], [101]]
    assert database.progress == {}, 'the progress of segments stored in full is forgotten'
    assert files_in(tmp_path) == []


async def test_what_a_stop_cannot_write_is_written_by_the_next_start(tmp_path: Path) -> None:
    database = Database(failing=True)
    writer = writer_over(database, tmp_path)
    writer.start()
    for event in range(3):
        writer.record(event)
    await writer.stop()
    assert database.batches == []
    assert spooled_lines(tmp_path) == [['0', '1', '2']]

    database.failing = False
    next_start = writer_over(database, tmp_path, interval=0.05)
    next_start.start()
    await database.holds(3)

    assert database.events == [0, 1, 2]
    await next_start.stop()
    assert files_in(tmp_path) == []


async def test_the_events_of_a_killed_process_are_written_by_another(tmp_path: Path) -> None:
    spool_in_a_process_that_dies(tmp_path, [b'1', b'2', b'3'])
    database = Database()
    writer = writer_over(database, tmp_path, interval=60)
    writer.start()
    await database.holds(3)  # in its first round, not an interval later

    assert database.events == [1, 2, 3]
    await writer.stop()
    assert files_in(tmp_path) == []


async def test_a_segment_is_resumed_after_the_lines_the_database_has(tmp_path: Path) -> None:
    spool_in_a_process_that_dies(tmp_path, [b'1', b'2', b'3', b'4', b'5'])
    (segment,) = [name.removesuffix('.jsonl') for name in files_in(tmp_path) if '.jsonl' in name]
    database = Database(progress={segment: 3})  # it died after committing 3 of them
    writer = writer_over(database, tmp_path)
    writer.start()
    await writer.stop()

    assert database.events == [4, 5]


async def test_a_write_that_failed_after_its_commit_is_not_stored_again(tmp_path: Path) -> None:
    database = Database(fails_after_commit=True)
    writer = writer_over(database, tmp_path)
    writer.record(1)
    writer.record(2)

    assert not await writer.flush()
    assert await writer.flush()
    assert database.events == [1, 2]


async def test_a_line_cut_short_is_skipped_and_the_rest_written(tmp_path: Path) -> None:
    spool_in_a_process_that_dies(tmp_path, [b'1', b'2'], tail=b'3x')
    database = Database()
    writer = writer_over(database, tmp_path)
    writer.start()
    await writer.stop()

    assert database.events == [1, 2]
    assert files_in(tmp_path) == []


class FullDisk(Spool):
    def append(self, line: bytes) -> None:
        raise OSError(28, 'No space left on device')


async def test_events_the_spool_cannot_take_are_kept_in_memory_and_written(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database = Database()
    writer = writer_over(database, tmp_path)
    writer.spool = FullDisk(tmp_path)
    writer.record(1)
    writer.record(2)
    assert writer.pending == 2
    assert caplog.text.count('cannot take events') == 1, 'said once, not for every request'

    assert await writer.flush()
    assert database.events == [1, 2]


async def test_flushes_at_the_same_time_store_each_event_once(tmp_path: Path) -> None:
    database = Database()
    writer = writer_over(database, tmp_path, max_batch=2)
    for event in range(5):
        writer.record(event)

    assert await asyncio.gather(writer.flush(), writer.flush()) == [True, True]
    assert database.events == [0, 1, 2, 3, 4]


async def test_an_outage_is_one_line_a_round_and_anything_else_a_traceback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database = Database(failing=True)
    writer = writer_over(database, tmp_path)
    writer.record(1)
    assert not await writer.flush()
    assert 'the database is unavailable ([Errno 111] Connection refused)' in caplog.text
    assert 'Traceback' not in caplog.text

    async def broken(events: list[int], progress: SpoolProgress) -> None:
        raise ValueError('a bug')

    writer.write = broken
    database.failing = False
    assert not await writer.flush()
    assert 'Traceback' in caplog.text and 'a bug' in caplog.text


class Counted:
    """Events added up in memory: each round takes their total as one event."""

    def __init__(self) -> None:
        self.total = 0

    def __len__(self) -> int:
        return 1 if self.total else 0

    def take(self) -> list[int]:
        taken, self.total = self.total, 0
        return [taken] if taken else []


async def test_a_tally_is_spooled_as_its_few_events_at_each_round_and_at_the_stop(
    tmp_path: Path,
) -> None:
    database = Database()
    tally = Counted()
    writer = writer_over(database, tmp_path, tally=tally)
    tally.total = 1000
    assert writer.pending == 1
    assert spooled_lines(tmp_path) == []  # nothing written per view

    await writer.flush()
    tally.total = 7
    await writer.stop()

    assert database.batches == [[1000], [7]]
    assert writer.pending == 0 and files_in(tmp_path) == []
