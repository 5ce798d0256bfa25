"""`make load`: locust (tests/load/locustfile.py) against a fresh demo site served by
Granian with 2 workers, headless for a fixed time; prints requests/s, p50/p95/p99 and
failures, and exits non-zero on any failed request or any error in the server's log.

The database is SQLite, or a new database on the PostgreSQL server of
`PODSITE_DATABASE_URL` when it points at one. All simulated listeners come from one
address and log in to one account, so the run raises the per-address and per-account
login limits (`PODSITE_LOGIN_ATTEMPTS_PER_IP`, `PODSITE_LOGIN_ATTEMPTS_PER_ACCOUNT`);
nothing else is relaxed. The listener account is created through the register form and
the link it emails, as a visitor would.
"""

import argparse
import asyncio
import csv
import os
import re
import secrets
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from demo_site import DemoSite, demo_site
from podsite.data import OutboxMessage
from run import BIN

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = ROOT / 'tests' / 'load' / 'locustfile.py'
RESULTS = ROOT / 'bench' / 'results'
LISTENER_EMAIL = 'listener@example.com'
# A throwaway account on a throwaway database, but no password needs to live in the code.
LISTENER_PASSWORD = secrets.token_urlsafe(18)
# Enough for every simulated login of a long run; the real limits stay in place elsewhere.
LOGIN_LIMIT = '1000000'
SERVER_ERRORS = re.compile(r'Traceback|database is locked|\bERROR\b')


def register_listener(site: DemoSite) -> None:
    """Signs up through the form, then opens the link the site emailed (read from its
    outbox, with no SMTP server configured) and confirms, as a listener would."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    submit_form(opener, f'{site.base_url}/account/register', {
        'name': 'Load Listener', 'email': LISTENER_EMAIL, 'password': LISTENER_PASSWORD,
        'confirm': LISTENER_PASSWORD,
    })  # fmt: skip
    link = asyncio.run(emailed_link(site.database_url, LISTENER_EMAIL))
    if 'your account is ready' not in submit_form(opener, site.base_url + link, {}):
        sys.exit('confirming the listener account failed')


def submit_form(opener: urllib.request.OpenerDirector, url: str, fields: dict[str, str]) -> str:
    """Posts `fields` with the CSRF token of the form page at `url`; the answer's page."""
    with opener.open(url, timeout=30) as page:
        match = re.search(r'name="csrf_token" value="([^"]+)"', page.read().decode())
    if match is None:
        sys.exit(f'{url} has no form with a CSRF token')
    form = urllib.parse.urlencode(fields | {'csrf_token': match.group(1)}).encode()
    with opener.open(url, data=form, timeout=30) as response:
        answer: str = response.read().decode()
        return answer


async def emailed_link(database_url: str, address: str) -> str:
    """The path of the site link in the latest email to `address`."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            body = await connection.scalar(
                select(OutboxMessage.body)
                .where(OutboxMessage.to_address == address)
                .order_by(OutboxMessage.id.desc())
                .limit(1)
            )
    finally:
        await engine.dispose()
    match = re.search(r'https?://[^/\s]+(/account/\S+)', body or '')
    if match is None:
        sys.exit(f'no email with a link to {address}')
    return match.group(1)


def summary(stats_csv: Path) -> tuple[list[str], int]:
    """The table of the whole run, and the number of failed requests."""
    lines = [f'{"request":<40} {"count":>6} {"fail":>5} {"req/s":>6} {"p50":>6} {"p95":>6} '
             f'{"p99":>6}  (ms)']  # fmt: skip
    failures = 0
    with stats_csv.open() as file:
        for row in csv.DictReader(file):
            name = f'{row["Type"]} {row["Name"]}' if row['Name'] != 'Aggregated' else 'ALL'
            lines.append(
                f'{name[:40]:<40} {row["Request Count"]:>6} {row["Failure Count"]:>5} '
                f'{float(row["Requests/s"]):>6.1f} {row["50%"]:>6} {row["95%"]:>6} {row["99%"]:>6}'
            )
            if row['Name'] == 'Aggregated':
                failures = int(row['Failure Count'])
    return lines, failures


def steady_state(history_csv: Path, users: int) -> str:
    """Percentiles of the last 10 s with every user running: the site once warm, without
    the ramp-up when every cache is cold and users arrive at once."""
    with history_csv.open() as file:
        rows = [
            row
            for row in csv.DictReader(file)
            if row['Name'] == 'Aggregated'
            and row['User Count'] == str(users)
            # Rows written while the users stop report no traffic.
            and float(row['Requests/s']) > 0
        ]
    if not rows:
        return 'no steady state reached'
    last = rows[-1]
    return (
        f'last 10 s at {users} users: {float(last["Requests/s"]):.1f} req/s, '
        f'p50 {last["50%"]} ms, p95 {last["95%"]} ms, p99 {last["99%"]} ms'
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--users', type=int, default=200)
    parser.add_argument('--spawn-rate', type=float, default=50)
    parser.add_argument('--run-time', default='60s')
    parser.add_argument('--episodes', type=int, default=300)
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument(
        '--short-links',
        default=os.environ.get('PODSITE_LOAD_SHORT_LINKS', ''),
        help='comma-separated /r/ names to request (default: $PODSITE_LOAD_SHORT_LINKS)',
    )
    options = parser.parse_args()
    database = 'PostgreSQL' if os.environ.get('PODSITE_DATABASE_URL', '').startswith(
        'postgresql') else 'SQLite'  # fmt: skip
    with (
        demo_site(
            episodes=options.episodes,
            workers=options.workers,
            login_attempts_per_ip=LOGIN_LIMIT,
            login_attempts_per_account=LOGIN_LIMIT,
        ) as site,
        tempfile.TemporaryDirectory(prefix='podsite-load-') as folder,
    ):
        register_listener(site)
        print(f'Load test of {site.base_url} ({database}, {options.workers} Granian workers): '
              f'{options.users} users, spawn rate {options.spawn_rate}/s, {options.run_time}',
              flush=True)  # fmt: skip
        prefix = Path(folder) / 'load'
        env = os.environ | {
            'PODSITE_LOAD_EMAIL': LISTENER_EMAIL,
            'PODSITE_LOAD_PASSWORD': LISTENER_PASSWORD,
            'PODSITE_LOAD_SHORT_LINKS': options.short_links,
        }
        locust = subprocess.run(
            [str(BIN / 'locust'), '-f', str(LOCUSTFILE), '--headless', '--only-summary',
             '--host', site.base_url, '--users', str(options.users),
             '--spawn-rate', str(options.spawn_rate), '--run-time', options.run_time,
             '--stop-timeout', '10', '--csv', str(prefix), '--csv-full-history',
             '--loglevel', 'WARNING'],
            env=env, check=False, capture_output=True, text=True,
        )  # fmt: skip
        server_log = site.log.read_text()
        stats = prefix.with_name('load_stats.csv')
        if not stats.exists():
            sys.exit(f'locust did not run:\n{locust.stdout}\n{locust.stderr}')
        lines, failures = summary(stats)
        print('\n'.join(lines))
        print(steady_state(prefix.with_name('load_stats_history.csv'), options.users))
        failed = prefix.with_name('load_failures.csv').read_text().splitlines()[1:]
        for line in failed:
            print(f'failure: {line}')
    server_errors = [line for line in server_log.splitlines() if SERVER_ERRORS.search(line)]
    if server_errors:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / 'load-server.log').write_text(server_log)
        print(f'The server log is kept in {RESULTS / "load-server.log"}.')
    for line in server_errors[:20]:
        print(f'server: {line}')
    print(f'{failures} failed requests, {len(server_errors)} error lines in the server log.')
    if failures or server_errors or locust.returncode:
        if locust.returncode and not failures:
            print(locust.stderr[-3000:])
        sys.exit(1)


if __name__ == '__main__':
    main()
