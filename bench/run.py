"""`make bench`: podsite against nginx serving the same page, measured in one run.

Starts podsite (Granian) on a fresh SQLite demo database and nginx on loopback, saves
one episode page as a static file for nginx, then drives both with wrk for a bounded
time. Prints requests/s, p50 and p99, the CPU time the server's processes spent per
request (apart from wrk, which shares the cores), and the ratio of podsite to nginx; then
how two workers compare with one, next to Granian alone serving the same bytes.
"""

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from podsite.infrastructure.nginx import loopback_config

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PODSITE_PORT = 8801
NGINX_PORT = 8802
UNITS = {'us': 1e-3, 'ms': 1.0, 's': 1000.0}


@dataclass
class Measurement:
    name: str
    connections: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    server_cpu_us: float = 0.0
    """CPU time the server's processes (threads included) spent per request: on this
    shared 2-core machine, what a server costs apart from wrk's share of the cores."""


def parse_wrk(name: str, connections: int, output: str) -> Measurement:
    rps = float(re.search(r'Requests/sec:\s+([\d.]+)', output).group(1))  # type: ignore[union-attr]

    def percentile(label: str) -> float:
        value, unit = re.search(rf'\s{label}%\s+([\d.]+)(us|ms|s)', output).groups()  # type: ignore[union-attr]
        return float(value) * UNITS[unit]

    errors = re.search(r'Non-2xx or 3xx responses: (\d+)', output)
    socket_errors = re.search(r'Socket errors: .*?timeout (\d+)', output)
    return Measurement(
        name,
        connections,
        rps,
        percentile('50'),
        percentile('99'),
        int(errors.group(1))
        if errors
        else 0 + (int(socket_errors.group(1)) if socket_errors else 0),
    )


def session_cpu_seconds(session: int) -> float:
    """User and system CPU time of the live processes in a session (a server and its
    workers, each with its threads), from /proc."""
    total = 0
    for stat in Path('/proc').glob('[0-9]*/stat'):
        try:
            fields = stat.read_text().rsplit(')', 1)[1].split()
        except OSError:
            continue  # ended while we looked
        if int(fields[3]) == session:  # the process group; each server leads its session
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf('SC_CLK_TCK')


def wrk(
    url: str,
    *,
    name: str,
    connections: int,
    seconds: int,
    server: int,
    threads: int = 2,
    core: int | None = None,
) -> Measurement:
    """`server` is the session of the server's processes, whose CPU time is measured; `core`,
    if given, is the one core wrk runs on, with one thread."""
    held = ['taskset', '-c', str(core)] if core is not None else []
    threads = 1 if core is not None else min(threads, connections)
    subprocess.run([*held, 'wrk', '-t1', '-c4', '-d2s', url], check=True, capture_output=True)
    cpu_before = session_cpu_seconds(server)
    result = subprocess.run(
        [*held, 'wrk', f'-t{threads}', f'-c{connections}', f'-d{seconds}s', '--latency', url],
        check=True,
        capture_output=True,
        text=True,
    )
    measurement = parse_wrk(name, connections, result.stdout)
    requests = int(re.search(r'(\d+) requests in', result.stdout).group(1))  # type: ignore[union-attr]
    measurement.server_cpu_us = (session_cpu_seconds(server) - cpu_before) / requests * 1e6
    return measurement


def wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f'{url} did not come up within {timeout} s')


def load_demo(env: Mapping[str, str], episodes: int) -> None:
    """Migrates the database `env` names (`PODSITE_DATABASE_URL`) and loads the demo show
    with `episodes` episodes into it."""
    podsite = str(BIN / 'podsite')
    subprocess.run([podsite, 'db', 'upgrade'], env=env, check=True, capture_output=True)
    subprocess.run(
        [podsite, 'demo', '--episodes', str(episodes)], env=env, check=True, capture_output=True
    )


@contextmanager
def process(
    command: list[str], env: dict[str, str], log: Path
) -> Iterator['subprocess.Popen[bytes]']:
    with log.open('w') as output:
        # A session of its own: a server that does not stop is killed with its workers.
        child = subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield child
        finally:
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()


def podsite_serve(workers: int, **settings: str) -> 'Server':
    return Server(
        lambda port: [
            str(BIN / 'podsite'),
            'serve',
            '--port',
            str(port),
            '--workers',
            str(workers),
        ],
        {f'PODSITE_{name.upper()}': value for name, value in settings.items()},
    )


def granian_alone(workers: int) -> 'Server':
    return Server(
        lambda port: [
            str(BIN / 'granian'),
            '--interface',
            'asgi',
            '--port',
            str(port),
            '--workers',
            str(workers),
            '--no-log',
            '--working-dir',
            str(ROOT / 'bench'),
            'granian_alone:app',
        ],
        {},
    )


@dataclass(frozen=True)
class Server:
    command: Callable[[int], list[str]]
    env: dict[str, str]
    wrk_core: int | None = None
    """The one core wrk runs on, when the server's processes are held to another."""

    def apart_from_wrk(self, server_core: int, wrk_core: int) -> 'Server':
        return Server(
            lambda port: ['taskset', '-c', str(server_core), *self.command(port)],
            self.env,
            wrk_core,
        )


SERVERS = {
    # Hot: anonymous visitors get the page from the page cache after the first request.
    'podsite': podsite_serve(1),
    'podsite x2': podsite_serve(2),
    # The server by itself on the same bytes (bench/granian_alone.py): what two workers
    # cost a request apart from podsite.
    'granian alone': granian_alone(1),
    'granian alone x2': granian_alone(2),
    # The same four with wrk held to core 0 and the server's processes to core 1: wrk
    # crowds no worker, so the CPU a request tells whether a worker costs more when there
    # are two (they share core 1).
    'podsite on core 1': podsite_serve(1).apart_from_wrk(1, 0),
    'podsite x2 on core 1': podsite_serve(2).apart_from_wrk(1, 0),
    'granian alone on core 1': granian_alone(1).apart_from_wrk(1, 0),
    'granian alone x2 on core 1': granian_alone(2).apart_from_wrk(1, 0),
    # Cold: every request queries and renders, as the first one after an admin edit does.
    'podsite cold': podsite_serve(1, page_cache='false'),
    'podsite cold x2': podsite_serve(2, page_cache='false'),
    'uvicorn': Server(
        lambda port: [str(BIN / 'uvicorn'), '--factory', 'podsite.app:create_served_app',
                      '--port', str(port), '--workers', '1', '--no-access-log',
                      '--log-level', 'warning'],
        {},
    ),
    # The conventional stack, as the issue sets it: Flask + Jinja2 + sync SQLAlchemy ORM
    # on gunicorn with 2 workers (bench/reference/app.py).
    'flask x2': Server(
        lambda port: [str(BIN / 'gunicorn'), '--workers', '2', '--bind', f'127.0.0.1:{port}',
                      '--chdir', str(ROOT / 'bench' / 'reference'), 'app:create_app()'],
        {},
    ),
}  # fmt: skip


@contextmanager
def fresh_database(work: Path, postgres_url: str | None) -> Iterator[str]:
    """A new demo database: a SQLite file, or a database created on the given server."""
    if postgres_url is None:
        yield f'sqlite+aiosqlite:///{work / "bench.db"}'
        return
    name = f'podsite_bench_{os.getpid()}'
    admin = ['psql', postgres_url.replace('+asyncpg', ''), '-qc']
    subprocess.run([*admin, f'CREATE DATABASE {name}'], check=True)
    try:
        yield postgres_url.rsplit('/', 1)[0] + f'/{name}'
    finally:
        subprocess.run([*admin, f'DROP DATABASE IF EXISTS {name} WITH (FORCE)'], check=True)


def median_rounds(results: list[Measurement]) -> list[Measurement]:
    """Per server and connection count, the round with the median requests per second."""
    rounds: dict[tuple[str, int], list[Measurement]] = {}
    for measurement in results:
        rounds.setdefault((measurement.name, measurement.connections), []).append(measurement)
    return [
        sorted(measured, key=lambda m: m.requests_per_second)[len(measured) // 2]
        for measured in rounds.values()
    ]


def two_workers_against_one(rounds: list[Measurement], connections: int) -> list[str]:
    """How podsite scales from one worker to two, at `connections`, each figure the median of
    the rounds: cold requests/s, and hot CPU a request, with two workers against one.

    The hot line is measured twice. With every process free to run anywhere, wrk and two hot
    workers cannot fit on two cores, and every thread of the server pays for the crowding.
    With wrk held to one core and the server to the other, wrk crowds no worker, and what
    can make a worker cost more is the other worker (but not on a core of its own). Granian
    alone on the same bytes, measured both ways, shows what the server pays, so that
    podsite's own share is told apart."""

    def median(name: str, value: Callable[[Measurement], float]) -> float:
        return statistics.median(
            value(m) for m in rounds if m.name == name and m.connections == connections
        )

    def rate(name: str) -> float:
        return median(name, lambda m: m.requests_per_second)

    def cpu(name: str) -> float:
        return median(name, lambda m: m.server_cpu_us)

    names = {m.name for m in rounds}
    lines = []
    if {'podsite cold', 'podsite cold x2'} <= names:
        cold = rate('podsite cold x2') / rate('podsite cold')
        lines.append(f'cold, requests/s, two workers / one: {cold:.2f}')
    for placement, suffix in (('free', ''), ('wrk on core 0, the server on core 1', ' on core 1')):
        podsite, podsite_x2 = f'podsite{suffix}', f'podsite x2{suffix}'
        if not {podsite, podsite_x2} <= names:
            continue
        hot = cpu(podsite_x2) / cpu(podsite)
        line = f'hot, CPU a request, two workers / one, {placement}: podsite {hot:.2f}'
        alone, alone_x2 = f'granian alone{suffix}', f'granian alone x2{suffix}'
        if {alone, alone_x2} <= names:
            server = cpu(alone_x2) / cpu(alone)
            own = (cpu(podsite_x2) - cpu(alone_x2)) / (cpu(podsite) - cpu(alone))
            line += f'; Granian alone {server:.2f}; podsite less Granian alone {own:.2f}'
        lines.append(line)
    return [f'\nTwo workers against one, {connections} connections:', *lines] if lines else []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--episodes', type=int, default=300)
    parser.add_argument('--seconds', type=int, default=10)
    parser.add_argument('--connections', type=int, default=32)
    parser.add_argument(
        '--servers',
        default='podsite,podsite x2,granian alone,granian alone x2,podsite on core 1,'
        'podsite x2 on core 1,granian alone on core 1,granian alone x2 on core 1,podsite cold,'
        'podsite cold x2,flask x2',
        help=f'comma-separated, of: {", ".join(SERVERS)}',
    )
    parser.add_argument(
        '--postgres', metavar='URL', help='benchmark on a fresh database on this PostgreSQL server'
    )
    parser.add_argument(
        '--rounds',
        type=int,
        default=1,
        help='measure nginx and every server this many times, in turns; each line shows the '
        'median round (a noisy machine drifts during a run)',
    )
    options = parser.parse_args()
    for tool in ('wrk', 'nginx'):
        if shutil.which(tool) is None and not Path(f'/usr/sbin/{tool}').exists():
            sys.exit(f'{tool} is needed: apt-get install -y wrk nginx-light')

    results: list[Measurement] = []
    with (
        tempfile.TemporaryDirectory(prefix='podsite-bench-') as folder,
        ExitStack() as stack,
    ):
        work = Path(folder)
        work.chmod(0o755)  # nginx workers drop root and must read the page
        database_url = stack.enter_context(fresh_database(work, options.postgres))
        env = {
            **os.environ,
            'PODSITE_DATABASE_URL': database_url,
            'PODSITE_BASE_URL': f'http://127.0.0.1:{PODSITE_PORT}',
            'PYTHONUNBUFFERED': '1',
            'BENCH_PAGE_FILE': str(work / 'static-site' / 'episode' / 'index.html'),
        }
        load_demo(env, options.episodes)
        base = f'http://127.0.0.1:{PODSITE_PORT}'
        static_root = work / 'static-site'
        (static_root / 'episode').mkdir(parents=True)
        nginx = shutil.which('nginx') or '/usr/sbin/nginx'
        config = loopback_config(work, static_root, port=NGINX_PORT)
        nginx_server = stack.enter_context(
            process(
                [nginx, '-p', str(work), '-c', str(config)],
                env,
                work / 'nginx.log',
            )
        )
        nginx_url = f'http://127.0.0.1:{NGINX_PORT}/episode/'
        page = b''
        episode_path = ''
        for _ in range(options.rounds):
            for position, server in enumerate(options.servers.split(',')):
                chosen = SERVERS[server]
                if server.startswith('granian alone') and not page:
                    sys.exit(f'{server} serves the page podsite saved: list a podsite server first')
                log = work / f'{server}.log'
                with process(chosen.command(PODSITE_PORT), env | chosen.env, log) as served:
                    try:
                        wait_for(f'{base}/health', timeout=90)
                    except RuntimeError:
                        sys.exit(f'{server} did not start:\n{log.read_text()[-3000:]}')
                    if not page:
                        number = options.episodes // 2
                        with urllib.request.urlopen(f'{base}/{number}') as response:  # noqa: S310
                            episode_path = response.url.removeprefix(base)
                            page = response.read()
                        (static_root / 'episode' / 'index.html').write_bytes(page)
                        wait_for(nginx_url)
                    urls = [(server, f'{base}{episode_path}', served.pid, chosen.wrk_core)]
                    if position == 0:
                        urls.insert(0, ('nginx static', nginx_url, nginx_server.pid, None))
                    for name, url, session, wrk_core in urls:
                        results.append(
                            wrk(
                                url,
                                name=name,
                                connections=options.connections,
                                seconds=options.seconds,
                                server=session,
                                core=wrk_core,
                            )
                        )
                        results.append(
                            wrk(
                                url,
                                name=name,
                                connections=1,
                                seconds=options.seconds // 2,
                                server=session,
                                threads=1,
                                core=wrk_core,
                            )
                        )
        rounds = results
        results = median_rounds(results)

    database = 'PostgreSQL' if options.postgres else 'SQLite'
    print(
        f'\nEpisode page {episode_path} ({len(page) / 1024:.1f} KB), '
        f'{options.episodes} episodes, {database}, 1 server worker vs 1 nginx worker'
    )
    print(
        f'{"what":<28}{"conns":>6}{"req/s":>10}{"p50 ms":>9}{"p99 ms":>9}'
        f'{"errors":>8}{"cpu us":>8}{"x nginx":>9}{"x flask":>9}'
    )
    nginx_rps = {m.connections: m.requests_per_second for m in results if m.name == 'nginx static'}
    flask_rps = {m.connections: m.requests_per_second for m in results if m.name == 'flask x2'}
    for m in results:
        ratio = m.requests_per_second / nginx_rps[m.connections]
        versus_flask = (
            f'{m.requests_per_second / flask_rps[m.connections]:>9.2f}'
            if m.connections in flask_rps
            else ''
        )
        print(
            f'{m.name:<28}{m.connections:>6}{m.requests_per_second:>10.0f}'
            f'{m.p50_ms:>9.2f}{m.p99_ms:>9.2f}{m.errors:>8}{m.server_cpu_us:>8.0f}{ratio:>9.3f}'
            f'{versus_flask}'
        )
    for line in two_workers_against_one(rounds, options.connections):
        print(line)
    out = ROOT / 'bench' / 'results'
    out.mkdir(exist_ok=True)
    (out / 'latest.json').write_text(
        json.dumps(
            {'page': episode_path, 'database': database, 'results': [asdict(m) for m in results]},
            indent=2,
        )
    )


if __name__ == '__main__':
    main()
