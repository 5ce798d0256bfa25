from collections.abc import Mapping

from podsite.schemas.account import UserInfo
from podsite.services.accounts import account_service
from podsite.services.accounts.account_service import LinkOutcome
from podsite.viewmodels.shared.form import FormViewModel

MAX_TOKEN_LENGTH = 2000
PROBLEMS = {
    LinkOutcome.UNKNOWN: 'This link is not valid, or a newer sign-up replaced it. '
    'Sign up again to get a new one.',
    LinkOutcome.EXPIRED: 'This link has expired. Sign up again to get a new one.',
    LinkOutcome.USED: 'Your account is ready already: log in.',
}


class ConfirmAccountViewModel(FormViewModel):
    """The link emailed at sign-up. Opening it shows a button; the POST finishes the sign-up
    and logs in, so that mail scanners fetching the link neither confirm nor log in."""

    page_title = 'Finish creating your account'

    def __init__(self, token: str, form: Mapping[str, str] | None = None) -> None:
        super().__init__(form)
        self.token = token
        self.problem = ''
        self.user: UserInfo | None = None

    async def load_page_async(self) -> None:
        status = await account_service.sign_up_link_status(self.token[:MAX_TOKEN_LENGTH])
        self.problem = PROBLEMS.get(status, '')

    async def confirm_async(self) -> None:
        outcome, self.user = await account_service.confirm_account(self.token[:MAX_TOKEN_LENGTH])
        self.problem = PROBLEMS.get(outcome, '')
        if self.user is not None:
            self.message = f'Welcome, {self.user.name}: your account is ready.'

    @property
    def is_valid(self) -> bool:
        return super().is_valid and not self.problem
