from podsite.services.accounts import episode_mail_service
from podsite.viewmodels.shared.viewmodel_base import ViewModelBase

MAX_TOKEN_LENGTH = 2000
NOT_VALID = 'This unsubscribe link is not valid: copy the whole link from the email.'


class UnsubscribeViewModel(ViewModelBase):
    """The signed link in every new-episode email. Opening it shows a button (mail scanners
    fetch links and must not unsubscribe anyone); the button's POST, or the one a mail
    client sends for `List-Unsubscribe-Post` (RFC 8058), turns the emails off. No login:
    the signature is the proof."""

    page_title = 'Stop new-episode emails'

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token[:MAX_TOKEN_LENGTH]
        self.problem = ''
        self.done_for = ''

    async def load_page_async(self) -> None:
        if not episode_mail_service.is_signed_here(self.token):
            self.problem = NOT_VALID

    async def unsubscribe_async(self) -> None:
        if self.problem:
            return
        address = await episode_mail_service.unsubscribe(self.token)
        if address is None:
            self.problem = 'This account no longer exists, so it gets no email.'
            return
        self.done_for = address

    @property
    def found(self) -> bool:
        return not self.problem
