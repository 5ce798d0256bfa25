from datetime import UTC, datetime

from quart import redirect, request
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.sansio.response import Response as AnyResponse

from podsite.infrastructure.client_ip import request_client_ip
from podsite.infrastructure.file_responses import ranged_file_response
from podsite.infrastructure.media_files import local_media_file
from podsite.schemas.analytics import PendingDownload
from podsite.schemas.catalogue import MediaFile
from podsite.services.analytics import recording
from podsite.services.catalogue import episode_service
from podsite.settings import current_settings


class DownloadViewModel:
    """A counted download: the local file with Range support, or a redirect to the media."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.media: MediaFile | None = None

    async def load_async(self) -> None:
        self.media = await episode_service.media_file(self.number)

    async def respond(self) -> AnyResponse:
        assert self.media is not None
        settings = current_settings()
        path = local_media_file(settings.media_dir, self.media.media_url)
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
        return file_response

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
