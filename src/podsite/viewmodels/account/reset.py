from collections.abc import Mapping

from podsite.infrastructure.rate_limit import first_exceeded
from podsite.services.accounts import account_service
from podsite.services.accounts.account_service import ResetOutcome
from podsite.viewmodels.shared.form import FormViewModel

REQUESTS_PER_IP = 5
REQUESTS_PER_ADDRESS = 3
WINDOW_SECONDS = 60 * 60
SENT = 'If an account uses this address, an email with a link is on its way.'
CHANGED = 'Your password is changed. Every other session was logged out.'
PROBLEMS = {
    ResetOutcome.UNKNOWN: 'This link is not valid. Ask for a new one below.',
    ResetOutcome.EXPIRED: 'This link has expired. Ask for a new one below.',
    ResetOutcome.USED: 'This link was already used. Ask for a new one below.',
}


class ResetRequestViewModel(FormViewModel):
    page_title = 'Reset your password'

    def __init__(
        self, form: Mapping[str, str] | None = None, ip: str = '', base_url: str = ''
    ) -> None:
        super().__init__(form)
        self.ip = ip
        self.base_url = base_url
        self.sent = False

    async def request_async(self) -> None:
        email = self.require_email()
        if not self.is_valid:
            return
        limits = ((f'reset:ip:{self.ip}', REQUESTS_PER_IP),
                  (f'reset:address:{email.lower()}', REQUESTS_PER_ADDRESS))  # fmt: skip
        if wait := await first_exceeded(limits, window_seconds=WINDOW_SECONDS):
            self.message = f'Too many requests. {wait}'
            return
        await account_service.start_password_reset(email=email, base_url=self.base_url)
        self.sent = True
        self.message = SENT


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
        if outcome is ResetOutcome.DONE:
            self.message = CHANGED

    @property
    def is_valid(self) -> bool:
        """A link that is no good (unknown, expired, used) fails the form as a field would."""
        return super().is_valid and not self.problem
