"""`create_app(settings)` builds the whole site; nothing is bound at import time."""

import multiprocessing
import signal
from collections.abc import Awaitable, Callable
from types import FunctionType
from typing import Any

from quart import Quart

from podsite.infrastructure import (
    artwork_files,
    auth,
    cache,
    csrf,
    db,
    event_recorder,
    first_run,
    log_output,
    memory,
    page_cache,
    public_address,
    rate_limit,
    security_headers,
    static_files,
    templates,
    uploads,
    url_converters,
)
from podsite.infrastructure.clock import Clock, system_clock, use_clock
from podsite.infrastructure.periodic import repeat_while_serving
from podsite.infrastructure.public_address import PublicAddressQuart
from podsite.infrastructure.request_log import RequestLogMiddleware
from podsite.services.accounts import mailer
from podsite.services.analytics import agents, counting, datacenters
from podsite.services.catalogue import site_state_service
from podsite.services.operations import first_run_service
from podsite.services.publishing import feed_notifier, tagging_service
from podsite.settings import PACKAGE_DIR, SETTINGS_KEY, Settings
from podsite.views import (
    account,
    admin,
    advertiser,
    episodes,
    error,
    friends,
    guests,
    hackers,
    home,
    policies,
    redirector,
    search,
    setup,
    sitemap,
    stream,
    two_factor,
)

# Episodes first; the redirector (short URLs under /r/) last.
BLUEPRINTS = (
    episodes,
    home,
    friends,
    advertiser,
    guests,
    search,
    stream,
    sitemap,
    policies,
    account,
    two_factor,
    setup,
    admin,
    error,
    redirector,
)


class Site(PublicAddressQuart):
    """The app: Quart building URLs for the public address, and checking once per function
    rather than on every request whether a view or a request hook is a coroutine function
    (Quart asks `inspect.iscoroutinefunction` for each hook of each request, about 1.5 %
    of a cold episode page)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._async_functions: dict[Callable[..., Any], Callable[..., Awaitable[Any]]] = {}

    def ensure_async(self, func: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
        # Only plain functions are kept: a bound method is a new object on each access and
        # would keep its instance alive here.
        if type(func) is not FunctionType:
            return super().ensure_async(func)
        converted = self._async_functions.get(func)
        if converted is None:
            converted = self._async_functions[func] = super().ensure_async(func)
        return converted


def create_app(
    settings: Settings | None = None,
    *,
    write_request_line: Callable[[str], None] | None = None,
    clock: Clock = system_clock,
) -> Quart:
    """`write_request_line` takes the one-line-per-request log; the `podsite.request`
    logger does by default. `clock` tells the time the public site goes by (see
    `infrastructure/clock.py`)."""
    settings = settings or Settings()
    # The static files have a route of their own (infrastructure/static_files.py).
    app = Site(__name__, static_folder=None, template_folder=None)
    app.use_public_address(settings.base_url)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
        SESSION_COOKIE_NAME='podsite_session',
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE='Lax',
        SESSION_COOKIE_SECURE=settings.base_url.startswith('https'),
    )
    url_converters.init_app(app)
    use_clock(app, clock)
    app.config[SETTINGS_KEY] = settings
    hackers.init_app(app)
    db.init_app(app)
    agents.use_data_dir(settings.data_dir)
    datacenters.use_data_dir(settings.data_dir)
    recorder = event_recorder.init_app(app, settings)
    repeat_while_serving(
        app,
        lambda: counting.aggregate_downloads(settings.analytics_window),
        name='download aggregation',
        interval=settings.analytics_interval_seconds,
    )
    repeat_while_serving(
        app, mailer.send_queued_mail, name='email sending', interval=settings.mail_interval_seconds
    )
    repeat_while_serving(
        app,
        feed_notifier.notify_feed_changes,
        name='feed notifications',
        interval=settings.publish_interval_seconds,
    )
    repeat_while_serving(
        app,
        tagging_service.rewrite_queued,
        name='tag writing',
        interval=settings.tagging_interval_seconds,
    )

    @app.before_serving
    async def start() -> None:
        db.open_database_for(app, settings)

    @app.after_serving
    async def stop() -> None:
        await db.close_database_for(app)

    cache.init_app(app)
    security_headers.init_app(app, settings)
    uploads.init_app(app, settings)
    csrf.init_app(app)
    rate_limit.init_app(app, settings)
    auth.init_app(app)
    first_run.init_app(app, needs_setup=first_run_service.needs_setup)
    memory.init_app(app)
    page_cache.init_app(
        app,
        settings,
        content_state=lambda scope: site_state_service.request_content_state(
            scope, db.Database.of(app), clock
        ),
        is_banned=hackers.ban_check(app),
        record_impressions=recorder.record_impressions,
    )
    templates.init_app(
        app, folder=PACKAGE_DIR / 'templates', auto_reload=settings.template_auto_reload
    )
    static_files.init_app(app, folder=PACKAGE_DIR / 'static')
    artwork_files.init_app(app)
    for module in BLUEPRINTS:
        app.register_blueprint(module.blueprint)
    public_address.init_app(app, settings)
    app.asgi_app = RequestLogMiddleware(  # type: ignore[method-assign,assignment]
        app.asgi_app, trusted_proxies=settings.trusted_proxies, write_line=write_request_line
    )
    return app


def create_served_app() -> Quart:
    """The factory the ASGI server calls in each worker process.

    Granian forks its workers with the main process's signal handlers, which only note the
    signal for a main loop the worker does not run: a worker told to stop (SIGTERM, SIGINT)
    before it sets its own handlers, after loading the app, would note it and serve on, and
    the main process would wait for it forever. Until then, a signal ends the worker as it
    would any process: it has taken no request yet. (Only in a worker process: Granian's
    free-threaded build runs its workers as threads of the main process.)"""
    if multiprocessing.parent_process() is not None:
        for stop_signal in (signal.SIGTERM, signal.SIGINT):
            signal.signal(stop_signal, signal.SIG_DFL)
    write_request_line = log_output.configure_served_logging()
    app = create_app(Settings(), write_request_line=write_request_line)
    memory.settle_startup_objects()
    return app
