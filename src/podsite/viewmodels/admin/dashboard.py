from podsite.schemas.admin import AdminEpisodeRow, AuditRow, DashboardCounts
from podsite.services.accounts import audit_service
from podsite.services.admin import admin_service
from podsite.viewmodels.shared.formatting import date_text
from podsite.viewmodels.shared.viewmodel_base import ViewModelBase


class DashboardViewModel(ViewModelBase):
    page_title = 'Admin'

    def __init__(self) -> None:
        super().__init__()
        self.counts: DashboardCounts | None = None
        self.latest: list[AdminEpisodeRow] = []
        self.drafts: list[AdminEpisodeRow] = []
        self.without_transcript: list[AdminEpisodeRow] = []
        self.recent_changes: list[AuditRow] = []
        self.date_text = date_text

    async def load_page_async(self) -> None:
        self.counts = await admin_service.dashboard_counts()
        self.latest = await admin_service.episode_rows(status='published', limit=8)
        self.drafts = await admin_service.episode_rows(status='draft', limit=8)
        self.without_transcript = await admin_service.episode_rows(status='no-transcript', limit=8)
        self.recent_changes = await audit_service.latest(limit=8)
