from podsite.services.streams import stream_subscriber_service
from podsite.services.streams.stream_subscriber_service import UnsubscribeOutcome
from podsite.viewmodels.shared.viewmodel_base import ViewModelBase

MESSAGES = {
    UnsubscribeOutcome.DONE: 'Done: your address is deleted and you will get no more alerts.',
    UnsubscribeOutcome.ALREADY: 'This address is not signed up (any more); you get no alerts.',
    UnsubscribeOutcome.UNKNOWN: (
        'This unsubscribe link is not valid. Check that it was copied whole from the email.'
    ),
}


class UnsubscribeViewModel(ViewModelBase):
    """The link in an email shows a button; only the button's POST deletes, so a mail
    scanner that opens links cannot unsubscribe anyone."""

    page_title = 'Stop live stream alerts'

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token[:500]
        self.valid = False
        self.message = ''
        self.done = False

    @property
    def canonical_path(self) -> str:
        """Never the link itself: its token stays out of the page's metadata."""
        return '/live-stream'

    async def load_page_async(self) -> None:
        self.valid = stream_subscriber_service.read_unsubscribe_token(self.token) is not None
        if not self.valid:
            self.message = MESSAGES[UnsubscribeOutcome.UNKNOWN]

    async def unsubscribe_async(self) -> None:
        outcome = await stream_subscriber_service.unsubscribe(self.token)
        self.message = MESSAGES[outcome]
        self.done = outcome is not UnsubscribeOutcome.UNKNOWN
