from quart import url_for

from podsite.schemas.admin import AuditRow
from podsite.services.accounts import audit_service
from podsite.viewmodels.shared.pager import Pager, asked_page
from podsite.viewmodels.shared.viewmodel_base import ViewModelBase

ENTRIES_PER_PAGE = 200


class AuditLogViewModel(ViewModelBase):
    page_title = 'Audit log · Admin'

    def __init__(self, page: str | None = None) -> None:
        """`page` as the query string has it: an unreadable one is the first; a page past the
        last is not found."""
        super().__init__()
        self.page = asked_page(page)
        self.found = True
        self.entries: list[AuditRow] = []
        self.pager: Pager | None = None

    async def load_page_async(self) -> None:
        self.pager = Pager(
            self.page,
            ENTRIES_PER_PAGE,
            await audit_service.entry_count(),
            noun='entries',
            label='Pages of the audit log',
            page_url=lambda page: url_for('admin.audit', page=None if page == 1 else page),
        )
        if not self.pager.found:
            self.found = False
            return
        self.entries = await audit_service.latest(limit=ENTRIES_PER_PAGE, offset=self.pager.offset)
