"""`python bench/worker_start.py`: how soon a worker serves. Starts `podsite serve` (one
worker) over a fresh demo database, several times, and reports: from the command to its
first answer on `/health`; from the worker's fork to that answer, and the worker's CPU time
by then; and, once it has served a while, from killing the worker (SIGKILL) to the answer
of the one Granian forks in its place. Granian forks its workers from the command, which
has imported the app already, so a worker's own start is the app's creation alone."""

import argparse
import os
import signal
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path

from run import BIN, fresh_database, load_demo, process

PORT = 8803
HEALTH = f'http://127.0.0.1:{PORT}/health'


def answers() -> bool:
    try:
        with urllib.request.urlopen(HEALTH, timeout=1):
            return True
    except OSError:
        return False


def children(pid: int) -> list[int]:
    found = []
    for stat in Path('/proc').glob('[0-9]*/stat'):
        try:
            fields = stat.read_text().rsplit(')', 1)[1].split()
        except OSError:
            continue  # ended while we looked
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def cpu_seconds(pid: int) -> float:
    fields = Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def until_a_new_worker_answers(server: int, old: set[int], deadline: float) -> tuple[int, float]:
    """The new worker and when it was first seen; returns once the server answers."""
    worker, forked = 0, 0.0
    while time.monotonic() < deadline:
        if not worker:
            new = set(children(server)) - old
            if new:
                worker, forked = new.pop(), time.monotonic()
        if worker and answers():
            return worker, forked
        time.sleep(0.005)
    raise SystemExit('no worker answered within the deadline')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--starts', type=int, default=3)
    parser.add_argument('--episodes', type=int, default=300)
    options = parser.parse_args()
    rows: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix='podsite-start-') as folder:
        work = Path(folder)
        with fresh_database(work, None) as database_url:
            env = {
                **os.environ,
                'PODSITE_DATABASE_URL': database_url,
                'PODSITE_BASE_URL': f'http://127.0.0.1:{PORT}',
            }
            load_demo(env, options.episodes)
            command = [str(BIN / 'podsite'), 'serve', '--port', str(PORT)]
            for _ in range(options.starts):
                started = time.monotonic()
                with process(command, env, work / 'server.log') as server:
                    worker, forked = until_a_new_worker_answers(server.pid, set(), started + 60)
                    ready = time.monotonic()
                    rows.setdefault('command to first answer, s', []).append(ready - started)
                    rows.setdefault('worker: fork to answer, s', []).append(ready - forked)
                    rows.setdefault('worker: CPU by then, s', []).append(cpu_seconds(worker))
                    # Past Granian's window for a worker that dies right after its start.
                    time.sleep(5)
                    os.kill(worker, signal.SIGKILL)
                    killed = time.monotonic()
                    _, forked = until_a_new_worker_answers(server.pid, {worker}, killed + 60)
                    rows.setdefault('killed worker: kill to new fork, s', []).append(
                        forked - killed
                    )
                    rows.setdefault('killed worker: fork to answer, s', []).append(
                        time.monotonic() - forked
                    )
    for name, values in rows.items():
        print(
            f'{name:<38} median {statistics.median(values):.2f}'
            f'  ({", ".join(f"{v:.2f}" for v in values)})'
        )


if __name__ == '__main__':
    main()
