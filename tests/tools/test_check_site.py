"""`podsite check-site` against real servers on 127.0.0.1: podsite itself (Granian over the
test database, so SQLite and PostgreSQL both) and a small site broken on purpose."""

import contextlib
import json
import threading
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

import pytest
from typer.testing import CliRunner

from podsite.cli import cli
from podsite.tools.site_check import parse_sitemap
from tests.databases import DatabaseFactory
from tests.servers import free_port, http_server, podsite_server

PUBLIC_URL = 'https://podcast.test'
CheckSite = Callable[..., tuple[int, dict[str, Any], str]]


@pytest.fixture(scope='module')
async def podsite(
    databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """podsite over the demo catalogue, its public address not the one it is checked on."""
    url = await databases.copy(f'{databases.prefix}_demo')
    try:
        with podsite_server(url, tmp_path_factory.mktemp('podsite'), base_url=PUBLIC_URL) as base:
            yield base
    finally:
        await databases.drop(url)


@pytest.fixture
def check_site(runner: CliRunner) -> CheckSite:
    """Runs `podsite check-site` with its JSON report to `report`; gives back the exit code,
    the report (empty if none was written) and the output."""

    def run(*arguments: str, report: Path) -> tuple[int, dict[str, Any], str]:
        result = runner.invoke(cli, ['check-site', *arguments, '--json', str(report)])
        data = json.loads(report.read_text()) if report.exists() else {}
        return result.exit_code, data, result.output

    return run


def by_url(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {result['url']: result for result in report['results']}


def test_every_sitemap_url_of_podsite_answers(
    check_site: CheckSite, podsite: str, tmp_path: Path
) -> None:
    with urllib.request.urlopen(f'{podsite}/sitemap.xml') as response:  # noqa: S310
        listed = parse_sitemap(response.read()).locations

    code, report, output = check_site(podsite, report=tmp_path / 'report.json')

    assert code == 0, output
    assert report['failed'] == 0
    assert report['host_rewrites'] == {PUBLIC_URL: podsite}
    assert f'checked on {podsite}' in output
    pages = {r['url'] for r in report['results'] if r['kind'] == 'page'}
    assert pages == {location.replace(PUBLIC_URL, podsite) for location in listed}
    assert len(pages) > 40


def test_with_links_every_internal_link_of_podsite_answers(
    check_site: CheckSite, podsite: str, tmp_path: Path
) -> None:
    code, report, output = check_site(podsite, '--links', report=tmp_path / 'report.json')

    assert code == 0, output
    results = by_url(report)
    links = [r for r in report['results'] if r['kind'] == 'link']
    assert any('/static/' in r['url'] for r in links)
    assert f'{podsite}/episodes/rss' in results
    downloads = [r for r in links if '/episodes/download/' in r['url']]
    assert downloads
    assert all(r['ok'] and 'off-site' in r['reason'] for r in downloads)


class BrokenSite(BaseHTTPRequestHandler):
    """A site with one of each problem; it records what it was asked."""

    requests: ClassVar[list[tuple[str, str]]] = []
    flaky_calls: ClassVar[int] = 0
    # The slow page answers only once the test is over, however long the checker waits.
    slow_page_released: ClassVar[threading.Event] = threading.Event()
    PAGES: ClassVar[dict[str, tuple[int, dict[str, str], bytes]]] = {
        '/sitemap.xml': (200, {}, b"""<?xml version="1.0"?>
            <sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
            <sitemap><loc>/sitemap-pages.xml</loc></sitemap>
            <sitemap><loc>/sitemap.xml</loc></sitemap>
            <sitemap><loc>/sitemap-more.xml</loc></sitemap></sitemapindex>"""),
        '/sitemap-more.xml': (200, {}, b"""<sitemapindex>
            <sitemap><loc>/sitemap-pages.xml</loc></sitemap>
            <sitemap><loc>/sitemap-broken.xml</loc></sitemap></sitemapindex>"""),
        '/sitemap-broken.xml': (200, {}, b'<urlset><url><loc>/never'),
        '/sitemap-pages.xml': (200, {}, b'<urlset>' + b''.join(
            b'<url><loc>%s</loc></url>' % path for path in (
                b'/ok', b'/server-error', b'/missing', b'/loop-a', b'/slow', b'/links',
                b'/moved', b'/hop/3', b'/flaky', b'/ok',
            )
        ) + b'</urlset>'),
        '/ok': (200, {'Content-Type': 'text/html'}, b'<p>fine</p>'),
        '/not-a-site/sitemap.xml': (200, {}, b'<html><body>Welcome</body></html>'),
        '/server-error': (500, {}, b'oops'),
        '/loop-a': (302, {'Location': '/loop-b'}, b''),
        '/loop-b': (302, {'Location': '/loop-a'}, b''),
        '/moved': (301, {'Location': '/ok'}, b''),
        '/hop/3': (302, {'Location': '/hop/2'}, b''),
        '/hop/2': (302, {'Location': '/hop/1'}, b''),
        '/hop/1': (302, {'Location': '/hop/0'}, b''),
        '/hop/0': (200, {}, b'arrived'),
        '/r/offsite': (302, {'Location': 'https://media.invalid/episode.mp3'}, b''),
        '/media/episode.mp3': (200, {'Content-Type': 'audio/mpeg'}, b'\xff\xfb' * 50_000),
        '/links': (200, {'Content-Type': 'text/html; charset=utf-8'}, b"""<html><body>
            <a href="/ok">fine</a> <a href="/nowhere">broken</a> <img src="/missing.png">
            <a href="https://elsewhere.invalid/">elsewhere</a> <a href="/r/offsite">short</a>
            <audio src="/media/episode.mp3"></audio></body></html>"""),
    }  # fmt: skip

    def do_GET(self) -> None:
        self.answer(with_body=True)

    def do_HEAD(self) -> None:
        self.answer(with_body=False)

    def answer(self, *, with_body: bool) -> None:
        type(self).requests.append((self.command, self.path))
        status, headers, body = self.PAGES.get(self.path, (404, {}, b'not here'))
        if self.path == '/slow':
            self.slow_page_released.wait()
            status, headers, body = 200, {}, b'too late'
        if self.path == '/flaky':
            type(self).flaky_calls += 1
            status = 503 if self.flaky_calls == 1 else 200
        # The checker hangs up on the slow page on purpose.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            if with_body:
                self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test asserts on `requests` instead."""


@pytest.fixture
def broken_site() -> Iterator[str]:
    BrokenSite.requests = []
    BrokenSite.flaky_calls = 0
    BrokenSite.slow_page_released = threading.Event()
    with http_server(BrokenSite) as base:
        try:
            yield base
        finally:
            BrokenSite.slow_page_released.set()


def test_a_broken_site_has_each_failure_reported_with_its_reason(
    check_site: CheckSite, broken_site: str, tmp_path: Path
) -> None:
    code, report, output = check_site(
        broken_site, '--links', '--timeout', '1.5', '--max-redirects', '2', '--retries', '1',
        report=tmp_path / 'report.json',
    )  # fmt: skip

    assert code == 1, output
    failures = {r['url'].removeprefix(broken_site): r for r in report['results'] if not r['ok']}
    reasons = {url: result['reason'] for url, result in failures.items()}
    assert reasons['/server-error'] == 'HTTP 500'
    assert reasons['/missing'] == 'HTTP 404'
    assert reasons['/loop-a'].startswith('redirect loop:')
    assert reasons['/slow'].startswith('timeout')
    assert reasons['/hop/3'].startswith('too many redirects: more than 2')
    assert 'not well-formed XML' in reasons['/sitemap-broken.xml']
    assert reasons['/nowhere'] == reasons['/missing.png'] == 'HTTP 404'
    assert (
        failures['/nowhere']['source']
        == failures['/missing.png']['source']
        == (f'{broken_site}/links')
    )
    assert len(failures) == 8
    assert '8 failed' in output


def test_a_broken_site_reads_each_sitemap_and_url_once_and_never_downloads_media(
    check_site: CheckSite, broken_site: str, tmp_path: Path
) -> None:
    _, report, _ = check_site(
        broken_site, '--links', '--timeout', '1.5', '--retries', '1', report=tmp_path / 'r.json'
    )

    results = by_url(report)
    assert len(results) == len(report['results'])
    assert report['sitemaps'] == [f'{broken_site}/sitemap.xml', f'{broken_site}/sitemap-pages.xml',
                                  f'{broken_site}/sitemap-more.xml']  # fmt: skip
    assert any('read once' in note for note in report['notes'])
    assert results[f'{broken_site}/flaky']['ok']
    assert results[f'{broken_site}/moved']['outcome'] == '3xx → 200'
    short_link = results[f'{broken_site}/r/offsite']
    assert short_link['ok'] and short_link['outcome'] == '302 → off-site'
    assert 'https://elsewhere.invalid/' not in results
    media_requests = [m for m, path in BrokenSite.requests if path in {'/media/episode.mp3',
                                                                      '/r/offsite'}]  # fmt: skip
    assert media_requests == ['HEAD', 'HEAD']
    assert BrokenSite.requests.count(('GET', '/sitemap-pages.xml')) == 1


def test_the_report_can_go_to_standard_output_and_the_summary_to_standard_error(
    runner: CliRunner, broken_site: str
) -> None:
    arguments = ['check-site', broken_site, '--quiet', '--timeout', '1.5', '--json', '-']
    result = runner.invoke(cli, arguments)

    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report['failed'] == len([r for r in report['results'] if not r['ok']]) > 0
    assert 'URLs checked' in result.stderr


def test_a_site_without_a_server_exits_2_with_the_reason(
    check_site: CheckSite, tmp_path: Path
) -> None:
    code, _, output = check_site(f'http://127.0.0.1:{free_port()}', report=tmp_path / 'r.json')
    assert code == 2
    assert 'cannot read the sitemap' in output and 'connection error' in output


def test_a_base_url_that_is_not_http_exits_2(check_site: CheckSite, tmp_path: Path) -> None:
    code, _, output = check_site('localhost:8000', report=tmp_path / 'r.json')
    assert code == 2
    assert 'is not an http(s) URL' in output


def test_a_missing_sitemap_exits_2(check_site: CheckSite, broken_site: str, tmp_path: Path) -> None:
    code, _, output = check_site(f'{broken_site}/ok', report=tmp_path / 'r.json')
    assert code == 2
    assert 'cannot read the sitemap' in output and 'HTTP 404' in output


def test_a_sitemap_that_is_not_one_exits_2(
    check_site: CheckSite, broken_site: str, tmp_path: Path
) -> None:
    code, _, output = check_site(f'{broken_site}/not-a-site', report=tmp_path / 'r.json')
    assert code == 2
    assert 'not a sitemap: the root element is <html>' in output
