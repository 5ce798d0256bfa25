"""A file on disk as the response: the one byte range asked for (RFC 9110 §14), the
preconditions of RFC 9110 §13 (a 304 for a copy the client already has), and what the body
really sent once it is over. Episode audio and the static files both go through here.

Done here rather than by Quart's `send_file(conditional=True)`, which on Quart 0.23 serves
a plain range and clamps one that runs past the end, but answers a suffix range
(`bytes=-500`) with a 500, and a suffix longer than the file, several ranges, a malformed
Range or another unit with a 416 where the RFC has the whole file (a 206 of all of it for
the suffix, a 200 otherwise); nor does it advertise `Accept-Ranges` on a 200. Podcast apps
seek with suffix ranges and look for that header. `tests/web/test_downloads.py` covers each
case, and notices when Quart gets suffix and several ranges right.
"""

import weakref
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from quart import Response, request
from quart.wrappers.response import FileBody, ResponseBody
from werkzeug.datastructures import ContentRange, ETags
from werkzeug.exceptions import PreconditionFailed, RequestedRangeNotSatisfiable
from werkzeug.http import parse_date, parse_etags, parse_if_range_header, parse_range_header


async def ranged_file_response(path: Path, *, mimetype: str) -> Response:
    """The whole file (200), the one range the request asks for (206), or 304 when the
    request's preconditions say the client has this version already. Raises
    `RequestedRangeNotSatisfiable` (416) for a range that starts past the end and
    `PreconditionFailed` (412) when `If-Match` or `If-Unmodified-Since` fails."""
    stat = path.stat()  # noqa: ASYNC240 (one stat costs less than a thread hop)
    size = stat.st_size
    etag = f'{stat.st_mtime_ns:x}-{size:x}'
    last_modified = datetime.fromtimestamp(int(stat.st_mtime), UTC)
    if not _preconditions_allow_a_body(etag, last_modified):
        not_modified = Response(status=304)
        # No body, and none of a body's headers: a Content-Length here would have to be the
        # file's (RFC 9110 §8.6), and saying nothing is allowed.
        del not_modified.headers['Content-Type'], not_modified.headers['Content-Length']
        not_modified.set_etag(etag)
        not_modified.last_modified = last_modified
        return not_modified
    body = FileBody(path)
    response = Response(body, mimetype=mimetype)
    response.set_etag(etag)
    response.last_modified = last_modified
    response.headers['Accept-Ranges'] = 'bytes'
    response.content_length = size
    requested = parse_range_header(request.headers.get('Range'))
    if (
        requested is None
        or requested.units != 'bytes'
        or len(requested.ranges) > 1  # the whole file is a valid answer to several
        or not _if_range_holds(etag, last_modified)
    ):
        return response
    start, stop = requested.ranges[0]
    if start < 0:  # a suffix: the last bytes, all of them when the file is shorter
        start = max(size + start, 0)
    stop = size if stop is None else min(stop, size)
    if start >= stop:
        raise RequestedRangeNotSatisfiable(length=size)
    await body.make_conditional(start, stop)
    response.status_code = 206
    response.content_range = ContentRange('bytes', start, stop, size)
    response.content_length = stop - start
    return response


def _preconditions_allow_a_body(etag: str, last_modified: datetime) -> bool:
    """RFC 9110 §13.2.2, in its order: `If-Match`, else `If-Unmodified-Since` (a failure is
    412); then `If-None-Match`, else `If-Modified-Since` (a match is 304, for GET and HEAD,
    the only methods served here). A date that does not parse is ignored, as §13.1.3 and
    §13.1.4 say."""
    headers = request.headers
    if 'If-Match' in headers:
        if not _strong_match(parse_etags(headers['If-Match']), etag):
            raise PreconditionFailed()
    else:
        unmodified_since = parse_date(headers.get('If-Unmodified-Since'))
        if unmodified_since is not None and last_modified > unmodified_since:
            raise PreconditionFailed()
    if 'If-None-Match' in headers:
        return not parse_etags(headers['If-None-Match']).contains_weak(etag)
    modified_since = parse_date(headers.get('If-Modified-Since'))
    return modified_since is None or last_modified > modified_since


def _strong_match(tags: ETags, etag: str) -> bool:
    return tags.star_tag or tags.contains(etag)


def _if_range_holds(etag: str, last_modified: datetime) -> bool:
    if_range = parse_if_range_header(request.headers.get('If-Range'))
    if if_range.etag is not None:
        return if_range.etag == etag
    if if_range.date is not None:
        return if_range.date >= last_modified
    return True


@dataclass(frozen=True)
class Transfer:
    """What a file response's body sent: the bytes from `first_byte` on that the server
    took from it, out of the `planned_bytes` of its Content-Length."""

    first_byte: int
    planned_bytes: int
    sent_bytes: int

    @property
    def ended_early(self) -> bool:
        """The client hung up (or the send was given up) before the last byte."""
        return self.sent_bytes < self.planned_bytes


def watch_transfer(response: Response, on_end: Callable[[Transfer], None]) -> None:
    """Calls `on_end` once the response's body is over: sent in full, or abandoned (the
    client hung up and the server cancelled the send, the response timed out, or the body
    was never sent at all because the client left first). The ASGI server sends the body
    after the view has returned, so this is the only moment the bytes sent are known.

    A chunk counts as sent once the server asks for the next one (its `send` returned):
    the bytes handed to the server, which may still have been in its buffers when the
    connection dropped."""
    content_range = response.content_range
    first_byte = (content_range.start or 0) if content_range is not None else 0
    progress = _Progress(first_byte, response.content_length or 0, on_end)
    response.response = _WatchedBody(response.response, progress)


class _Progress:
    """Kept apart from the body, so that a body dropped unsent can still be reported."""

    def __init__(
        self, first_byte: int, planned_bytes: int, on_end: Callable[[Transfer], None]
    ) -> None:
        self.first_byte = first_byte
        self.planned_bytes = planned_bytes
        self.sent_bytes = 0
        self.on_end = on_end

    def report(self) -> None:
        self.on_end(Transfer(self.first_byte, self.planned_bytes, self.sent_bytes))


class _WatchedBody(ResponseBody):
    def __init__(self, body: ResponseBody, progress: _Progress) -> None:
        self._body = body
        self._chunks: AsyncIterator[bytes] | None = None
        self._in_flight = 0
        self._progress = progress
        # Reports once: when the body is over, or else when it is dropped without being sent
        # (Quart skips the body when the client left before the response started).
        self._report = weakref.finalize(self, progress.report)

    async def __aenter__(self) -> '_WatchedBody':
        self._chunks = aiter(await self._body.__aenter__())
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self._body.__aexit__(exc_type, exc_value, tb)  # type: ignore[arg-type]
        finally:
            self._report()

    def __aiter__(self) -> '_WatchedBody':
        return self

    async def __anext__(self) -> bytes:
        assert self._chunks is not None
        # Asked for the next chunk: the server has taken the last one.
        self._progress.sent_bytes += self._in_flight
        self._in_flight = 0
        chunk: bytes = await anext(self._chunks)
        self._in_flight = len(chunk)
        return chunk
