"""Servers in subprocesses, for tests that need real ones: `podsite serve` and its workers, a
PostgreSQL cluster and a Redis of the tests' own that they may stop and start."""

import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.databases import TEST_SECRET_KEY

POSTGRES_BINARIES = sorted(
    Path('/usr/lib/postgresql').glob('*/bin'),
    key=lambda path: [int(part) for part in path.parent.name.split('.') if part.isdigit()],
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port: int = probe.getsockname()[1]
        return port


class _QuickServer(ThreadingHTTPServer):
    """Stops at once, even with a request of a slow or hanging handler under way."""

    daemon_threads = True
    block_on_close = False


@contextmanager
def http_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """`handler` answering on a free loopback port, from a thread of the test's process;
    yields the base URL, stopped at the end."""
    server = _QuickServer(('127.0.0.1', 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f'http://127.0.0.1:{server.server_port}'
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def html_page_server(body: str) -> Iterator[str]:
    """Another site on loopback (its own port, so its own origin): every path answers the
    HTML `body`."""
    page = body.encode()

    class OnePage(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header('Content-Type', 'text/html; charset=utf-8')
            self.send_header('Content-Length', str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: a test's output is its own."""

    with http_server(OnePage) as base:
        yield base


@dataclass
class ServedSite:
    """A `podsite serve` process (the leader of a session of its own, with its workers)."""

    process: 'subprocess.Popen[bytes]'
    base: str
    log: Path
    workers: int

    def log_text(self) -> str:
        return self.log.read_text()

    def worker_pids(self) -> dict[int, int]:
        """The process id of each worker (by number, from 1) as last spawned."""
        spawned = re.findall(r'Spawning worker-(\d+) with PID: (\d+)', self.log_text())
        return {int(number): int(pid) for number, pid in spawned}

    def started(self, number: int) -> int:
        """How many times worker `number` has started serving."""
        return self.log_text().count(f'Started worker-{number}\n')

    def wait_until_serving(self, *, timeout: float = 30) -> None:
        """Every worker is serving, and the site answers."""
        deadline = time.monotonic() + timeout
        # Every worker must be serving: a test of several workers that only reached the
        # first one to start would prove nothing about the others.
        while not (
            all(self.started(number) for number in range(1, self.workers + 1))
            and _answers(self.base)
        ):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f'podsite serve did not start: {self.log_text()}')
            time.sleep(0.1)

    def stop(self, *, timeout: float = 30) -> int | None:
        """SIGTERM, as a service manager stops it; its exit code, or None if it had to be
        killed after `timeout` seconds."""
        self.process.terminate()
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            # A worker that does not finish its shutdown must not outlive the test.
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            return None


def serve_podsite(
    database_url: str,
    folder: Path,
    *,
    workers: int = 1,
    options: Sequence[str] = (),
    **settings: str,
) -> ServedSite:
    """Starts `podsite serve` (Granian, with `options`) on a free loopback port over the
    database, with only the `PODSITE_` settings given here (the data folder in `folder`,
    unless given), without waiting for it to serve."""
    port = free_port()
    base = f'http://127.0.0.1:{port}'
    env = {name: value for name, value in os.environ.items() if not name.startswith('PODSITE_')}
    env |= {
        'PODSITE_ENVIRONMENT': 'test',
        'PODSITE_SECRET_KEY': TEST_SECRET_KEY,
        'PODSITE_DATABASE_URL': database_url,
        'PODSITE_BASE_URL': base,
        'PODSITE_DATA_DIR': str(folder / 'data'),
    }
    env |= {f'PODSITE_{name.upper()}': value for name, value in settings.items()}
    podsite = str(Path(sys.executable).parent / 'podsite')
    command = [podsite, 'serve', '--port', str(port), '--workers', str(workers), *options]
    log = folder / f'server-{port}.log'
    with log.open('w') as output:
        # A session of its own, so that the workers can be stopped with their server.
        process = subprocess.Popen(
            command, env=env, stdout=output, stderr=output, start_new_session=True
        )
    return ServedSite(process, base, log, workers)


@contextmanager
def served_podsite(
    database_url: str,
    folder: Path,
    *,
    workers: int = 1,
    options: Sequence[str] = (),
    **settings: str,
) -> Iterator[ServedSite]:
    """`podsite serve` once every worker serves; stopped at the end if the test has not."""
    site = serve_podsite(database_url, folder, workers=workers, options=options, **settings)
    try:
        site.wait_until_serving()
        yield site
    finally:
        if site.process.poll() is None:
            site.stop()


@contextmanager
def podsite_server(
    database_url: str, folder: Path, *, workers: int = 1, **settings: str
) -> Iterator[str]:
    """`podsite serve` in a subprocess; yields its base URL once every worker serves."""
    with served_podsite(database_url, folder, workers=workers, **settings) as site:
        yield site.base


@dataclass(frozen=True)
class ServedDemo:
    """The demo catalogue with an administrator, served (`serve_demo_with_admin` in
    `tests/e2e/conftest.py`): where it answers, and what its `arrange` gave back."""

    base: str
    arranged: Any


type ServeDemoWithAdmin = Callable[..., AbstractAsyncContextManager[ServedDemo]]


def _answers(base: str) -> bool:
    try:
        with urllib.request.urlopen(f'{base}/health', timeout=1):  # noqa: S310
            return True
    except OSError:
        return False


class PostgresCluster:
    """A PostgreSQL cluster of its own (initdb) on a free loopback port, trusting local
    connections, made for being stopped and started. PostgreSQL refuses to run as root, so
    under root it runs as the `postgres` user."""

    def __init__(self, binaries: Path) -> None:
        self.binaries = binaries
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix='podsite-cluster-'))
        self.as_user = ['runuser', '-u', 'postgres', '--'] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.folder, 'postgres', 'postgres')
        self.data = self.folder / 'data'
        self.running = False

    @property
    def server_url(self) -> str:
        return f'postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres'

    def create(self) -> None:
        self._run(
            'initdb', '-D', str(self.data), '-A', 'trust', '-U', 'postgres', '-E', 'UTF8',
            '--locale=C.UTF-8', '--no-sync',
        )  # fmt: skip

    def start(self) -> None:
        # Durability is not what these tests check: no fsync keeps them fast.
        options = (
            f'-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 '
            '-c fsync=off -c full_page_writes=off -c synchronous_commit=off'
        )
        log = str(self.folder / 'server.log')
        self._run('pg_ctl', '-D', str(self.data), '-o', options, '-l', log, '-w', 'start')
        self.running = True

    def stop(self) -> None:
        """A fast shutdown: connections are cut, as in a restart by the operator."""
        self._run('pg_ctl', '-D', str(self.data), '-m', 'fast', '-w', 'stop')
        self.running = False

    def start_if_stopped(self) -> None:
        if not self.running:
            self.start()

    def remove(self) -> None:
        if self.running:
            self._run('pg_ctl', '-D', str(self.data), '-m', 'immediate', '-w', 'stop')
        shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self, program: str, *arguments: str) -> None:
        command = [*self.as_user, str(self.binaries / program), *arguments]
        subprocess.run(command, check=True, capture_output=True, timeout=60)


@contextmanager
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A running cluster of the newest PostgreSQL installed; removed at the end. Raises
    LookupError when there is none, or no `postgres` user to run it as under root."""
    if not POSTGRES_BINARIES or not (POSTGRES_BINARIES[-1] / 'initdb').exists():
        raise LookupError('no PostgreSQL server binaries in /usr/lib/postgresql/*/bin')
    if os.geteuid() == 0:
        try:
            pwd.getpwnam('postgres')
        except KeyError:
            raise LookupError('running as root, and no postgres user to run PostgreSQL') from None
        if shutil.which('runuser') is None:
            raise LookupError('running as root, and no runuser to start PostgreSQL as postgres')
    cluster = PostgresCluster(POSTGRES_BINARIES[-1])
    try:
        cluster.create()
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


class RedisServer:
    """A `redis-server` of the test's own on a free loopback port, which the test may pause
    (SIGSTOP: it keeps accepting connections and never answers), resume or stop."""

    def __init__(self, process: subprocess.Popen[bytes], port: int) -> None:
        self.process = process
        self.port = port
        self.url = f'redis://127.0.0.1:{port}/0'

    def pause(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a paused server cannot finish stopping
            self.process.terminate()
            self.process.wait(timeout=10)


@contextmanager
def redis_server(folder: Path) -> Iterator[RedisServer]:
    """Yields once the server answers PING; stops it afterwards, however the test left it."""
    port = free_port()
    command = ['redis-server', '--bind', '127.0.0.1', '--port', str(port), '--save', '',
               '--appendonly', 'no', '--dir', str(folder)]  # fmt: skip
    with (folder / 'redis.log').open('w') as log:
        process = subprocess.Popen(command, stdout=log, stderr=log)
    server = RedisServer(process, port)
    try:
        deadline = time.monotonic() + 10
        while not _answers_ping(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f'redis-server did not start: {(folder / "redis.log").read_text()}'
                )
            time.sleep(0.05)
        yield server
    finally:
        server.stop()


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(('127.0.0.1', port), timeout=1) as connection:
            connection.sendall(b'PING\r\n')
            return connection.recv(16).startswith(b'+PONG')
    except OSError:
        return False
