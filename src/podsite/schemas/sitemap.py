from datetime import datetime

from podsite.schemas.catalogue import ReadModel


class SitemapEntry(ReadModel):
    path: str
    last_modified: datetime | None
