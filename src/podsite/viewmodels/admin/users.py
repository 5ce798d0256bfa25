from collections.abc import Mapping

from podsite.formats.numbers import whole_number
from podsite.infrastructure.auth import current_user
from podsite.schemas.admin import NamedRow, UserRow
from podsite.services.accounts import account_service
from podsite.services.accounts.account_rules import ROLES, email_problem
from podsite.services.admin import admin_people_service
from podsite.settings import current_settings
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

    def _role_and_sponsor(self, field: str) -> tuple[str, int | None]:
        """The chosen role and, for an advertiser, the sponsor; a message under `field`."""
        role = self.text('role')
        sponsor_id = whole_number(self.text('sponsor_id'))
        if role not in ROLES:
            self.errors[field] = 'Choose listener, advertiser or admin.'
        elif role == 'advertiser' and sponsor_id not in {s.id for s in self.sponsors}:
            self.errors[field] = 'An advertiser needs the sponsor whose numbers they see.'
        return role, sponsor_id

    async def invite_async(self) -> None:
        """Makes the account and mails its person a link to choose a password."""
        email = account_service.normalize_email(self.text('email'))
        if problem := email_problem(email):
            self.errors['invite_email'] = problem
        role, sponsor_id = self._role_and_sponsor('invite_role')
        if self.errors:
            return
        actor = current_user()
        assert actor is not None
        try:
            await account_service.invite(
                email=email, role=role, sponsor_id=sponsor_id, site_title=self.site.title,
                actor=actor, base_url=current_settings().public_base_url,
            )  # fmt: skip
        except account_service.EmailTakenError:
            self.errors['invite_email'] = 'This address has an account already.'
            return
        self.users = await admin_people_service.users()
        days = account_service.INVITATION_LIFETIME.days
        self.message = (
            f'Invited {email} as {role}: the email with their link (it works once, for '
            f'{days} days) is on its way.'
        )
        self.form = {}

    async def change_role_async(self, user_id: int) -> None:
        role, sponsor_id = self._role_and_sponsor('role')
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
