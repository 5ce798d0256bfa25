"""`make bench`: podsite against nginx serving the same page, measured in one run.

Starts podsite (Granian) on a fresh SQLite demo database and nginx on loopback, saves
one episode page as a static file for nginx, then drives both with wrk for a bounded
time. Prints requests/s, p50 and p99, and the ratio of podsite to nginx.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

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


def wrk(url: str, *, name: str, connections: int, seconds: int, threads: int = 2) -> Measurement:
    threads = min(threads, connections)
    subprocess.run(['wrk', '-t1', '-c4', '-d2s', url], check=True, capture_output=True)  # warm-up
    result = subprocess.run(
        ['wrk', f'-t{threads}', f'-c{connections}', f'-d{seconds}s', '--latency', url],
        check=True,
        capture_output=True,
        text=True,
    )
    return parse_wrk(name, connections, result.stdout)


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


@contextmanager
def process(command: list[str], env: dict[str, str], log: Path) -> Iterator[None]:
    with log.open('w') as output:
        child = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
        try:
            yield
        finally:
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()


def nginx_config(prefix: Path, root: Path) -> Path:
    config = prefix / 'nginx.conf'
    config.write_text(
        f"""
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/tmp;
    proxy_temp_path {prefix}/tmp;
    fastcgi_temp_path {prefix}/tmp;
    uwsgi_temp_path {prefix}/tmp;
    scgi_temp_path {prefix}/tmp;
    server {{
        listen 127.0.0.1:{NGINX_PORT};
        root {root};
        location / {{ default_type text/html; }}
    }}
}}
"""
    )
    (prefix / 'tmp').mkdir(exist_ok=True)
    return config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--episodes', type=int, default=300)
    parser.add_argument('--seconds', type=int, default=10)
    parser.add_argument('--connections', type=int, default=32)
    options = parser.parse_args()
    for tool in ('wrk', 'nginx'):
        if shutil.which(tool) is None and not Path(f'/usr/sbin/{tool}').exists():
            sys.exit(f'{tool} is needed: apt-get install -y wrk nginx-light')

    with tempfile.TemporaryDirectory(prefix='podsite-bench-') as folder, ExitStack() as stack:
        work = Path(folder)
        work.chmod(0o755)  # nginx workers drop root and must read the page
        env = {
            **os.environ,
            'PODSITE_DATABASE_URL': f'sqlite+aiosqlite:///{work / "bench.db"}',
            'PODSITE_BASE_URL': f'http://127.0.0.1:{PODSITE_PORT}',
        }
        podsite = str(BIN / 'podsite')
        subprocess.run([podsite, 'db', 'upgrade'], env=env, check=True, capture_output=True)
        subprocess.run(
            [podsite, 'demo', '--episodes', str(options.episodes)],
            env=env,
            check=True,
            capture_output=True,
        )
        stack.enter_context(
            process(
                [podsite, 'serve', '--port', str(PODSITE_PORT), '--workers', '1'],
                {**env, 'PYTHONUNBUFFERED': '1'},
                work / 'podsite.log',
            )
        )
        base = f'http://127.0.0.1:{PODSITE_PORT}'
        wait_for(f'{base}/health')
        number = options.episodes // 2
        with urllib.request.urlopen(f'{base}/{number}') as response:  # noqa: S310 (loopback)
            episode_path = response.url.removeprefix(base)
            page = response.read()
        static_root = work / 'static-site'
        (static_root / 'episode').mkdir(parents=True)
        (static_root / 'episode' / 'index.html').write_bytes(page)
        nginx = shutil.which('nginx') or '/usr/sbin/nginx'
        stack.enter_context(
            process(
                [nginx, '-p', str(work), '-c', str(nginx_config(work, static_root))],
                env,
                work / 'nginx.log',
            )
        )
        wait_for(f'http://127.0.0.1:{NGINX_PORT}/episode/')

        results = [
            wrk(
                f'http://127.0.0.1:{NGINX_PORT}/episode/',
                name='nginx static',
                connections=options.connections,
                seconds=options.seconds,
            ),
            wrk(
                f'{base}{episode_path}',
                name='podsite episode',
                connections=options.connections,
                seconds=options.seconds,
            ),
            wrk(
                f'http://127.0.0.1:{NGINX_PORT}/episode/',
                name='nginx static',
                connections=1,
                seconds=options.seconds // 2,
                threads=1,
            ),
            wrk(
                f'{base}{episode_path}',
                name='podsite episode',
                connections=1,
                seconds=options.seconds // 2,
                threads=1,
            ),
        ]

    print(
        f'\nEpisode page {episode_path} ({len(page) / 1024:.1f} KB), '
        f'{options.episodes} episodes, SQLite, 1 Granian worker vs 1 nginx worker'
    )
    print(f'{"what":<18}{"conns":>6}{"req/s":>10}{"p50 ms":>9}{"p99 ms":>9}{"errors":>8}')
    for m in results:
        print(
            f'{m.name:<18}{m.connections:>6}{m.requests_per_second:>10.0f}{m.p50_ms:>9.2f}{m.p99_ms:>9.2f}{m.errors:>8}'
        )
    ratio = results[1].requests_per_second / results[0].requests_per_second
    print(f'\npodsite / nginx throughput at {options.connections} connections: {ratio:.3f}')
    out = ROOT / 'bench' / 'results'
    out.mkdir(exist_ok=True)
    (out / 'latest.json').write_text(
        json.dumps(
            {
                'page': episode_path,
                'ratio_to_nginx': ratio,
                'results': [asdict(m) for m in results],
            },
            indent=2,
        )
    )


if __name__ == '__main__':
    main()
