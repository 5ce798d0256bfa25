from podsite.schemas.admin import AuditRow
from podsite.services.accounts import audit_service
from podsite.viewmodels.shared.viewmodel_base import ViewModelBase


class AuditLogViewModel(ViewModelBase):
    page_title = 'Audit log · Admin'

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[AuditRow] = []

    async def load_page_async(self) -> None:
        self.entries = await audit_service.latest(limit=500)
