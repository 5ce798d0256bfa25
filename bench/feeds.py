"""`make bench` (part two): feed and sitemap generation for a 1,000-episode catalogue, and
importing a long-running show.

Builds a fresh SQLite demo database, then times requests through the app in-process
(no network, so the figures are the app's own cost): the first feed after a change
(cold: queries + XML), the same feed again (cached: one version query), and the sitemap.
Then imports a generated feed of the 730-item shape a long-running show has (no episode
numbers, HTML show notes with links, people, linked transcripts and chapters, host-specific
elements; `--no-fetch`), first into an empty database and then again (a re-import), and
the largest real feed in ../shared/data/feeds when it is there. The import must stay under
30 s; the script exits 1 if it does not.
"""

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
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


IMPORT_LIMIT_SECONDS = 30


def long_running_show(items: int) -> bytes:
    """A feed shaped like a show of `items` weekly episodes that never numbered them."""
    published = datetime(2010, 1, 4, 10, tzinfo=UTC)
    entries = []
    for index in range(items, 0, -1):
        day = published + timedelta(weeks=index)
        notes = ''.join(
            f'<p>Topic {topic} of episode {index}: see <a href="https://example.org/{index}/{topic}">'
            f'the article</a> and https://example.com/{index}/{topic}.</p>'
            for topic in range(8)
        )
        entries.append(
            f'<item><title>Episode about thing {index}</title><guid isPermaLink="false">'
            f'show-{index}</guid><pubDate>{format_datetime(day)}</pubDate>'
            f'<description>Short summary {index}.</description>'
            f'<content:encoded><![CDATA[\n    {notes}\n]]></content:encoded>'
            f'<enclosure url="https://media.example/{index}.mp3" length="{50_000_000 + index}" '
            'type="audio/mpeg"/><itunes:duration>58:30</itunes:duration>'
            f'<itunes:author>Host</itunes:author><itunes:keywords>a, b</itunes:keywords>'
            f'<podcast:person role="guest" href="https://guest.example/{index % 97}">'
            f'Guest {index % 97}</podcast:person><podcast:person>The Host</podcast:person>'
            f'<podcast:transcript url="https://files.example/{index}.srt" type="application/srt"/>'
            f'<podcast:chapters url="https://files.example/{index}.json" '
            'type="application/json+chapters"/><rawvoice:poster url="https://i.example/p.jpg"/>'
            '</item>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:podcast="https://podcastindex.org/namespace/1.0" '
        'xmlns:rawvoice="https://blubrry.com/developer/rawvoice-rss/"><channel>'
        '<title>A long-running show</title><link>https://show.example</link>'
        '<description>Weekly since 2010.</description><language>en</language>'
        '<podcast:guid>5f1b9c34-0d5a-5c27-9a41-2b8f0c6a9e10</podcast:guid>'
        '<managingEditor>ed@show.example (Ed)</managingEditor><ttl>60</ttl>'
        + ''.join(entries)
        + '</channel></rss>'
    ).encode()


async def measure_import(database_url: str, name: str, data: bytes) -> float:
    """Parses and stores the feed twice (a first import, then a re-import); the longest."""
    from podsite.formats.feed_parser import parse_feed
    from podsite.infrastructure import db
    from podsite.services.operations import schema_service
    from podsite.services.publishing import feed_import_service

    app = create_app(Settings(database_url=database_url))
    longest = 0.0
    async with app.test_app(), app.app_context():
        await schema_service.upgrade_to_head(db.database().engine)
        for run in ('import', 're-import'):
            started = time.perf_counter()
            parsed = parse_feed(data)
            parsed_at = time.perf_counter()
            report = await feed_import_service.import_feed(
                parsed, base_dir=None, owner_consents=True
            )
            done = time.perf_counter()
            longest = max(longest, done - started)
            print(
                f'{run} of {name} ({len(data) / 1024:.0f} KB, {report.created} created, '
                f'{report.updated} updated): parse {(parsed_at - started) * 1000:.0f} ms, '
                f'store {(done - parsed_at) * 1000:.0f} ms, total {done - started:.1f} s'
            )
    return longest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--episodes', type=int, default=1000)
    parser.add_argument('--runs', type=int, default=20)
    parser.add_argument('--import-items', type=int, default=730)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix='podsite-bench-') as folder:
        url = f'sqlite+aiosqlite:///{Path(folder) / "feeds.db"}'
        env = {'PODSITE_DATABASE_URL': url, 'PATH': str(BIN)}
        load_demo(env, options.episodes)
        print(f'{options.episodes} episodes, SQLite')
        asyncio.run(measure(url, options.runs))
        generated = f'sqlite+aiosqlite:///{Path(folder) / "long-show.db"}'
        feed = long_running_show(options.import_items)
        took = asyncio.run(
            measure_import(generated, f'a generated {options.import_items}-item show', feed)
        )
        feeds = Path(__file__).resolve().parents[2] / 'shared' / 'data' / 'feeds'
        if feeds.is_dir():
            largest = max(
                (p for p in feeds.iterdir() if p.suffix in {'.xml', '.rss'}),
                key=lambda p: p.stat().st_size,
            )
            imported = f'sqlite+aiosqlite:///{Path(folder) / "import.db"}'
            asyncio.run(measure_import(imported, largest.name, largest.read_bytes()))
    if took > IMPORT_LIMIT_SECONDS:
        raise SystemExit(f'the import took {took:.1f} s, over {IMPORT_LIMIT_SECONDS} s')


if __name__ == '__main__':
    main()
