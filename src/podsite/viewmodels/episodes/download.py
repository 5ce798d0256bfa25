from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from quart import Response, abort, redirect, request
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.sansio.response import Response as AnyResponse

from podsite.infrastructure.client_ip import request_client_ip
from podsite.infrastructure.file_responses import ranged_file_response
from podsite.infrastructure.media_files import local_media_file, retired_file, stored_file
from podsite.schemas.analytics import PendingDownload
from podsite.schemas.catalogue import MediaFile
from podsite.services.analytics import recording
from podsite.services.catalogue import episode_service
from podsite.settings import current_settings


class DownloadViewModel:
    """A counted download: the local file with Range support (or, behind nginx, an
    `X-Accel-Redirect` to it), or a redirect to the media elsewhere."""

    def __init__(self, number: int, requested_name: str = '') -> None:
        self.number = number
        self.requested_name = requested_name
        self.media: MediaFile | None = None

    async def load_async(self) -> None:
        self.media = await episode_service.media_file(self.number)

    async def respond(self) -> AnyResponse:
        assert self.media is not None
        path = self._local_path()
        if path is None:
            response: AnyResponse = redirect(self.media.media_url, 302)
            self._record(response.status_code, bytes_served=None)
            return response
        try:
            file_response = await ranged_file_response(path, mimetype=self.media.media_type)
        except RequestedRangeNotSatisfiable:
            self._record(416, bytes_served=0)
            raise
        sent = 0 if request.method == 'HEAD' else (file_response.content_length or 0)
        self._record(file_response.status_code, bytes_served=sent)
        prefix = current_settings().accel_redirect_prefix
        if prefix is not None:
            return self._accel_redirect(prefix, path)
        return file_response

    def _local_path(self) -> Path | None:
        """The stored file (or, by the name an older feed gave it, a replaced one still
        kept), else a file put in the media folder under the media URL's name. A stored file
        that has gone missing is a 404: its media URL is this route."""
        assert self.media is not None
        folder = current_settings().media_folder
        if self.media.media_file is None:
            return local_media_file(folder, self.media.media_url)
        if self.requested_name != self.media.media_file:
            older = retired_file(folder, self.number, self.requested_name)
            if older is not None:
                return older
        path = stored_file(folder, self.media.media_file)
        if path is None:
            abort(404)
        return path

    def _accel_redirect(self, prefix: str, path: Path) -> Response:
        """nginx sends the bytes (ranges included) from its internal location for the media
        folder; podsite has recorded the download as the range asked for."""
        assert self.media is not None
        relative = path.relative_to(current_settings().media_folder).as_posix()
        response = Response(b'', content_type=self.media.media_type)
        response.headers['X-Accel-Redirect'] = prefix + quote(relative)
        return response

    def _record(self, status: int, *, bytes_served: int | None) -> None:
        assert self.media is not None
        recording.record_download(
            PendingDownload(
                occurred_at=datetime.now(UTC),
                episode_id=self.media.episode_id,
                client_ip=request_client_ip(),
                user_agent=request.headers.get('User-Agent', ''),
                range_header=request.headers.get('Range'),
                bytes_served=bytes_served,
                method=request.method,
                status=status,
            )
        )
