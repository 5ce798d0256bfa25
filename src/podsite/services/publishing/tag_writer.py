"""The background round that writes the show's new tags into the stored audio files an edit
of the show queued: every serving instance runs it every `tagging_interval_seconds`, and
`podsite retag` writes every file at once; running it twice at once writes no file twice."""

from quart import Quart

from podsite.infrastructure.periodic import PeriodicTask
from podsite.services.publishing import tagging_service
from podsite.settings import Settings


def schedule(app: Quart, settings: Settings) -> None:
    """Runs the round every `tagging_interval_seconds` while the app serves (0: never);
    stopped before the database closes."""

    async def write_tags() -> None:
        async with app.app_context():
            await tagging_service.rewrite_queued()

    task = PeriodicTask(write_tags, name='tag writing', interval=settings.tagging_interval_seconds)
    task.run_while_serving(app)
