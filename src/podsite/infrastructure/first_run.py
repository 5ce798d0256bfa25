"""The first-run gate: while a site is not set up (no administrator, no show settings),
every page leads to the setup page. Once a process has seen the site set up it remembers
that for good, so a set-up site pays a dictionary lookup per request and no query."""

from collections.abc import Awaitable, Callable

from quart import Quart, redirect, request, url_for
from werkzeug.sansio.response import Response as AnyResponse

SET_UP_KEY = 'podsite.set_up'
SETUP_BLUEPRINT = 'setup'
# Files and the health check answer as they always do (bot probes are answered earlier).
OPEN_BLUEPRINTS = frozenset({SETUP_BLUEPRINT})
OPEN_ENDPOINTS = frozenset({'static', 'home.health'})


def init_app(app: Quart, *, needs_setup: Callable[[], Awaitable[bool]]) -> None:
    @app.before_request
    async def send_to_setup() -> AnyResponse | None:
        if app.extensions.get(SET_UP_KEY) or request.routing_exception is not None:
            return None
        if request.endpoint in OPEN_ENDPOINTS or request.blueprint in OPEN_BLUEPRINTS:
            return None
        if not await needs_setup():
            app.extensions[SET_UP_KEY] = True
            return None
        return redirect(url_for(f'{SETUP_BLUEPRINT}.form'))
