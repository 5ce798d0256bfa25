"""Whether any connection has committed to a SQLite database file since the last look,
told without running a statement.

Every request for a kept page asks this. `PRAGMA data_version` answers it, but it opens a
read transaction, which takes file locks with system calls, and the driver releases the GIL
around it, so the worker's thread waits for the server's threads to hand the GIL back. In a
served worker that one pragma was a third of a kept page's CPU (80 against 54 µs a request,
`bench/run.py`; bench/README.md's step table).

In WAL mode every commit, by any process, rewrites the wal-index header at the start of the
`-shm` file, which all connections map into memory. The format is documented and shared
between SQLite versions: https://www.sqlite.org/walformat.html#the_wal_index_file_format.
The header's first copy is written last and holds a change counter that each write
transaction increments, so reading those 48 bytes from a mapping of our own tells a commit
as surely as the pragma does, in a fraction of a microsecond. A change that is not a
commit (a checkpoint restarting the log) only costs one extra read of the content state.

The mapping stays valid as long as the watching connection is open: while any connection
has the index open, SQLite never truncates or deletes it. Databases not in WAL mode, or not
in a file, fall back to the pragma.
"""

import mmap
import os
import sqlite3

WAL_INDEX_HEADER_BYTES = 48


class CommitWatch:
    """Counts the commits seen on `connection`'s database; the connection must never write
    (then every change is another connection's) and must stay open as long as the watch."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection
        self._wal_index = _map_wal_index(connection)
        self._header = b''
        self._changes = 0

    @property
    def reads_memory(self) -> bool:
        """True when commits are told from the shared wal-index, False on the pragma."""
        return self._wal_index is not None

    def commits(self) -> int:
        """A number that changes whenever some connection committed since the last call."""
        if self._wal_index is None:
            (version,) = self._connection.execute('PRAGMA data_version').fetchone() or (0,)
            return int(version)
        header = self._wal_index[:WAL_INDEX_HEADER_BYTES]
        if header != self._header:
            self._header = header
            self._changes += 1
        return self._changes

    def close(self) -> None:
        if self._wal_index is not None:
            self._wal_index.close()
            self._wal_index = None


def _map_wal_index(connection: sqlite3.Connection) -> mmap.mmap | None:
    (journal_mode,) = connection.execute('PRAGMA journal_mode').fetchone()
    files = {row[1]: row[2] for row in connection.execute('PRAGMA database_list')}
    path = files.get('main', '')
    if str(journal_mode).lower() != 'wal' or not path:
        return None
    # A read opens the log and its index, and keeps them open for this connection's life.
    connection.execute('PRAGMA data_version').fetchone()
    try:
        with open(f'{path}-shm', 'rb') as index:
            if os.fstat(index.fileno()).st_size < WAL_INDEX_HEADER_BYTES:
                return None
            return mmap.mmap(index.fileno(), WAL_INDEX_HEADER_BYTES, access=mmap.ACCESS_READ)
    except OSError:
        return None
