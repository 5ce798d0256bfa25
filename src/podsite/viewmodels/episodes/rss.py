import asyncio
import gzip
import hashlib
from dataclasses import dataclass
from datetime import datetime

from podsite.formats.feed_document import FeedDocument
from podsite.infrastructure.cache import content_cache
from podsite.infrastructure.memory import large_document_turn
from podsite.services.catalogue import site_state_service
from podsite.services.publishing import feed_service
from podsite.settings import current_settings

CACHE_KEY = 'feed:rss'
FEED_COMPRESSION_LEVEL = 6


@dataclass(frozen=True)
class RenderedFeed:
    gzipped: bytes
    """The XML, kept compressed: podcast apps ask for gzip, and a big show's feed (60 MB
    of XML for 10,000 episodes) takes a seventh of that in each worker's memory."""
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
        await large_document_turn()
        # Another request may have built it while this one waited for its turn.
        self.feed = cache.get(CACHE_KEY, state)
        if self.feed is not None:
            return
        feed = await feed_service.public_feed()
        if feed is None:
            return
        settings = current_settings()
        hubs = [str(hub) for hub in settings.websub_hubs]
        document = FeedDocument(feed, base_url=settings.public_base_url, hubs=hubs)
        async for items in feed_service.public_items(feed.as_of):
            document.add_items(items)
        body = document.to_bytes()
        self.feed = RenderedFeed(
            # zlib lets go of the GIL: other requests go on while a big feed is compressed.
            gzipped=await asyncio.to_thread(gzip.compress, body, FEED_COMPRESSION_LEVEL),
            etag=hashlib.sha256(body).hexdigest()[:32],
            last_modified=document.last_modified,
            moved_to=feed.podcast.new_feed_url if feed.podcast.redirect_feed else None,
        )
        cache.put(CACHE_KEY, state, self.feed)
