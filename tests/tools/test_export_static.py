"""`podsite export-static`: the demo site exported to a folder, served by nginx on loopback
and crawled by `podsite check-site`; SQLite and PostgreSQL both, through the test database."""

import asyncio
import json
import re
import shutil
import subprocess
import time
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from podsite.app import create_app
from podsite.cli import cli
from podsite.data import ClickEvent, DownloadEvent, Episode, PlacementImpression
from podsite.infrastructure import db
from podsite.infrastructure.nginx import EXPORT_LOCATIONS, loopback_config
from podsite.services.catalogue.derived_columns import episode_columns
from podsite.tools.static_export import MANIFEST_NAME, file_for
from tests.databases import TEST_SECRET_KEY, settings_for
from tests.servers import free_port

PUBLIC_URL = 'https://podcast.test'
MEDIA_HOST = 'https://media.podsite.example/'
SPONSOR_SITE = r'https://[\w-]+\.example\.com$'
NGINX = shutil.which('nginx') or '/usr/sbin/nginx'
Export = Callable[..., Result]


@pytest.fixture
def export(database_url: str, runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> Export:
    """Runs `podsite export-static` over the demo database, public address PUBLIC_URL, set up
    as in production (where the site answers only its public host name)."""
    for name, value in {
        'ENVIRONMENT': 'production',
        'SECRET_KEY': TEST_SECRET_KEY,
        'DATABASE_URL': database_url,
        'BASE_URL': PUBLIC_URL,
    }.items():
        monkeypatch.setenv(f'PODSITE_{name}', value)

    def run(*arguments: str) -> Result:
        return runner.invoke(cli, ['export-static', '--quiet', *arguments])

    return run


@contextmanager
def nginx_serving(root: Path, port: int, work: Path) -> Iterator[str]:
    """nginx in the foreground on 127.0.0.1:port serving the folder as the README says."""
    if not Path(NGINX).exists():
        pytest.skip('nginx is not installed (apt-get install nginx-light)')
    config = loopback_config(work, root, port=port, locations=EXPORT_LOCATIONS)
    base = f'http://127.0.0.1:{port}'
    with (work / 'nginx.log').open('w') as log:
        process = subprocess.Popen(
            [NGINX, '-p', str(work), '-c', str(config)], stdout=log, stderr=log
        )
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    with urllib.request.urlopen(f'{base}/sitemap.xml', timeout=1):  # noqa: S310
                        break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(
                            f'nginx did not start: {(work / "nginx-error.log").read_text()}'
                        ) from None
                    time.sleep(0.1)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=10)


def summary(result: Result) -> dict[str, int]:
    """The numbers of the summary table by column name."""
    lines = [line for line in result.stdout.splitlines() if '│' in line or '┃' in line]
    header = [cell.strip() for cell in lines[0].strip('┃ ').split('┃')]
    values = [cell.strip() for cell in lines[1].strip('│ ').split('│')]
    return {name: int(float(value)) for name, value in zip(header, values, strict=True)}


def html_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob('*.html'))


def test_the_export_served_by_nginx_passes_check_site_with_links(
    export: Export, runner: CliRunner, tmp_path: Path
) -> None:
    port = free_port()
    site = tmp_path / 'site'
    nginx_work = tmp_path / 'nginx'
    nginx_work.mkdir()

    result = export(str(site), '--base-url', f'http://127.0.0.1:{port}')

    assert result.exit_code == 0, result.output
    assert 'not counted on a static export' in result.output
    assert 'Off on a static host: search' in result.output
    counts = summary(result)
    assert counts['pages'] > 40 and counts['written'] == counts['files']
    with nginx_serving(site, port, nginx_work) as base:
        report_path = tmp_path / 'report.json'
        checked = runner.invoke(
            cli, ['check-site', base, '--links', '--quiet', '--json', str(report_path)]
        )
        report = json.loads(report_path.read_text())
        with urllib.request.urlopen(f'{base}/episodes/rss') as response:  # noqa: S310
            assert response.headers['Content-Type'] == 'application/rss+xml'

    assert checked.exit_code == 0, checked.output
    assert report['failed'] == 0
    assert report['host_rewrites'] == {}
    checked_urls = {r['url'] for r in report['results']}
    assert {f'{base}/episodes/rss', f'{base}/episodes/all', f'{base}/guests'} <= checked_urls
    assert any('/static/css/site.css?v=' in url for url in checked_urls)
    assert any(url.endswith('.vtt') for url in checked_urls)


def test_downloads_and_sponsor_links_point_straight_at_their_targets_and_count_nothing(
    export: Export, database_url: str, tmp_path: Path
) -> None:
    site = tmp_path / 'site'

    result = export(str(site))

    assert result.exit_code == 0, result.output
    episode_page = next(site.glob('episodes/show/1/*/index.html')).read_text()
    download = re.search(r'<a href="([^"]+)">Download MP3</a>', episode_page)
    assert download is not None and download.group(1).startswith(MEDIA_HOST)
    assert 'application/json+oembed' not in episode_page  # oEmbed needs the server
    assert next(site.glob('episodes/embed/1/*/index.html')).is_file()  # the player to frame
    feed = (site / 'episodes' / 'rss').read_text()
    enclosures = re.findall(r'<enclosure url="([^"]+)"', feed)
    assert enclosures and all(url.startswith(MEDIA_HOST) for url in enclosures)
    for path in [*html_files(site), site / 'episodes' / 'rss']:
        text = path.read_text()
        assert '/episodes/download/' not in text, path
        assert not re.search(r'(href="|https://podcast\.test)/r/', text), path
    sponsor_links = [
        url
        for page in site.glob('episodes/show/*/*/index.html')
        for url in re.findall(r'<a href="([^"]+)" rel="sponsored', page.read_text())
    ]
    sponsor_links += re.findall(r'Sponsored by:</p><ul><li><a href="([^"]+)"', feed)
    assert sponsor_links and all(re.match(SPONSOR_SITE, url) for url in sponsor_links)
    assert asyncio.run(_recorded_events(database_url)) == 0
    assert '/account/login' not in (site / 'index.html').read_text()


def test_a_base_url_with_a_path_prefixes_every_link(export: Export, tmp_path: Path) -> None:
    site = tmp_path / 'site'
    port = free_port()
    target = f'http://127.0.0.1:{port}/sub'

    result = export(str(site), '--base-url', f'{target}/')

    assert result.exit_code == 0, result.output
    home = (site / 'index.html').read_text()
    assert 'href="/sub/episodes/all"' in home
    assert re.search(r'href="/sub/static/css/site\.css\?v=\w+"', home)
    assert f'<link rel="canonical" href="{target}/">' in home
    for page in html_files(site):
        text = page.read_text()
        assert not re.search(r'\s(href|src|action)="/(?!sub/|/)', text), page
        assert PUBLIC_URL not in text, page
    locations = re.findall(r'<loc>([^<]+)</loc>', (site / 'sitemap.xml').read_text())
    assert locations and all(loc.startswith(f'{target}/') for loc in locations)
    assert f'Sitemap: {target}/sitemap.xml' in (site / 'robots.txt').read_text()
    assert f'{target}/episodes/rss' in (site / 'episodes' / 'rss').read_text()


@asynccontextmanager
async def database(database_url: str) -> AsyncIterator[AsyncSession]:
    """A session on the test database, to change what the next export finds."""
    settings = settings_for(database_url)
    app = create_app(settings)
    db.open_database_for(app, settings)
    try:
        async with app.app_context():
            yield db.session()
    finally:
        await db.close_database_for(app)


async def _recorded_events(database_url: str) -> int:
    """Downloads, clicks and sponsor impressions stored in the database."""
    async with database(database_url) as session:
        counts = [
            await session.scalar(select(func.count()).select_from(table))
            for table in (DownloadEvent, ClickEvent, PlacementImpression)
        ]
    return sum(count or 0 for count in counts)


async def _delete_episode(database_url: str, number: int) -> str:
    async with database(database_url) as session:
        slug = await session.scalar(select(Episode.slug).where(Episode.number == number))
        await session.execute(delete(Episode).where(Episode.number == number))
        await session.commit()
    assert slug is not None
    return slug


async def _link_show_notes_to(database_url: str, number: int, path: str) -> None:
    async with database(database_url) as session:
        episode = await session.scalar(select(Episode).where(Episode.number == number))
        assert episode is not None
        episode.show_notes = f'{episode.show_notes}\n\n[A broken link]({path})'
        for column, value in episode_columns(show_notes=episode.show_notes).items():
            setattr(episode, column, value)
        await session.commit()


def test_a_second_run_writes_only_what_changed_and_removes_only_its_own_files(
    export: Export, database_url: str, tmp_path: Path
) -> None:
    site = tmp_path / 'site'
    first = export(str(site))
    assert first.exit_code == 0, first.output
    mine = site / 'episodes' / 'notes-of-the-host.txt'
    mine.write_text('not written by the export')

    again = export(str(site))

    assert again.exit_code == 0, again.output
    counts = summary(again)
    assert counts['written'] == 0 and counts['removed'] == 0
    assert counts['unchanged'] == counts['files'] == summary(first)['files']

    assert (site / 'episodes' / 'show' / '7').is_dir()
    assert (site / 'episodes' / 'transcript' / '7').is_dir()
    slug = asyncio.run(_delete_episode(database_url, 7))
    after_delete = export(str(site))

    assert after_delete.exit_code == 0, after_delete.output
    counts = summary(after_delete)
    assert counts['removed'] >= 1 and 0 < counts['written'] < counts['files']
    assert not (site / 'episodes' / 'show' / '7').exists()
    assert not (site / 'episodes' / 'transcript' / '7').exists()
    assert f'/episodes/show/7/{slug}' not in (site / 'sitemap.xml').read_text()
    assert mine.read_text() == 'not written by the export'
    manifest = json.loads((site / MANIFEST_NAME).read_text())
    assert f'episodes/show/7/{slug}/index.html' not in manifest['files']
    assert 'index.html' in manifest['files']


def test_a_page_that_does_not_answer_200_is_listed_and_exits_1(
    export: Export, database_url: str, tmp_path: Path
) -> None:
    asyncio.run(_link_show_notes_to(database_url, 3, '/guests/nobody-by-that-name'))

    result = export(str(tmp_path / 'site'))

    assert result.exit_code == 1
    assert '/guests/nobody-by-that-name' in result.output and 'HTTP 404' in result.output


@pytest.mark.parametrize(
    ('arguments', 'message'),
    [
        (['--base-url', 'ftp://example.org'], 'is not an http(s) URL'),
        (['--base-url', 'example.org/podcast'], 'is not an http(s) URL'),
        (['--base-url', 'http://example.org:port'], 'invalid port'),
    ],
)
def test_a_bad_base_url_exits_2(
    runner: CliRunner, tmp_path: Path, arguments: list[str], message: str
) -> None:
    result = runner.invoke(cli, ['export-static', str(tmp_path / 'site'), *arguments])
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / 'site').exists()


def test_a_folder_that_is_a_file_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / 'site').write_text('a file')
    result = runner.invoke(cli, ['export-static', str(tmp_path / 'site')])
    assert result.exit_code == 2
    assert 'is not a folder' in result.output


@pytest.mark.parametrize(
    ('path', 'content_type', 'file'),
    [
        ('/', 'text/html; charset=utf-8', 'index.html'),
        ('/guests', 'text/html; charset=utf-8', 'guests/index.html'),
        ('/episodes/rss', 'application/rss+xml; charset=utf-8', 'episodes/rss'),
        (
            '/episodes/transcript/3/intro.vtt',
            'text/vtt; charset=utf-8',
            'episodes/transcript/3/intro.vtt',
        ),
        ('/static/css/site.css', 'text/css; charset=utf-8', 'static/css/site.css'),
        ('/episodes/%2e%2e/%2e%2e/etc/passwd', 'text/plain', None),
        ('/a%2fb', 'text/html', None),
    ],
)
def test_paths_map_to_files_a_static_server_finds(
    path: str, content_type: str, file: str | None
) -> None:
    assert file_for(path, content_type) == file
