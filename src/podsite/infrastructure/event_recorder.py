"""The app's recorder of downloads, short-link clicks and sponsor impressions
(`services/analytics/recording.py`): made with the app, its writers run while the app
serves and write what is left when it stops, before the database closes. The request path
finds it with `recorder()`."""

from collections.abc import AsyncGenerator

from quart import Quart, current_app

from podsite.services.analytics.recording import Recorder, spool_folder
from podsite.settings import Settings

EXTENSION_KEY = 'podsite.recorder'


def init_app(app: Quart, settings: Settings) -> Recorder:
    recorder = Recorder(
        context=app.app_context,
        enabled=settings.record_events,
        spool_folder=spool_folder(settings),
    )
    app.extensions[EXTENSION_KEY] = recorder

    # A serving generator is closed before the `after_serving` hooks close the database.
    @app.while_serving
    async def writing() -> AsyncGenerator[None]:
        recorder.start()
        yield
        await recorder.stop()

    return recorder


def recorder_of(app: Quart) -> Recorder:
    recorder: Recorder = app.extensions[EXTENSION_KEY]
    return recorder


def recorder() -> Recorder:
    """The current app's recorder."""
    return recorder_of(current_app)
