"""The background round that announces new episodes to WebSub hubs and publish pings:
every serving instance runs it every `publish_interval_seconds`, and `podsite notify-feed`
runs it once; running it twice at once announces nothing twice."""

from quart import Quart

from podsite.infrastructure.periodic import PeriodicTask
from podsite.services.publishing import feed_notification_service
from podsite.services.publishing.feed_notification_service import NoticeReport
from podsite.settings import Settings


async def notify_feed_changes() -> NoticeReport:
    """Announces the episodes gone public since the last round (a scheduled one whose time
    came too), then sends every notice due (new ones, and failed ones due for a retry)."""
    announced = await feed_notification_service.announce_due()
    report = await feed_notification_service.send_due()
    return NoticeReport(
        announced=announced, sent=report.sent, failed=report.failed, taken=report.taken
    )


def schedule(app: Quart, settings: Settings) -> None:
    """Runs the round every `publish_interval_seconds` while the app serves (0: never);
    stopped before the database closes."""

    async def notify() -> None:
        async with app.app_context():
            await notify_feed_changes()

    task = PeriodicTask(
        notify, name='feed notifications', interval=settings.publish_interval_seconds
    )
    task.run_while_serving(app)
