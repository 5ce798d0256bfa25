"""`create_app(settings)` builds the whole site; nothing is bound at import time."""

from collections.abc import Callable

from quart import Quart

from podsite.infrastructure import (
    auth,
    cache,
    csrf,
    db,
    log_output,
    page_cache,
    rate_limit,
    security_headers,
    static_files,
    templates,
)
from podsite.infrastructure.asgi_connection import WholeRequestConnection
from podsite.infrastructure.asgi_types import ASGIApp
from podsite.infrastructure.page_cache import PageCacheMiddleware
from podsite.infrastructure.periodic import PeriodicTask
from podsite.infrastructure.request_log import RequestLogMiddleware
from podsite.services.analytics import agents, counting
from podsite.services.analytics.recording import create_writers
from podsite.services.catalogue import site_state_service
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
    sitemap,
    stream,
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
    admin,
    error,
    redirector,
)


def create_app(
    settings: Settings | None = None, *, write_request_line: Callable[[str], None] | None = None
) -> Quart:
    """`write_request_line` takes the one-line-per-request log; the `podsite.request`
    logger does by default."""
    settings = settings or Settings()
    app = Quart(
        __name__,
        static_folder=str(PACKAGE_DIR / 'static'),
        template_folder=None,
    )
    app.asgi_http_class = WholeRequestConnection
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
        SESSION_COOKIE_NAME='podsite_session',
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE='Lax',
        SESSION_COOKIE_SECURE=settings.base_url.startswith('https'),
    )
    app.config[SETTINGS_KEY] = settings
    hackers.init_app(app)
    db.init_app(app)
    agents.use_data_dir(settings.data_dir)
    writers = create_writers(app, enabled=settings.record_events)

    async def aggregate() -> None:
        async with app.app_context():
            await counting.aggregate_downloads(settings.analytics_window)

    aggregation = PeriodicTask(
        aggregate, name='download aggregation', interval=settings.analytics_interval_seconds
    )

    @app.before_serving
    async def start() -> None:
        db.open_database_for(app, settings)
        for writer in writers:
            writer.start()
        aggregation.start()

    @app.after_serving
    async def stop() -> None:
        await aggregation.stop()
        # Events are written before the engine that writes them goes away.
        for writer in writers:
            await writer.stop()
        await db.close_database_for(app)

    cache.init_app(app)
    security_headers.init_app(app, settings)
    csrf.init_app(app)
    rate_limit.init_app(app, settings)
    auth.init_app(app)
    kept_pages = (
        page_cache.init_app(
            app,
            session_cookie=app.config['SESSION_COOKIE_NAME'],
            content_state=site_state_service.content_state,
        )
        if settings.page_cache
        else None
    )
    templates.init_app(
        app, folder=PACKAGE_DIR / 'templates', auto_reload=settings.template_auto_reload
    )
    static_files.init_app(app, folder=PACKAGE_DIR / 'static')
    for module in BLUEPRINTS:
        app.register_blueprint(module.blueprint)
    served: ASGIApp = app.asgi_app  # type: ignore[assignment]
    if kept_pages is not None:
        served = PageCacheMiddleware(
            served,
            session_cookie=app.config['SESSION_COOKIE_NAME'],
            content_state=lambda: site_state_service.content_state_of(db.Database.of(app)),
            is_banned=hackers.ban_check(app),
            pages=kept_pages,
        )
    app.asgi_app = RequestLogMiddleware(  # type: ignore[method-assign,assignment]
        served, trusted_proxies=settings.trusted_proxies, write_line=write_request_line
    )
    return app


def create_served_app() -> Quart:
    """The factory the ASGI server calls in each worker process."""
    write_request_line = log_output.configure_served_logging()
    app = create_app(Settings(), write_request_line=write_request_line)
    templates.compile_all(app, folder=PACKAGE_DIR / 'templates')
    return app
