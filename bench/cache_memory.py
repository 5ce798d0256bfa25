"""`python bench/cache_memory.py`: query strings never seen before must not grow a worker.

Serves `podsite demo --episodes 2000` (SQLite) with one Granian worker on loopback, visits a
few pages until they are kept (the episode list, the home page, an episode page, the
guests, a search), reads the worker's resident memory, then sends at least 100,000 requests
for those pages with wrk, each with a query string of its own (`?junk=1-2-3`, appended to
the search's own), and reads it again. Fails when the worker grew by more than 50 MB, or
when any answer was not a 200.

Kept pages used to be keyed by the whole query string, 2,048 of them per worker: a
thousand such requests for the episode list of a 2,000-episode show grew a worker from
139 MB to 890 MB. Run against that code (`PYTHONPATH=<old checkout>/src`), pass
`--requests 3000`: every request is then rendered, which takes minutes.
"""

import argparse
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from catalogue import build_demo, served, worker_rss_mb

# wrk calls `request()` for each request it sends; `setup` numbers its threads, so that
# no two threads (and, with the run's number, no two runs) send the same query string.
JUNK_SCRIPT = """
paths = {%(paths)s}
threads = 0
counter = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end
function request()
  counter = counter + 1
  local path = paths[counter %% #paths + 1]
  local separator = string.find(path, "?", 1, true) and "&" or "?"
  return wrk.format(nil, path .. separator .. "junk=%(run)d-" .. thread_number .. "-" .. counter)
end
"""


def page_paths(base: str, episodes: int) -> dict[str, str]:
    with urllib.request.urlopen(f'{base}/{episodes // 2}') as response:  # noqa: S310 (loopback)
        episode_page = response.url.removeprefix(base)
    return {
        'the episode list': '/episodes/all',
        'the home page': '/',
        'an episode page': episode_page,
        'the guests': '/guests',
        'a search': '/search?q=python',
    }


def keep(base: str, paths: dict[str, str]) -> dict[str, int]:
    """Visits each page a few times, with and without a query string; returns their sizes."""
    sizes = {}
    for name, path in paths.items():
        separator = '&' if '?' in path else '?'
        for url in (base + path, f'{base}{path}{separator}warm=1', base + path):
            with urllib.request.urlopen(url) as response:  # noqa: S310 (loopback)
                sizes[name] = len(response.read())
    return sizes


def send_junk(base: str, paths: list[str], requests: int, connections: int, work: Path) -> int:
    """wrk runs of 10 s until `requests` have been answered; returns how many were."""
    answered = 0
    run = 0
    while answered < requests:
        run += 1
        script = work / f'junk-{run}.lua'
        quoted = ', '.join(f'"{path}"' for path in paths)
        script.write_text(JUNK_SCRIPT % {'paths': quoted, 'run': run})
        result = subprocess.run(
            ['wrk', '-t2', f'-c{connections}', '-d10s', '-s', str(script), base],
            check=True,
            capture_output=True,
            text=True,
        )
        if 'Non-2xx or 3xx responses' in result.stdout:
            raise SystemExit(f'some requests were not answered 200:\n{result.stdout}')
        answered += int(re.search(r'(\d+) requests in', result.stdout).group(1))  # type: ignore[union-attr]
        print(f'  {answered:,} requests with a query string of their own', flush=True)
    return answered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--episodes', type=int, default=2000)
    parser.add_argument('--requests', type=int, default=100_000)
    parser.add_argument('--connections', type=int, default=16)
    parser.add_argument('--max-growth-mb', type=float, default=50)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix='podsite-cache-memory-') as folder:
        work = Path(folder)
        print(f'Building the {options.episodes}-episode demo...', flush=True)
        env = build_demo(work, options.episodes)
        with served(env, work / 'server.log') as (base, pid):
            started_mb = worker_rss_mb(pid)
            paths = page_paths(base, options.episodes)
            sizes = keep(base, paths)
            before_mb = worker_rss_mb(pid)
            began = time.monotonic()
            answered = send_junk(
                base, list(paths.values()), options.requests, options.connections, work
            )
            seconds = time.monotonic() - began
            after_mb = worker_rss_mb(pid)
    growth = after_mb - before_mb
    print(f'\nOne worker, SQLite, {options.episodes} episodes; pages and their sizes:')
    for name, size in sizes.items():
        print(f'  {name:<38}{size / 1000:>10,.1f} KB')
    print(f'{"worker RSS at start":<40}{started_mb:>10.1f} MB')
    print(f'{"with the pages kept":<40}{before_mb:>10.1f} MB')
    print(f'{f"after {answered:,} junk query strings":<40}{after_mb:>10.1f} MB')
    print(f'{"growth":<40}{growth:>10.1f} MB (at most {options.max_growth_mb:g})')
    print(f'{"rate":<40}{answered / seconds:>10,.0f} req/s')
    if growth > options.max_growth_mb:
        sys.exit(f'the worker grew by {growth:.1f} MB: more than {options.max_growth_mb:g} MB')


if __name__ == '__main__':
    main()
