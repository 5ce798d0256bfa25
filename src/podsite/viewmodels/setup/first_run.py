"""The first-run page: the show's name and basics, and the first administrator."""

from collections.abc import Mapping

from pydantic import ValidationError

from podsite.schemas.account import UserInfo
from podsite.schemas.admin import PodcastWrite
from podsite.services.operations import first_run_service
from podsite.viewmodels.shared.form import FormViewModel

SHOW_FIELDS = (
    ('title', "The show's name"),
    ('subtitle', 'Subtitle (one line)'),
    ('author', 'Author, as podcast apps show it'),
    ('language', 'Language (e.g. en, de-CH)'),
)
SHOW_FIELD_LIMITS = {'title': 200, 'subtitle': 400, 'author': 200, 'language': 35}


class FirstRunViewModel(FormViewModel):
    """Open while the site is not set up (`found` is False afterwards: the page is a 404)."""

    page_title = 'Set up your podcast site'

    def __init__(self, form: Mapping[str, str] | None = None) -> None:
        super().__init__(form)
        self.show_fields = SHOW_FIELDS
        self.admin: UserInfo | None = None

    async def load_page_async(self) -> None:
        self.found = await first_run_service.needs_setup()
        if not self.form:
            self.form = {'language': 'en'}

    async def set_up_async(self) -> None:
        if not self.found:
            return
        self.require('title', "The show's name", max_length=SHOW_FIELD_LIMITS['title'])
        name = self.require('name', 'Your name', max_length=200)
        email = self.require_email()
        password = self.require_new_password()
        show = self._show()
        if show is None or self.errors:
            return
        try:
            self.admin = await first_run_service.set_up(
                show=show, name=name, email=email, password=password
            )
        except first_run_service.AlreadySetUpError:
            self.found = False

    def _show(self) -> PodcastWrite | None:
        values = {name: self.text(name) for name, _ in SHOW_FIELDS}
        values['language'] = values['language'] or 'en'
        values['owner_email'] = self.text('email')
        try:
            return PodcastWrite.model_validate(values)
        except ValidationError as error:
            self.add_validation_errors(error, {'owner_email': 'email'})
            return None
