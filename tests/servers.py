"""`podsite serve` in a subprocess, for tests that need a real server and its workers."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.databases import TEST_SECRET_KEY


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def podsite_server(
    database_url: str, folder: Path, *, workers: int = 1, **settings: str
) -> Iterator[str]:
    """`podsite serve` (Granian) in a subprocess on a free loopback port over the database,
    with only the `PODSITE_` settings given here; yields its base URL once /health answers."""
    port = free_port()
    base = f'http://127.0.0.1:{port}'
    env = {name: value for name, value in os.environ.items() if not name.startswith('PODSITE_')}
    env |= {
        'PODSITE_ENVIRONMENT': 'test',
        'PODSITE_SECRET_KEY': TEST_SECRET_KEY,
        'PODSITE_DATABASE_URL': database_url,
        'PODSITE_BASE_URL': base,
    }
    env |= {f'PODSITE_{name.upper()}': value for name, value in settings.items()}
    podsite = str(Path(sys.executable).parent / 'podsite')
    command = [podsite, 'serve', '--port', str(port), '--workers', str(workers)]
    server_log = folder / 'server.log'
    with server_log.open('w') as log:
        # A session of its own, so that the workers can be stopped with their server.
        process = subprocess.Popen(command, env=env, stdout=log, stderr=log, start_new_session=True)
        try:
            deadline = time.monotonic() + 30
            # Every worker must be serving: a test of several workers that only reached the
            # first one to start would prove nothing about the others.
            while not _answers_with_every_worker(base, server_log, workers):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f'podsite serve did not start: {server_log.read_text()}')
                time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                # A worker that does not finish its shutdown must not outlive the test.
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _answers_with_every_worker(base: str, server_log: Path, workers: int) -> bool:
    log = server_log.read_text()
    if not all(f'Started worker-{number}' in log for number in range(1, workers + 1)):
        return False
    try:
        with urllib.request.urlopen(f'{base}/health', timeout=1):  # noqa: S310
            return True
    except OSError:
        return False


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
