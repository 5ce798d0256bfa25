from collections.abc import Mapping

from podsite.infrastructure.rate_limit import first_exceeded
from podsite.services.accounts import account_service
from podsite.services.accounts.account_service import LinkOutcome
from podsite.viewmodels.shared.form import FormViewModel

REQUESTS_PER_IP = 5
REQUESTS_PER_ADDRESS = 3
WINDOW_SECONDS = 60 * 60
SENT = 'If an account uses this address, an email with a link is on its way.'
CHANGED = 'Your password is changed. Every other session was logged out.'
PROBLEMS = {
    LinkOutcome.UNKNOWN: 'This link is not valid. Ask for a new one below.',
    LinkOutcome.EXPIRED: 'This link has expired. Ask for a new one below.',
    LinkOutcome.USED: 'A password was already set with this link or a newer one. '
    'Ask for a new one below.',
}


class ResetRequestViewModel(FormViewModel):
    """Asking for a reset link: the request is only queued, for every address alike, so the
    answer and its time are the same for addresses with and without an account."""

    page_title = 'Reset your password'

    def __init__(self, form: Mapping[str, str] | None = None, ip: str = '') -> None:
        super().__init__(form)
        self.ip = ip
        self.sent = False
        self.limited = False

    async def request_async(self) -> None:
        email = self.require_email()
        if not self.is_valid:
            return
        limits = ((f'reset:ip:{self.ip}', REQUESTS_PER_IP),
                  (f'reset:address:{email.lower()}', REQUESTS_PER_ADDRESS))  # fmt: skip
        if wait := await first_exceeded(limits, window_seconds=WINDOW_SECONDS):
            self.limited = True
            self.message = f'Too many reset requests. {wait}'
            return
        await account_service.request_password_reset(email=email)
        self.sent = True
        self.message = SENT

    @property
    def is_valid(self) -> bool:
        return super().is_valid and not self.limited


class ResetPasswordViewModel(FormViewModel):
    page_title = 'Choose a new password'

    def __init__(self, token: str, form: Mapping[str, str] | None = None) -> None:
        super().__init__(form)
        self.token = token
        self.problem = ''

    async def load_page_async(self) -> None:
        status = await account_service.reset_status(self.token[:200])
        self.problem = PROBLEMS.get(status, '')

    async def reset_async(self) -> None:
        password = self.require_new_password()
        if not self.is_valid:
            return
        outcome = await account_service.finish_password_reset(
            token=self.token[:200], new_password=password
        )
        self.problem = PROBLEMS.get(outcome, '')
        if outcome is LinkOutcome.DONE:
            self.message = CHANGED

    @property
    def is_valid(self) -> bool:
        """A link that is no good (unknown, expired, used) fails the form as a field would."""
        return super().is_valid and not self.problem
