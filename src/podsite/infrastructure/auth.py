"""Who is asking: the logged-in user of this request, and the guards of protected views.

The signed session cookie holds a random login token; the user is looked up (one query)
only for requests that carry one, so anonymous pages cost nothing extra.
"""

from collections.abc import Awaitable, Callable
from functools import wraps

from itsdangerous import URLSafeTimedSerializer
from quart import Quart, abort, g, redirect, request, session, url_for
from quart.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from quart.wrappers import BaseRequestWebsocket, Response
from werkzeug.sansio.response import Response as AnyResponse
from werkzeug.wrappers import Response as WerkzeugResponse

from podsite.schemas.account import UserInfo
from podsite.services.accounts import account_service

SESSION_KEY = 'login'


class SignedCookieSessions(SecureCookieSessionInterface):
    """Quart's signed cookie sessions, with the signing serializer built once per key
    rather than on every request, once to open the session and again to save it, and with
    no work for a request that has no session cookie."""

    def __init__(self) -> None:
        self._serializers: dict[tuple[object, ...], URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Quart) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, *(app.config['SECRET_KEY_FALLBACKS'] or ()))
        if keys not in self._serializers:
            self._serializers[keys] = super().get_signing_serializer(app)
        return self._serializers[keys]

    async def open_session(
        self, app: Quart, request: BaseRequestWebsocket
    ) -> SecureCookieSession | None:
        # Most requests come without the cookie; Quart's own lookup of a missing cookie
        # builds and catches an exception (werkzeug's BadRequestKeyError) for each.
        if self.get_cookie_name(app) not in request.cookies:
            return None if self.get_signing_serializer(app) is None else self.session_class()
        return await super().open_session(app, request)

    async def save_session(
        self, app: Quart, session: SessionMixin, response: Response | WerkzeugResponse | None
    ) -> None:
        # An anonymous visitor's session is empty and untouched: it needs at most the Vary
        # header, where Quart first reads seven cookie settings from the config.
        if response is not None and not session and not session.modified:
            if session.accessed:
                response.vary.add('Cookie')
            return
        await super().save_session(app, session, response)


def init_app(app: Quart) -> None:
    app.session_interface = SignedCookieSessions()

    @app.before_request
    async def load_user() -> None:
        if request.endpoint == 'static':
            return
        await load_current_user()


async def load_current_user() -> None:
    """Finds the signed-in account for this request, once (hooks that need it before the
    usual place, as the upload guard does, call it first)."""
    if 'user' in g:
        return
    token = session.get(SESSION_KEY)
    g.user = await account_service.user_for_session(token) if token else None
    if token and g.user is None:
        session.pop(SESSION_KEY, None)


def current_user() -> UserInfo | None:
    user: UserInfo | None = g.get('user')
    return user


async def log_in(user: UserInfo) -> None:
    """A fresh session for a fresh login: nothing from before it (CSRF token included)
    survives, so a session fixed by an attacker is useless after the victim logs in."""
    session.clear()
    session[SESSION_KEY] = await account_service.start_session(user_id=user.id)
    session.permanent = True
    g.user = user


def session_token() -> str:
    """The login token of this request's session; empty when nobody is logged in."""
    token = session.get(SESSION_KEY)
    return token if isinstance(token, str) else ''


async def log_out() -> None:
    token = session.get(SESSION_KEY)
    if token:
        await account_service.end_session(token)
    session.clear()
    g.user = None


def login_redirect() -> AnyResponse:
    return redirect(url_for('account.login_get', next=request.full_path.rstrip('?')))


def login_required[**P, R](
    view: Callable[P, Awaitable[R]],
) -> Callable[P, Awaitable[R | AnyResponse]]:
    @wraps(view)
    async def guarded(*args: P.args, **kwargs: P.kwargs) -> R | AnyResponse:
        if current_user() is None:
            return login_redirect()
        return await view(*args, **kwargs)

    return guarded


def role_required[**P, R](
    role: str,
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R | AnyResponse]]]:
    """Anonymous visitors are sent to log in; users without the role get 403."""

    def decorator(view: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R | AnyResponse]]:
        @wraps(view)
        async def guarded(*args: P.args, **kwargs: P.kwargs) -> R | AnyResponse:
            user = current_user()
            if user is None:
                return login_redirect()
            if user.role != role:
                abort(403)
            return await view(*args, **kwargs)

        return guarded

    return decorator
