"""A file on disk as the response, with the one byte range asked for (RFC 9110 §14):
episode audio and the static files both go through here.

Done here rather than by Quart's `send_file(conditional=True)`, which on Quart 0.23 serves
a plain range and clamps one that runs past the end, but answers a suffix range
(`bytes=-500`) with a 500, and a suffix longer than the file, several ranges, a malformed
Range or another unit with a 416 where the RFC has the whole file (a 206 of all of it for
the suffix, a 200 otherwise); nor does it advertise `Accept-Ranges` on a 200. Podcast apps
seek with suffix ranges and look for that header. `tests/web/test_downloads.py` covers each
case, and notices when Quart gets suffix and several ranges right.
"""

from datetime import UTC, datetime
from pathlib import Path

from quart import Response, request
from quart.wrappers.response import FileBody
from werkzeug.datastructures import ContentRange
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.http import parse_if_range_header, parse_range_header


async def ranged_file_response(path: Path, *, mimetype: str) -> Response:
    """The whole file (200), or the one range the request asks for (206); raises
    `RequestedRangeNotSatisfiable` (416) for a range that starts past the end."""
    stat = path.stat()  # noqa: ASYNC240 (one stat costs less than a thread hop)
    size = stat.st_size
    etag = f'{stat.st_mtime_ns:x}-{size:x}'
    body = FileBody(path)
    response = Response(body, mimetype=mimetype)
    response.set_etag(etag)
    response.last_modified = datetime.fromtimestamp(int(stat.st_mtime), UTC)
    response.headers['Accept-Ranges'] = 'bytes'
    response.content_length = size
    requested = parse_range_header(request.headers.get('Range'))
    if (
        requested is None
        or requested.units != 'bytes'
        or len(requested.ranges) > 1  # the whole file is a valid answer to several
        or not _if_range_holds(etag, response.last_modified)
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


def _if_range_holds(etag: str, last_modified: datetime) -> bool:
    if_range = parse_if_range_header(request.headers.get('If-Range'))
    if if_range.etag is not None:
        return if_range.etag == etag
    if if_range.date is not None:
        return if_range.date >= last_modified
    return True
