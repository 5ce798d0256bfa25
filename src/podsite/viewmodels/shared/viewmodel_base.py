"""What every page's view model shares: the show's details for the layout, and the rules."""

from typing import Any

from quart import request, url_for

from podsite.infrastructure import clock
from podsite.infrastructure.auth import current_user
from podsite.infrastructure.cache import content_cache
from podsite.infrastructure.csrf import csrf_token
from podsite.infrastructure.static_files import static_url
from podsite.schemas.catalogue import SiteInfo
from podsite.schemas.live_stream import StreamSlot
from podsite.services.catalogue import podcast_service, site_state_service
from podsite.settings import current_settings
from podsite.urls import absolute, feed_url
from podsite.viewmodels.shared.artwork import artwork_copy_url

LAYOUT_CACHE_KEY = 'layout'
FALLBACK_SITE = SiteInfo(
    title='podsite',
    subtitle='',
    description='',
    author='',
    language='en',
    artwork_url='',
    website_url='',
    copyright='',
)


class ViewModelBase:
    """The constructor does no I/O; `load_async()` does all of it; then `to_dict()`."""

    page_title: str = ''
    description: str = ''
    og_type: str = 'website'
    twitter_card: str = 'summary'
    json_ld: str = ''
    """Structured data (schema.org) for the page's head, as `formats.json_ld` writes it."""
    has_canonical_url = True

    def __init__(self) -> None:
        self.site: SiteInfo = FALLBACK_SITE
        self.live_now: StreamSlot | None = None
        self._loaded = False

    async def load_async(self) -> None:
        site, self.live_now = await _layout_info()
        self.site = site or FALLBACK_SITE
        await self.load_page_async()
        self._loaded = True

    async def load_page_async(self) -> None:
        """Loads what this page shows; pages with data override it."""

    @property
    def canonical_path(self) -> str:
        return request.path

    @property
    def image_path(self) -> str:
        """The picture link previews show: the show's 1200 x 630 card when its artwork was
        uploaded, else its artwork, unless a page has its own."""
        return artwork_copy_url(self.site.artwork_file, 'og') or self.site.artwork_url

    def to_dict(self) -> dict[str, Any]:
        if not self._loaded:
            raise RuntimeError(f'{type(self).__name__}.to_dict() called before load_async()')
        return self.layout_dict() | {
            name: value for name, value in vars(self).items() if not name.startswith('_')
        }

    def layout_dict(self) -> dict[str, Any]:
        """What the shared layout reads; error pages use it without loading anything."""
        base_url = current_settings().public_base_url
        title = f'{self.page_title} · {self.site.title}' if self.page_title else self.site.title
        return {
            'site': self.site,
            'full_title': title,
            'meta_description': self.description or self.site.subtitle,
            'canonical_url': (
                absolute(base_url, self.canonical_path) if self.has_canonical_url else None
            ),
            'og_image': absolute(base_url, self.image_path),
            'og_type': self.og_type,
            'twitter_card': self.twitter_card,
            'json_ld': self.json_ld,
            'feed_url': absolute(base_url, feed_url()),
            'static_url': static_url,
            'url_for': url_for,
            'current_path': request.path,
            'user': current_user(),
            'csrf_token': csrf_token,
            'live_now': self.live_now,
            'footer_notice': self.site.footer_notice(clock.now().year),
        }


async def _layout_info() -> tuple[SiteInfo | None, StreamSlot | None]:
    """The layout's data is the same on every page: kept while the content state is (which
    also ends when a live stream starts or ends), so a page not kept whole queries only
    for what it shows itself."""
    state = await site_state_service.content_state()
    cache = content_cache()
    layout: tuple[SiteInfo | None, StreamSlot | None] | None = cache.get(LAYOUT_CACHE_KEY, state)
    if layout is None:
        layout = await podcast_service.layout_info()
        cache.put(LAYOUT_CACHE_KEY, state, layout)
    return layout
