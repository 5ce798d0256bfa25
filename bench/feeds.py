"""`make bench` (part two): feed and sitemap generation for a 1,000-episode catalogue.

Builds a fresh SQLite demo database, then times requests through the app in-process
(no network, so the figures are the app's own cost): the first feed after a change
(cold: queries + XML), the same feed again (cached: one version query), and the sitemap.
"""

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from podsite.app import create_app
from podsite.settings import Settings
from run import BIN, load_demo


async def timed(client: object, path: str, runs: int, *, bust: bool, app: object) -> list[float]:
    from sqlalchemy import text

    from podsite.infrastructure import db

    samples = []
    for _ in range(runs):
        if bust:
            async with app.app_context():  # type: ignore[attr-defined]
                session = db.session()
                await session.execute(
                    text('UPDATE site_state SET content_version = content_version + 1')
                )
                await session.commit()
        started = time.perf_counter()
        # As podcast apps ask: the feed is kept gzipped and sent as it is kept.
        response = await client.get(path, headers={'Accept-Encoding': 'gzip'})  # type: ignore[attr-defined]
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, path
    return samples


def describe(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f'{name:<28}{statistics.median(ordered):>10.2f}{p99:>10.2f}{len(samples):>7}'


async def measure(database_url: str, runs: int) -> None:
    app = create_app(Settings(database_url=database_url, base_url='https://podcast.example'))
    async with app.test_app():
        client = app.test_client()
        size = len(await (await client.get('/episodes/rss')).get_data())
        print(f'feed size {size / 1024:.0f} KB')
        print(f'{"what":<28}{"p50 ms":>10}{"p99 ms":>10}{"runs":>7}')
        print(
            describe('feed, cold', await timed(client, '/episodes/rss', runs, bust=True, app=app))
        )
        print(
            describe(
                'feed, cached', await timed(client, '/episodes/rss', runs * 10, bust=False, app=app)
            )
        )
        print(
            describe('sitemap, cold', await timed(client, '/sitemap.xml', runs, bust=True, app=app))
        )
        print(
            describe(
                'sitemap, cached',
                await timed(client, '/sitemap.xml', runs * 10, bust=False, app=app),
            )
        )


async def measure_import(database_url: str, feed: Path, data: bytes) -> None:
    from podsite.formats.feed_parser import parse_feed
    from podsite.infrastructure import db
    from podsite.services.operations import schema_service
    from podsite.services.publishing import feed_import_service

    app = create_app(Settings(database_url=database_url))
    async with app.test_app(), app.app_context():
        await schema_service.upgrade_to_head(db.database().engine)
        started = time.perf_counter()
        parsed = parse_feed(data)
        parsed_at = time.perf_counter()
        report = await feed_import_service.import_feed(parsed, base_dir=None, fetch_remote=False)
        done = time.perf_counter()
    print(
        f'import of {feed.name} ({len(data) / 1024:.0f} KB, {report.created} episodes): '
        f'parse {(parsed_at - started) * 1000:.0f} ms, store {(done - parsed_at) * 1000:.0f} ms'
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--episodes', type=int, default=1000)
    parser.add_argument('--runs', type=int, default=20)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix='podsite-bench-') as folder:
        url = f'sqlite+aiosqlite:///{Path(folder) / "feeds.db"}'
        env = {'PODSITE_DATABASE_URL': url, 'PATH': str(BIN)}
        load_demo(env, options.episodes)
        print(f'{options.episodes} episodes, SQLite')
        asyncio.run(measure(url, options.runs))
        feeds = Path(__file__).resolve().parents[2] / 'shared' / 'data' / 'feeds'
        if feeds.is_dir():
            largest = max(
                (p for p in feeds.iterdir() if p.suffix in {'.xml', '.rss'}),
                key=lambda p: p.stat().st_size,
            )
            imported = f'sqlite+aiosqlite:///{Path(folder) / "import.db"}'
            asyncio.run(measure_import(imported, largest, largest.read_bytes()))


if __name__ == '__main__':
    main()
