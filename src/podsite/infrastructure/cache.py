"""Values computed from the catalogue, reused while the catalogue is unchanged.

Each process keeps its own entries, but validity is decided by the content version in the
database (bumped by triggers on every write, whichever instance made it) and by the next
scheduled publication, so every worker and instance serves the change on its next request.
"""

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from quart import Quart, current_app

from podsite.infrastructure.clock import Clock, clock_of

EXTENSION_KEY = 'podsite.content_cache'


@dataclass(frozen=True)
class ContentState:
    version: int
    valid_until: datetime | None

    def is_current(self, now: datetime) -> bool:
        return self.valid_until is None or now < self.valid_until


class ContentCache:
    def __init__(self, *, clock: Clock, max_entries: int = 512) -> None:
        self.clock = clock
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[ContentState, Any]] = OrderedDict()

    def has(self, key: str) -> bool:
        """Whether anything is kept under `key`, current or not."""
        return key in self._entries

    def get(self, key: str, state: ContentState) -> Any | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        stored_state, value = entry
        if stored_state.version != state.version or not stored_state.is_current(self.clock()):
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    def put(self, key: str, state: ContentState, value: Any) -> None:
        self._entries[key] = (state, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)


def init_app(app: Quart) -> None:
    app.extensions[EXTENSION_KEY] = ContentCache(clock=clock_of(app))


def content_cache() -> ContentCache:
    cache: ContentCache = current_app.extensions[EXTENSION_KEY]
    return cache
