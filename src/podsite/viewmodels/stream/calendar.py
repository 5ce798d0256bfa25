from urllib.parse import urlsplit

from podsite.formats.calendar_feed import Event, calendar
from podsite.formats.markdown import plain_text
from podsite.schemas.live_stream import LiveStreamCard
from podsite.services.catalogue import podcast_service
from podsite.services.streams import live_stream_service
from podsite.urls import absolute, live_stream_url
from podsite.viewmodels.shared.viewmodel_base import FALLBACK_SITE


class CalendarViewModel:
    """Upcoming and live streams as an iCalendar feed that calendar apps subscribe to, or
    one stream to add by hand."""

    def __init__(self, base_url: str, stream_id: int | None = None) -> None:
        self.base_url = base_url
        self.stream_id = stream_id
        self.body: str | None = None

    async def load_async(self) -> None:
        site, _ = await podcast_service.layout_info()
        title = (site or FALLBACK_SITE).title
        if self.stream_id is None:
            streams = await live_stream_service.current_streams()
        else:
            found = await live_stream_service.stream(self.stream_id)
            if found is None:
                return
            streams = [found]
        self.body = calendar(
            (self._event(stream) for stream in streams),
            product_id='-//podsite//live streams//EN',
            name=f'{title}: live streams',
        )

    def _event(self, stream: LiveStreamCard) -> Event:
        host = urlsplit(self.base_url).hostname or 'podsite'
        about = plain_text(stream.description_html)
        return Event(
            uid=f'{stream.guid}@{host}',
            starts_at=stream.starts_at,
            ends_at=stream.ends_at,
            summary=stream.title,
            description=f'{about}\n\nWatch: {stream.watch_url}'.strip(),
            url=absolute(self.base_url, live_stream_url()),
            changed_at=stream.updated_at,
        )
