"""The background sender: reset requests become links and emails, episodes that went public
become new-episode emails, then the outbox's due messages go out. Every serving instance
runs it every `mail_interval_seconds`, and `podsite send-mail` runs it once; running it
twice at once sends nothing twice.

Requests only queue (a reset request, an email); this is where the work that depends on
whether an address has an account happens, away from the answer a visitor times.
"""

from dataclasses import dataclass

from podsite.services.accounts import account_service, episode_mail_service, outbox_service
from podsite.services.accounts.outbox_service import DeliveryReport
from podsite.settings import current_settings


@dataclass(frozen=True)
class MailReport:
    reset_links: int
    """Reset requests of addresses with an account, each now an email in the outbox."""
    episode_emails: int
    """New-episode emails queued for episodes that went public since the last run."""
    delivery: DeliveryReport


async def send_queued_mail() -> MailReport:
    base_url = current_settings().public_base_url
    links = await account_service.issue_requested_resets(base_url=base_url)
    episode_emails = await episode_mail_service.announce_due(base_url=base_url)
    return MailReport(
        reset_links=links, episode_emails=episode_emails, delivery=await outbox_service.send_due()
    )
