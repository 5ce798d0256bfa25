"""CSRF protection: a random token per session, required on every state-changing request,
as a form field or a header. A missing or wrong token is a 400, never a 500."""

import hmac
import secrets
from collections.abc import Callable

from quart import Quart, Response, abort, current_app, g, request, session

from podsite.infrastructure.security_headers import never_store

CSRF_FIELD = 'csrf_token'
CSRF_HEADER = 'X-CSRF-Token'
SESSION_KEY = 'csrf_token'
SAFE_METHODS = frozenset({'GET', 'HEAD', 'OPTIONS', 'TRACE'})
SHOWN_KEY = 'csrf_token_shown'
"""Set on `g` once the answer carries the session's token: it is for this visitor only."""


EXEMPT_ATTRIBUTE = 'csrf_exempt'


def exempt[**P, R](view: Callable[P, R]) -> Callable[P, R]:
    """Marks a view whose URL carries its own proof (a token signed by the site), for a POST
    that comes without the site's cookie: a mail client's one-click unsubscribe (RFC 8058)."""
    setattr(view, EXEMPT_ATTRIBUTE, True)
    return view


def csrf_token() -> str:
    """The session's token, created on first use; forms put it in a hidden field."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[SESSION_KEY] = token
    setattr(g, SHOWN_KEY, True)
    return token


def init_app(app: Quart) -> None:
    @app.after_request
    async def keep_token_pages_private(response: Response) -> Response:
        # Every page of a logged-in visitor has one (the layout's logout form), as has
        # every form.
        return await never_store(response) if g.get(SHOWN_KEY) else response

    @app.before_request
    async def check_csrf_token() -> None:
        if request.method in SAFE_METHODS or request.routing_exception is not None:
            return  # unknown routes and wrong methods keep their own 404 and 405
        view = current_app.view_functions.get(request.endpoint or '')
        if getattr(view, EXEMPT_ATTRIBUTE, False):
            return
        expected = session.get(SESSION_KEY)
        sent = request.headers.get(CSRF_HEADER)
        if sent is None:
            # Quart's form parser turns a malformed body (bad encoding, broken multipart,
            # another content type) into an empty form, and raises 413 for an oversized
            # one, so reading the form here cannot end in a 500.
            sent = (await request.form).get(CSRF_FIELD)
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
