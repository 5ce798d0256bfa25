"""`podsite check-site`: requests every URL a site's sitemap lists (nested sitemap indexes
too) and, with `links`, every internal link of those pages, and reports what a visitor or a
crawler would find broken: error statuses, timeouts, connection errors, redirect loops.

Only the sitemaps.org protocol and HTML are assumed, so it works against any site.
Redirects are followed here rather than by httpx so that loops and chains can be reported,
and a redirect to another host is recorded as fine without requesting that host.
"""

import asyncio
import json
import time
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx
from lxml import etree, html
from rich.console import Console
from rich.table import Table

SITEMAP_PATH = '/sitemap.xml'
USER_AGENT = 'podsite-check-site/1.0'
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# A generated index that keeps pointing at new sitemaps must not keep the check running.
MAX_SITEMAPS = 1_000
# Sitemaps may hold 50 MB uncompressed (sitemaps.org); pages larger than this are not parsed.
MAX_SITEMAP_BYTES = 50 * 1024 * 1024
MAX_PAGE_BYTES = 5 * 1024 * 1024
# Links to media are checked with HEAD (or a GET closed after the headers), never downloaded.
MEDIA_ELEMENTS = frozenset({'audio', 'video', 'source'})
MEDIA_SUFFIXES = ('.mp3', '.m4a', '.aac', '.ogg', '.opus', '.wav', '.flac', '.mp4', '.webm')
MEDIA_PATHS = ('/r/', '/episodes/download/')
LINK_ATTRIBUTES = {
    'a': 'href', 'link': 'href', 'script': 'src', 'img': 'src',
    'audio': 'src', 'video': 'src', 'source': 'src', 'iframe': 'src', 'meta': 'content',
}  # fmt: skip
# The link previews' URLs (`<meta property|name=... content=...>`): the embedded player
# (`twitter:player`) is linked from nowhere else, and the media ones play.
PREVIEW_URLS = frozenset({'og:url', 'og:image', 'twitter:image', 'twitter:player'})
PREVIEW_MEDIA = frozenset({'og:audio', 'og:video', 'twitter:player:stream'})
# As formats/feed_parser.py: no entity expansion, no network, no DTD.
_XML_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
)

Kind = Literal['sitemap', 'page', 'link']
# Which response bodies a request reads: none, HTML pages only, or any (sitemaps).
Read = Literal['never', 'html', 'any']


class SiteCheckError(Exception):
    """The check cannot start: a bad base URL, or a sitemap that cannot be read."""


class SitemapError(ValueError):
    """A document that is not a readable sitemap; the message says why."""


@dataclass(frozen=True)
class Sitemap:
    is_index: bool
    locations: list[str]


def parse_sitemap(data: bytes) -> Sitemap:
    """A `<urlset>` (page URLs) or a `<sitemapindex>` (sitemap URLs), gzipped or not."""
    if data[:2] == b'\x1f\x8b':
        try:
            data = zlib.decompressobj(wbits=31).decompress(data, MAX_SITEMAP_BYTES)
        except zlib.error as error:
            raise SitemapError(f'broken gzip data: {error}') from error
    try:
        root = etree.fromstring(data, _XML_PARSER)
    except etree.XMLSyntaxError as error:
        raise SitemapError(f'not well-formed XML: {error.msg}') from error
    tag = etree.QName(root).localname
    if tag not in {'urlset', 'sitemapindex'}:
        raise SitemapError(f'not a sitemap: the root element is <{tag}>, not <urlset>')
    locations = [
        loc.text.strip() for loc in root.iterfind('{*}*/{*}loc') if loc.text and loc.text.strip()
    ]
    return Sitemap(is_index=tag == 'sitemapindex', locations=locations)


def page_links(body: bytes, page_url: str) -> list[tuple[str, bool]]:
    """Absolute http(s) URLs (without fragments) an HTML page links to or loads, each once,
    with whether the element plays media."""
    try:
        document = html.document_fromstring(body)
    except (etree.ParserError, ValueError):
        return []
    base_element = document.find('.//base[@href]')
    base = urljoin(page_url, base_element.get('href', '')) if base_element is not None else page_url
    links: dict[str, bool] = {}
    for element in document.iter(*LINK_ATTRIBUTES):
        preview = element.get('property') or element.get('name') or ''
        if element.tag == 'meta' and preview not in PREVIEW_URLS | PREVIEW_MEDIA:
            continue
        value = (element.get(LINK_ATTRIBUTES[element.tag]) or '').strip()
        if not value:
            continue
        url = urljoin(base, value).split('#', 1)[0]
        if urlsplit(url).scheme in {'http', 'https'}:
            parent = element.getparent()
            is_media = (
                element.tag in MEDIA_ELEMENTS
                or (parent is not None and parent.tag in MEDIA_ELEMENTS)
                or preview in PREVIEW_MEDIA
            )
            links[url] = links.get(url, False) or is_media
    return list(links.items())


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f'{parts.scheme.lower()}://{parts.netloc.lower()}'


def base_url_of(text: str) -> str:
    """The base URL without a trailing slash; `SiteCheckError` if it is not http(s)."""
    parts = urlsplit(text.strip())
    try:
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError as error:
        raise SiteCheckError(f'{text!r} has an invalid port') from error
    if parts.scheme.lower() not in {'http', 'https'} or not parts.hostname:
        raise SiteCheckError(f'{text!r} is not an http(s) URL such as http://127.0.0.1:8000')
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip('/'), '', ''))


@dataclass(frozen=True)
class CheckOptions:
    concurrency: int = 8
    timeout: float = 10.0
    retries: int = 0
    max_redirects: int = 5
    links: bool = False
    rewrite_host: bool = True


@dataclass
class UrlCheck:
    """One URL and what became of it; `source` is the sitemap listing it or the linking page."""

    url: str
    kind: Kind
    source: str
    ok: bool = False
    status: int | None = None
    reason: str = ''
    seconds: float = 0.0
    redirects: list[str] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        """The line of the summary this check counts in, e.g. `200`, `301 → 200`, `timeout`."""
        if self.status is None:
            return self.reason.split(':', 1)[0]
        if self.redirects and self.ok and self.reason:
            return f'{self.status} → off-site'
        return ' → '.join([*('3xx' for _ in self.redirects), str(self.status)])


@dataclass
class SiteReport:
    base_url: str
    sitemaps: list[str] = field(default_factory=list)
    host_rewrites: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    checks: list[UrlCheck] = field(default_factory=list)

    @property
    def failures(self) -> list[UrlCheck]:
        return [check for check in self.checks if not check.ok]

    def to_json(self) -> dict[str, Any]:
        return {
            'base_url': self.base_url,
            'sitemaps': self.sitemaps,
            'host_rewrites': self.host_rewrites,
            'notes': self.notes,
            'checked': len(self.checks),
            'failed': len(self.failures),
            'results': [asdict(check) | {'outcome': check.outcome} for check in self.checks],
        }


@dataclass
class _Fetched:
    status: int
    content_type: str
    location: str
    body: bytes | None = None


class _Failed(Exception):
    """A request that got no response, with the reason to report."""


class _SiteChecker:
    def __init__(
        self,
        base_url: str,
        options: CheckOptions,
        client: httpx.AsyncClient,
        on_progress: Callable[[int, int], None] | None,
    ) -> None:
        self.base = base_url
        self.base_origin = origin(base_url)
        self.options = options
        self.client = client
        self.on_progress = on_progress
        self.limit = asyncio.Semaphore(options.concurrency)
        self.report = SiteReport(base_url)
        self.queued: set[str] = set()
        self.done = 0
        self.total = 0
        self.tasks: asyncio.TaskGroup | None = None

    # Where URLs point

    def is_internal(self, url: str) -> bool:
        return origin(url) in {self.base_origin, *self.report.host_rewrites}

    def on_base(self, url: str) -> str:
        """The URL on BASE_URL's origin when its origin is one the sitemap was rewritten from."""
        found = origin(url)
        if found not in self.report.host_rewrites:
            return url
        return self.base_origin + url[len(found) :]

    def from_sitemap(self, location: str, sitemap_url: str) -> str:
        url = urljoin(sitemap_url, location)
        found = origin(url)
        if self.options.rewrite_host and found != self.base_origin:
            self.report.host_rewrites.setdefault(found, self.base_origin)
        return self.on_base(url)

    # Requests

    async def request(self, url: str, check: UrlCheck, *, head: bool, read: Read) -> _Fetched:
        """One request, retried on timeouts, connection errors and 5xx as asked."""
        for attempt in range(self.options.retries):
            try:
                fetched = await self._request_once(url, check, head=head, read=read)
                if fetched.status < 500:
                    return fetched
            except _Failed:
                pass  # the next attempt tells; the last one's failure is reported
            await asyncio.sleep(min(0.5 * 2**attempt, 5))
        return await self._request_once(url, check, head=head, read=read)

    async def _request_once(self, url: str, check: UrlCheck, *, head: bool, read: Read) -> _Fetched:
        async with self.limit:
            # Timed once a slot is free: waiting for one is the checker's delay, not the site's.
            started = time.perf_counter()
            try:
                async with self.client.stream('HEAD' if head else 'GET', url) as response:
                    fetched = _Fetched(
                        response.status_code,
                        response.headers.get('content-type', ''),
                        response.headers.get('location', '').strip(),
                    )
                    wanted = read == 'any' or (read == 'html' and 'html' in fetched.content_type)
                    if wanted and response.status_code < 300:
                        limit = MAX_SITEMAP_BYTES if read == 'any' else MAX_PAGE_BYTES
                        fetched.body = await _read_at_most(response, limit)
            except httpx.TimeoutException as error:
                raise _Failed(f'timeout: no answer within {self.options.timeout:g} s') from error
            except (httpx.HTTPError, httpx.InvalidURL) as error:
                raise _Failed(f'connection error: {error or type(error).__name__}') from error
            finally:
                check.seconds += time.perf_counter() - started
        if head and fetched.status in {405, 501}:
            # Some servers refuse HEAD; a GET closed after its headers reads no body either.
            return await self._request_once(url, check, head=False, read='never')
        return fetched

    async def fetch(self, check: UrlCheck, *, head: bool, read: Read) -> _Fetched | None:
        """Requests `check.url`, following the site's own redirects, and fills in `check`;
        the final response when it is a success."""
        url = check.url
        try:
            for _ in range(self.options.max_redirects + 1):
                fetched = await self.request(url, check, head=head, read=read)
                check.status = fetched.status
                if fetched.status not in REDIRECT_STATUSES or not fetched.location:
                    check.ok = 200 <= fetched.status < 300
                    if not check.ok:
                        check.reason = f'HTTP {fetched.status}'
                    return fetched if check.ok else None
                target = self.on_base(urljoin(url, fetched.location)).split('#', 1)[0]
                check.redirects.append(target)
                if not self.is_internal(target):
                    check.ok = True
                    check.reason = f'redirects off-site to {target} (not followed)'
                    return None
                if target == check.url or target in check.redirects[:-1]:
                    check.status = None
                    check.reason = 'redirect loop: ' + ' → '.join([check.url, *check.redirects])
                    return None
                url = target
            check.status = None
            chain = ' → '.join([check.url, *check.redirects])
            check.reason = f'too many redirects: more than {self.options.max_redirects}, {chain}'
            return None
        except _Failed as failure:
            check.status = None
            check.reason = str(failure)
            return None

    # Sitemaps

    async def read_sitemaps(self) -> list[tuple[str, str]]:
        """Every (page URL, sitemap listing it), reading nested indexes once each."""
        first = self.base + SITEMAP_PATH
        pending = [(first, '')]
        seen = {first}
        pages: dict[str, str] = {}
        while pending:
            read = await asyncio.gather(*(self._read_sitemap(url, by) for url, by in pending))
            listed, pending = pending, []
            for (sitemap_url, _), sitemap in zip(listed, read, strict=True):
                if sitemap is None:
                    continue
                self.report.sitemaps.append(sitemap_url)
                for location in sitemap.locations:
                    url = self.from_sitemap(location, sitemap_url)
                    if not sitemap.is_index:
                        pages.setdefault(url, sitemap_url)
                    elif url in seen:
                        self.report.notes.append(f'{sitemap_url} lists {url} again; read once')
                    elif len(seen) >= MAX_SITEMAPS:
                        self.report.notes.append(f'over {MAX_SITEMAPS} sitemaps; {url} skipped')
                    else:
                        seen.add(url)
                        pending.append((url, sitemap_url))
        return list(pages.items())

    async def _read_sitemap(self, url: str, listed_by: str) -> Sitemap | None:
        """The sitemap, or None with a failure reported; the first one must be readable."""
        check = UrlCheck(url, 'sitemap', listed_by or 'BASE_URL')
        self.report.checks.append(check)
        fetched = await self.fetch(check, head=False, read='any')
        sitemap = None
        if fetched is not None and fetched.body is not None:
            try:
                sitemap = parse_sitemap(fetched.body)
            except SitemapError as error:
                check.ok = False
                check.reason = str(error)
        elif check.ok:
            check.ok = False
            check.reason = check.reason.replace('redirects', 'a sitemap may not redirect')
        if sitemap is None and not listed_by:
            raise SiteCheckError(f'cannot read the sitemap {url}: {check.reason}')
        return sitemap

    # Pages and links

    async def check_pages(self, pages: list[tuple[str, str]]) -> None:
        self.queued.update(self.report.sitemaps)
        async with asyncio.TaskGroup() as tasks:
            self.tasks = tasks
            for url, sitemap_url in pages:
                self.enqueue(UrlCheck(url, 'page', sitemap_url), plays_media=False)

    def enqueue(self, check: UrlCheck, *, plays_media: bool) -> None:
        if check.url in self.queued:
            return
        assert self.tasks is not None
        self.queued.add(check.url)
        self.report.checks.append(check)
        self.total += 1
        self.tasks.create_task(self.check(check, plays_media=plays_media))

    async def check(self, check: UrlCheck, *, plays_media: bool) -> None:
        path = urlsplit(check.url).path
        head = plays_media or path.startswith(MEDIA_PATHS) or path.lower().endswith(MEDIA_SUFFIXES)
        read: Read = 'html' if self.options.links and check.kind == 'page' else 'never'
        fetched = await self.fetch(check, head=head, read=read)
        self.done += 1
        if self.on_progress is not None:
            self.on_progress(self.done, self.total)
        if fetched is None or fetched.body is None:
            return
        final_url = check.redirects[-1] if check.redirects else check.url
        for url, is_media in page_links(fetched.body, final_url):
            if self.is_internal(url):
                self.enqueue(UrlCheck(self.on_base(url), 'link', final_url), plays_media=is_media)


async def _read_at_most(response: httpx.Response, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return b''.join(chunks)[:limit]


async def check_site(
    base_url: str,
    options: CheckOptions,
    *,
    on_progress: Callable[[int, int], None] | None = None,
) -> SiteReport:
    """Checks every sitemap URL (and, with `options.links`, every internal link of those
    pages once). `SiteCheckError` when the base URL is wrong or its sitemap unreadable."""
    base = base_url_of(base_url)
    async with httpx.AsyncClient(
        follow_redirects=False,
        timeout=options.timeout,
        headers={'User-Agent': USER_AGENT},
        limits=httpx.Limits(max_connections=options.concurrency),
    ) as client:
        checker = _SiteChecker(base, options, client, on_progress)
        pages = await checker.read_sitemaps()
        await checker.check_pages(pages)
    return checker.report


def print_summary(report: SiteReport, console: Console, *, slowest: int) -> None:
    """Counts by outcome, the slowest URLs, then each failure with where it was found."""
    for found, base in report.host_rewrites.items():
        console.print(
            f'The sitemap lists URLs on {found}; they were checked on {base}.', soft_wrap=True
        )
    for note in report.notes:
        console.print(f'[yellow]note[/yellow] {note}', soft_wrap=True)
    counts = Counter(check.outcome for check in report.checks)
    summary = Table('outcome', 'URLs', title=f'{len(report.checks)} URLs checked')
    for outcome, count in sorted(counts.items()):
        summary.add_row(outcome, str(count))
    console.print(summary)
    if slowest:
        timed = sorted(report.checks, key=lambda check: check.seconds, reverse=True)[:slowest]
        table = Table('seconds', 'outcome', title='Slowest')
        table.add_column('URL', overflow='fold')
        for check in timed:
            table.add_row(f'{check.seconds:.3f}', check.outcome, check.url)
        console.print(table)
    if report.failures:
        table = Table(title=f'{len(report.failures)} failed')
        for column in ('URL', 'reason', 'found on'):
            table.add_column(column, overflow='fold')
        for check in report.failures:
            table.add_row(check.url, check.reason, check.source)
        console.print(table)
    else:
        console.print('[green]No broken URL.[/green]')


def report_json(report: SiteReport) -> str:
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False) + '\n'
