from podsite.services.streams import stream_subscriber_service
from podsite.services.streams.stream_subscriber_service import ConfirmOutcome
from podsite.urls import live_stream_url
from podsite.viewmodels.shared.viewmodel_base import ViewModelBase

MESSAGES = {
    ConfirmOutcome.DONE: 'Confirmed. We will email you shortly before each live stream.',
    ConfirmOutcome.ALREADY: 'This address is already confirmed; there is nothing more to do.',
    ConfirmOutcome.EXPIRED: (
        'This confirmation link has expired. Sign up again below to get a new one.'
    ),
    ConfirmOutcome.UNKNOWN: (
        'This confirmation link is not valid. Check that it was copied whole, or sign up '
        'again below.'
    ),
}


class ConfirmViewModel(ViewModelBase):
    page_title = 'Live stream alerts'

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        self.outcome = ConfirmOutcome.UNKNOWN
        self.message = ''
        self.is_valid = False

    @property
    def canonical_path(self) -> str:
        """Never the link itself: its token stays out of the page's metadata."""
        return live_stream_url()

    async def load_page_async(self) -> None:
        self.outcome = await stream_subscriber_service.confirm(self.token[:200])
        self.message = MESSAGES[self.outcome]
        self.is_valid = self.outcome in {ConfirmOutcome.DONE, ConfirmOutcome.ALREADY}
