"""Short links in the admin: a list with their clicks, and one form."""

from collections.abc import Mapping

from pydantic import ValidationError
from quart import url_for

from podsite.infrastructure.auth import current_user
from podsite.infrastructure.root_names import root_name_problem
from podsite.schemas.admin import ShortLinkRow, ShortLinkWrite
from podsite.services.admin import admin_service
from podsite.services.sponsors import short_link_service
from podsite.viewmodels.admin.confirm import ConfirmViewModel
from podsite.viewmodels.shared.form import FormViewModel
from podsite.viewmodels.shared.viewmodel_base import ViewModelBase


class LinkListViewModel(ViewModelBase):
    page_title = 'Short links · Admin'

    def __init__(self) -> None:
        super().__init__()
        self.links: list[ShortLinkRow] = []

    async def load_page_async(self) -> None:
        self.links = await short_link_service.all_links()


class LinkFormViewModel(FormViewModel):
    def __init__(self, link_id: int | None, form: Mapping[str, str] | None = None) -> None:
        super().__init__(form)
        self.link_id = link_id
        self.saved_id: int | None = None
        self.placement_id: int | None = None
        self.sponsors: list[str] = []
        self.guests: list[str] = []
        self.page_title = f'{"New" if link_id is None else "Edit"} short link · Admin'

    async def load_page_async(self) -> None:
        self.sponsors = await admin_service.sponsor_slugs()
        self.guests = await admin_service.guest_slugs()
        if self.link_id is None:
            return
        current = await short_link_service.link(self.link_id)
        if current is None:
            self.found = False
            return
        self.placement_id = current.placement_id
        if not self.form:
            self.form = {
                'name': current.name,
                'target_url': current.target_url,
                'episode_number': str(current.episode_number or ''),
                'sponsor_slug': current.sponsor_slug or '',
                'guest_slug': current.guest_slug or '',
            }

    async def save_async(self) -> None:
        if not self.found:
            return
        target_url = self.require('target_url', 'Target URL', max_length=2000)
        values = {
            'name': self.require('name', 'Name', max_length=100),
            'target_url': target_url,
            'episode_number': self.text('episode_number') or None,
            'sponsor_slug': self.text('sponsor_slug') or None,
            'guest_slug': self.text('guest_slug') or None,
        }
        if not target_url.lower().startswith(('http://', 'https://')):
            self.errors.setdefault('target_url', 'Links go to http:// or https:// addresses only.')
        if self.errors:
            return
        try:
            data = ShortLinkWrite.model_validate(values)
        except ValidationError as error:
            self.add_validation_errors(error)
            if 'name' in self.errors:
                self.errors['name'] = 'Use lowercase letters, digits and single hyphens.'
            return
        if problem := await self._root_name_problem(data.name):
            self.errors['name'] = problem
            return
        actor = current_user()
        assert actor is not None
        try:
            self.saved_id = await short_link_service.save_link(self.link_id, data, actor=actor)
        except short_link_service.NameTakenError as error:
            self.errors['name'] = str(error)
        except short_link_service.UnknownReferenceError as error:
            self.errors['form'] = str(error)

    async def _root_name_problem(self, name: str) -> str | None:
        """Links answer at the root too, so a name may not be a page's; a link named so
        before the rule keeps its name when edited (the page wins at the root meanwhile)."""
        if self.link_id is not None:
            current = await short_link_service.link(self.link_id)
            if current is not None and current.name == name:
                return None
        return root_name_problem(name)


class LinkRemovalViewModel(ConfirmViewModel):
    """Deleting a short link never clicked, or archiving one with clicks."""

    def __init__(self, link_id: int) -> None:
        super().__init__(
            what='short link',
            action_url=url_for('admin.link_delete', link_id=link_id),
            cancel_url=url_for('admin.links'),
        )
        self.link_id = link_id

    async def load_page_async(self) -> None:
        self.ask(await short_link_service.removal(self.link_id))

    async def confirm_async(self) -> bool:
        actor = current_user()
        assert actor is not None
        return await short_link_service.remove_link(self.link_id, actor=actor) is not None

    async def restore_async(self) -> bool:
        """Brings an archived link back; False when there is no archived link to restore."""
        actor = current_user()
        assert actor is not None
        return await short_link_service.restore_link(self.link_id, actor=actor)
