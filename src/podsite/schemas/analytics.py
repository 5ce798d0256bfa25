"""Events as recorded on the request path, before they are stored."""

from datetime import datetime

from podsite.schemas.catalogue import ReadModel


class PendingDownload(ReadModel):
    """A download as it happened; the address is hashed when the batch is stored."""

    occurred_at: datetime
    episode_id: int
    client_ip: str
    user_agent: str
    range_header: str | None
    bytes_served: int | None
    method: str
    status: int
