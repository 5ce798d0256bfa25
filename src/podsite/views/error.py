"""Styled error pages for the whole app; none of them touches the database."""

import logging
import secrets

import chameleon_rs.flask as chameleon_flask
from quart import Blueprint
from werkzeug.exceptions import HTTPException
from werkzeug.sansio.response import Response

from podsite.infrastructure import db
from podsite.viewmodels.error.page import ErrorPageViewModel

blueprint = Blueprint('error', __name__)
logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


async def error_page(status: int, request_id: str = '') -> Response:
    vm = ErrorPageViewModel(status, request_id)
    await vm.load_layout_async()
    return chameleon_flask.response('error/page.pt', status_code=status, **vm.to_dict())


@blueprint.app_errorhandler(HTTPException)
async def http_error(error: HTTPException) -> Response:
    status = error.code or 500
    if status < 500:
        page = await error_page(status)
        # What the error itself says besides its page: Allow on a 405, Content-Range on a 416.
        for name, value in error.get_headers():
            if name.lower() != 'content-type':
                page.headers[name] = value
        return page
    # The id ties what the visitor reports to the traceback in the log.
    request_id = secrets.token_hex(6)
    original = getattr(error, 'original_exception', None)
    logger.error('request %s failed with %d', request_id, status, exc_info=original)
    return await error_page(status, request_id)


async def database_unavailable(error: Exception) -> Response:
    """A database that cannot serve now is a 503 that asks to come back; any other error of
    the same classes (a wrong statement, a broken constraint) goes on to be a 500."""
    if not db.is_unavailable(error):
        raise error
    logger.error('database unavailable: %s', error)
    response = await error_page(503)
    response.headers['Retry-After'] = str(RETRY_AFTER_SECONDS)
    return response


for raised in db.RAISED_WHEN_UNAVAILABLE:
    blueprint.app_errorhandler(raised)(database_unavailable)
