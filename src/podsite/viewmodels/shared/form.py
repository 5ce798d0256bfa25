"""Forms are view models: they take whatever the browser sent, keep it for the re-rendered
form, and collect one message per problem, next to its field.

A form's outcome has one name, `is_valid`, which views and templates read: what was sent
was accepted (no problem with any field) and what it asked for was done. Three page states
are not outcomes and keep names of their own: `found`, whether the row a form edits exists
at all (False: the page answers 404); `problem`, what is wrong with the emailed link a page
opens (unknown, expired, used), known before any field is read; and `sent`, that the email a
form asked for is on its way, so the page shows that instead of the form."""

from collections.abc import Mapping
from typing import Any, NamedTuple

from pydantic import ValidationError

from podsite.formats.xml_text import clean_text
from podsite.services.accounts.account_rules import email_problem, password_problem
from podsite.viewmodels.shared.viewmodel_base import ViewModelBase


class Problem(NamedTuple):
    """One line of the summary above a form: the field's id, its label, the message."""

    field: str
    label: str
    message: str


class FormViewModel(ViewModelBase):
    field_labels: Mapping[str, str] = {}
    """Labels of the fields by id, for the summary of problems above the form."""

    def __init__(self, form: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.form = dict(form or {})
        # Fields sent more than once (a `<select multiple>`), every value in the order sent.
        getlist = getattr(form, 'getlist', None)
        self.lists: dict[str, list[str]] = (
            {name: list(getlist(name)) for name in self.form} if callable(getlist) else {}
        )
        self.errors: dict[str, str] = {}
        self.message = ''
        self.found = True

    def text(self, name: str) -> str:
        """A field as sent, cleaned of what no field should hold (characters XML does not
        allow), without the spaces around it."""
        return self.text_as_written(name).strip()

    def text_as_written(self, name: str) -> str:
        """A long text (show notes, a description) cleaned the same way, its leading spaces
        kept: in Markdown they make code blocks and nested lists."""
        return clean_text(self.form.get(name, ''))

    def values(self, name: str) -> list[str]:
        """Each value of a field that can be sent several times, cleaned like `text`, empty
        ones left out."""
        sent = self.lists.get(name) or ([self.form[name]] if name in self.form else [])
        return [value for value in (clean_text(v).strip() for v in sent) if value]

    def checked(self, name: str) -> bool:
        return self.form.get(name) in {'on', 'true', '1', 'yes'}

    def require(self, name: str, label: str, *, max_length: int) -> str:
        value = self.text(name)
        if not value:
            self.errors[name] = f'{label} is required.'
        elif len(value) > max_length:
            self.errors[name] = f'{label} can be at most {max_length} characters.'
        return value

    def require_email(self, name: str = 'email') -> str:
        value = self.text(name)
        if problem := email_problem(value):
            self.errors[name] = problem
        return value

    def require_new_password(self, name: str = 'password', confirm: str = 'confirm') -> str:
        value = self.form.get(name, '')
        if problem := password_problem(value):
            self.errors[name] = problem
        elif self.form.get(confirm, '') != value:
            self.errors[confirm] = 'The two passwords differ.'
        return value

    def add_validation_errors(
        self, error: ValidationError, field_names: Mapping[str, str] | None = None
    ) -> None:
        """One message per field from Pydantic, under the form's own field names."""
        for problem in error.errors():
            field = str(problem['loc'][0]) if problem['loc'] else 'form'
            self.errors.setdefault((field_names or {}).get(field, field), problem['msg'])

    def to_dict(self) -> dict[str, Any]:
        """Adds what marks the problems for assistive technology: `aria-invalid` and
        `aria-describedby` of each field that has a message, and the summary linking to them."""
        return super().to_dict() | {
            'invalid': dict.fromkeys(self.errors, 'true'),
            'described_by': {name: f'{name}-error' for name in self.errors},
            'error_summary': [
                Problem(name, self.field_labels.get(name, name.replace('_', ' ')), message)
                for name, message in self.errors.items()
            ],
        }

    @property
    def is_valid(self) -> bool:
        return self.found and not self.errors
