from collections.abc import Mapping
from datetime import UTC, datetime

from podsite.infrastructure import clock
from podsite.infrastructure.rate_limit import first_exceeded
from podsite.schemas.live_stream import LiveStreamCard
from podsite.services.streams import live_stream_service, stream_subscriber_service
from podsite.urls import live_stream_url
from podsite.viewmodels.shared.form import FormViewModel
from podsite.viewmodels.shared.formatting import date_text

# An office or a school shares one address; the resend rule already spares each inbox.
SIGNUPS_PER_IP = 10
SIGNUPS_PER_ADDRESS = 5
WINDOW_SECONDS = 60 * 60
# The same words whether the address is new, pending or confirmed: the page reveals no one.
SENT = (
    'Thanks! Check your inbox: unless this address is already signed up, an email with a '
    'confirmation link is on its way. Alerts start once you open it.'
)


def moment_text(moment: datetime) -> str:
    """`Dec 1, 2026 at 17:00 UTC`: the server's text, before any script localises it."""
    return f'{date_text(moment)} at {moment.astimezone(UTC):%H:%M} UTC'


class LiveStreamViewModel(FormViewModel):
    """The live stream page: the stream on now, the next one with its countdown, the rest of
    the schedule, the archive, and the notify-me form."""

    page_title = 'Live streams'
    description = 'Watch the show being recorded live, and get an email when we go live.'

    def __init__(
        self, form: Mapping[str, str] | None = None, ip: str = '', base_url: str = ''
    ) -> None:
        super().__init__(form)
        self.ip = ip
        self.base_url = base_url
        self.sent = False
        self.live: LiveStreamCard | None = None
        self.next_stream: LiveStreamCard | None = None
        self.later: list[LiveStreamCard] = []
        self.past: list[LiveStreamCard] = []
        self.moment_text = moment_text
        self.date_text = date_text

    @property
    def canonical_path(self) -> str:
        return live_stream_url()

    async def load_page_async(self) -> None:
        now = clock.now()
        streams = await live_stream_service.all_streams()
        live = [stream for stream in streams if stream.status(now) == 'live']
        upcoming = [stream for stream in streams if stream.status(now) == 'upcoming']
        self.past = [stream for stream in reversed(streams) if stream.status(now) == 'past']
        self.live = live[0] if live else None
        self.next_stream = upcoming[0] if upcoming else None
        self.later = upcoming[1:]

    async def sign_up_async(self) -> None:
        email = self.require_email()
        if not self.is_valid:
            return
        limits = ((f'stream-signup:ip:{self.ip}', SIGNUPS_PER_IP),
                  (f'stream-signup:address:{email.lower()}', SIGNUPS_PER_ADDRESS))  # fmt: skip
        if wait := await first_exceeded(limits, window_seconds=WINDOW_SECONDS):
            self.errors['email'] = f'Too many signups from here. {wait}'
            return
        await stream_subscriber_service.sign_up(email=email, base_url=self.base_url)
        self.sent = True
        self.message = SENT
