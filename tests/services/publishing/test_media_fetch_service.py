"""`podsite import-feed --fetch-media`: an imported show's audio is downloaded into the
media folder from a loopback server, read for its real size and length, resumed with a
Range request after a cut, and not fetched again once stored."""

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine
from typer.testing import CliRunner

from podsite.cli import cli
from podsite.data import Episode
from tests.audio import SECONDS, AudioSamples


class AudioHost(BaseHTTPRequestHandler):
    """Serves `files` with byte ranges (`bytes=N-`); a path in `cut_once` is cut off half
    way the first time, its full length announced, as a dropped connection would."""

    files: ClassVar[dict[str, bytes]] = {}
    cut_once: ClassVar[set[str]] = set()
    asked: ClassVar[list[tuple[str, str | None]]] = []

    def do_GET(self) -> None:
        self.asked.append((self.path, self.headers.get('Range')))
        data = self.files.get(self.path)
        if data is None:
            self.send_error(404)
            return
        start = 0
        asked_range = self.headers.get('Range')
        if asked_range is not None:
            start = int(asked_range.removeprefix('bytes=').removesuffix('-'))
            if start >= len(data):
                self.send_response(416)
                self.send_header('Content-Range', f'bytes */{len(data)}')
                self.end_headers()
                return
            self.send_response(206)
            self.send_header('Content-Range', f'bytes {start}-{len(data) - 1}/{len(data)}')
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header('Content-Length', str(len(body)))
        self.send_header('Accept-Ranges', 'bytes')
        self.end_headers()
        if self.path in self.cut_once:
            self.cut_once.discard(self.path)
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
            return
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        """Quiet."""


@pytest.fixture
def audio_host() -> Iterator[str]:
    server = ThreadingHTTPServer(('127.0.0.1', 0), AudioHost)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f'http://127.0.0.1:{server.server_address[1]}'
    finally:
        server.shutdown()
        server.server_close()
        AudioHost.files.clear()
        AudioHost.cut_once.clear()
        AudioHost.asked.clear()


def feed(base: str, episodes: list[tuple[str, str]]) -> str:
    items = ''.join(
        f'<item><title>Episode {guid}</title><guid>{guid}</guid>'
        f'<pubDate>{day + 1:02d} Jan 2024 10:00:00 GMT</pubDate>'
        f'<itunes:duration>99:00</itunes:duration>'
        f'<enclosure url="{base}/{path}" length="1" type="audio/mpeg"/></item>'
        for day, (guid, path) in enumerate(episodes)
    )
    return (
        '<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">'
        f'<channel><title>Moved</title>{items}</channel></rss>'
    )


async def stored(database_url: str) -> dict[str, tuple[str | None, int, int, str]]:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(Episode.guid, Episode.media_file, Episode.media_size_bytes,
                       Episode.duration_seconds, Episode.media_type)
            )  # fmt: skip
            return {row.guid: tuple(row)[1:] for row in rows}  # type: ignore[misc]
    finally:
        await engine.dispose()


def test_the_shows_audio_is_fetched_resumed_and_not_fetched_twice(
    runner: CliRunner,
    empty_database_url: str,
    audio_host: str,
    audio: AudioSamples,
    tmp_path: Path,
) -> None:
    media = tmp_path / 'media'
    AudioHost.files.update({
        '/one.mp3': audio.mp3_cbr.read_bytes(),
        '/two.m4a': audio.m4a.read_bytes(),
        '/three.mp3': audio.mp3_vbr.read_bytes(),
        '/cover.mp3': audio.png_named_mp3.read_bytes(),
    })  # fmt: skip
    AudioHost.cut_once.add('/three.mp3')
    source = tmp_path / 'feed.xml'
    episodes = [('one', 'one.mp3'), ('two', 'two.m4a'), ('three', 'three.mp3'),
                ('cover', 'cover.mp3')]  # fmt: skip
    source.write_text(feed(audio_host, episodes))
    env = {'PODSITE_DATABASE_URL': empty_database_url, 'PODSITE_MEDIA_DIR': str(media)}

    first = runner.invoke(cli, ['import-feed', str(source), '--fetch-media'], env=env)
    said = ' '.join(first.output.split())
    assert first.exit_code == 1, first.output  # the cut file and the PNG failed
    assert 'Audio: 2 files stored' in said
    assert 'episode 3: RemoteProtocolError' in said  # cut off half way
    assert 'The file is a PNG image, not MP3 or M4A audio. Its audio stays at its URL.' in said
    after_first = asyncio.run(stored(empty_database_url))
    one_file, one_size, one_seconds, one_type = after_first['one']
    assert one_file is not None and (media / one_file).read_bytes() == AudioHost.files['/one.mp3']
    assert (one_size, one_seconds, one_type) == (len(AudioHost.files['/one.mp3']), SECONDS,
                                                 'audio/mpeg')  # fmt: skip
    assert after_first['two'][0] is not None and after_first['two'][3] == 'audio/x-m4a'
    assert after_first['three'][0] is None and after_first['cover'][0] is None
    assert len(list((media / '.incoming').iterdir())) == 1  # the half of three, kept

    AudioHost.asked.clear()
    second = runner.invoke(cli, ['import-feed', str(source), '--fetch-media'], env=env)
    assert 'Audio: 1 files stored' in ' '.join(second.output.split()), second.output
    half = len(AudioHost.files['/three.mp3']) // 2
    assert ('/three.mp3', f'bytes={half}-') in AudioHost.asked  # resumed, not restarted
    assert not any(path in {'/one.mp3', '/two.m4a'} for path, _ in AudioHost.asked)
    three_file = asyncio.run(stored(empty_database_url))['three'][0]
    assert three_file is not None
    assert (media / three_file).read_bytes() == AudioHost.files['/three.mp3']
    assert list((media / '.incoming').iterdir()) == []
