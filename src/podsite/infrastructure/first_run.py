"""The first-run gate: while a site is not set up (no administrator, no show settings),
every page leads to the setup page. Once a process has seen the site set up it remembers
that for good, so a set-up site pays a dictionary lookup per request and no query."""

from collections.abc import Awaitable, Callable

from quart import Quart, redirect, request, url_for
from werkzeug.sansio.response import Response as AnyResponse

SET_UP_KEY = 'podsite.set_up'
SETUP_BLUEPRINT = 'setup'
# Pages are the blueprints' views; routes of the app itself (static files) are plumbing.
# The health check answers as it always does, and bot probes are answered before this.
OPEN_ENDPOINTS = frozenset({'home.health'})


def init_app(app: Quart, *, needs_setup: Callable[[], Awaitable[bool]]) -> None:
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
