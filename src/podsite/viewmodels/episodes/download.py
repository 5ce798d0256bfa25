from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote
from uuid import uuid4

from quart import Response, abort, redirect, request
from werkzeug.exceptions import HTTPException
from werkzeug.sansio.response import Response as AnyResponse

from podsite.infrastructure.client_ip import request_client_ip
from podsite.infrastructure.event_recorder import recorder
from podsite.infrastructure.file_responses import Transfer, ranged_file_response, watch_transfer
from podsite.infrastructure.media_files import local_media_file, retired_file, stored_file
from podsite.schemas.analytics import PendingDownload
from podsite.schemas.catalogue import MediaFile
from podsite.services.catalogue import episode_service
from podsite.settings import current_settings


class DownloadViewModel:
    """A counted download: the local file with Range and conditional requests (or, behind
    nginx, an `X-Accel-Redirect` to it), or a redirect to the media elsewhere. Every request
    is recorded; a file podsite sends itself also once its body is over, with the bytes
    really sent."""

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
            recorder().downloads.record(self._event(response.status_code, file_sent=False))
            return response
        try:
            file_response = await ranged_file_response(path, mimetype=self.media.media_type)
        except HTTPException as refused:  # 412, 416
            recorder().downloads.record(self._event(refused.code or 500, file_sent=True))
            raise
        prefix = current_settings().accel_redirect_prefix
        if prefix is not None and request.method != 'HEAD' and file_response.status_code != 304:
            # nginx sends the bytes: as with a redirect, the request is known, its bytes not.
            recorder().downloads.record(self._event(file_response.status_code, file_sent=False))
            return self._accel_redirect(prefix, path)
        event = self._event(file_response.status_code, file_sent=True)
        if request.method == 'HEAD' or file_response.status_code == 304:
            recorder().downloads.record(event)
            return file_response
        # Recorded as it starts, so that a worker killed during the transfer loses nothing,
        # and completed with the bytes sent when it ends (after the request's context has
        # gone: the recorder is kept from now).
        started = event.model_copy(update={'transfer': uuid4().hex, 'ended_early': None})
        record = recorder().downloads.record
        record(started)

        def transfer_over(transfer: Transfer) -> None:
            record(
                started.model_copy(
                    update={
                        'served_from': transfer.first_byte,
                        'bytes_served': transfer.sent_bytes,
                        'ended_early': transfer.ended_early,
                    }
                )
            )

        watch_transfer(file_response, transfer_over)
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

    def _event(self, status: int, *, file_sent: bool) -> PendingDownload:
        """The request as it arrived, with no byte sent yet; `file_sent` is False for a
        redirect or nginx's `X-Accel-Redirect`, where podsite never knows the bytes."""
        assert self.media is not None
        return PendingDownload(
            occurred_at=datetime.now(UTC),
            episode_id=self.media.episode_id,
            client_ip=request_client_ip(),
            user_agent=request.headers.get('User-Agent', ''),
            range_header=request.headers.get('Range'),
            bytes_served=0 if file_sent else None,
            method=request.method,
            status=status,
            served_from=0 if file_sent else None,
            ended_early=False if file_sent else None,
        )
