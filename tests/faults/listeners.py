"""Listeners downloading an episode as fast as they can, for fault tests to count what the
site answered against what it stored."""

import threading
import time
from collections import Counter
from types import TracebackType

import httpx
from sqlalchemy import func, select

from podsite.data import DownloadEvent, Episode
from tests.databases import run_on


class Listeners:
    """Threads requesting one download URL in a loop, each with its own connection, counting
    responses by status and requests that got none (a refused or cut connection)."""

    def __init__(self, base: str, path: str, *, threads: int = 4) -> None:
        self.url = f'{base}{path}'
        self.statuses: Counter[int] = Counter()
        self.no_response = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads = [threading.Thread(target=self._listen) for _ in range(threads)]

    @property
    def answered(self) -> int:
        """Downloads answered: each was recorded before its redirect went out."""
        with self._lock:
            return self.statuses[302]

    def __enter__(self) -> 'Listeners':
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self) -> None:
        self._stopping.set()
        for thread in self._threads:
            thread.join()

    def wait_for(self, more: int, *, timeout: float = 20) -> None:
        """Until `more` downloads more have been answered."""
        target = self.answered + more
        deadline = time.monotonic() + timeout
        while self.answered < target:
            if time.monotonic() > deadline:
                raise AssertionError(f'{self.answered} of {target} answered; {self.statuses}')
            time.sleep(0.02)

    def _listen(self) -> None:
        with httpx.Client(timeout=10) as client:
            while not self._stopping.is_set():
                try:
                    status = client.get(self.url).status_code
                except httpx.HTTPError:
                    with self._lock:
                        self.no_response += 1
                    time.sleep(0.02)  # not a busy loop against a refused port
                    continue
                with self._lock:
                    self.statuses[status] += 1
                if status != 302:
                    time.sleep(0.02)


def download_path(database_url: str) -> str:
    """The download URL of the first published episode."""
    (episode,) = run_on(
        database_url,
        select(Episode.number, Episode.slug)
        .where(Episode.is_published.is_(True))
        .order_by(Episode.number)
        .limit(1),
    )
    return f'/episodes/download/{episode.number}/{episode.slug}.mp3'


def stored_downloads(database_url: str) -> int:
    ((count,),) = run_on(database_url, select(func.count()).select_from(DownloadEvent))
    return int(count)


def wait_until_stored(database_url: str, count: int, *, timeout: float = 20) -> int:
    """Until the database has `count` download events (or the timeout); how many it has."""
    deadline = time.monotonic() + timeout
    while (stored := stored_downloads(database_url)) < count and time.monotonic() < deadline:
        time.sleep(0.25)
    return stored
