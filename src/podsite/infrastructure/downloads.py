"""The app's writer of download events (see batch_writer)."""

from quart import Quart, current_app

from podsite.infrastructure.batch_writer import BatchWriter
from podsite.schemas.analytics import PendingDownload
from podsite.services import download_service

EXTENSION_KEY = 'podsite.download_writer'


def create_writer(app: Quart) -> BatchWriter[PendingDownload]:
    async def write(events: list[PendingDownload]) -> None:
        async with app.app_context():
            await download_service.store_downloads(events)

    writer = BatchWriter(write, name='download events')
    app.extensions[EXTENSION_KEY] = writer
    return writer


def download_writer() -> BatchWriter[PendingDownload]:
    writer: BatchWriter[PendingDownload] = current_app.extensions[EXTENSION_KEY]
    return writer
