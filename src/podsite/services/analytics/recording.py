"""Recording, the request-path side: a download or a short-link click is appended to the
process's spool as a plain event and never waits for the database; a page's sponsor
impressions are added up in memory and spooled as one event per page and day each round
(`ImpressionTally`). Each kind of event has its own `BatchWriter`, whose task hands batches to
`storage` off the request path; with `record_events` off nothing is recorded and redirects
still work.

The spool lives in the data folder, one folder per database (`spool_folder`), so that events
recorded for one database are never written into another. A worker killed, or stopped while
the database is down, leaves its events there; a sibling worker, the respawned one or the
next start writes them.

The writers belong to the app: `infrastructure/event_recorder.py` makes the app's
`Recorder`, runs it while the app serves and finds it for the view models that record; the
page cache is handed its `record_impressions`, to record the impressions of kept pages
before the request reaches the app.
"""

import asyncio
import hashlib
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel
from sqlalchemy import make_url

from podsite.infrastructure.batch_writer import BatchWriter, Tally
from podsite.infrastructure.spool import Spool, SpoolProgress
from podsite.schemas.analytics import PendingDownload, PendingImpression
from podsite.schemas.links import PendingClick
from podsite.services.analytics import storage
from podsite.services.analytics.iab_rules import is_bot
from podsite.settings import Settings


class Store[Event](Protocol):
    def __call__(
        self, events: list[Event], /, *, spool_progress: SpoolProgress | None = None
    ) -> Awaitable[None]: ...


def spool_folder(settings: Settings) -> Path:
    """The spool of the database in the settings: in the data folder, named by the
    database's address without its password, so that a spool is never written into
    another database."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == 'sqlite' and url.database:
        url = url.set(database=str(Path(url.database).resolve()))
    address = url.render_as_string(hide_password=True)
    key = hashlib.sha256(address.encode()).hexdigest()[:16]
    return settings.data_dir.resolve() / 'spool' / key


class ImpressionTally:
    """Views of pages with sponsor placements, counted in memory until the writer's next
    round (every two seconds) spools one event per page and day with its number of views.

    A kept page is served in tens of microseconds, and spooling each of its views (a JSON
    line and a `write()` each, read back and decoded one by one) cut the hot episode
    page's throughput by more than 25 % (`bench/README.md`). What it gives up: a
    worker killed, rather than stopped, loses the views of its last two seconds; downloads
    and clicks, which are counted one by one, are still spooled as they happen."""

    def __init__(self) -> None:
        self._views: Counter[tuple[tuple[int, ...], date]] = Counter()
        self._first_view: dict[tuple[tuple[int, ...], date], datetime] = {}

    def add(self, placement_ids: Sequence[int], at: datetime) -> None:
        key = (tuple(placement_ids), at.date())
        self._first_view.setdefault(key, at)
        self._views[key] += 1

    def __len__(self) -> int:
        return len(self._views)

    def take(self) -> list[PendingImpression]:
        views, first_view = self._views, self._first_view
        self._views, self._first_view = Counter(), {}
        return [
            PendingImpression(occurred_at=first_view[key], placement_ids=list(key[0]), views=count)
            for key, count in views.items()
        ]


class Recorder:
    """One writer per kind of event; `context` gives the database session `storage` uses."""

    def __init__(
        self,
        *,
        context: Callable[[], AbstractAsyncContextManager[Any]],
        enabled: bool,
        spool_folder: Path,
    ) -> None:
        async def read_progress(segments: Sequence[str]) -> dict[str, int]:
            async with context():
                return await storage.spool_progress(segments)

        def writer[Event: BaseModel](
            name: str, kind: type[Event], store: Store[Event], tally: Tally[Event] | None = None
        ) -> BatchWriter[Event]:
            async def write(events: list[Event], progress: SpoolProgress) -> None:
                async with context():
                    await store(events, spool_progress=progress)

            return BatchWriter(
                write,
                read_progress,
                spool=Spool(spool_folder / kind.__name__),
                encode=lambda event: event.model_dump_json().encode(),
                decode=kind.model_validate_json,
                name=name,
                enabled=enabled,
                tally=tally,
            )

        self.downloads = writer('download events', PendingDownload, storage.store_downloads)
        self.clicks = writer('short-link clicks', PendingClick, storage.store_clicks)
        self.impression_tally = ImpressionTally()
        self.impressions = writer(
            'sponsor impressions',
            PendingImpression,
            storage.store_impressions,
            self.impression_tally,
        )
        self.writers: tuple[BatchWriter[Any], ...] = (self.downloads, self.clicks, self.impressions)

    def record_impressions(self, placement_ids: Sequence[int], user_agent: str) -> None:
        """A view of a page is a view of each sponsor placement on it."""
        if placement_ids and self.impressions.enabled and not is_bot(user_agent):  # bots see no ads
            self.impression_tally.add(placement_ids, datetime.now(UTC))

    def start(self) -> None:
        for writer in self.writers:
            writer.start()

    async def stop(self) -> None:
        """Together: with the database down, each writer's last attempt may wait for its
        connection timeout, and a stop should wait for one at most."""
        await asyncio.gather(*(writer.stop() for writer in self.writers))
