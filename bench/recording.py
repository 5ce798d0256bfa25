"""`make bench` (second part): what recording events costs the redirects.

Serves the same demo database twice, with `PODSITE_RECORD_EVENTS` on and off, and drives
the short-link redirect (`/r/<name>`) and the download redirect with wrk. The issue's
bar: recording may cost at most 20 % of requests/s. `cpu us` is the CPU time the server's
processes spent per request, steadier than requests/s on a busy machine.
"""

import argparse
import os
import re
import sys
import tempfile
import urllib.error
import urllib.request
from contextlib import ExitStack
from pathlib import Path

from run import (
    BIN,
    PODSITE_PORT,
    Measurement,
    fresh_database,
    load_demo,
    process,
    wait_for,
    wrk,
)

ALLOWED_COST = 0.20


def first_links(base: str, episodes: int) -> tuple[str, str]:
    """A sponsor's tracked link and a download link, read off the episode pages."""
    for number in range(episodes, 0, -1):
        try:
            with urllib.request.urlopen(f'{base}/{number}') as response:  # noqa: S310 (loopback)
                html = response.read().decode()
        except urllib.error.HTTPError:
            continue  # a draft or scheduled episode
        short = re.search(r'href="(/r/[a-z0-9-]+)"', html)
        download = re.search(r'href="(/episodes/download/[^"]+\.mp3)"', html)
        if short and download:
            return short.group(1), download.group(1)
    raise RuntimeError('no episode with a sponsor link')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--episodes', type=int, default=300)
    parser.add_argument('--seconds', type=int, default=5)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--connections', type=int, default=32)
    parser.add_argument('--postgres', metavar='URL', help='use a fresh database on this server')
    options = parser.parse_args()

    results: dict[tuple[str, bool], Measurement] = {}
    with tempfile.TemporaryDirectory(prefix='podsite-bench-') as folder, ExitStack() as stack:
        work = Path(folder)
        database_url = stack.enter_context(fresh_database(work, options.postgres))
        env = {
            **os.environ,
            'PODSITE_DATABASE_URL': database_url,
            'PODSITE_BASE_URL': f'http://127.0.0.1:{PODSITE_PORT}',
            'PODSITE_ENVIRONMENT': 'development',
        }
        load_demo(env, options.episodes)
        podsite = str(BIN / 'podsite')
        # Both servers run side by side and are measured in turns, several rounds, so a
        # burst of other work on the machine falls on both alike; the median round counts.
        bases = {}
        sessions = {}
        for recording, port in ((False, PODSITE_PORT), (True, PODSITE_PORT + 10)):
            serve = [podsite, 'serve', '--port', str(port), '--workers', '1']
            server_env = env | {'PODSITE_RECORD_EVENTS': 'true' if recording else 'false'}
            log = work / f'recording-{recording}.log'
            sessions[recording] = stack.enter_context(process(serve, server_env, log)).pid
            bases[recording] = f'http://127.0.0.1:{port}'
        for base in bases.values():
            wait_for(f'{base}/health')
        paths = first_links(bases[False], options.episodes)
        rounds: dict[tuple[str, bool], list[Measurement]] = {}
        for _ in range(options.rounds):
            for name, path in zip(('short link', 'download'), paths, strict=True):
                for recording, base in bases.items():
                    rounds.setdefault((name, recording), []).append(
                        wrk(f'{base}{path}', name=name, connections=options.connections,
                            seconds=options.seconds, server=sessions[recording])
                    )  # fmt: skip
        for key, measured in rounds.items():
            results[key] = sorted(measured, key=lambda m: m.requests_per_second)[len(measured) // 2]

    database = 'PostgreSQL' if options.postgres else 'SQLite'
    print(f'\nRedirects with and without recording, {database}, 1 worker each, '
          f'{options.connections} connections, median of {options.rounds} rounds')  # fmt: skip
    print(
        f'{"redirect":<12}{"recording":>10}{"req/s":>10}{"p50 ms":>9}{"p99 ms":>9}'
        f'{"cpu us":>9}{"cost":>8}'
    )
    failed = False
    for name in ('short link', 'download'):
        off, on = results[(name, False)], results[(name, True)]
        cost = 1 - on.requests_per_second / off.requests_per_second
        failed |= cost > ALLOWED_COST or on.errors > 0 or off.errors > 0
        for shown, label in ((off, 'off'), (on, 'on')):
            print(
                f'{name:<12}{label:>10}{shown.requests_per_second:>10.0f}'
                f'{shown.p50_ms:>9.2f}{shown.p99_ms:>9.2f}{shown.server_cpu_us:>9.0f}'
                + (f'{cost:>8.1%}' if shown is on else '')
            )
    if failed:
        sys.exit(f'recording costs more than {ALLOWED_COST:.0%}, or requests failed')


if __name__ == '__main__':
    main()
