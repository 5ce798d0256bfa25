"""The spool: events a process recorded, kept in local files from the moment they are
recorded until the database has them, so that none is lost when a worker is killed (SIGKILL,
the OOM killer, a crash) or stops while the database is down.

One folder per kind of event. Each process that records into it is an owner, named by host,
process id and a random part, with:

- `<owner>.lock`, locked (`flock`) by the owner for as long as it lives. The kernel lets go
  of the lock when the process ends, however it ends, so a lock that can be taken is the
  mark of an owner that is gone; process ids are never compared, so a reused one misleads
  nobody.
- `<owner>.<n>.jsonl`, its segments: one event per line, appended as it is recorded, sealed
  when the writer takes them to the database, deleted once every line is stored.

Durability: an event is one `write()` to a file opened with `O_APPEND`, made before the
response goes out; from then on the kernel keeps it whatever becomes of the process. Sealing
`fsync`s the segment and its folder off the request path, once per writer interval: a power
cut or a kernel crash can take the events of the last interval the database does not have
yet, nothing else can. An `fsync` per event would make every download wait for the disk
(see `bench/README.md`, "Recording downloads durably").

Any process recording into the folder takes over (`adopt_orphans`) the segments of owners
that are gone and writes them as its own: a sibling worker within one interval, the
respawned worker or the next start otherwise.
"""

import asyncio
import contextlib
import fcntl
import itertools
import logging
import os
import secrets
import socket
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)

LOCK_SUFFIX = '.lock'
SEGMENT_SUFFIX = '.jsonl'
MAKING_SUFFIX = '.making'


@dataclass(frozen=True)
class SpoolProgress:
    """What a write tells the database about the spool, in the same transaction as its
    events, so that a segment is never stored twice, even by another process after a crash
    between the commit and the segment's deletion."""

    stored: dict[str, int] = field(default_factory=dict)
    """Lines of each segment the database has once this write commits."""
    finished: tuple[str, ...] = ()
    """Segments stored in full and deleted since the last write: their rows can go."""


@dataclass(eq=False)
class Segment:
    """A sealed segment: its lines do not change any more."""

    path: Path
    lines: int
    """Lines in the file; a last line cut short by a power cut counts (it is skipped)."""
    stored: int | None = 0
    """Lines the database has; None until the database is asked (an adopted segment, or one
    whose write failed: a failed write may have committed all the same)."""
    _position: tuple[int, int] = (0, 0)
    """A line number and its byte offset, where the last read ended."""

    @property
    def name(self) -> str:
        """Unique across hosts and processes: the key of its progress in the database."""
        return self.path.name.removesuffix(SEGMENT_SUFFIX)

    @property
    def owner(self) -> str:
        return self.name.rsplit('.', 1)[0]

    @property
    def sequence(self) -> int:
        return int(self.name.rsplit('.', 1)[1])

    def read(self, start: int, count: int) -> list[bytes]:
        """Up to `count` lines from line `start`, without their line ends (blocking I/O: run
        it in a thread)."""
        line, offset = self._position if start >= self._position[0] else (0, 0)
        lines: list[bytes] = []
        with self.path.open('rb') as file:
            file.seek(offset)
            while line < start + count:
                raw = file.readline()
                if not raw:
                    break
                if line >= start:
                    lines.append(raw.rstrip(b'\n'))
                line += 1
            self._position = (line, file.tell())
        return lines


class Spool:
    """The segments of one process in one folder, and those it adopted from owners gone.
    `append` runs on the request path (one `write()`); the rest belongs to the writer."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.owner = _new_owner()
        self.segments: deque[Segment] = deque()
        """Sealed and adopted segments not stored in full yet, oldest first."""
        self.unsealed = 0
        """Lines in the open segment."""
        self._lock: int | None = None
        self._adopted: dict[str, int] = {}
        """Owners gone whose segments this spool took over, with their lock held."""
        self._sequence = itertools.count(1)
        self._open: tuple[int, Path] | None = None

    def append(self, line: bytes) -> None:
        """Writes one event (a line without its line end) where a killed process leaves it.
        After an OSError (a full disk) the next event starts a new segment, so that it does
        not follow a partial line."""
        if self._open is None:
            self._start_segment()
        assert self._open is not None
        descriptor, path = self._open
        data = line + b'\n'
        try:
            while data:
                data = data[os.write(descriptor, data) :]
        except OSError:
            self._open, lines, self.unsealed = None, self.unsealed, 0
            os.close(descriptor)
            self._keep(path, lines)  # what was complete; reading ends before the partial line
            raise
        self.unsealed += 1

    async def seal(self) -> None:
        """Closes the open segment for the writer to store; events recorded from now on go
        to a new one. The segment is on disk (fsync) when this returns."""
        if self._open is None:
            return
        (descriptor, path), lines = self._open, self.unsealed
        self._open, self.unsealed = None, 0
        await asyncio.to_thread(_close_durably, descriptor, path.parent)
        self._keep(path, lines)

    async def adopt_orphans(self) -> list[Segment]:
        """Takes over the segments of owners that are gone; a no-op when there are none."""
        found = await asyncio.to_thread(self._find_orphans)
        self.segments.extend(found)
        return found

    def finish(self, segment: Segment) -> None:
        """Deletes a segment stored in full, and the lock of an adopted owner left with none."""
        segment.path.unlink(missing_ok=True)
        self.segments.remove(segment)
        owner = segment.owner
        if owner in self._adopted and not any(s.owner == owner for s in self.segments):
            (self.folder / f'{owner}{LOCK_SUFFIX}').unlink(missing_ok=True)
            os.close(self._adopted.pop(owner))

    async def close(self) -> None:
        """Lets go of the spool. Segments not stored stay on disk, their owners' locks
        released, for whoever records into the folder next (this process too: it records
        under a new owner name from now on)."""
        await self.seal()
        for descriptor in self._adopted.values():
            os.close(descriptor)
        self._adopted.clear()
        if self._lock is not None:
            if not any(segment.owner == self.owner for segment in self.segments):
                (self.folder / f'{self.owner}{LOCK_SUFFIX}').unlink(missing_ok=True)
            os.close(self._lock)
            self._lock = None
        self.segments.clear()
        self.owner = _new_owner()

    def _keep(self, path: Path, lines: int) -> None:
        if lines:
            self.segments.append(Segment(path, lines))
        else:
            path.unlink(missing_ok=True)

    def _start_segment(self) -> None:
        if self._lock is None:
            self._lock = self._take_ownership()
        path = self.folder / f'{self.owner}.{next(self._sequence)}{SEGMENT_SUFFIX}'
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_CLOEXEC
        self._open = (os.open(path, flags, 0o600), path)

    def _take_ownership(self) -> int:
        """Creates the owner's lock file already locked: it is made under a temporary name
        and renamed, so no other process ever sees it unlocked and takes the owner for gone."""
        self.folder.mkdir(parents=True, exist_ok=True)
        making = self.folder / f'.{self.owner}{MAKING_SUFFIX}'
        descriptor = os.open(making, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        making.rename(self.folder / f'{self.owner}{LOCK_SUFFIX}')
        return descriptor

    def _find_orphans(self) -> list[Segment]:
        """Blocking: run in a thread."""
        try:
            files = list(self.folder.iterdir())
        except FileNotFoundError:
            return []
        for making in (path for path in files if path.suffix == MAKING_SUFFIX):
            # A process killed between making its lock and naming it: nothing else of it.
            if (descriptor := _lock_if_free(making)) is not None:
                making.unlink(missing_ok=True)
                os.close(descriptor)
        found: list[Segment] = []
        for lock in sorted(path for path in files if path.suffix == LOCK_SUFFIX):
            owner = lock.name.removesuffix(LOCK_SUFFIX)
            if owner == self.owner or owner in self._adopted:
                continue
            descriptor = _lock_if_free(lock)
            if descriptor is None:
                continue  # its owner is alive, or another process is adopting it
            self._adopted[owner] = descriptor
            own = sorted(
                (
                    Segment(path, 0, stored=None)
                    for path in files
                    if path.suffix == SEGMENT_SUFFIX and path.name.rsplit('.', 2)[0] == owner
                ),
                key=lambda segment: segment.sequence,
            )
            for segment in own:
                with contextlib.suppress(FileNotFoundError):
                    segment.lines = _count_lines(segment.path)
                    found.append(segment)
            if not own:
                lock.unlink(missing_ok=True)
                os.close(self._adopted.pop(owner))
        if found:
            logger.warning(
                'took over %d events of processes that are gone, in %s',
                sum(segment.lines for segment in found),
                self.folder,
            )
        return found


def _new_owner() -> str:
    return f'{socket.gethostname()[:60]}-{os.getpid()}-{secrets.token_hex(4)}'


def _lock_if_free(lock: Path) -> int | None:
    try:
        descriptor = os.open(lock, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None  # adopted and finished by another process just now
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        return None
    return descriptor


def _count_lines(path: Path) -> int:
    data = path.read_bytes()
    return data.count(b'\n') + (1 if data and not data.endswith(b'\n') else 0)


def _close_durably(descriptor: int, folder: Path) -> None:
    """fsync the file and its folder (so that its name survives a crash too), then close.
    A failed fsync is said, not raised: the lines are still in the file for the writer,
    only a power cut could now take them."""
    try:
        os.fsync(descriptor)
        folder_descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(folder_descriptor)
        finally:
            os.close(folder_descriptor)
    except OSError:
        logger.exception('could not fsync the spool in %s', folder)
    finally:
        os.close(descriptor)
