"""`create_app(settings)` builds the whole site; nothing is bound at import time."""

import logging

from quart import Quart

from podsite.infrastructure import (
    auth,
    cache,
    csrf,
    db,
    rate_limit,
    security_headers,
    static_files,
    templates,
)
from podsite.infrastructure.events import create_writers
from podsite.infrastructure.periodic import PeriodicTask
from podsite.infrastructure.request_log import RequestLogMiddleware
from podsite.services import download_aggregation_service
from podsite.settings import PACKAGE_DIR, Settings
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
)

# Episodes first; the redirector (short URLs under /r/) last.
BLUEPRINTS = (
    episodes,
    home,
    friends,
    advertiser,
    guests,
    search,
    sitemap,
    policies,
    account,
    admin,
    error,
    redirector,
)


def create_app(settings: Settings | None = None) -> Quart:
    settings = settings or Settings()
    app = Quart(
        __name__,
        static_folder=str(PACKAGE_DIR / 'static'),
        template_folder=None,
    )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        PODSITE_SETTINGS=settings,
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
        SESSION_COOKIE_NAME='podsite_session',
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE='Lax',
        SESSION_COOKIE_SECURE=settings.base_url.startswith('https'),
    )
    hackers.init_app(app)
    db.init_app(app)
    writers = create_writers(app, enabled=settings.record_events)

    async def aggregate() -> None:
        async with app.app_context():
            await download_aggregation_service.aggregate_downloads(settings.analytics_window)

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
    templates.init_app(
        app, folder=PACKAGE_DIR / 'templates', auto_reload=settings.template_auto_reload
    )
    static_files.init_app(app, folder=PACKAGE_DIR / 'static')
    for module in BLUEPRINTS:
        app.register_blueprint(module.blueprint)
    app.asgi_app = RequestLogMiddleware(  # type: ignore[method-assign,assignment]
        app.asgi_app, trusted_proxies=settings.trusted_proxies
    )
    return app


def create_served_app() -> Quart:
    """The factory the ASGI server calls in each worker process."""
    logging.basicConfig(level=logging.INFO, format='%(message)s')
    return create_app(Settings())
