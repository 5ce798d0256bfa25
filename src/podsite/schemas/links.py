"""Short links as the redirector reads them, and clicks as recorded."""

from datetime import datetime

from podsite.schemas.catalogue import ReadModel


class ShortLinkTarget(ReadModel):
    id: int
    target_url: str


class PendingClick(ReadModel):
    """A click as it happened; the address is hashed when the batch is stored."""

    occurred_at: datetime
    short_link_id: int
    client_ip: str
    user_agent: str
    referrer: str
