from collections.abc import Mapping

from podsite.schemas.account import UserInfo
from podsite.services.accounts import account_service
from podsite.viewmodels.shared.form import FormViewModel


class RegisterViewModel(FormViewModel):
    page_title = 'Create an account'

    def __init__(self, form: Mapping[str, str] | None = None, next_url: str = '/account') -> None:
        super().__init__(form)
        self.next_url = next_url
        self.user: UserInfo | None = None

    async def register_async(self) -> None:
        """Creates the account when every field is right; otherwise fills `errors`."""
        name = self.require('name', 'Name', max_length=200)
        email = self.require_email()
        password = self.require_new_password()
        if not self.is_valid:
            return
        try:
            self.user = await account_service.create_user(name=name, email=email, password=password)
        except account_service.EmailTakenError:
            self.errors['email'] = 'An account with this email exists. Log in instead?'
