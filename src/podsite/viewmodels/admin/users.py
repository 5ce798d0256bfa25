from collections.abc import Mapping

from podsite.formats.numbers import whole_number
from podsite.infrastructure.auth import current_user
from podsite.schemas.admin import NamedRow, UserRow
from podsite.services.accounts.account_rules import ROLES
from podsite.services.admin import admin_people_service
from podsite.viewmodels.shared.form import FormViewModel


class UsersViewModel(FormViewModel):
    page_title = 'Accounts · Admin'

    def __init__(self, form: Mapping[str, str] | None = None) -> None:
        super().__init__(form)
        self.users: list[UserRow] = []
        self.sponsors: list[NamedRow] = []
        self.roles = ROLES

    async def load_page_async(self) -> None:
        self.users = await admin_people_service.users()
        self.sponsors = await admin_people_service.rows('sponsor')

    async def change_role_async(self, user_id: int) -> None:
        role = self.text('role')
        sponsor_text = self.text('sponsor_id')
        sponsor_ids = {sponsor.id for sponsor in self.sponsors}
        sponsor_id = whole_number(sponsor_text)
        if role not in ROLES:
            self.errors['role'] = 'Choose listener, advertiser or admin.'
        elif role == 'advertiser' and sponsor_id not in sponsor_ids:
            self.errors['role'] = 'An advertiser needs the sponsor whose numbers they see.'
        actor = current_user()
        assert actor is not None
        if user_id == actor.id and role != 'admin':
            self.errors['role'] = 'You cannot take the admin role from yourself.'
        if self.errors:
            return
        changed = await admin_people_service.set_role(
            user_id=user_id, role=role, sponsor_id=sponsor_id, actor=actor
        )
        if not changed:
            self.errors['role'] = 'There is no such account.'
            return
        self.users = await admin_people_service.users()
        self.message = 'The role is saved.'
