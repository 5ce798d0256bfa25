"""Guests and sponsors in the admin: one list page and one form, described by fields."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from quart import url_for

from podsite.infrastructure.auth import current_user
from podsite.infrastructure.slugs import slugify
from podsite.schemas.admin import NamedRow
from podsite.services.admin import admin_people_service
from podsite.viewmodels.admin.confirm import ConfirmViewModel
from podsite.viewmodels.shared.form import FormViewModel
from podsite.viewmodels.shared.viewmodel_base import ViewModelBase


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = 'text'
    hint: str = ''


FIELDS: dict[str, tuple[Field, ...]] = {
    'guest': (
        Field('name', 'Name'),
        Field('slug', 'Slug', hint='empty: made from the name'),
        Field('bio', 'Bio', 'textarea'),
        Field('photo_url', 'Photo URL', hint='https://… or /static/…'),
        Field('website_url', 'Website'),
        Field('social_links', 'Profiles', 'textarea', 'one per line: Network https://…'),
    ),
    'sponsor': (
        Field('name', 'Name'),
        Field('slug', 'Slug', hint='empty: made from the name'),
        Field('logo_url', 'Logo URL', hint='https://… or /static/…'),
        Field('website_url', 'Website'),
        Field('description', 'Description', 'textarea'),
    ),
    'policy': (
        Field('title', 'Title'),
        Field('slug', 'Slug', hint='privacy and terms are /privacy and /terms; others /policies/…'),
        Field('body', 'Text (Markdown)', 'textarea'),
    ),
}
PLURALS = {'guest': 'guests', 'sponsor': 'sponsors', 'policy': 'policies'}


class EntityListViewModel(ViewModelBase):
    def __init__(self, entity: str) -> None:
        super().__init__()
        self.entity = entity
        self.plural = PLURALS[entity]
        self.page_title = f'{self.plural.title()} · Admin'
        self.rows: list[NamedRow] = []

    async def load_page_async(self) -> None:
        self.rows = await admin_people_service.rows(self.entity)


class EntityFormViewModel(FormViewModel):
    def __init__(
        self, entity: str, row_id: int | None, form: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(form)
        self.entity = entity
        self.plural = PLURALS[entity]
        self.row_id = row_id
        self.fields = FIELDS[entity]
        self.saved_id: int | None = None
        self.page_title = f'{"New" if row_id is None else "Edit"} {entity} · Admin'

    async def load_page_async(self) -> None:
        if self.form or self.row_id is None:
            return
        current = await admin_people_service.for_edit(self.entity, self.row_id)
        if current is None:
            self.found = False
            return
        links = current.pop('social_links', None)
        self.form = {key: str(value or '') for key, value in current.items()}
        if links is not None:
            self.form['social_links'] = '\n'.join(f'{k} {v}' for k, v in links.items())

    async def save_async(self) -> None:
        _, schema = admin_people_service.ENTITIES[self.entity]
        values: dict[str, Any] = {field.name: self.text(field.name) for field in self.fields}
        values['slug'] = values['slug'] or slugify(values.get('name') or values.get('title') or '')
        if 'social_links' in values:
            values['social_links'] = self._links(values['social_links'])
        if self.errors:
            return
        try:
            data: BaseModel = schema.model_validate(values)
        except ValidationError as error:
            self.add_validation_errors(error)
            return
        actor = current_user()
        assert actor is not None
        try:
            self.saved_id = await admin_people_service.save(
                self.entity, row_id=self.row_id, data=data, actor=actor
            )
        except admin_people_service.SlugTakenError:
            self.errors['slug'] = f'Another {self.entity} uses this slug.'
        except LookupError:
            self.found = False

    def _links(self, text: str) -> dict[str, str]:
        links = {}
        for number, line in enumerate(text.splitlines(), start=1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 2:
                self.errors['social_links'] = f'Line {number}: write a name, a space, a URL.'
                continue
            links[parts[0]] = parts[1]
        return links


class EntityRemovalViewModel(ConfirmViewModel):
    """Deleting a guest, sponsor or policy page, or archiving a sponsor that was read."""

    def __init__(self, entity: str, row_id: int) -> None:
        plural = PLURALS[entity]
        super().__init__(
            what=entity,
            action_url=url_for('admin.entity_delete', kind=plural, row_id=row_id),
            cancel_url=url_for('admin.entity_list', kind=plural),
        )
        self.entity = entity
        self.row_id = row_id

    async def load_page_async(self) -> None:
        self.ask(await admin_people_service.removal(self.entity, self.row_id))

    async def confirm_async(self) -> bool:
        actor = current_user()
        assert actor is not None
        done = await admin_people_service.remove(self.entity, row_id=self.row_id, actor=actor)
        return done is not None

    async def restore_async(self) -> bool:
        """Brings an archived sponsor back (only sponsors are archived); False when there is
        no archived sponsor to restore."""
        assert self.entity == 'sponsor', self.entity
        actor = current_user()
        assert actor is not None
        return await admin_people_service.restore_sponsor(row_id=self.row_id, actor=actor)
