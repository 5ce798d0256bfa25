"""`make bench` (part three): search latency over a 1,000-episode demo catalogue with
full-length transcripts, on SQLite and (with --postgres) PostgreSQL, and the index size.

Each of 50 fixed queries (topics, names, phrases, prefixes, rare and common words) runs
`--rounds` times through the search service in-process; p50 and p99 are over all runs.
"""

import argparse
import asyncio
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from podsite.app import create_app
from podsite.infrastructure import db
from podsite.services.catalogue import search_service
from podsite.services.catalogue.search_query import parse
from podsite.settings import Settings
from run import BIN, load_demo

QUERIES = [
    'python', 'pytest', 'async', 'asyncio', 'fastapi', 'django', 'flask', 'type hints',
    '"type hints"', 'mypy', 'pydantic', 'sqlalchemy', 'postgres*', 'docker', 'kubernetes',
    'data science', 'pandas dataframes', 'machine learning', 'micropython', 'packaging',
    'pyproject', 'poetry', 'uv', 'rust extensions', 'performance', 'profiling', 'testing',
    'documentation', 'open source', 'maintainers', 'release management', 'security',
    'observability', 'caching', 'web scraping', 'cli tools', 'typer', 'rich', 'jupyter',
    'notebooks', '"well worth a look"', 'calloway', 'robin', 'conference', 'teaching',
    'beginners', 'career', 'refactoring', 'api design', 'asyn*',
]  # fmt: skip


async def measure(database_url: str, rounds: int) -> None:
    app = create_app(Settings(database_url=database_url))
    async with app.test_app(), app.app_context():
        samples: list[float] = []
        by_query: dict[str, list[float]] = {}
        for query in QUERIES * rounds:
            started = time.perf_counter()
            await search_service.search(parse(query))
            elapsed = (time.perf_counter() - started) * 1000
            samples.append(elapsed)
            by_query.setdefault(query, []).append(elapsed)
        session = db.session()
        if session.get_bind().dialect.name == 'postgresql':
            size = await session.scalar(text("SELECT pg_total_relation_size('search_document')"))
        else:
            size = await session.scalar(
                text("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'search_%'")
            )
        rows = await session.scalar(text('SELECT count(*) FROM search_document'))
    slowest = sorted(by_query, key=lambda q: statistics.median(by_query[q]), reverse=True)[:5]
    print('  slowest:', ', '.join(f'{q} {statistics.median(by_query[q]):.0f} ms' for q in slowest))
    ordered = sorted(samples)
    p99 = ordered[int(len(ordered) * 0.99) - 1]
    print(
        f'  {len(QUERIES)} queries x {rounds}: p50 {statistics.median(ordered):.2f} ms, '
        f'p99 {p99:.2f} ms; index {rows:,} rows, {int(size or 0) / 2**20:.0f} MiB'
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--episodes', type=int, default=1000)
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--postgres', metavar='URL', help='also measure on this server')
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix='podsite-bench-') as folder:
        targets = [('SQLite', f'sqlite+aiosqlite:///{Path(folder) / "search.db"}')]
        name = f'podsite_search_bench_{id(folder)}'
        if options.postgres:
            targets.append(('PostgreSQL', options.postgres.rsplit('/', 1)[0] + f'/{name}'))
            admin = ['psql', options.postgres.replace('+asyncpg', ''), '-qc']
            subprocess.run([*admin, f'CREATE DATABASE {name}'], check=True)
        try:
            for label, url in targets:
                env = {'PODSITE_DATABASE_URL': url, 'PATH': str(BIN)}
                load_demo(env, options.episodes)
                if label == 'PostgreSQL':
                    # The steady state autovacuum reaches after a bulk load: the GIN index's
                    # pending list merged, statistics current.
                    subprocess.run(
                        ['psql', url.replace('+asyncpg', ''), '-qc', 'VACUUM ANALYZE'], check=True
                    )
                print(f'{label}, {options.episodes} episodes with full transcripts:')
                asyncio.run(measure(url, options.rounds))
        finally:
            if options.postgres:
                subprocess.run([*admin, f'DROP DATABASE IF EXISTS {name} WITH (FORCE)'], check=True)


if __name__ == '__main__':
    main()
