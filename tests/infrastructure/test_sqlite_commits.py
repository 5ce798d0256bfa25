"""Telling a SQLite commit by any connection or process from the shared wal-index, and
falling back to `PRAGMA data_version` where there is none."""

import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

from podsite.infrastructure.sqlite_commits import CommitWatch


def new_database(tmp_path: Path, *, journal_mode: str = 'WAL') -> Path:
    path = tmp_path / 'site.db'
    with closing(sqlite3.connect(path)) as setup:
        setup.execute(f'PRAGMA journal_mode={journal_mode}')
        setup.execute('CREATE TABLE notes (body TEXT)')
        setup.commit()
    return path


def write(path: Path, body: str) -> None:
    with closing(sqlite3.connect(path)) as writer:
        writer.execute('INSERT INTO notes VALUES (?)', (body,))
        writer.commit()


def test_a_commit_by_another_connection_is_seen_and_a_read_is_not(tmp_path: Path) -> None:
    wal_database = new_database(tmp_path)
    with (
        closing(sqlite3.connect(wal_database)) as watched,
        closing(sqlite3.connect(wal_database)) as other,
    ):
        watch = CommitWatch(watched)
        assert watch.reads_memory
        before = watch.commits()
        assert watch.commits() == before

        other.execute('SELECT count(*) FROM notes').fetchone()
        assert watch.commits() == before

        other.execute('INSERT INTO notes VALUES (?)', ('one',))
        assert watch.commits() == before, 'nothing is committed yet'
        other.commit()
        after = watch.commits()
        assert after != before
        assert watch.commits() == after
        watch.close()


def test_a_commit_by_another_process_is_seen(tmp_path: Path) -> None:
    wal_database = new_database(tmp_path)
    with closing(sqlite3.connect(wal_database)) as watched:
        watch = CommitWatch(watched)
        before = watch.commits()
        script = (
            'import sqlite3, sys\n'
            'c = sqlite3.connect(sys.argv[1])\n'
            "c.execute('INSERT INTO notes VALUES (1)')\n"
            'c.commit()\n'
        )
        subprocess.run([sys.executable, '-c', script, str(wal_database)], check=True)
        assert watch.commits() != before
        watch.close()


def test_commits_after_the_log_is_checkpointed_and_restarted_are_seen(tmp_path: Path) -> None:
    wal_database = new_database(tmp_path)
    with closing(sqlite3.connect(wal_database)) as watched:
        watch = CommitWatch(watched)
        for round_number in range(3):
            before = watch.commits()
            write(wal_database, f'note {round_number}')
            with closing(sqlite3.connect(wal_database)) as checkpointer:
                checkpointer.execute('PRAGMA wal_checkpoint(TRUNCATE)').fetchone()
            assert watch.commits() != before
            before = watch.commits()
            write(wal_database, f'after checkpoint {round_number}')
            assert watch.commits() != before
        watch.close()


def test_a_database_not_in_wal_mode_is_watched_by_the_pragma(tmp_path: Path) -> None:
    path = new_database(tmp_path, journal_mode='DELETE')
    with closing(sqlite3.connect(path)) as watched:
        watch = CommitWatch(watched)
        assert not watch.reads_memory
        before = watch.commits()
        write(path, 'one')
        assert watch.commits() != before


def test_a_database_in_memory_is_watched_by_the_pragma() -> None:
    with closing(sqlite3.connect(':memory:')) as watched:
        watch = CommitWatch(watched)
        assert not watch.reads_memory
        assert watch.commits() == watch.commits()
