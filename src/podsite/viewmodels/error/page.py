from typing import Any

from podsite.infrastructure import db
from podsite.viewmodels.shared.viewmodel_base import FALLBACK_SITE, ViewModelBase

MESSAGES = {
    400: ('Bad request', 'The request could not be understood.'),
    403: ('Forbidden', 'You do not have access to this page.'),
    404: ('Page not found', 'There is no page at this address. It may have moved.'),
    405: ('Method not allowed', 'This address does not accept that kind of request.'),
    413: ('Too large', 'What was sent is larger than this site accepts.'),
    429: ('Too many requests', 'This address sent too many requests. Please try again later.'),
    500: ('Something went wrong', 'An unexpected error happened on our side. Please try again.'),
    503: (
        'Temporarily unavailable',
        'The site cannot reach its database right now. Please try again in a minute.',
    ),
}


class ErrorPageViewModel(ViewModelBase):
    """A visitor's mistake (4xx) gets the show's name, artwork and footer from the layout,
    which is kept between changes; failures (5xx) run no query, so they render even when
    the database is down, as does a 4xx page when it is."""

    def __init__(self, status: int, request_id: str = '') -> None:
        super().__init__()
        self.status = status
        self.request_id = request_id
        self.heading, self.message = MESSAGES.get(status) or MESSAGES[400 if status < 500 else 500]
        self.page_title = self.heading

    async def load_layout_async(self) -> None:
        if self.status >= 500:
            return
        try:
            await self.load_async()
        except db.RAISED_WHEN_UNAVAILABLE:
            self.site = FALLBACK_SITE

    # An error page is no page of its own: nothing for search engines to index.
    has_canonical_url = False

    def to_dict(self) -> dict[str, Any]:
        return self.layout_dict() | {
            'status': self.status,
            'heading': self.heading,
            'message': self.message,
            'request_id': self.request_id,
        }
