"""`podsite import-feed`: real feeds into an empty site, again without duplicates, local
transcripts and chapters, bad input that changes nothing, and podsite's own feed round trip."""

import asyncio
from pathlib import Path

import pytest
from quart import Quart
from quart.typing import TestClientProtocol as Client
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from typer.testing import CliRunner

from podsite.cli import cli
from podsite.data import Episode, EpisodeGuest, Guest, Podcast, Transcript
from podsite.formats.feed_parser import parse_feed
from podsite.services.publishing import feed_import_service
from tests.databases import snapshot


async def import_into(
    app: Quart, data: bytes, base_dir: Path | None = None, *, owner_consents: bool = False
) -> feed_import_service.FeedImportReport:
    async with app.app_context():
        return await feed_import_service.import_feed(
            parse_feed(data), base_dir=base_dir, owner_consents=owner_consents
        )


async def catalogue(url: str) -> list[tuple[object, ...]]:
    engine = create_async_engine(url)
    try:
        async with AsyncSession(engine) as session:
            rows = await session.execute(
                select(Episode.number, Episode.title, Episode.duration_seconds,
                       Episode.media_size_bytes, Episode.season, Episode.episode_type)
                .where(Episode.is_published.is_(True)).order_by(Episode.number)
            )  # fmt: skip
            return [tuple(row) for row in rows]
    finally:
        await engine.dispose()


async def test_a_podcasting_2_0_feed_is_imported_with_its_people(
    empty_app: Quart, shared_data: Path, empty_database_url: str
) -> None:
    data = (shared_data / 'feeds' / 'mike-neumann-show-themnshow.xml').read_bytes()
    report = await import_into(empty_app, data)
    assert (report.created, report.updated) == (54, 0)
    engine = create_async_engine(empty_database_url)
    async with AsyncSession(engine) as session:
        assert await session.scalar(select(Podcast.title)) == 'The Mike Neumann Show'
        assert await session.scalar(select(func.count()).select_from(EpisodeGuest)) >= 54
        assert await session.scalar(select(func.count()).select_from(Guest)) >= 1
        first = await session.scalar(select(Episode).order_by(Episode.published_at).limit(1))
        assert first is not None and first.media_url.startswith('https://')
    await engine.dispose()
    again = await import_into(empty_app, data)
    assert (again.created, again.updated) == (0, 54)
    assert len(await catalogue(empty_database_url)) == 54


async def test_linked_local_transcripts_and_chapters_are_stored(
    empty_app: Quart, tmp_path: Path, empty_database_url: str
) -> None:
    (tmp_path / 'one.vtt').write_text('WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Ada>Hello.\n')
    (tmp_path / 'one.json').write_text('{"version": "1.2.0", "chapters": [{"startTime": 0}]}')
    feed = b"""<rss version="2.0" xmlns:podcast="https://podcastindex.org/namespace/1.0">
      <channel><title>Local</title><item><title>One</title><guid>one</guid>
      <enclosure url="https://m.example/one.mp3" length="1" type="audio/mpeg"/>
      <podcast:transcript url="one.vtt" type="text/vtt"/>
      <podcast:chapters url="one.json" type="application/json+chapters"/>
      <podcast:transcript url="https://elsewhere.example/t.srt" type="application/x-subrip"/>
      </item></channel></rss>"""
    report = await import_into(empty_app, feed, base_dir=tmp_path)
    assert report.warnings == []
    engine = create_async_engine(empty_database_url)
    async with AsyncSession(engine) as session:
        transcript = await session.scalar(select(Transcript))
        assert transcript is not None and transcript.text == 'Ada: Hello.'
        episode = await session.scalar(select(Episode))
        assert episode is not None and episode.chapters == {
            'version': '1.2.0',
            'chapters': [{'startTime': 0}],
        }
    await engine.dispose()


async def test_podsites_own_feed_imports_into_an_identical_catalogue(
    client: Client, empty_app: Quart, database_url: str, empty_database_url: str
) -> None:
    feed = await (await client.get('/episodes/rss')).get_data()
    report = await import_into(empty_app, feed, owner_consents=True)
    assert report.created > 30
    assert await catalogue(empty_database_url) == await catalogue(database_url)


def test_bad_feeds_are_refused_and_change_nothing(
    runner: CliRunner,
    shared_data: Path,
    tmp_path: Path,
    empty_database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv('PODSITE_DATABASE_URL', empty_database_url)
    good = runner.invoke(
        cli, ['import-feed', str(shared_data / 'feeds' / '99pi-feeder-fixture.xml'), '--no-fetch']
    )
    assert good.exit_code == 0, good.output
    assert '100 created' in good.output
    before = asyncio.run(snapshot(empty_database_url))
    (tmp_path / 'page.html').write_text('<html><body>Hello</body></html>')
    (tmp_path / 'bomb.xml').write_text(
        '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
        '<rss version="2.0"><channel><title>&b;</title></channel></rss>'
    )
    for bad, message in (
        (shared_data / 'feeds' / 'no-agenda-malformed-entity.xml', 'not well-formed'),
        (tmp_path / 'page.html', 'not an RSS feed'),
        (tmp_path / 'bomb.xml', 'declares XML entities'),
        (tmp_path / 'missing.xml', 'neither a file nor'),
        (Path('ftp://example.com/feed.xml'), 'neither a file nor'),
    ):
        result = runner.invoke(cli, ['import-feed', str(bad)])
        assert result.exit_code == 1, bad
        output = ' '.join(result.output.split())
        assert 'Cannot import' in output and message in output
    assert asyncio.run(snapshot(empty_database_url)) == before
