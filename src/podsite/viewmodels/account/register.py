from collections.abc import Mapping

from podsite.infrastructure.rate_limit import first_exceeded
from podsite.services.accounts import account_service
from podsite.settings import current_settings
from podsite.viewmodels.shared.form import FormViewModel

# Sign-ups per address per hour: each one mails that address, and no inbox should get more.
SIGN_UPS_PER_EMAIL = 3
WINDOW_SECONDS = 60 * 60


class RegisterViewModel(FormViewModel):
    """The sign-up form. A good form is answered "check your email" whether or not the address
    has an account: its owner gets a notice instead of a link (see account_service)."""

    page_title = 'Create an account'

    def __init__(
        self, form: Mapping[str, str] | None = None, *, next_url: str, ip: str = ''
    ) -> None:
        super().__init__(form)
        self.next_url = next_url
        self.ip = ip
        self.sent = False
        self.limited = False

    async def register_async(self) -> None:
        """Signs up when every field is right; otherwise fills `errors` or, past the limits,
        sets `limited`."""
        name = self.require('name', 'Name', max_length=200)
        email = self.require_email()
        password = self.require_new_password()
        if not self.is_valid:
            return
        settings = current_settings()
        limits = ((f'register:ip:{self.ip}', settings.registrations_per_ip),
                  (f'register:email:{email.lower()}', SIGN_UPS_PER_EMAIL))  # fmt: skip
        if wait := await first_exceeded(limits, window_seconds=WINDOW_SECONDS):
            self.limited = True
            self.message = f'Too many sign-ups from here. {wait}'
            return
        await account_service.register(
            name=name, email=email, password=password, base_url=settings.public_base_url
        )
        self.sent = True
        self.message = (
            f'Check your email: we sent a message to {email}. '
            'Open the link in it to finish creating your account.'
        )

    @property
    def is_valid(self) -> bool:
        return super().is_valid and not self.limited
