"""Styled error pages for the whole app; none of them touches the database."""

import logging

from quart import Blueprint, Response
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from podsite.infrastructure import templates
from podsite.viewmodels.error.page import ErrorPageViewModel

blueprint = Blueprint('error', __name__)
logger = logging.getLogger(__name__)

# What a database that is down, unreachable or refusing connections raises.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, ConnectionError, TimeoutError)


def error_page(status: int) -> Response:
    return templates.response('error/page.pt', ErrorPageViewModel(status).to_dict(), status)


@blueprint.app_errorhandler(HTTPException)
async def http_error(error: HTTPException) -> Response:
    return error_page(error.code or 500)


async def database_unavailable(error: Exception) -> Response:
    logger.error('database unavailable: %s', error)
    response = error_page(503)
    response.headers['Retry-After'] = '30'
    return response


for unavailable in DATABASE_UNAVAILABLE:
    blueprint.app_errorhandler(unavailable)(database_unavailable)
