"""An episode's public page and feed item as they will be, before it is published: for
administrators only (the admin blueprint checks the role and marks every answer
`no-store`), so it is never a kept page nor a page anyone else can reach."""

from datetime import datetime

from podsite.formats.feed_document import FeedDocument
from podsite.infrastructure import clock
from podsite.services.admin import admin_service
from podsite.services.catalogue import episode_service
from podsite.services.publishing import feed_service
from podsite.settings import current_settings
from podsite.viewmodels.episodes.details import EpisodeDetailsViewModel, Preview
from podsite.viewmodels.shared.formatting import date_text


class EpisodePreviewViewModel(EpisodeDetailsViewModel):
    def __init__(self, episode_id: int) -> None:
        super().__init__(number=0)
        self.episode_id = episode_id

    async def load_page_async(self) -> None:
        stored = await admin_service.episode_for_edit(self.episode_id)
        if stored is None:
            return
        self.show(await episode_service.episode_for_preview(self.episode_id))
        if self.episode is None:
            return
        self.number = self.episode.number
        feed = await feed_service.preview_feed(self.episode_id)
        document = FeedDocument(feed, base_url=current_settings().public_base_url) if feed else None
        self.preview = Preview(
            banner=banner_text(is_published=stored.is_published, published_at=stored.published_at),
            feed_item_xml=document.items_text() if document is not None else '',
        )


def banner_text(*, is_published: bool, published_at: datetime) -> str:
    if not is_published:
        return 'Preview: a draft, not published. Listeners cannot see this page or its feed item.'
    if published_at > clock.now():
        return (
            f'Preview: scheduled for {date_text(published_at)} at {published_at:%H:%M} UTC, '
            'not published yet. Until then listeners cannot see this page or its feed item.'
        )
    return 'Preview: this episode is published; this is the page listeners see.'
