from typing import Any

from podsite.services.catalogue import episode_service


class ChaptersViewModel:
    """Podcasting 2.0 JSON chapters, served as stored."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.chapters: dict[str, Any] | None = None

    async def load_async(self) -> None:
        self.chapters = await episode_service.chapters(self.number)
