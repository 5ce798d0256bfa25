import hashlib
from dataclasses import dataclass
from datetime import datetime

from quart import current_app

from podsite.infrastructure.cache import content_cache
from podsite.infrastructure.memory import release_freed_memory
from podsite.services import feed_service, site_state_service
from podsite.settings import Settings
from podsite.viewmodels.episodes.feed_document import FeedDocument

CACHE_KEY = 'feed:rss'


@dataclass(frozen=True)
class RenderedFeed:
    body: bytes
    etag: str
    last_modified: datetime
    moved_to: str | None
    """The new feed's address, when the admin asked for the old one to redirect there."""


class RssViewModel:
    """The feed, rebuilt only when the catalogue changed since it was last built."""

    def __init__(self) -> None:
        self.feed: RenderedFeed | None = None

    async def load_async(self) -> None:
        state = await site_state_service.content_state()
        cache = content_cache()
        self.feed = cache.get(CACHE_KEY, state)
        if self.feed is not None:
            return
        feed = await feed_service.public_feed()
        if feed is None:
            return
        settings: Settings = current_app.config['PODSITE_SETTINGS']
        body = FeedDocument(feed, base_url=settings.public_base_url).to_bytes()
        self.feed = RenderedFeed(
            body=body,
            etag=hashlib.sha256(body).hexdigest()[:32],
            last_modified=feed.last_modified,
            moved_to=feed.podcast.new_feed_url if feed.podcast.redirect_feed else None,
        )
        cache.put(CACHE_KEY, state, self.feed)
        # The rows, models and tree of every episode are garbage now: all of them at once.
        del feed
        release_freed_memory()
