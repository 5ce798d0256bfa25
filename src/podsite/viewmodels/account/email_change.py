from collections.abc import Mapping

from podsite.services.accounts import account_service
from podsite.services.accounts.account_service import LinkOutcome
from podsite.settings import current_settings
from podsite.viewmodels.shared.form import FormViewModel

MAX_TOKEN_LENGTH = 2000
PROBLEMS = {
    LinkOutcome.UNKNOWN: 'This link is not valid, or your address changed since it was sent.',
    LinkOutcome.EXPIRED: 'This link has expired. Change your email on your account page again.',
    LinkOutcome.USED: 'Your account uses this address already.',
    LinkOutcome.TAKEN: 'Another account uses this address now; yours was left as it was.',
}


class EmailChangeViewModel(FormViewModel):
    """The link emailed to a new address. Opening it shows a button; the POST moves the
    account there (mail scanners fetch links, and must not change an account)."""

    page_title = 'Confirm your new email address'

    def __init__(self, token: str, form: Mapping[str, str] | None = None) -> None:
        super().__init__(form)
        self.token = token
        self.problem = ''
        self.new_email = ''

    async def load_page_async(self) -> None:
        status, self.new_email = await account_service.email_change_status(
            self.token[:MAX_TOKEN_LENGTH]
        )
        self.problem = PROBLEMS.get(status, '')

    async def change_async(self) -> None:
        outcome, self.new_email = await account_service.change_email(
            token=self.token[:MAX_TOKEN_LENGTH], base_url=current_settings().public_base_url
        )
        self.problem = PROBLEMS.get(outcome, '')
        if outcome is LinkOutcome.DONE:
            self.message = f'Your account now uses {self.new_email}.'

    @property
    def is_valid(self) -> bool:
        return super().is_valid and not self.problem
