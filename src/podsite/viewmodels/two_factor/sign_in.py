from collections.abc import Mapping

from podsite.infrastructure.rate_limit import first_exceeded, rate_limiter
from podsite.schemas.account import UserInfo
from podsite.schemas.two_factor import Verification
from podsite.services.accounts import account_service, two_factor_service
from podsite.settings import current_settings
from podsite.viewmodels.account.login import WINDOW_SECONDS
from podsite.viewmodels.shared.form import FormViewModel

WRONG_CODE = 'This code is not right. Try the one your app shows now, or a recovery code.'
REPLAYED_CODE = 'This code was used already. Wait for the next one your app shows.'


class TwoFactorSignInViewModel(FormViewModel):
    """The second step of logging in: the code of the account whose password was right.

    Guessing codes is limited as guessing passwords is: per account (at the login's limit
    per account) and per address (counted with the address's password attempts)."""

    page_title = 'Two-factor sign-in'

    def __init__(
        self,
        user_id: int | None,
        form: Mapping[str, str] | None = None,
        *,
        next_url: str,
        ip: str = '',
    ) -> None:
        super().__init__(form)
        self.user_id = user_id
        self.next_url = next_url
        self.ip = ip
        self.user: UserInfo | None = None

    async def verify_async(self) -> None:
        if self.user_id is None:
            return
        code = self.text('code')
        if not code:
            self.errors['code'] = 'Enter the code from your authenticator app, or a recovery code.'
            return
        settings = current_settings()
        per_account = (f'two-factor:account:{self.user_id}', settings.login_attempts_per_account)
        limits = ((f'login:ip:{self.ip}', settings.login_attempts_per_ip), per_account)
        if wait := await first_exceeded(limits, window_seconds=WINDOW_SECONDS):
            self.message = f'Too many attempts. {wait}'
            return
        outcome = await two_factor_service.verify(user_id=self.user_id, code=code)
        if outcome is Verification.REPLAYED:
            self.errors['code'] = REPLAYED_CODE
            return
        if not outcome.accepted:
            self.errors['code'] = WRONG_CODE
            return
        self.user = await account_service.user_by_id(self.user_id)
        key, limit = per_account
        await rate_limiter().reset(key, limit=limit, window_seconds=WINDOW_SECONDS)
