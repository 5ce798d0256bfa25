"""Granian by itself: a bare ASGI app answering every request with the bytes of the episode
page `bench/run.py` saved (`BENCH_PAGE_FILE`). What it costs a request is what the server
costs apart from podsite, measured on the same machine in the same run."""

import os
from pathlib import Path
from typing import Any

PAGE = Path(os.environ['BENCH_PAGE_FILE']).read_bytes()
HEADERS = [
    (b'content-type', b'text/html; charset=utf-8'),
    (b'content-length', str(len(PAGE)).encode()),
]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope['type'] != 'http':  # lifespan: nothing to start or stop
        return
    await send({'type': 'http.response.start', 'status': 200, 'headers': HEADERS})
    await send({'type': 'http.response.body', 'body': PAGE})
