"""`python bench/catalogue.py`: does a bigger catalogue make pages slower or a worker bigger?

Builds a demo site of each size (100 and 10,000 episodes by default) on SQLite, then, in
rounds that take the sizes in turn, serves each with one Granian worker and measures with
wrk at one connection, cold (no page cache: every request queries and renders) and hot:
the episode page in the middle of the catalogue and the home page. Each line is the median
round: a cold page measured once, right after a gigabyte of database was written, swung
from 0.78 to 1.71 times its time at the smallest size between runs. In the last round it
requests a spread of pages (a few thousand episode pages, guests, the feed, the sitemap,
searches) and reads the worker's resident memory. Prints each page's time at the biggest
size as a ratio of its time at the smallest.
"""

import argparse
import os
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from demo_site import free_port
from run import BIN, Measurement, load_demo, median_rounds, process, wait_for, wrk

PAGES = {'episode page': None, 'home page': '/'}


@dataclass(frozen=True)
class SizeResult:
    episodes: int
    measurements: dict[tuple[str, str], Measurement]
    worker_rss_mb: float
    database_mb: float


def build_demo(database: Path, episodes: int) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith('PODSITE_')}
    env |= {
        'PODSITE_ENVIRONMENT': 'production',
        'PODSITE_SECRET_KEY': 'bench-only-secret-key-of-enough-length',
        'PODSITE_DATABASE_URL': f'sqlite+aiosqlite:///{database}',
        'PYTHONUNBUFFERED': '1',
    }
    load_demo(env, episodes)
    return env


@contextmanager
def served(env: dict[str, str], log: Path, **settings: str) -> Iterator[tuple[str, int]]:
    """One worker; yields the base URL and the server's process id."""
    port = free_port()
    base = f'http://127.0.0.1:{port}'
    env = env | {'PODSITE_BASE_URL': base}
    env |= {f'PODSITE_{name.upper()}': value for name, value in settings.items()}
    command = [str(BIN / 'podsite'), 'serve', '--port', str(port), '--workers', '1']
    with process(command, env, log) as server:
        wait_for(f'{base}/health', timeout=120)
        yield base, server.pid


def worker_rss_mb(server_pid: int) -> float:
    """Resident memory of the server's worker processes (Granian runs one per worker)."""
    children = Path(f'/proc/{server_pid}/task/{server_pid}/children').read_text().split()
    total_kb = 0
    for child in children:
        for line in Path(f'/proc/{child}/status').read_text().splitlines():
            if line.startswith('VmRSS:'):
                total_kb += int(line.split()[1])
    return total_kb / 1024


def settled_worker_rss_mb(server_pid: int, *, within_seconds: float = 5.0) -> float:
    """The workers' resident memory once it stops moving: a request that built a document
    as large as the catalogue hands the freed heap back after its response has gone out
    (`infrastructure/memory.py`), so the last responses of the spread arrive before it."""
    deadline = time.monotonic() + within_seconds
    last = worker_rss_mb(server_pid)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = worker_rss_mb(server_pid)
        if abs(now - last) < 0.5:
            return now
        last = now
    return last


def fetch(url: str) -> None:
    # As browsers and podcast apps ask (the feed is kept gzipped and sent as kept).
    request = urllib.request.Request(url, headers={'Accept-Encoding': 'gzip'})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (loopback)
            response.read()
    except urllib.error.HTTPError as error:
        if error.code != 404:  # the demo schedules a few episodes: their numbers are 404
            raise


def visit_spread(base: str, episodes: int, pages: int) -> None:
    """What a busy day asks of a worker: many different pages, the feed, the sitemap."""
    step = max(1, episodes // pages)
    urls = [f'{base}/{number}' for number in range(1, episodes + 1, step)]
    urls += [f'{base}/episodes/rss', f'{base}/sitemap.xml', f'{base}/episodes/all']
    urls += [f'{base}/guests', f'{base}/search?q=python', f'{base}/search?q=testing+tools']
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(fetch, urls))


def measure_round(
    env: dict[str, str], work: Path, episodes: int, seconds: int, spread: int | None
) -> tuple[list[Measurement], float]:
    """One round at one size: each page cold and hot; with a `spread`, then the worker's
    memory after it."""
    measured: list[Measurement] = []
    rss = 0.0
    for mode, settings in (('cold', {'page_cache': 'false'}), ('hot', {})):
        with served(env, work / f'{episodes}-{mode}.log', **settings) as (base, pid):
            with urllib.request.urlopen(f'{base}/{episodes // 2}') as response:  # noqa: S310
                episode_path = response.url.removeprefix(base)
            for page, path in PAGES.items():
                url = base + (path or episode_path)
                measured.append(
                    wrk(url, name=f'{page}|{mode}', connections=1, seconds=seconds, server=pid)
                )
            if mode == 'hot' and spread is not None:
                visit_spread(base, episodes, spread)
                rss = settled_worker_rss_mb(pid)
    return measured, rss


def by_page_and_mode(measured: list[Measurement]) -> dict[tuple[str, str], Measurement]:
    keyed = {}
    for measurement in measured:
        page, mode = measurement.name.split('|')
        keyed[page, mode] = measurement
    return keyed


def measure_sizes(sizes: list[int], rounds: int, seconds: int, spread: int) -> list[SizeResult]:
    with tempfile.TemporaryDirectory(prefix='podsite-catalogue-') as folder:
        work = Path(folder)
        databases = {size: work / f'catalogue-{size}.db' for size in sizes}
        envs = {size: build_demo(databases[size], size) for size in sizes}
        measured: dict[int, list[Measurement]] = {size: [] for size in sizes}
        rss: dict[int, float] = {}
        for round_number in range(rounds):
            last = round_number == rounds - 1
            for size in sizes:
                round_measured, rss[size] = measure_round(
                    envs[size], work, size, seconds, spread if last else None
                )
                measured[size] += round_measured
        return [
            SizeResult(
                size,
                by_page_and_mode(median_rounds(measured[size])),
                rss[size],
                databases[size].stat().st_size / 2**20,
            )
            for size in sizes
        ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--sizes', default='100,10000', help='comma-separated episode counts')
    parser.add_argument('--seconds', type=int, default=8, help='wrk time per measurement')
    parser.add_argument('--spread', type=int, default=3000, help='episode pages to visit')
    parser.add_argument(
        '--rounds', type=int, default=3, help='rounds over the sizes; each line is the median'
    )
    options = parser.parse_args()
    sizes = [int(size) for size in options.sizes.split(',')]
    results = measure_sizes(sizes, options.rounds, options.seconds, options.spread)

    smallest, biggest = results[0], results[-1]
    print(
        f'\nOne worker, one connection, SQLite; sizes {", ".join(map(str, sizes))} episodes, '
        f'median of {options.rounds} rounds'
    )
    header = f'{"page":<24}' + ''.join(f'{f"{r.episodes} p50 ms":>16}' for r in results)
    print(header + f'{"x":>8}')
    for page in PAGES:
        for mode in ('cold', 'hot'):
            cells = ''.join(f'{r.measurements[page, mode].p50_ms:>16.3f}' for r in results)
            ratio = (
                biggest.measurements[page, mode].p50_ms / smallest.measurements[page, mode].p50_ms
            )
            print(f'{f"{page}, {mode}":<24}{cells}{ratio:>8.2f}')
    for page in PAGES:
        for mode in ('cold', 'hot'):
            cells = ''.join(
                f'{r.measurements[page, mode].requests_per_second:>16.0f}' for r in results
            )
            print(f'{f"{page}, {mode} req/s":<24}{cells}')
    print(f'{"worker RSS MB":<24}' + ''.join(f'{r.worker_rss_mb:>16.1f}' for r in results))
    print(f'{"database MB":<24}' + ''.join(f'{r.database_mb:>16.1f}' for r in results))


if __name__ == '__main__':
    main()
