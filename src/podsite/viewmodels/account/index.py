from collections.abc import Mapping

from podsite.schemas.account import UserInfo
from podsite.schemas.two_factor import TwoFactorStatus
from podsite.services.accounts import account_service, two_factor_service
from podsite.viewmodels.shared.form import FormViewModel


class AccountViewModel(FormViewModel):
    """The account page and its two forms: profile with preferences, and password; and
    whether two-factor sign-in is on, with the way to its own page."""

    page_title = 'Your account'

    def __init__(self, user: UserInfo, form: Mapping[str, str] | None = None) -> None:
        super().__init__(form)
        self.account = user
        if form is None:
            self.form = {
                'name': user.name,
                'email': user.email,
                'wants_newsletter': 'on' if user.wants_newsletter else '',
                'wants_episode_emails': 'on' if user.wants_episode_emails else '',
            }
        self.two_factor = TwoFactorStatus(enabled=False, enabled_at=None, recovery_codes_left=0)

    async def load_page_async(self) -> None:
        self.two_factor = await two_factor_service.status(self.account.id)

    async def update_profile_async(self) -> None:
        name = self.require('name', 'Name', max_length=200)
        email = self.require_email()
        if not self.is_valid:
            return
        try:
            self.account = await account_service.update_profile(
                user_id=self.account.id,
                name=name,
                email=email,
                wants_newsletter=self.checked('wants_newsletter'),
                wants_episode_emails=self.checked('wants_episode_emails'),
            )
        except account_service.EmailTakenError:
            self.errors['email'] = 'Another account uses this email.'
            return
        self.message = 'Your details are saved.'

    async def change_password_async(self) -> None:
        new = self.require_new_password('new_password', 'confirm')
        if not self.is_valid:
            return
        changed = await account_service.change_password(
            user_id=self.account.id, current=self.form.get('current_password', ''), new=new
        )
        if not changed:
            self.errors['current_password'] = 'This is not your current password.'  # noqa: S105
            return
        self.message = 'Your password is changed.'
