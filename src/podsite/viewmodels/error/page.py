from typing import Any

from podsite.viewmodels.shared.viewmodel_base import ViewModelBase

MESSAGES = {
    400: ('Bad request', 'The request could not be understood.'),
    403: ('Forbidden', 'You do not have access to this page.'),
    404: ('Page not found', 'There is no page at this address. It may have moved.'),
    405: ('Method not allowed', 'This address does not accept that kind of request.'),
    500: ('Something went wrong', 'An unexpected error happened on our side. Please try again.'),
    503: (
        'Temporarily unavailable',
        'The site cannot reach its database right now. Please try again in a minute.',
    ),
}


class ErrorPageViewModel(ViewModelBase):
    """Error pages run no query, so they render even when the database is down."""

    def __init__(self, status: int) -> None:
        super().__init__()
        self.status = status
        self.heading, self.message = MESSAGES.get(status) or MESSAGES[400 if status < 500 else 500]
        self.page_title = self.heading

    def to_dict(self) -> dict[str, Any]:
        return self.layout_dict() | {
            'status': self.status,
            'heading': self.heading,
            'message': self.message,
        }
