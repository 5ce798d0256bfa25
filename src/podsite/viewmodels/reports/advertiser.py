"""The advertiser portal: one sponsor's reads, downloads, clicks and impressions. The
sponsor always comes from the logged-in account, never from the URL."""

from collections import Counter
from datetime import date

from podsite.infrastructure.auth import current_user
from podsite.schemas.analytics import CampaignDay, CampaignRow
from podsite.schemas.catalogue import SponsorCard
from podsite.services.analytics import reporting
from podsite.services.sponsors import sponsor_service
from podsite.viewmodels.reports.period import ReportPeriod, count_new_downloads
from podsite.viewmodels.shared.charts import bar_chart, daily_points
from podsite.viewmodels.shared.viewmodel_base import ViewModelBase

MEASURES = ('downloads', 'clicks', 'impressions')


class AdvertiserViewModel(ViewModelBase):
    """The campaign as a whole, or one episode of it (`episode_number`)."""

    page_title = 'Your campaign'

    def __init__(self, period: str | None, episode_number: int | None = None) -> None:
        super().__init__()
        self.period = ReportPeriod(period)
        self.episode_number = episode_number
        self.sponsor: SponsorCard | None = None
        self.placements: list[CampaignRow] = []
        self.days: list[CampaignDay] = []
        self.totals: dict[str, int] = dict.fromkeys(MEASURES, 0)
        self.period_totals: dict[str, int] = dict.fromkeys(MEASURES, 0)
        self.charts: dict[str, str] = {}
        self.found = True

    async def load_page_async(self) -> None:
        user = current_user()
        sponsor_id = user.sponsor_id if user else None
        if sponsor_id is None:
            return
        self.sponsor = await sponsor_service.sponsor(sponsor_id)
        if self.sponsor is None:
            return
        await count_new_downloads()
        self.placements = await reporting.campaign(sponsor_id)
        self.days = await reporting.campaign_days(sponsor_id, self.period.since)
        if self.episode_number is not None:
            self.placements = [
                p for p in self.placements if p.episode_number == self.episode_number
            ]
            self.days = [d for d in self.days if d.episode_number == self.episode_number]
            self.found = bool(self.placements)
            if not self.found:
                return
            self.page_title = f'#{self.episode_number}: {self.placements[0].episode_title}'
        for measure in MEASURES:
            self.totals[measure] = sum(getattr(p, measure) for p in self.placements)
            self.period_totals[measure] = sum(getattr(d, measure) for d in self.days)
            self.charts[measure] = self._chart(measure)

    def _chart(self, measure: str) -> str:
        per_day: Counter[date] = Counter()
        for day in self.days:
            per_day[day.day] += getattr(day, measure)
        first = self.period.since or (self.days[0].day if self.days else self.period.today)
        return bar_chart(
            daily_points(per_day, first, self.period.today),
            label=f'{measure.title()} per day, {self.period.label}',
        )

    @property
    def csv_rows(self) -> list[list[object]]:
        return [
            [d.day.isoformat(), d.episode_number, d.downloads, d.clicks, d.impressions]
            for d in self.days
        ]
