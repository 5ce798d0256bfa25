"""Recording, the request-path side: a download, a short-link click or a page's sponsor
impressions is queued as a plain event and never waits for the database. Each kind of event
has its own `BatchWriter`, whose task hands batches to `storage` off the request path; with
`record_events` off nothing is queued and redirects still work.

The writers belong to the app: `init_app` makes them and runs them while the app serves,
writing what is left when it stops, before the database closes. That and `Recorder.of`
are this module's only ties to Quart: view models record without holding the app, and the
page cache records the impressions of kept pages before the request reaches the app.
"""

from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Any

from quart import Quart, current_app

from podsite.infrastructure.batch_writer import BatchWriter
from podsite.schemas.analytics import PendingDownload, PendingImpression
from podsite.schemas.links import PendingClick
from podsite.services.analytics import storage
from podsite.services.analytics.iab_rules import is_bot
from podsite.settings import Settings

EXTENSION_KEY = 'podsite.recorder'

type Store[Event] = Callable[[list[Event]], Awaitable[None]]


class Recorder:
    """One writer per kind of event; `context` gives the database session `storage` uses."""

    def __init__(
        self, *, context: Callable[[], AbstractAsyncContextManager[Any]], enabled: bool
    ) -> None:
        def writer[Event](name: str, store: Store[Event]) -> BatchWriter[Event]:
            async def write(events: list[Event]) -> None:
                async with context():
                    await store(events)

            return BatchWriter(write, name=name, enabled=enabled)

        self.downloads = writer('download events', storage.store_downloads)
        self.clicks = writer('short-link clicks', storage.store_clicks)
        self.impressions = writer('sponsor impressions', storage.store_impressions)
        self.writers: tuple[BatchWriter[Any], ...] = (self.downloads, self.clicks, self.impressions)

    @staticmethod
    def of(app: Quart) -> 'Recorder':
        recorder: Recorder = app.extensions[EXTENSION_KEY]
        return recorder

    def record_impressions(self, placement_ids: Sequence[int], user_agent: str) -> None:
        """A view of a page is a view of each sponsor placement on it."""
        if placement_ids and not is_bot(user_agent):  # bots see no ads
            self.impressions.record(
                PendingImpression(occurred_at=datetime.now(UTC), placement_ids=list(placement_ids))
            )

    def start(self) -> None:
        for writer in self.writers:
            writer.start()

    async def stop(self) -> None:
        for writer in self.writers:
            await writer.stop()


def init_app(app: Quart, settings: Settings) -> Recorder:
    recorder = Recorder(context=app.app_context, enabled=settings.record_events)
    app.extensions[EXTENSION_KEY] = recorder

    # A serving generator is closed before the `after_serving` hooks close the database.
    @app.while_serving
    async def writing() -> AsyncGenerator[None]:
        recorder.start()
        yield
        await recorder.stop()

    return recorder


def record_download(event: PendingDownload) -> None:
    Recorder.of(current_app).downloads.record(event)


def record_click(event: PendingClick) -> None:
    Recorder.of(current_app).clicks.record(event)


def record_impressions(placement_ids: Sequence[int], user_agent: str) -> None:
    Recorder.of(current_app).record_impressions(placement_ids, user_agent)
