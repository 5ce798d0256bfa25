from podsite.services.streams import stream_subscriber_service
from podsite.services.streams.stream_subscriber_service import UnsubscribeOutcome
from podsite.urls import live_stream_url
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
    scanner that opens links cannot unsubscribe anyone. Until something happened there is
    no message: then a good link shows the button."""

    page_title = 'Stop live stream alerts'

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token[:500]
        self.is_valid = False
        self.message = ''

    @property
    def canonical_path(self) -> str:
        """Never the link itself: its token stays out of the page's metadata."""
        return live_stream_url()

    async def load_page_async(self) -> None:
        self.is_valid = stream_subscriber_service.read_unsubscribe_token(self.token) is not None
        if not self.is_valid:
            self.message = MESSAGES[UnsubscribeOutcome.UNKNOWN]

    async def unsubscribe_async(self) -> None:
        outcome = await stream_subscriber_service.unsubscribe(self.token)
        self.message = MESSAGES[outcome]
        self.is_valid = outcome is not UnsubscribeOutcome.UNKNOWN
