"""Listeners browsing a podcast site, weighted like real traffic: mostly episode pages and
the home page, then downloads, the feed (podcast apps mostly revalidate it with
If-None-Match), search, transcripts and guests, and the odd login.

`make load` (bench/load.py) starts a demo site and runs this headless. Pages are picked
from the site's sitemap when the test starts. Environment:

- `PODSITE_LOAD_EMAIL`, `PODSITE_LOAD_PASSWORD`: a listener account for the login task
  (skipped without one);
- `PODSITE_LOAD_SHORT_LINKS`: comma-separated short-link names, requested as `/r/<name>`
  (skipped when empty).

Named locustfile.py so that pytest never collects it.
"""

import os
import random
import re
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task
from locust.env import Environment

from podsite.tools.site_check import parse_sitemap

SEARCHES = (
    'pytest', 'async', 'Django', 'data pipelines', 'packaging', 'Polars', 'type hints',
    'testing flaky tests', 'WebSockets', 'uv lock files',
)  # fmt: skip
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
DOWNLOAD = re.compile(r'href="(?:https?://[^/"]+)?(/episodes/download/[^"]+)"')
EMAIL = os.environ.get('PODSITE_LOAD_EMAIL', '')
PASSWORD = os.environ.get('PODSITE_LOAD_PASSWORD', '')
SHORT_LINKS = [n.strip() for n in os.environ.get('PODSITE_LOAD_SHORT_LINKS', '').split(',')]
SHORT_LINKS = [name for name in SHORT_LINKS if name]
REDIRECTS = {301, 302, 303, 307, 308}
PAGES: dict[str, list[str]] = {'episodes': [], 'transcripts': [], 'guests': []}


def _read(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (the tested site)
        body: bytes = response.read()
        return body


@events.test_start.add_listener
def pick_pages_from_the_sitemap(environment: Environment, **_: Any) -> None:
    """Paths only: the sitemap names the site's public address, not the one under test."""
    host = (environment.host or '').rstrip('/')
    sitemap = parse_sitemap(_read(f'{host}/sitemap.xml'))
    locations = sitemap.locations
    if sitemap.is_index:
        locations = [
            location
            for nested in sitemap.locations
            for location in parse_sitemap(_read(host + urlsplit(nested).path)).locations
        ]
    for location in locations:
        path = urlsplit(location).path
        for kind in PAGES:
            prefix = {'episodes': '/episodes/show/', 'transcripts': '/episodes/transcript/',
                      'guests': '/guests/'}[kind]  # fmt: skip
            if path.startswith(prefix):
                PAGES[kind].append(path)
    if not PAGES['episodes']:
        raise RuntimeError(f'the sitemap of {host} lists no episode page')


class Listener(HttpUser):
    wait_time = between(1, 5)

    def on_start(self) -> None:
        self.downloads: list[str] = []
        self.feed_etag = ''

    @task(10)
    def home(self) -> None:
        self.client.get('/')

    @task(25)
    def episode(self) -> None:
        response = self.client.get(random.choice(PAGES['episodes']), name='/episodes/show/[n]')
        self.downloads.extend(DOWNLOAD.findall(response.text)[:1])

    @task(5)
    def transcript(self) -> None:
        if PAGES['transcripts']:
            self.client.get(random.choice(PAGES['transcripts']), name='/episodes/transcript/[n]')

    @task(3)
    def guest(self) -> None:
        self.client.get('/guests')
        if PAGES['guests']:
            self.client.get(random.choice(PAGES['guests']), name='/guests/[slug]')

    @task(2)
    def all_episodes(self) -> None:
        self.client.get('/episodes/all')

    @task(6)
    def search(self) -> None:
        self.client.get('/search', params={'q': random.choice(SEARCHES)}, name='/search?q=[q]')

    @task(5)
    def feed(self) -> None:
        """A podcast app polling: the full feed the first time, then If-None-Match (304)."""
        if not self.feed_etag:
            response = self.client.get('/episodes/rss', name='/episodes/rss (full)')
            self.feed_etag = response.headers.get('ETag', '')
            return
        with self.client.get(
            '/episodes/rss',
            headers={'If-None-Match': self.feed_etag},
            name='/episodes/rss (If-None-Match)',
            catch_response=True,
        ) as response:
            if response.status_code == 304:
                response.success()
            elif response.status_code == 200:
                self.feed_etag = response.headers.get('ETag', '')
                response.success()
            else:
                response.failure(f'HTTP {response.status_code}')

    @task(8)
    def download(self) -> None:
        """The counted redirect only: the media host is not part of the site under test."""
        if not self.downloads:
            self.episode()
        if not self.downloads:
            return
        self.expect_redirect(random.choice(self.downloads), name='/episodes/download/[n]')

    # Weight 0 (never picked) when no short link names are given.
    @task(3 if SHORT_LINKS else 0)
    def short_link(self) -> None:
        self.expect_redirect(f'/r/{random.choice(SHORT_LINKS)}', name='/r/[name]')

    @task(1 if EMAIL else 0)
    def login(self) -> None:
        """Log in, see the account page, log out: each step with the page's CSRF token."""
        token = CSRF.search(self.client.get('/account/login').text)
        if token is None:
            return
        form = {'email': EMAIL, 'password': PASSWORD, 'csrf_token': token.group(1)}
        with self.client.post(
            '/account/login', data=form, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 302:
                response.failure(f'login refused: HTTP {response.status_code}')
                return
        account = CSRF.search(self.client.get('/account').text)
        if account is not None:
            self.client.post('/account/logout', data={'csrf_token': account.group(1)})

    def expect_redirect(self, path: str, *, name: str) -> None:
        with self.client.get(
            path, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code in REDIRECTS or response.status_code in {200, 206}:
                response.success()
            else:
                response.failure(f'HTTP {response.status_code}')
