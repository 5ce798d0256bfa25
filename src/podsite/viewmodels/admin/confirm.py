"""The question the admin asks before anything is deleted or archived: the GET of a
confirmation page names the row and everything that goes with it; the POST of its form (with
the session's CSRF token, as every POST) does it. A page rather than a script's `confirm()`:
it works under the Content-Security-Policy, without JavaScript, and can say what is lost."""

from abc import ABC, abstractmethod

from podsite.schemas.admin import Removal
from podsite.viewmodels.shared.viewmodel_base import ViewModelBase


class ConfirmViewModel(ViewModelBase, ABC):
    """Subclasses load what is asked about in `load_page_async()` (calling `ask()`, or
    leaving `found` False for a row that does not exist) and do it in `confirm_async()`."""

    def __init__(self, *, what: str, action_url: str, cancel_url: str) -> None:
        super().__init__()
        self.what = what
        self.action_url = action_url
        self.cancel_url = cancel_url
        self.page_title = f'Remove {what} · Admin'
        self.found = False
        self.name = ''
        self.heading = f'Remove {what}'
        self.consequences: list[str] = []
        self.action_label = 'Delete'
        self.can_act = True

    def ask(self, removal: Removal | None) -> None:
        """Fills the page from what the removal would take with it."""
        if removal is None:
            return
        self.found = True
        self.name = removal.name
        self.consequences = removal.consequences
        if removal.archived:
            self.heading = f'{self.what.capitalize()} already archived'
            self.consequences = [f'{removal.name} is archived: restore it from the list.']
            self.can_act = False
        elif removal.keeps_history:
            self.heading = f'Archive {self.what}'
            self.action_label = 'Archive'
        else:
            self.heading = f'Delete {self.what}'

    @abstractmethod
    async def confirm_async(self) -> bool:
        """Does what was asked; False when there was nothing to do it to."""
