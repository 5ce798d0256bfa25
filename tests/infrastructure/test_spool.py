"""The spool: recorded events in local files, owned by a live process through a file lock,
taken over once their process is gone, however it ended."""

import subprocess
import sys
from pathlib import Path

from podsite.infrastructure.spool import Spool


def spool_in_a_process_that_dies(folder: Path, lines: list[bytes], *, tail: bytes = b'') -> None:
    """Appends `lines` from another process that is then killed (it closes nothing), and
    `tail` to its segment as a power cut would leave a line cut short."""
    script = (
        'import os, sys\n'
        'from pathlib import Path\n'
        'from podsite.infrastructure.spool import Spool\n'
        'spool = Spool(Path(sys.argv[1]))\n'
        'for line in sys.argv[2:]:\n'
        '    spool.append(line.encode())\n'
        'os.kill(os.getpid(), 9)\n'
    )
    process = subprocess.run(
        [sys.executable, '-c', script, str(folder), *(line.decode() for line in lines)],
        check=False,
    )
    assert process.returncode == -9
    if tail:
        (segment,) = folder.glob('*.jsonl')
        with segment.open('ab') as file:
            file.write(tail)


def files_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def spooled_lines(folder: Path) -> list[list[str]]:
    """The lines of each segment in the folder."""
    return [path.read_text().splitlines() for path in sorted(folder.glob('*.jsonl'))]


def test_each_event_is_in_a_file_as_soon_as_it_is_recorded(tmp_path: Path) -> None:
    spool = Spool(tmp_path)

    spool.append(b'{"n": 1}')
    spool.append(b'{"n": 2}')

    assert spooled_lines(tmp_path) == [['{"n": 1}', '{"n": 2}']]
    assert spool.unsealed == 2


async def test_sealing_hands_the_segment_over_and_starts_a_new_one(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.append(b'1')
    spool.append(b'2')

    await spool.seal()
    spool.append(b'3')

    (sealed,) = spool.segments
    assert (sealed.lines, sealed.read(0, 10), sealed.read(1, 10)) == (2, [b'1', b'2'], [b'2'])
    assert spool.unsealed == 1
    assert len(spooled_lines(tmp_path)) == 2


async def test_the_events_of_a_killed_process_are_taken_over(tmp_path: Path) -> None:
    spool_in_a_process_that_dies(tmp_path, [b'1', b'2', b'3'])
    spool = Spool(tmp_path)

    (segment,) = await spool.adopt_orphans()

    assert (segment.lines, segment.stored, segment.read(0, 10)) == (3, None, [b'1', b'2', b'3'])
    assert await Spool(tmp_path).adopt_orphans() == [], 'taken over once, by one process'


async def test_the_events_of_a_live_process_are_left_to_it(tmp_path: Path) -> None:
    alive = Spool(tmp_path)
    alive.append(b'1')
    await alive.seal()

    assert await Spool(tmp_path).adopt_orphans() == []


async def test_a_line_cut_short_by_a_power_cut_counts_and_reads_as_it_is(tmp_path: Path) -> None:
    spool_in_a_process_that_dies(tmp_path, [b'1', b'2'], tail=b'{"cut')

    (segment,) = await Spool(tmp_path).adopt_orphans()

    assert segment.lines == 3
    assert segment.read(2, 10) == [b'{"cut']


async def test_finishing_the_last_segment_of_a_process_gone_removes_its_files(
    tmp_path: Path,
) -> None:
    spool_in_a_process_that_dies(tmp_path, [b'1'])
    spool = Spool(tmp_path)
    (segment,) = await spool.adopt_orphans()

    spool.finish(segment)

    assert files_in(tmp_path) == []


async def test_closing_leaves_what_was_not_stored_for_the_next_owner(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.append(b'1')
    await spool.seal()
    spool.append(b'2')

    await spool.close()
    taken = await Spool(tmp_path).adopt_orphans()

    assert [segment.read(0, 10) for segment in taken] == [[b'1'], [b'2']]


async def test_closing_with_everything_stored_leaves_nothing(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.append(b'1')
    await spool.seal()
    spool.finish(spool.segments[0])

    await spool.close()

    assert files_in(tmp_path) == []


async def test_a_lock_left_half_made_by_a_killed_process_is_cleared(tmp_path: Path) -> None:
    (tmp_path / '.host-1-dead.making').touch()

    assert await Spool(tmp_path).adopt_orphans() == []
    assert files_in(tmp_path) == []
