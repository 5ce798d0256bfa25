"""Handing memory back to the operating system after building a large document, and keeping
a worker's long-lived objects out of the cyclic garbage collector's way.

CPython frees the feed's rows, models and XML tree once it is built, but glibc keeps the
freed heap for later use: with the feed of 10,000 episodes (60 MB of XML) a worker ended
`bench/catalogue.py`'s spread of pages at 485 MB resident; with the feed kept gzipped
and the heap handed back here, at 225 MB. The same holds for every document as large as the
catalogue: on a 10,000-episode show, rendering `/episodes/all` left 17 MB of freed heap
behind and the sitemap 11 MB (2026-12-07). `malloc_trim` returns what is free now;
elsewhere (musl, macOS) there is nothing to call and nothing is done.

A request that builds such a document waits for its turn first (`large_document_turn`):
a worker builds one at a time. Built side by side, their short-lived objects were alive
together, and the few long-lived ones made meanwhile (a cache entry, a kept page) kept more
of Python's small-object arenas from ever being freed: after `bench/catalogue.py`'s spread
on 10,000 episodes, which asks for the feed, the sitemap, `/episodes/all` and `/guests` at
once, 107 arenas of 1 MiB where 84 were left when the same requests came one after another
(in-process, 2026-12-07). The turn ends when the response begins, the document built and
what it was built from garbage: a client reading slowly must not hold up the feed. The heap
is handed back once the response has gone out, on a thread of its own: on a heap left in
pieces it takes up to 20 ms, and ctypes lets go of the GIL for it.
"""

import asyncio
import ctypes
import ctypes.util
import gc
from collections.abc import Callable
from typing import Any

from quart import Quart, current_app, request

from podsite.infrastructure.asgi_types import ASGIApp, Message, Scope

TURN_KEY = 'podsite.large_document_turn'
"""Scope key: the request took the turn to build a document as large as the catalogue;
`HOLDING` until its response begins, then `DONE`."""
HOLDING, DONE = 'holding', 'done'

EXTENSION_KEY = 'podsite.large_documents'

_MALLOC_TRIM: Callable[[int], int] | None = None
_library = ctypes.util.find_library('c')
if _library is not None:
    _MALLOC_TRIM = getattr(ctypes.CDLL(_library), 'malloc_trim', None)


def release_freed_memory() -> None:
    """Returns the heap that is free now to the operating system (glibc only)."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


async def large_document_turn() -> None:
    """Waits until no other request of this worker is building a document that grows with
    the catalogue (the feed, the sitemap, a page listing every episode or guest), and holds
    the turn until the current request's response begins; the heap is handed back once the
    response is out. A request that took the turn already goes on."""
    scope: Scope = request.scope  # type: ignore[assignment]
    if TURN_KEY in scope:
        return
    large_documents: LargeDocumentMiddleware = current_app.extensions[EXTENSION_KEY]
    await large_documents.turn.acquire()
    scope[TURN_KEY] = HOLDING


class LargeDocumentMiddleware:
    """Ends the turn of a request that built a large document when its response begins (or
    when it ends without one), and hands the heap back once the response is out."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.turn = asyncio.Lock()

    async def __call__(self, scope: Scope, receive: object, send: Callable[..., Any]) -> None:
        async def send_ending_turn(message: Message) -> None:
            if message['type'] == 'http.response.start':
                self._end_turn(scope)
            await send(message)

        try:
            await self.app(scope, receive, send_ending_turn)
        finally:
            if TURN_KEY in scope:
                self._end_turn(scope)
                await asyncio.to_thread(release_freed_memory)

    def _end_turn(self, scope: Scope) -> None:
        if scope.get(TURN_KEY) == HOLDING:
            scope[TURN_KEY] = DONE
            self.turn.release()


def init_app(app: Quart) -> None:
    """Wraps the app as it is now: put it on before the page cache, whose hits build
    nothing."""
    large_documents = LargeDocumentMiddleware(app.asgi_app)  # type: ignore[arg-type]
    app.extensions[EXTENSION_KEY] = large_documents
    app.asgi_app = large_documents  # type: ignore[method-assign,assignment]


def settle_startup_objects() -> None:
    """Exempts what a worker built before serving (modules, the app, its routes, settings)
    from the cyclic garbage collector: they live as long as the worker, and every full
    collection walked them all again. On the cold episode page the collector's time fell
    from about 21 to 3 µs a request (2026-12-07, `gc.callbacks`, 5,000 requests)."""
    gc.collect()
    gc.freeze()
