"""The first-run gate: while a site is not set up (no administrator, no show settings),
every page leads to the setup page. Each process asks once as it starts, and once it has
seen the site set up it remembers that for good, so a set-up site pays a dictionary lookup
per request and no query, from its first page on."""

from collections.abc import Awaitable, Callable

from quart import Quart, redirect, request, url_for
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.sansio.response import Response as AnyResponse

SET_UP_KEY = 'podsite.set_up'
SETUP_BLUEPRINT = 'setup'
# Pages are the blueprints' views; routes of the app itself (static files) are plumbing.
# The health check answers as it always does, and bot probes are answered before this.
OPEN_ENDPOINTS = frozenset({'home.health'})


def init_app(app: Quart, *, needs_setup: Callable[[], Awaitable[bool]]) -> None:
    """Call after the database opens in `before_serving`."""

    @app.before_serving
    async def ask_once_at_start() -> None:
        try:
            async with app.app_context():
                if not await needs_setup():
                    app.extensions[SET_UP_KEY] = True
        except (SQLAlchemyError, OSError):
            # The database is down, or has no schema yet (serving before `podsite db
            # upgrade`): the site still starts (its pages say so), and they ask again.
            return

    @app.before_request
    async def send_to_setup() -> AnyResponse | None:
        if app.extensions.get(SET_UP_KEY) or request.routing_exception is not None:
            return None
        if request.blueprint in {None, SETUP_BLUEPRINT} or request.endpoint in OPEN_ENDPOINTS:
            return None
        if not await needs_setup():
            app.extensions[SET_UP_KEY] = True
            return None
        return redirect(url_for(f'{SETUP_BLUEPRINT}.form'))
