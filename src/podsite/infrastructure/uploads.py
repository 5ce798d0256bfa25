"""Large uploads on the routes that take them, and nowhere else.

Quart decides a request's body limit (`MAX_CONTENT_LENGTH`, 16 MiB here) and its body
timeout (`BODY_TIMEOUT`, 60 s) when it builds the request, before routing; an audio file of
up to `PODSITE_MAX_UPLOAD_MB` needs both raised, on the episode form's POST routes only. So
the app's request class (Quart's documented `request_class` hook) looks the path up in the
URL map for POST requests and, for an upload endpoint, builds the request with the upload
limits.

Quart's form parser already streams: it feeds the body chunk by chunk to Werkzeug's
multipart decoder and writes each file part to a `SpooledTemporaryFile` that moves to disk
past 500 KB, so memory stays flat whatever the size (`bench/upload_memory.py` measures it).
Here each file part is written to a named file in the media folder's `.incoming/` instead of
the system's temporary folder (which may be a RAM disk), so that keeping it is a rename on
the same file system. Every part not kept is deleted when the request ends, whether it was
refused, failed or the client went away; `sweep_incoming` removes what a killed worker left.
"""

import asyncio
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from quart import Quart, abort, g, request
from quart.formparser import FormDataParser, StreamFactory
from quart.wrappers.request import Request
from werkzeug.exceptions import HTTPException
from werkzeug.sansio.response import Response as AnyResponse

from podsite.infrastructure.auth import current_user, load_current_user, login_redirect
from podsite.settings import Settings

UPLOAD_ENDPOINTS = frozenset({'admin.episode_create', 'admin.episode_update'})
INCOMING = '.incoming'
UPLOAD_BODY_TIMEOUT_SECONDS = 4 * 3600
"""A 1 GB file on a 1 Mbit/s uplink takes over two hours."""
ABANDONED_AFTER_SECONDS = 24 * 3600
SPOOLED_KEY = 'podsite_spooled_uploads'


def incoming_folder(media_folder: Path) -> Path:
    return media_folder / INCOMING


def request_class_for(app: Quart, settings: Settings) -> type[Request]:
    upload_limit = settings.max_upload_bytes
    incoming = incoming_folder(settings.media_folder)

    class UploadRequest(Request):
        """Quart's request, with the upload limits on the upload endpoints' POSTs."""

        def __init__(self, method: str, scheme: str, path: str, *args: Any, **kwargs: Any) -> None:
            takes_upload = method == 'POST' and _is_upload_endpoint(app, path)
            if takes_upload:
                kwargs['max_content_length'] = upload_limit
                kwargs['body_timeout'] = UPLOAD_BODY_TIMEOUT_SECONDS
            super().__init__(method, scheme, path, *args, **kwargs)
            self.takes_upload = takes_upload
            if takes_upload:
                self.max_content_length = upload_limit

        def make_form_data_parser(self) -> FormDataParser:
            if not self.takes_upload:
                return super().make_form_data_parser()
            return self.form_data_parser_class(
                max_content_length=self.max_content_length,
                max_form_memory_size=self.max_form_memory_size,
                max_form_parts=self.max_form_parts,
                cls=self.parameter_storage_class,
                stream_factory=_spool_in(incoming),
            )

    return UploadRequest


def _is_upload_endpoint(app: Quart, path: str) -> bool:
    try:
        endpoint, _ = app.url_map.bind('').match(path, method='POST')
    except HTTPException:
        return False
    return endpoint in UPLOAD_ENDPOINTS


def _spool_in(incoming: Path) -> StreamFactory:
    def stream_factory(
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        incoming.mkdir(parents=True, exist_ok=True)
        spooled = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed and removed at teardown)
            mode='w+b', dir=incoming, prefix='upload-', suffix='.part', delete=False
        )
        g.setdefault(SPOOLED_KEY, []).append(spooled)
        return spooled

    return stream_factory


def spooled_path(file: IO[bytes]) -> Path:
    """Where a file part of this request was written, all of it on disk."""
    file.flush()
    return Path(file.name)


async def remove_spooled(*_: object) -> None:
    """At the end of every request: closes and deletes each file part nobody moved away, so
    a refused, failed or abandoned upload leaves nothing behind. A coroutine function:
    Quart runs a plain function hook in a thread, and this one runs for every request."""
    spooled = g.pop(SPOOLED_KEY, [])
    if spooled:
        await asyncio.to_thread(_close_and_remove, spooled)


def _close_and_remove(files: list[IO[bytes]]) -> None:
    for file in files:
        file.close()
        Path(file.name).unlink(missing_ok=True)


def sweep_incoming(media_folder: Path, *, now: float | None = None) -> list[Path]:
    """Deletes parts older than a day that a killed worker could not clean up."""
    removed = []
    for part in _parts(incoming_folder(media_folder)):
        if part.stat().st_mtime < (now or time.time()) - ABANDONED_AFTER_SECONDS:
            part.unlink(missing_ok=True)
            removed.append(part)
    return removed


def _parts(folder: Path) -> Iterator[Path]:
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return
    for entry in entries:
        if entry.is_file() and entry.name.endswith('.part'):
            yield Path(entry.path)


def init_app(app: Quart, settings: Settings) -> None:
    """Registered before CSRF protection, whose check reads the form: a large body is read
    only for an administrator."""
    app.request_class = request_class_for(app, settings)
    app.teardown_request(remove_spooled)

    @app.before_request
    async def only_administrators_upload() -> AnyResponse | None:
        if not getattr(request, 'takes_upload', False):
            return None
        await load_current_user()
        user = current_user()
        if user is None:
            return login_redirect()
        if not user.is_admin:
            abort(403)
        return None

    @app.before_serving
    async def sweep() -> None:
        sweep_incoming(settings.media_folder)
