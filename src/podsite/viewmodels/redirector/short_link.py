from datetime import UTC, datetime

from quart import request

from podsite.infrastructure.client_ip import request_client_ip
from podsite.infrastructure.event_recorder import recorder
from podsite.schemas.links import PendingClick, ShortLinkTarget
from podsite.services.sponsors import short_link_service


class ShortLinkViewModel:
    """A tracked redirect: the click is queued, never waited for."""

    def __init__(self, name: str | None) -> None:
        self.name = name
        self.link: ShortLinkTarget | None = None

    @classmethod
    def at_root(cls, method: str, path: str) -> 'ShortLinkViewModel':
        """The link a request at the root may follow: none but for a GET or HEAD of one
        path segment."""
        name = path[1:] if method in {'GET', 'HEAD'} and path.count('/') == 1 else None
        return cls(name or None)

    async def load_async(self) -> None:
        if self.name is not None:
            self.link = await short_link_service.target_of(self.name)

    def record_click(self) -> None:
        assert self.link is not None
        if request.method != 'GET':
            return  # a HEAD is a link checker looking, not a person following the link
        recorder().clicks.record(
            PendingClick(
                occurred_at=datetime.now(UTC),
                short_link_id=self.link.id,
                client_ip=request_client_ip(),
                user_agent=request.headers.get('User-Agent', ''),
                referrer=request.headers.get('Referer', ''),
            )
        )
