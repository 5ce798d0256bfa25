from typing import Any

from podsite.viewmodels.shared.viewmodel_base import ViewModelBase

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
    """Error pages run no query, so they render even when the database is down."""

    def __init__(self, status: int, request_id: str = '') -> None:
        super().__init__()
        self.status = status
        self.request_id = request_id
        self.heading, self.message = MESSAGES.get(status) or MESSAGES[400 if status < 500 else 500]
        self.page_title = self.heading

    def to_dict(self) -> dict[str, Any]:
        return self.layout_dict() | {
            'status': self.status,
            'heading': self.heading,
            'message': self.message,
            'request_id': self.request_id,
        }
