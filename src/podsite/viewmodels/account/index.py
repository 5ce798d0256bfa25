from collections.abc import Mapping

from podsite.infrastructure.rate_limit import first_exceeded
from podsite.schemas.account import UserInfo
from podsite.schemas.two_factor import TwoFactorStatus
from podsite.services.accounts import account_service, two_factor_service
from podsite.settings import current_settings
from podsite.viewmodels.shared.form import FormViewModel

# Checks of the current password on this page, as many as logins per account allow in the
# same quarter hour: someone with a stolen session must not guess the password here.
PASSWORD_CHECK_WINDOW_SECONDS = 15 * 60
WRONG_PASSWORD = 'This is not your current password.'  # noqa: S105 (a message)


class AccountViewModel(FormViewModel):
    """The account page and its two forms: profile with preferences, and password; and
    whether two-factor sign-in is on, with the way to its own page. A new email address
    needs the current password and takes effect once the link sent to it is opened; a new
    password logs out every other session."""

    page_title = 'Your account'

    def __init__(
        self, user: UserInfo, form: Mapping[str, str] | None = None, session_token: str = ''
    ) -> None:
        super().__init__(form)
        self.account = user
        self.session_token = session_token
        if form is None:
            self.form = {
                'name': user.name,
                'email': user.email,
                'wants_episode_emails': 'on' if user.wants_episode_emails else '',
            }
        self.two_factor = TwoFactorStatus(enabled=False, enabled_at=None, recovery_codes_left=0)

    async def load_page_async(self) -> None:
        self.two_factor = await two_factor_service.status(self.account.id)

    async def update_profile_async(self) -> None:
        name = self.require('name', 'Name', max_length=200)
        email = self.require_email()
        new_email = self.is_valid and account_service.normalize_email(email) != self.account.email
        if new_email and not self.form.get('email_password'):
            self.errors['email_password'] = 'Enter your current password to change your email.'  # noqa: S105
        if not self.is_valid:
            return
        if new_email and not await self._within_password_limit('email_password'):
            return
        if new_email and not await account_service.is_current_password(
            user_id=self.account.id, password=self.form['email_password'][:1000]
        ):
            self.errors['email_password'] = WRONG_PASSWORD
            return
        self.account = await account_service.update_profile(
            user_id=self.account.id,
            name=name,
            wants_episode_emails=self.checked('wants_episode_emails'),
        )
        self.message = 'Your details are saved.'
        if new_email:
            await account_service.request_email_change(
                user_id=self.account.id,
                new_email=email,
                base_url=current_settings().public_base_url,
            )
            self.message += f' We sent a link to {email}: your email changes when you open it.'
            self.form['email'] = self.account.email

    async def change_password_async(self) -> None:
        new = self.require_new_password('new_password', 'confirm')
        if not self.is_valid or not await self._within_password_limit('current_password'):
            return
        changed = await account_service.change_password(
            user_id=self.account.id,
            current=self.form.get('current_password', '')[:1000],
            new=new,
            keep_session=self.session_token,
        )
        if not changed:
            self.errors['current_password'] = WRONG_PASSWORD
            return
        self.message = 'Your password is changed. Every other session was logged out.'

    async def _within_password_limit(self, field: str) -> bool:
        """Counts a check of the current password; past the limit, an error on the field."""
        limit = current_settings().login_attempts_per_account
        key = f'password-check:account:{self.account.id}'
        wait = await first_exceeded(((key, limit),), window_seconds=PASSWORD_CHECK_WINDOW_SECONDS)
        if wait:
            self.errors[field] = f'Too many attempts. {wait}'
        return wait is None
