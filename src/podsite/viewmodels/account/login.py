from collections.abc import Mapping

from quart import url_for

from podsite.infrastructure.rate_limit import first_exceeded, rate_limiter
from podsite.schemas.account import UserInfo
from podsite.services.accounts import account_service, two_factor_service
from podsite.settings import current_settings
from podsite.viewmodels.shared.form import FormViewModel

# Guessing passwords: a few tries per account, a few more per address (both in settings),
# per quarter hour.
WINDOW_SECONDS = 15 * 60
WRONG_CREDENTIALS = 'The email or the password is not right.'


class LoginViewModel(FormViewModel):
    page_title = 'Log in'

    def __init__(
        self, form: Mapping[str, str] | None = None, next_url: str = '', ip: str = ''
    ) -> None:
        super().__init__(form)
        self.next_url = next_url
        """Where the login was asked to go on to; empty: where the account's role works."""
        self.ip = ip
        self.user: UserInfo | None = None
        self.needs_code = False
        """The password is right, and the account signs in with a second factor too."""

    async def log_in_async(self) -> None:
        email = account_service.normalize_email(self.text('email'))
        password = self.form.get('password', '')
        if not email or not password:
            self.message = 'Enter your email and your password.'
            return
        settings = current_settings()
        per_account = (f'login:account:{email[:320]}', settings.login_attempts_per_account)
        limits = ((f'login:ip:{self.ip}', settings.login_attempts_per_ip), per_account)
        if wait := await first_exceeded(limits, window_seconds=WINDOW_SECONDS):
            self.message = f'Too many attempts. {wait}'
            return
        self.user = await account_service.authenticate(email=email, password=password[:1000])
        if self.user is None:
            self.message = WRONG_CREDENTIALS
            return
        if not self.next_url:
            self.next_url = url_for('admin.dashboard' if self.user.is_admin else 'account.index')
        key, limit = per_account
        await rate_limiter().reset(key, limit=limit, window_seconds=WINDOW_SECONDS)
        self.needs_code = await two_factor_service.is_enabled(self.user.id)
