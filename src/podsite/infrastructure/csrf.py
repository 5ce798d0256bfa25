"""CSRF protection: a random token per session, required on every state-changing request,
as a form field or a header. A missing or wrong token is a 400, never a 500."""

import hmac
import secrets

from quart import Quart, abort, request, session
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

CSRF_FIELD = 'csrf_token'
CSRF_HEADER = 'X-CSRF-Token'
SESSION_KEY = 'csrf_token'
SAFE_METHODS = frozenset({'GET', 'HEAD', 'OPTIONS', 'TRACE'})


def csrf_token() -> str:
    token = session.get(SESSION_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[SESSION_KEY] = token
    return token


def init_app(app: Quart) -> None:
    @app.before_request
    async def check_csrf_token() -> None:
        if request.method in SAFE_METHODS or request.routing_exception is not None:
            return  # unknown routes and wrong methods keep their own 404 and 405
        expected = session.get(SESSION_KEY)
        sent = request.headers.get(CSRF_HEADER)
        if sent is None:
            try:
                sent = (await request.form).get(CSRF_FIELD)
            except RequestEntityTooLarge:
                raise
            except (BadRequest, ValueError, UnicodeDecodeError):
                abort(400, description='The form could not be read.')
        if (
            not isinstance(expected, str)
            or not sent
            or not hmac.compare_digest(expected.encode(), sent.encode())
        ):
            abort(
                400,
                description='The form expired or did not come from this site. '
                'Reload the page and try again.',
            )
