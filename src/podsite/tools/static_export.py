"""`podsite export-static`: the public site as files that any static host serves.

Pages are rendered by the app itself (anonymous GETs through its test client), so the files
are exactly what the site serves. The URLs come from the sitemap, a few fixed ones (home,
feed, sitemap, robots.txt, the static files) and every internal link found in the exported
documents, so a public page the sitemap gains is exported without a change here.

What needs the server cannot work from files: downloads and sponsor links point straight at
the media and the sponsors (nothing is counted), links to accounts, the admin and the sponsor
portal become plain text, and the search box opens the episode list.
"""

import asyncio
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape, unescape
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from quart import Quart

from podsite.infrastructure import static_files
from podsite.services.catalogue import episode_service
from podsite.services.sponsors import short_link_service
from podsite.settings import current_settings
from podsite.tools import site_check

MANIFEST_NAME = '.podsite-export.json'
# Counted redirects, replaced by their targets; areas that need the server are skipped.
DIRECT_PREFIXES = ('/r/', '/episodes/download/')
SKIPPED_PREFIXES = ('/account', '/admin', '/advertiser', '/search')
FIXED_PATHS = ('/', '/episodes/rss', '/sitemap.xml', '/robots.txt')
# Bounds a crawl of a site whose pages keep linking to new generated URLs.
MAX_URLS = 100_000
CONCURRENCY = 4
TRANSCRIPT_PAGE = re.compile(r'/episodes/transcript/\d+/[^/.]+')
ROOT_RELATIVE = re.compile(r'(\s(?:href|src|action|poster)=["\'])/(?!/)')
CSRF_INPUT = re.compile(r'<input\b[^>]*\bname="csrf_token"[^>]*>\s*')
SEARCH_FORM = re.compile(r'(<form\b[^>]*\baction=")/search(")')
# oEmbed answers for a URL given in the query string, which a static host cannot read.
OEMBED_LINK = re.compile(r'<link\b[^>]*\btype="application/json\+oembed"[^>]*>\s*')
ANCHOR_HREF = re.compile(r'(<a\b[^>]*?)\s+href="([^"]*)"')

OFF_ON_A_STATIC_HOST = (
    'Downloads and sponsor link clicks are not counted on a static export: download links '
    'point straight at the media files, sponsor links at the sponsors.',
    'Off on a static host: search (the search box opens the episode list), log in and '
    'accounts, the admin, the sponsor portal, forms that post to the site (notify-me), and '
    'oEmbed (embedding an episode by pasting its address; the embed code still works).',
)


class ExportError(ValueError):
    """The export cannot start: a bad folder or base URL."""


def target_base_url(text: str) -> str:
    """The base URL the exported files link to, without a trailing slash."""
    try:
        return site_check.base_url_of(text)
    except site_check.SiteCheckError as error:
        raise ExportError(str(error)) from error


def file_for(path: str, content_type: str) -> str | None:
    """Where a URL path is written: pages without an extension as `path/index.html`, so that
    a static server finds them with or without configuration; None for a path that would
    leave the folder."""
    segments = [unquote(segment) for segment in path.split('/') if segment]
    if any(s in {'.', '..'} or '/' in s or '\\' in s or '\0' in s for s in segments):
        return None
    if 'html' in content_type and not (segments and segments[-1].endswith('.html')):
        segments.append('index.html')
    return '/'.join(segments)


def is_text(content_type: str) -> bool:
    return content_type.startswith('text/') or any(
        kind in content_type for kind in ('html', 'xml', 'json')
    )


@dataclass(frozen=True)
class RenderedFile:
    path: str
    file: str
    content_type: str
    body: bytes


@dataclass
class RenderedSite:
    """Every file of the export, rewritten for its base URL, and what could not be exported."""

    base_url: str
    files: dict[str, RenderedFile] = field(default_factory=dict)
    failures: list[tuple[str, str]] = field(default_factory=list)
    skipped: set[str] = field(default_factory=set)
    unlinked: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return sum('html' in f.content_type for f in self.files.values())

    @property
    def size(self) -> int:
        return sum(len(f.body) for f in self.files.values())


@dataclass(frozen=True)
class WriteResult:
    written: int
    unchanged: int
    removed: list[str]


class _Crawler:
    """Requests every URL to export once, following the internal links of what it gets."""

    def __init__(self, app: Quart, source: str, on_progress: Callable[[int, int], None]) -> None:
        self.client = app.test_client()
        # Anonymous visitors only: no cookie a page sets is sent back.
        self.client.cookie_jar = None
        # As a visitor of the public address asks: the site answers no other host name.
        self.headers = {'Host': urlsplit(source).netloc}
        self.source = source
        self.origin = site_check.origin(source)
        self.on_progress = on_progress
        self.limit = asyncio.Semaphore(CONCURRENCY)
        self.queued: set[str] = set()
        self.site = RenderedSite(base_url=source)
        self.tasks: asyncio.TaskGroup | None = None
        self.done = 0

    async def crawl(self, paths: list[str]) -> RenderedSite:
        async with asyncio.TaskGroup() as tasks:
            self.tasks = tasks
            for path in paths:
                self.enqueue(path)
        return self.site

    def enqueue(self, link: str) -> None:
        url = urljoin(self.source + '/', link)
        if site_check.origin(url) != self.origin:
            return
        parts = urlsplit(url)
        path = parts.path or '/'
        if path.startswith(DIRECT_PREFIXES):
            return  # the rewriter links these to the media and the sponsors themselves
        if path.startswith(SKIPPED_PREFIXES) or (parts.query and not path.startswith('/static/')):
            self.site.skipped.add(path + (f'?{parts.query}' if parts.query else ''))
            return
        if path in self.queued:
            return
        if len(self.queued) >= MAX_URLS:
            self.site.notes.append(f'over {MAX_URLS} URLs: {path} and later ones not exported')
            return
        assert self.tasks is not None
        self.queued.add(path)
        self.tasks.create_task(self.export(path))

    async def export(self, path: str) -> None:
        async with self.limit:
            response = await self.client.get(path, headers=self.headers)
            body = await response.get_data(as_text=False)
        self.done += 1
        self.on_progress(self.done, len(self.queued))
        if response.status_code != 200:
            location = response.headers.get('Location')
            reason = f'HTTP {response.status_code}' + (f' to {location}' if location else '')
            self.site.failures.append((path, reason))
            return
        content_type = response.content_type or ''
        file = file_for(path, content_type)
        if file is None:
            self.site.failures.append((path, 'the path leads out of the folder'))
            return
        self.site.files[path] = RenderedFile(path, file, content_type, body)
        if path.startswith('/static/') or not is_text(content_type):
            return
        if 'html' in content_type:
            for url, _ in site_check.page_links(body, self.source + path):
                self.enqueue(url)
            if TRANSCRIPT_PAGE.fullmatch(path):
                self.enqueue(f'{path}.txt')
                self.enqueue(f'{path}.vtt')
        # Feeds, sitemaps and JSON name their links as absolute URLs on the public address.
        text = body.decode('utf-8', errors='replace')
        for match in re.finditer(re.escape(self.source) + r'(/[^\s"\'<>&]*)', text):
            self.enqueue(match.group(1))


class _Rewriter:
    """Makes the rendered documents work from files on the target base URL."""

    def __init__(
        self, site: RenderedSite, target: str, media: dict[int, str], links: dict[str, str]
    ) -> None:
        self.source = site.base_url
        self.origin = site_check.origin(self.source)
        self.target = target
        self.prefix = urlsplit(target).path
        self.exported = {unquote(path) for path in site.files}
        self.media = media
        self.links = links
        self.unlinked = 0
        public = f'(?:{re.escape(self.source)})?'
        self.downloads = re.compile(
            rf'(?<=[\s"\'>;]){public}/episodes/download/(\d+)/[^\s"\'<>&?#/]+\.[a-z0-9]+'
        )
        self.short_links = re.compile(rf'(?<=[\s"\'>;]){public}/r/([\w-]+)(?=[\s"\'<&#?]|$)')
        self.absolute = re.compile(rf'{re.escape(self.source)}(?=[/\s"\'<&#?]|$)')

    def rewrite(self, file: RenderedFile) -> RenderedFile:
        if file.path.startswith('/static/') or not is_text(file.content_type):
            return file
        is_html = 'html' in file.content_type
        quote = _quoting_for(file.content_type)
        text = file.body.decode('utf-8')
        text = self.downloads.sub(
            lambda m: quote(self.media.get(int(m.group(1)), m.group(0))), text
        )
        text = self.short_links.sub(lambda m: quote(self.links.get(m.group(1), m.group(0))), text)
        if is_html:
            text = CSRF_INPUT.sub('', text)
            text = SEARCH_FORM.sub(r'\1/episodes/all\2', text)
            text = OEMBED_LINK.sub('', text)
            text = ANCHOR_HREF.sub(lambda m: self._anchor(m, self.source + file.path), text)
        text = self.absolute.sub(lambda _: self.target, text)
        if is_html and self.prefix:
            text = ROOT_RELATIVE.sub(lambda m: f'{m.group(1)}{self.prefix}/', text)
        return RenderedFile(file.path, file.file, file.content_type, text.encode('utf-8'))

    def _anchor(self, match: re.Match[str], page_url: str) -> str:
        """The link, or the bare `<a>` (shown as text) when it leads to a page of the site
        that was not exported and would be missing on the static host."""
        url = urljoin(page_url, unescape(match.group(2)))
        if site_check.origin(url) != self.origin:
            return match.group(0)
        parts = urlsplit(url)
        path = unquote(parts.path or '/')
        # A query picks another version of a page, which a static host cannot serve.
        if path in self.exported and (not parts.query or path.startswith('/static/')):
            return match.group(0)
        self.unlinked += 1
        return match.group(1)


def _quoting_for(content_type: str) -> Callable[[str], str]:
    """How a URL is written into a document of the type, so that a `&` in it stays one."""
    if 'json' in content_type:
        return lambda url: json.dumps(url)[1:-1]
    if 'html' in content_type or 'xml' in content_type:
        return escape
    return str


async def render_site(
    app: Quart,
    *,
    base_url: str | None = None,
    on_progress: Callable[[int, int], None] = lambda done, total: None,
) -> RenderedSite:
    """Every public file of the site, rewritten for `base_url` (default: the public address).
    Needs the app serving (`app.test_app()`), with analytics off so nothing is counted."""
    settings = current_settings(app)
    source = settings.public_base_url
    async with app.app_context():
        media = await episode_service.media_urls_by_number()
        links = await short_link_service.all_targets()
    assets = sorted(app.extensions[static_files.EXTENSION_KEY])
    paths = [*FIXED_PATHS, *(f'/static/{name}' for name in assets)]
    site = await _Crawler(app, source, on_progress).crawl(paths)
    site.failures.sort()
    rewriter = _Rewriter(site, base_url or source, media, links)
    site.files = {path: rewriter.rewrite(file) for path, file in sorted(site.files.items())}
    site.base_url = base_url or source
    site.unlinked = rewriter.unlinked
    names = {file.file for file in site.files.values()}
    for name in sorted(names):
        clash = next((p for p in Path(name).parents if p.as_posix() in names), None)
        if clash is not None:
            site.failures.append((f'/{name}', f'/{clash} is a file and a folder'))
    return site


def write_site(directory: Path, site: RenderedSite) -> WriteResult:
    """Writes files whose content changed and, after a run without failures, removes the
    files an earlier export wrote that no page needs any more (never any other file)."""
    manifest_path = directory / MANIFEST_NAME
    previous = _written_before(manifest_path)
    files = {file.file: file.body for file in site.files.values()}
    written = unchanged = 0
    for name, body in files.items():
        path = directory / name
        if path.is_file() and _digest(path.read_bytes()) == _digest(body):
            unchanged += 1
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f'.{path.name}.partial')
        partial.write_bytes(body)
        partial.replace(path)
        written += 1
    stale = sorted(set(previous) - files.keys())
    removed = []
    if not site.failures:
        root = directory.resolve()
        for name in stale:
            path = (directory / name).resolve()
            if path.is_relative_to(root) and path != manifest_path.resolve() and path.is_file():
                path.unlink()
                removed.append(name)
                _remove_empty_folders(path.parent, root)
    ours = {name: _digest(body) for name, body in files.items()}
    if site.failures:
        # Kept files are still ours to remove once a run succeeds.
        ours |= {name: previous[name] for name in stale}
    manifest_path.write_text(
        json.dumps(
            {'generator': 'podsite export-static', 'base_url': site.base_url, 'files': ours},
            indent=1,
            sort_keys=True,
        )
        + '\n',
        encoding='utf-8',
    )
    return WriteResult(written=written, unchanged=unchanged, removed=removed)


def _digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _written_before(manifest_path: Path) -> dict[str, str]:
    if not manifest_path.is_file():
        return {}
    try:
        manifest = json.loads(manifest_path.read_text(encoding='utf-8'))
        files = manifest['files']
    except (ValueError, KeyError, TypeError):
        return {}
    if not isinstance(files, dict):
        return {}
    return {str(name): str(digest) for name, digest in files.items()}


def _remove_empty_folders(folder: Path, root: Path) -> None:
    while folder != root and folder.is_relative_to(root) and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
