"""`podsite import-feed`: real feeds into an empty site, again without duplicates, local
transcripts and chapters, bad input that changes nothing, and podsite's own feed round trip."""

import asyncio
import http.server
import re
import threading
import uuid
from functools import partial
from pathlib import Path

import httpx
import pytest
from lxml import etree
from quart import Quart
from quart.typing import TestClientProtocol as Client
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from typer.testing import CliRunner

from podsite.app import create_app
from podsite.cli import cli
from podsite.data import Episode, EpisodeGuest, Guest, Podcast, Transcript
from podsite.formats.feed_parser import parse_feed
from podsite.services.publishing import feed_import_service
from tests.clock import MovableClock
from tests.databases import run_on, settings_for, snapshot
from tests.factories import is_public


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
                .where(is_public()).order_by(Episode.number)
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


async def test_an_imported_image_takes_the_place_of_uploaded_artwork(
    empty_app: Quart, empty_database_url: str
) -> None:
    feed = b"""<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
      <channel><title>Show</title><itunes:image href="https://cdn.example/show.jpg"/>
      <item><title>One</title><guid>one</guid><itunes:image href="https://cdn.example/1.jpg"/>
      <enclosure url="https://m.example/one.mp3" length="1" type="audio/mpeg"/></item>
      </channel></rss>"""
    await import_into(empty_app, feed)
    uploaded = {'artwork_file': '0123456789abcdef.png'}
    engine = create_async_engine(empty_database_url)
    async with engine.begin() as connection:
        await connection.execute(update(Podcast).values(uploaded))
        await connection.execute(update(Episode).values(uploaded))
    await import_into(empty_app, feed)
    async with engine.connect() as connection:
        show = (await connection.execute(select(Podcast.artwork_url, Podcast.artwork_file))).one()
        item = (await connection.execute(select(Episode.image_url, Episode.artwork_file))).one()
    await engine.dispose()
    assert tuple(show) == ('https://cdn.example/show.jpg', '')
    assert tuple(item) == ('https://cdn.example/1.jpg', '')


def test_a_feed_with_control_characters_is_imported_clean_with_a_warning(
    runner: CliRunner,
    tmp_path: Path,
    empty_database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / 'one.vtt').write_text('WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nHi\x0bthere.\n')
    (tmp_path / 'one.json').write_text('{"chapters": [{"startTime": 0, "title": "In\\u0000tro"}]}')
    (tmp_path / 'feed.xml').write_bytes(
        b"""<rss version="2.0" xmlns:podcast="https://podcastindex.org/namespace/1.0">
        <channel><title>Pasted\x0b</title><item><title>One&#11;</title><guid>one</guid>
        <enclosure url="https://m.example/one.mp3" length="1" type="audio/mpeg"/>
        <podcast:transcript url="one.vtt" type="text/vtt"/>
        <podcast:chapters url="one.json" type="application/json+chapters"/>
        </item></channel></rss>"""
    )
    monkeypatch.setenv('PODSITE_DATABASE_URL', empty_database_url)
    result = runner.invoke(cli, ['import-feed', str(tmp_path / 'feed.xml')])
    assert result.exit_code == 0, result.output
    output = ' '.join(result.output.split())
    assert '1 created' in output and 'left out 2 characters XML does not allow' in output
    assert run_on(empty_database_url, select(Podcast.title))[0].title == 'Pasted'
    (episode,) = run_on(
        empty_database_url,
        select(Episode.title, Episode.chapters, Transcript.text).join(Transcript),
    )
    assert tuple(episode) == ('One', {'chapters': [{'startTime': 0, 'title': 'Intro'}]}, 'Hithere.')


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


ITUNES_NS = 'http://www.itunes.com/dtds/podcast-1.0.dtd'
PODCAST_NS = 'https://podcastindex.org/namespace/1.0'


def show(items: str, channel: str = '', *, title: str = 'Moved') -> bytes:
    return (
        '<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"'
        ' xmlns:content="http://purl.org/rss/1.0/modules/content/"'
        ' xmlns:podcast="https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md"'
        f'><channel><title>{title}</title>{channel}{items}</channel></rss>'
    ).encode()


def item(guid: str, day: int, extra: str = '', *, media: str = 'audio/mpeg') -> str:
    extension = 'mp4' if media.startswith('video') else 'mp3'
    return (
        f'<item><title>Episode {guid}</title><guid>{guid}</guid>'
        f'<pubDate>{day:02d} Jan 2024 10:00:00 GMT</pubDate>'
        f'<enclosure url="https://media.example/{guid}.{extension}" length="10" type="{media}"/>'
        f'{extra}</item>'
    )


async def feed_of(app: Quart) -> etree._Element:
    response = await app.test_client().get('/episodes/rss')
    assert response.status_code == 200
    return etree.fromstring(await response.get_data())


def our_items(root: etree._Element) -> dict[str, etree._Element]:
    return {i.findtext('guid') or '': i for i in root.iter('item')}


async def site_numbers(database_url: str) -> dict[str, int]:
    engine = create_async_engine(database_url)
    async with AsyncSession(engine) as session:
        rows = (await session.execute(select(Episode.guid, Episode.number))).all()
    await engine.dispose()
    return dict(rows)  # type: ignore[arg-type]


async def test_unnumbered_episodes_are_numbered_oldest_first_and_keep_their_numbers(
    empty_app: Quart, empty_database_url: str
) -> None:
    # Newest first, as feeds list them.
    older = show(''.join(item(guid, day) for guid, day in (('c', 3), ('b', 2), ('a', 1))))
    report = await import_into(empty_app, older)
    assert 'publication order' in report.numbering
    assert await site_numbers(empty_database_url) == {'a': 1, 'b': 2, 'c': 3}
    newer = show(''.join(item(g, d) for g, d in (('e', 5), ('d', 4), ('c', 3), ('b', 2), ('a', 1))))
    await import_into(empty_app, newer)
    assert await site_numbers(empty_database_url) == {'a': 1, 'b': 2, 'c': 3, 'd': 4, 'e': 5}
    # Unnumbered in the source, unnumbered in podsite's feed.
    assert all(
        i.find(f'{{{ITUNES_NS}}}episode') is None for i in (await feed_of(empty_app)).iter('item')
    )


def numbered(
    guid: str, day: int, season: int | None, number: int | None, kind: str = 'full'
) -> str:
    tags = f'<itunes:episodeType>{kind}</itunes:episodeType>'
    tags += '' if season is None else f'<itunes:season>{season}</itunes:season>'
    tags += '' if number is None else f'<itunes:episode>{number}</itunes:episode>'
    return item(guid, day, tags)


async def test_a_show_numbered_per_season_gets_unique_readable_urls_and_keeps_its_pairs(
    empty_app: Quart, empty_database_url: str
) -> None:
    episodes = [('s1e1', 1, 1, 1), ('s1e2', 2, 1, 2), ('trailer', 3, 2, None), ('s2e1', 4, 2, 1),
                ('s2e2', 5, 2, 2)]  # fmt: skip
    kinds = {'trailer': 'trailer'}
    data = show(
        ''.join(numbered(g, d, s, n, kinds.get(g, 'full')) for g, d, s, n in reversed(episodes))
    )
    await import_into(empty_app, data)
    numbers = await site_numbers(empty_database_url)
    assert numbers == {'s1e1': 1, 's1e2': 2, 'trailer': 3, 's2e1': 4, 's2e2': 5}
    items_by_guid = our_items(await feed_of(empty_app))
    for guid, _, season, number in episodes:
        found = items_by_guid[guid]
        assert found.findtext(f'{{{ITUNES_NS}}}season') == str(season)
        assert found.findtext(f'{{{ITUNES_NS}}}episode') == (
            None if number is None else str(number)
        )
        assert found.findtext(f'{{{PODCAST_NS}}}episode') == (
            None if number is None else str(number)
        )
    client = empty_app.test_client()
    page = await client.get('/episodes/show/s2e1')
    assert page.status_code == 301 and page.headers['Location'] == '/episodes/show/4/episode-s2e1'
    assert (await client.get('/episodes/show/s2e1/any-slug')).status_code == 301
    assert (await client.get('/episodes/show/s3e1')).status_code == 404
    html = await (await client.get('/episodes/show/4/episode-s2e1')).get_data(as_text=True)
    assert 'Episode #1 · Season 2' in html and '<title>#1: Episode s2e1' in html
    html = await (await client.get('/episodes/show/3/episode-trailer')).get_data(as_text=True)
    assert 'Season 2 · Trailer' in html


async def test_a_show_numbered_throughout_keeps_its_numbers_as_site_numbers(
    empty_app: Quart, empty_database_url: str
) -> None:
    data = show(numbered('ten', 2, None, 10) + numbered('nine', 1, None, 9))
    report = await import_into(empty_app, data)
    assert "site numbers are the feed's" in report.numbering
    assert await site_numbers(empty_database_url) == {'nine': 9, 'ten': 10}
    page = await empty_app.test_client().get('/episodes/show/e10')
    assert page.headers['Location'] == '/episodes/show/10/episode-ten'


async def test_a_number_another_episode_has_is_reported_by_title_and_guid(
    empty_app: Quart, empty_database_url: str
) -> None:
    await import_into(empty_app, show(numbered('first', 1, None, 1)))
    report = await import_into(empty_app, show(numbered('other', 2, None, 1)))
    assert await site_numbers(empty_database_url) == {'first': 1, 'other': 2}
    (warning,) = report.warnings
    assert str(warning).startswith('"Episode other" (other): number 1 is another episode')


INDENTED_HTML = """
    <p>Links from the show:</p>
    <ul>
        <li><a href="https://one.example">One</a> and @_name_ of M*A*S*H</li>
        <li><a href="https://two.example">Two</a></li>
    </ul>
    <p>Also https://three.example</p>
    <script>alert(1)</script>
"""
PLAIN_NOTES = 'First line\nsecond line, https://four.example\n\nA new paragraph.'


async def test_show_notes_come_in_as_written_html_sanitised_plain_text_with_its_breaks(
    empty_app: Quart, empty_database_url: str
) -> None:
    data = show(
        item('html', 2, f'<content:encoded><![CDATA[{INDENTED_HTML}]]></content:encoded>')
        + item('text', 1, f'<description>{PLAIN_NOTES}</description>')
    )
    await import_into(empty_app, data)
    notes = {
        guid: found.findtext('{http://purl.org/rss/1.0/modules/content/}encoded') or ''
        for guid, found in our_items(await feed_of(empty_app)).items()
    }
    assert '<pre>' not in notes['html'] and '<script' not in notes['html']
    assert notes['html'].count('<a href') == 3  # the two links, and the bare address
    assert '@_name_ of M*A*S*H' in notes['html']
    assert notes['text'] == (
        '<p>First line<br>\nsecond line, <a href="https://four.example" rel="noopener nofollow">'
        'https://four.example</a></p><p>A new paragraph.</p>'
    )
    engine = create_async_engine(empty_database_url)
    async with AsyncSession(engine) as session:
        formats = dict(
            (await session.execute(select(Episode.guid, Episode.show_notes_format))).all()
        )
    await engine.dispose()
    assert formats == {'html': 'html', 'text': 'text'}


LINKED = (
    '<podcast:transcript url="https://files.example/1.vtt" type="text/vtt"/>'
    '<podcast:transcript url="https://files.example/1.txt" type="text/plain" language="en"/>'
    '<podcast:chapters url="https://files.example/1.json" type="application/json+chapters"/>'
)


class Files:
    """A stand-in for the network: URLs it has answer, others fail as an offline host does."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.asked: list[str] = []

    async def __call__(self, url: str) -> bytes:
        self.asked.append(url)
        if url not in self.files:
            raise httpx.ConnectError('[Errno 101] Network is unreachable')
        return self.files[url]


async def import_fetching(
    app: Quart, data: bytes, files: Files
) -> feed_import_service.FeedImportReport:
    async with app.app_context():
        return await feed_import_service.import_feed(parse_feed(data), base_dir=None, fetcher=files)


async def test_without_fetching_the_feed_and_page_point_to_the_original_files(
    empty_app: Quart,
) -> None:
    report = await import_into(empty_app, show(item('one', 1, LINKED)))
    assert (report.transcripts_linked, report.chapters_linked) == (1, 1)
    (found,) = (await feed_of(empty_app)).iter('item')
    transcripts = found.findall(f'{{{PODCAST_NS}}}transcript')
    assert [(t.get('url'), t.get('type'), t.get('language')) for t in transcripts] == [
        ('https://files.example/1.vtt', 'text/vtt', None),
        ('https://files.example/1.txt', 'text/plain', 'en'),
    ]
    chapters = found.find(f'{{{PODCAST_NS}}}chapters')
    assert chapters is not None and chapters.get('url') == 'https://files.example/1.json'
    html = await (await empty_app.test_client().get('/episodes/show/1/episode-one')).get_data(
        as_text=True
    )
    assert (
        'href="https://files.example/1.vtt"' in html
        and 'href="https://files.example/1.json"' in html
    )


async def test_when_a_fetch_fails_the_links_stay_and_the_warning_names_the_episode(
    empty_app: Quart,
) -> None:
    report = await import_fetching(empty_app, show(item('one', 1, LINKED)), Files({}))
    assert report.transcripts_linked == 1
    assert str(report.warnings[0]).startswith(
        '"Episode one" (one): transcript https://files.example/1.vtt not imported: '
        'could not be fetched'
    )
    (found,) = (await feed_of(empty_app)).iter('item')
    assert len(found.findall(f'{{{PODCAST_NS}}}transcript')) == 2


async def test_fetched_files_are_served_by_podsite_and_a_broken_one_gives_way_to_the_next(
    empty_app: Quart,
) -> None:
    files = Files({
        'https://files.example/1.vtt': b'WEBVTT\n\nnot a timing\nHello\n',
        'https://files.example/1.txt': b'00:00:01 Ada: Hello.\n\n00:00:03 Bo: Hi.\n\n'
                                       b'00:00:05 Ada: Bye.\n\n00:00:07 Bo: Bye.',
        'https://files.example/1.json': b'{"version": "1.2.0", "chapters": '
                                        b'[{"startTime": 0, "title": "Hi"}]}',
    })  # fmt: skip
    report = await import_fetching(empty_app, show(item('one', 1, LINKED)), files)
    assert (report.transcripts_copied, report.chapters_copied) == (1, 1)
    assert 'transcript https://files.example/1.vtt not imported: line 4' in str(report.warnings[0])
    (found,) = (await feed_of(empty_app)).iter('item')
    urls = [t.get('url') for t in found.findall(f'{{{PODCAST_NS}}}transcript')]
    assert urls == [
        'https://podcast.test/episodes/transcript/1/episode-one.vtt',
        'https://podcast.test/episodes/transcript/1/episode-one.txt',
    ]
    client = empty_app.test_client()
    text = await (await client.get('/episodes/transcript/1/episode-one.txt')).get_data(as_text=True)
    assert 'Ada: Hello.' in text
    # Imported again with the same links, nothing is fetched twice.
    files.asked.clear()
    await import_fetching(empty_app, show(item('one', 1, LINKED)), files)
    assert files.asked == []


async def test_fetching_over_http_reads_a_local_server(tmp_path: Path) -> None:
    (tmp_path / 'chapters.json').write_text('{"chapters": []}')
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    server.RequestHandlerClass.log_message = lambda *_args: None  # type: ignore[method-assign]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f'http://127.0.0.1:{server.server_address[1]}'
        assert (
            await feed_import_service.fetch_over_http(f'{base}/chapters.json')
            == b'{"chapters": []}'
        )
        with pytest.raises(httpx.HTTPStatusError):
            await feed_import_service.fetch_over_http(f'{base}/missing.json')
    finally:
        server.shutdown()
        server.server_close()


GUID = '917393e3-1b1e-5cef-ace4-edaa54e1f810'


async def test_the_shows_guid_is_kept_from_the_feed_or_derived_from_its_old_address(
    empty_app: Quart, empty_database_url: str
) -> None:
    await import_into(empty_app, show(item('a', 1), f'<podcast:guid>{GUID}</podcast:guid>'))
    channel = (await feed_of(empty_app)).find('channel')
    assert channel is not None and channel.findtext(f'{{{PODCAST_NS}}}guid') == GUID
    # A later feed without one keeps it.
    await import_into(empty_app, show(item('a', 1)))
    channel = (await feed_of(empty_app)).find('channel')
    assert channel is not None and channel.findtext(f'{{{PODCAST_NS}}}guid') == GUID


async def test_a_show_without_a_guid_gets_its_old_feeds(empty_app: Quart) -> None:
    self_link = '<atom:link xmlns:atom="http://www.w3.org/2005/Atom" rel="self" href="https://old.example/feed"/>'
    report = await import_into(empty_app, show(item('a', 1), self_link))
    derived = str(uuid.uuid5(uuid.UUID('ead4c236-bf58-58c6-a2c6-a6b28d128cb6'), 'old.example/feed'))
    assert derived in report.identity and 'old feed address' in report.identity
    channel = (await feed_of(empty_app)).find('channel')
    assert channel is not None and channel.findtext(f'{{{PODCAST_NS}}}guid') == derived
    # The old feed's own address is not copied into podsite's feed.
    assert 'old.example/feed' not in etree.tostring(channel).decode()


async def test_a_show_made_in_podsite_keeps_its_guid_when_the_site_moves(
    database_url: str, clock: MovableClock
) -> None:
    async def guid_at(base_url: str) -> str | None:
        app = create_app(settings_for(database_url, base_url=base_url), clock=clock)
        async with app.test_app():
            channel = (await feed_of(app)).find('channel')
        assert channel is not None
        return channel.findtext(f'{{{PODCAST_NS}}}guid')

    assert await guid_at('https://podcast.test') == await guid_at('https://moved.example')


LOCKED = '<podcast:locked owner="owner@example.com">yes</podcast:locked>'


def test_a_locked_feed_is_refused_naming_its_owner_unless_they_import_it(
    runner: CliRunner, tmp_path: Path, empty_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv('PODSITE_DATABASE_URL', empty_database_url)
    monkeypatch.setenv('COLUMNS', '200')
    path = tmp_path / 'locked.xml'
    path.write_bytes(show(item('a', 1), LOCKED))
    before = asyncio.run(snapshot(empty_database_url))
    refused = runner.invoke(cli, ['import-feed', str(path), '--no-fetch'])
    assert refused.exit_code == 1
    output = ' '.join(refused.output.split())
    assert 'locked' in output and 'owner@example.com' in output and '--i-own-this-feed' in output
    assert asyncio.run(snapshot(empty_database_url)) == before
    accepted = runner.invoke(cli, ['import-feed', str(path), '--no-fetch', '--i-own-this-feed'])
    assert accepted.exit_code == 0, accepted.output
    assert '1 created' in accepted.output


PEOPLE = (
    '<podcast:person href="https://ada.example">Ada Lovelace</podcast:person>'
    '<podcast:person role="co-host">Grace Hopper</podcast:person>'
    '<podcast:person role="producer" group="crew">Bo Producer</podcast:person>'
)


async def test_people_channel_ones_all_kept_no_role_a_host_one_guest_across_episodes(
    empty_app: Quart, empty_database_url: str
) -> None:
    guest = '<podcast:person role="guest" href="https://kay.example">Kay Example</podcast:person>'
    respelled = (
        '<podcast:person role="Guest" href="https://kay.example">Kay  Example, PhD</podcast:person>'
    )
    data = show(
        item('b', 2, respelled)
        + item('a', 1, guest + '<podcast:person>Ada Lovelace</podcast:person>'),
        PEOPLE,
    )
    await import_into(empty_app, data)
    channel = (await feed_of(empty_app)).find('channel')
    assert channel is not None
    people = channel.findall(f'{{{PODCAST_NS}}}person')
    assert [(p.text, p.get('role'), p.get('group')) for p in people] == [
        ('Ada Lovelace', 'host', None), ('Grace Hopper', 'co-host', None),
        ('Bo Producer', 'producer', 'crew'),
    ]  # fmt: skip
    engine = create_async_engine(empty_database_url)
    async with AsyncSession(engine) as session:
        rows = (await session.execute(
            select(Episode.guid, Guest.name, EpisodeGuest.role)
            .join(EpisodeGuest, EpisodeGuest.episode_id == Episode.id)
            .join(Guest, Guest.id == EpisodeGuest.guest_id)
        )).all()  # fmt: skip
    await engine.dispose()
    # The feed lists b first: its spelling names the guest both episodes share.
    assert sorted(rows) == [
        ('a', 'Ada Lovelace', 'host'), ('a', 'Kay  Example, PhD', 'guest'),
        ('b', 'Kay  Example, PhD', 'guest'),
    ]  # fmt: skip


CHANNEL_EXTRAS = (
    '<itunes:type>serial</itunes:type><managingEditor>ed@example.com (Ed)</managingEditor>'
    '<webMaster>web@example.com (Web)</webMaster><ttl>60</ttl>'
    '<podcast:medium>podcast</podcast:medium>'
    '<podcast:liveItem status="ended" start="2024-01-01T10:00:00Z"><title>Old</title>'
    '</podcast:liveItem>'
)
ITEM_EXTRAS = (
    '<itunes:author>Guest Author</itunes:author><itunes:keywords>one, two</itunes:keywords>'
    '<itunes:summary>A summary of its own.</itunes:summary><description>Described.</description>'
    '<podcast:alternateEnclosure type="video/mp4" length="20"><podcast:source uri="https://v.example/1.mp4"/></podcast:alternateEnclosure>'
)


async def test_everything_else_the_source_says_survives(empty_app: Quart) -> None:
    data = show(item('video', 2, media='video/mp4') + item('audio', 1, ITEM_EXTRAS), CHANNEL_EXTRAS)
    report = await import_into(empty_app, data)
    xml = await (await empty_app.test_client().get('/episodes/rss')).get_data()
    root = etree.fromstring(xml)
    channel = root.find('channel')
    assert channel is not None
    assert channel.findtext(f'{{{ITUNES_NS}}}type') == 'serial'
    assert (
        channel.findtext('managingEditor'),
        channel.findtext('webMaster'),
        channel.findtext('ttl'),
    ) == ('ed@example.com (Ed)', 'web@example.com (Web)', '60')
    assert channel.findtext(f'{{{PODCAST_NS}}}medium') == 'podcast'
    assert channel.find(f'{{{PODCAST_NS}}}liveItem') is None
    found = our_items(root)
    enclosure = found['video'].find('enclosure')
    assert enclosure is not None and enclosure.get('type') == 'video/mp4'
    assert enclosure.get('url', '').endswith('/episodes/download/2/episode-video.mp4')
    assert (
        await empty_app.test_client().get(enclosure.get('url', '')[len('https://podcast.test') :])
    ).status_code == 302
    # No duration in the source: none in podsite's feed, rather than 0.
    assert found['video'].find(f'{{{ITUNES_NS}}}duration') is None
    audio = found['audio']
    assert audio.findtext(f'{{{ITUNES_NS}}}author') == 'Guest Author'
    assert audio.findtext(f'{{{ITUNES_NS}}}keywords') == 'one, two'
    assert audio.findtext(f'{{{ITUNES_NS}}}summary') == 'A summary of its own.'
    assert audio.find(f'{{{PODCAST_NS}}}alternateEnclosure/{{{PODCAST_NS}}}source') is not None
    # One declaration of the prefix, with the canonical URI, though the source used GitHub's.
    assert xml.count(b'xmlns:podcast=') == 1 and b'github.com' not in xml
    counts = {count.kind: count for count in report.elements}
    assert (counts['managingEditor'].kept, counts['itunes:author'].kept) == (1, 1)
    assert counts['podcast:liveItem'].dropped == 1
    assert 'admin' in counts['podcast:liveItem'].why_dropped
    assert counts['enclosure'].mapped == 2 and counts['item'].mapped == 2


def test_the_report_counts_each_kind_of_element_and_names_episodes(
    runner: CliRunner, tmp_path: Path, empty_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv('PODSITE_DATABASE_URL', empty_database_url)
    monkeypatch.setenv('COLUMNS', '200')
    path = tmp_path / 'feed.xml'
    path.write_bytes(show(item('one', 1, LINKED + ITEM_EXTRAS), CHANNEL_EXTRAS))
    result = runner.invoke(cli, ['import-feed', str(path)])
    assert result.exit_code == 0, result.output
    output = result.output
    assert 'What the import did with each kind of element' in output
    assert re.search(r'│ itunes:author\s+│\s+│ 1 ', output)
    assert re.search(r'│ podcast:liveItem\s+│\s+│\s+│ 1 .*admin', output)
    assert 'Transcripts: 0 episodes served by podsite, 1 linked to the original' in ' '.join(
        output.split()
    )
    assert 'warning "Episode one" (one): transcript' in ' '.join(output.split())
