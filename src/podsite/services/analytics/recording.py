"""The app's writers of events recorded on the request path: downloads, short-link
clicks and sponsor impressions (see batch_writer). With `record_events` off, recording
does nothing."""

from collections.abc import Awaitable, Callable
from typing import Any

from quart import Quart, current_app

from podsite.infrastructure.batch_writer import BatchWriter
from podsite.schemas.analytics import PendingDownload, PendingImpression
from podsite.schemas.links import PendingClick
from podsite.services.analytics import storage
from podsite.services.sponsors import short_link_service, sponsor_service

DOWNLOADS_KEY = 'podsite.download_writer'
CLICKS_KEY = 'podsite.click_writer'
IMPRESSIONS_KEY = 'podsite.impression_writer'

type Store[Event] = Callable[[list[Event]], Awaitable[None]]


def create_writers(app: Quart, *, enabled: bool) -> list[BatchWriter[Any]]:
    def writer[Event](key: str, name: str, store: Store[Event]) -> BatchWriter[Event]:
        async def write(events: list[Event]) -> None:
            async with app.app_context():
                await store(events)

        created = BatchWriter(write, name=name, enabled=enabled)
        app.extensions[key] = created
        return created

    return [
        writer(DOWNLOADS_KEY, 'download events', storage.store_downloads),
        writer(CLICKS_KEY, 'short-link clicks', short_link_service.store_clicks),
        writer(IMPRESSIONS_KEY, 'sponsor impressions', sponsor_service.store_impressions),
    ]


def download_writer() -> BatchWriter[PendingDownload]:
    writer: BatchWriter[PendingDownload] = current_app.extensions[DOWNLOADS_KEY]
    return writer


def click_writer() -> BatchWriter[PendingClick]:
    writer: BatchWriter[PendingClick] = current_app.extensions[CLICKS_KEY]
    return writer


def impression_writer() -> BatchWriter[PendingImpression]:
    writer: BatchWriter[PendingImpression] = current_app.extensions[IMPRESSIONS_KEY]
    return writer
