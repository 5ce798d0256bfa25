from datetime import UTC, datetime
from xml.sax.saxutils import escape

from podsite.formats.xml_text import clean_text
from podsite.infrastructure.cache import content_cache
from podsite.infrastructure.memory import large_document_turn
from podsite.schemas.sitemap import SitemapEntry
from podsite.services.catalogue import site_state_service, sitemap_service
from podsite.settings import current_settings
from podsite.urls import absolute, sitemap_page_url

# The sitemaps.org protocol's limit of URLs per file; beyond it, /sitemap.xml is an index.
URLS_PER_SITEMAP = 50_000
CACHE_KEY = 'sitemap:documents'
XMLNS = 'http://www.sitemaps.org/schemas/sitemap/0.9'
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class SitemapViewModel:
    """`/sitemap.xml` (page 0) is the only sitemap, or the index of pages 1..n."""

    def __init__(self, page: int = 0) -> None:
        self.page = page
        self.document: str | None = None

    async def load_async(self) -> None:
        state = await site_state_service.content_state()
        cache = content_cache()
        documents: list[str] | None = cache.get(CACHE_KEY, state)
        if documents is None:
            await large_document_turn()
            # Another request may have built them while this one waited for its turn.
            documents = cache.get(CACHE_KEY, state)
        if documents is None:
            documents = await self._documents()
            cache.put(CACHE_KEY, state, documents)
        if 0 <= self.page < len(documents):
            self.document = documents[self.page]

    @staticmethod
    async def _documents() -> list[str]:
        """Document 0 is `/sitemap.xml`: the whole list, or the index of documents 1..n."""
        entries = await sitemap_service.public_urls()
        settings = current_settings()
        base = settings.public_base_url
        pages = [
            entries[start : start + URLS_PER_SITEMAP]
            for start in range(0, len(entries), URLS_PER_SITEMAP)
        ]
        if len(pages) <= 1:
            return [_urlset(base, entries)]
        return [_index(base, pages), *(_urlset(base, page) for page in pages)]


def _lastmod(entry: SitemapEntry) -> str:
    if entry.last_modified is None:
        return ''
    return f'<lastmod>{entry.last_modified.strftime("%Y-%m-%dT%H:%M:%SZ")}</lastmod>'


def _urlset(base: str, entries: list[SitemapEntry]) -> str:
    # Slugs are checked where they are typed in, but one restored or written into the
    # database around podsite may hold what XML does not allow: cleaned, the file stays XML.
    urls = ''.join(
        f'<url><loc>{escape(clean_text(absolute(base, entry.path)))}</loc>{_lastmod(entry)}</url>'
        for entry in entries
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{XMLNS}">{urls}</urlset>\n'


def _index(base: str, pages: list[list[SitemapEntry]]) -> str:
    sitemaps = ''.join(
        f'<sitemap><loc>{escape(absolute(base, sitemap_page_url(number)))}</loc>'
        f'{_lastmod(max(page, key=lambda e: e.last_modified or _EPOCH))}</sitemap>'
        for number, page in enumerate(pages, start=1)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sitemapindex xmlns="{XMLNS}">{sitemaps}</sitemapindex>\n'
    )
