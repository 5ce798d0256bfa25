"""`make bench`: what making a recorded event durable costs the request path.

In-process, in a temporary folder on the disk the data folder would be on: a download event
kept in memory (how events were recorded before the spool), appended to the spool (one
`write()`, what podsite does), and appended with an `fsync` each (what durability against a
power cut per event would cost); and, off the request path, reading a batch back.
"""

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from podsite.infrastructure.spool import Spool
from podsite.schemas.analytics import PendingDownload

EVENT = PendingDownload(
    occurred_at=datetime.now(UTC),
    episode_id=42,
    client_ip='203.0.113.7',
    user_agent='AppleCoreMedia/1.0.0.20E247 (iPhone; U; CPU OS 16_4 like Mac OS X; en_us)',
    range_header='bytes=0-1',
    bytes_served=None,
    method='GET',
    status=302,
)


def microseconds_each(record: Callable[[], None], count: int, rounds: int) -> float:
    """The median round's time per call."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(count):
            record()
        times.append((time.perf_counter() - started) / count * 1e6)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--events', type=int, default=20_000)
    parser.add_argument('--fsyncs', type=int, default=300)
    parser.add_argument('--rounds', type=int, default=5)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix='podsite-spool-') as folder:
        queue: deque[PendingDownload] = deque(maxlen=200_000)
        in_memory = microseconds_each(lambda: queue.append(EVENT), options.events, options.rounds)
        spool = Spool(Path(folder) / 'spooled')
        spooled = microseconds_each(
            lambda: spool.append(EVENT.model_dump_json().encode()), options.events, options.rounds
        )

        synced_file = os.open(
            Path(folder) / 'synced.jsonl', os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600
        )

        def append_and_fsync() -> None:
            os.write(synced_file, EVENT.model_dump_json().encode() + b'\n')
            os.fsync(synced_file)

        synced = microseconds_each(append_and_fsync, options.fsyncs, options.rounds)
        os.close(synced_file)
        asyncio.run(spool.seal())
        segment = spool.segments[0]
        started = time.perf_counter()
        lines = segment.read(0, 500)
        events = [PendingDownload.model_validate_json(line) for line in lines]
        batch_ms = (time.perf_counter() - started) * 1e3
        assert len(events) == 500
        asyncio.run(spool.close())

    print(f'\nRecording one download event, median of {options.rounds} rounds')
    print(f'{"how":<44}{"µs per event":>14}')
    print(f'{"in memory (a deque, before the spool)":<44}{in_memory:>14.2f}')
    print(f'{"spooled: JSON + one write() (podsite)":<44}{spooled:>14.2f}')
    print(f'{"spooled and fsynced, each":<44}{synced:>14.2f}')
    print(f'Reading back and decoding a batch of 500, in the writer thread: {batch_ms:.1f} ms')


if __name__ == '__main__':
    main()
