from collections.abc import Callable, Mapping

from podsite.formats.qr_code import qr_code_svg
from podsite.infrastructure.rate_limit import first_exceeded
from podsite.schemas.account import UserInfo
from podsite.schemas.two_factor import ConfirmedChange, TwoFactorStatus
from podsite.services.accounts import two_factor_rules, two_factor_service
from podsite.settings import current_settings
from podsite.viewmodels.account.login import WINDOW_SECONDS
from podsite.viewmodels.shared.form import FormViewModel

WRONG_ENROLMENT_CODE = (
    'This code is not right. Type the code your app shows now for this site, and check that '
    "your phone's clock is set automatically."
)
CHANGE_PROBLEMS = {
    ConfirmedChange.WRONG_PASSWORD: ('password', 'This is not your password.'),
    ConfirmedChange.WRONG_CODE: ('code', 'This code is not right.'),
    ConfirmedChange.REPLAYED_CODE: ('code', 'This code was used already. Wait for the next one.'),
    ConfirmedChange.NOT_ENROLLED: ('code', 'Two-factor sign-in is off already.'),
}


async def must_turn_on_two_factor(user: UserInfo) -> bool:
    """In production, an administrator without two-factor sign-in turns it on before any
    admin page works: the admin changes the feed every app reads, and a stolen password alone
    must not be enough."""
    if not user.is_admin or current_settings().environment != 'production':
        return False
    return not await two_factor_service.is_enabled(user.id)


class TwoFactorViewModel(FormViewModel):
    """The account's two-factor page: turning it on (QR code, key, confirming code), and,
    once on, turning it off or replacing the recovery codes (password and code each).

    `required` says why an administrator was sent here: the admin needs it in production."""

    page_title = 'Two-factor sign-in'

    def __init__(
        self,
        user: UserInfo,
        enrolment_secret: Callable[[], str],
        form: Mapping[str, str] | None = None,
        *,
        next_url: str,
        required: bool = False,
    ) -> None:
        super().__init__(form)
        self.account = user
        self._enrolment_secret = enrolment_secret
        """The secret being enrolled, asked for only while two-factor sign-in is off."""
        self.next_url = next_url
        self.required = required
        self.status = TwoFactorStatus(enabled=False, enabled_at=None, recovery_codes_left=0)
        self.recovery_codes: list[str] = []
        """Shown once, right after they are made."""
        self.action = ''
        """Which form of the page was sent, so its problems show beside it."""
        self.qr_code = ''
        """Inline SVG of the enrolment's `otpauth://` address, while two-factor is off."""
        self.key_groups: list[str] = []
        """The same secret in groups of four, for typing it into an app by hand."""

    async def load_page_async(self) -> None:
        await self._refresh_async()

    async def enrol_async(self) -> None:
        if self.status.enabled:
            self.message = 'Two-factor sign-in is on already.'
            return
        code = self.text('code')
        if not code:
            self.errors['code'] = 'Enter the six-digit code your app shows.'
            return
        try:
            codes = await two_factor_service.enable(
                user=self.account, secret=self._enrolment_secret(), code=code
            )
        except two_factor_service.AlreadyEnabledError:  # turned on in another tab meanwhile
            self.message = 'Two-factor sign-in is on already.'
            codes = []
        if codes is None:
            self.errors['code'] = WRONG_ENROLMENT_CODE
            return
        self.recovery_codes = [two_factor_rules.formatted(code) for code in codes]
        await self._refresh_async()
        if codes:
            self.message = 'Two-factor sign-in is on.'

    async def disable_async(self) -> None:
        self.action = 'disable'
        if not await self._may_try_change_async():
            return
        outcome = await two_factor_service.disable(
            user=self.account, password=self.form.get('password', ''), code=self.text('code')
        )
        if self._note_problem(outcome):
            return
        await self._refresh_async()
        self.message = 'Two-factor sign-in is off. Your password alone logs you in now.'

    async def replace_recovery_codes_async(self) -> None:
        self.action = 'recovery-codes'
        if not await self._may_try_change_async():
            return
        outcome, codes = await two_factor_service.replace_recovery_codes(
            user=self.account, password=self.form.get('password', ''), code=self.text('code')
        )
        if self._note_problem(outcome):
            return
        self.recovery_codes = [two_factor_rules.formatted(code) for code in codes]
        await self._refresh_async()
        self.message = 'You have new recovery codes; the old ones no longer work.'

    async def _refresh_async(self) -> None:
        self.status = await two_factor_service.status(self.account.id)
        if self.status.enabled:
            self.qr_code, self.key_groups = '', []
            return
        secret = self._enrolment_secret()
        uri = two_factor_rules.provisioning_uri(
            secret=secret, account=self.account.email, issuer=self.site.title
        )
        self.qr_code = qr_code_svg(uri)
        self.key_groups = [secret[start : start + 4] for start in range(0, len(secret), 4)]

    async def _may_try_change_async(self) -> bool:
        """Both fields are there, and the account has not tried too often: a session in the
        wrong hands must not become a way to guess the password."""
        if not self.form.get('password'):
            self.errors['password'] = 'Enter your password.'  # noqa: S105
        if not self.text('code'):
            self.errors['code'] = 'Enter a code from your app, or a recovery code.'
        if self.errors:
            return False
        limit = current_settings().login_attempts_per_account
        key = (f'two-factor:change:{self.account.id}', limit)
        if wait := await first_exceeded((key,), window_seconds=WINDOW_SECONDS):
            self.errors['password'] = f'Too many attempts. {wait}'
            return False
        return True

    def _note_problem(self, outcome: ConfirmedChange) -> bool:
        if outcome is ConfirmedChange.DONE:
            return False
        field, problem = CHANGE_PROBLEMS[outcome]
        self.errors[field] = problem
        return True
