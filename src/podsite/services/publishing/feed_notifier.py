"""The background round that announces new episodes to WebSub hubs and publish pings:
every serving instance runs it every `publish_interval_seconds`, and `podsite notify-feed`
runs it once; running it twice at once announces nothing twice."""

from podsite.services.publishing import feed_notification_service
from podsite.services.publishing.feed_notification_service import NoticeReport


async def notify_feed_changes() -> NoticeReport:
    """Announces the episodes gone public since the last round (a scheduled one whose time
    came too), then sends every notice due (new ones, and failed ones due for a retry)."""
    announced = await feed_notification_service.announce_due()
    report = await feed_notification_service.send_due()
    return NoticeReport(
        announced=announced, sent=report.sent, failed=report.failed, taken=report.taken
    )
