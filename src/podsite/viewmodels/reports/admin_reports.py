"""The admin's reports: downloads over time and per episode, apps, and short-link clicks."""

from podsite.schemas.analytics import EpisodeDownloads, LinkClicks, Share
from podsite.services.analytics import reporting
from podsite.urls import short_link_url
from podsite.viewmodels.reports.period import ReportPeriod, count_new_downloads
from podsite.viewmodels.shared.charts import bar_chart, daily_points
from podsite.viewmodels.shared.viewmodel_base import ViewModelBase

TOP_EPISODES = 10


class AdminReportsViewModel(ViewModelBase):
    page_title = 'Reports · Admin'

    def __init__(self, period: str | None) -> None:
        super().__init__()
        self.period = ReportPeriod(period)
        self.downloads_chart = ''
        self.downloads_in_period = 0
        self.episodes: list[EpisodeDownloads] = []
        self.top_episodes: list[EpisodeDownloads] = []
        self.apps: list[Share] = []
        self.platforms: list[Share] = []
        self.links: list[LinkClicks] = []
        self.pending = 0

    async def load_page_async(self) -> None:
        await count_new_downloads()
        since = self.period.since
        days = await reporting.downloads_per_day(since)
        self.downloads_in_period = sum(day.count for day in days)
        first = since or (days[0].day if days else self.period.today)
        self.downloads_chart = bar_chart(
            daily_points({d.day: d.count for d in days}, first, self.period.today),
            label=f'Counted downloads per day, {self.period.label}',
        )
        self.episodes = await reporting.episode_downloads()
        self.top_episodes = await reporting.episode_downloads(top=TOP_EPISODES)
        self.apps = await reporting.shares('app', since)
        self.platforms = await reporting.shares('platform', since)
        self.links = await reporting.link_clicks(since)
        self.pending = await reporting.pending_events()


class AdminReportExport:
    """One report table as CSV rows."""

    def __init__(self, table: str, period: str | None) -> None:
        self.table = table
        self.period = ReportPeriod(period)
        self.filename = f'{table}-{self.period.key}.csv'
        self.header: list[str] = []
        self.rows: list[list[object]] = []

    async def load_async(self) -> None:
        await count_new_downloads()
        since = self.period.since
        if self.table == 'episodes':
            self.header = ['episode', 'title', 'published', 'first 7 days', 'first 30 days',
                           'first 90 days', 'all time']  # fmt: skip
            self.rows = [
                [e.number, e.title, e.published_at.date().isoformat(), e.first_7_days,
                 e.first_30_days, e.first_90_days, e.all_time]
                for e in await reporting.episode_downloads()
            ]  # fmt: skip
        elif self.table == 'daily':
            self.header = ['day', 'downloads']
            days = await reporting.downloads_per_day(since)
            self.rows = [[d.day.isoformat(), d.count] for d in days]
        elif self.table in ('apps', 'platforms'):
            self.header = [self.table[:-1], 'downloads']
            shares = await reporting.shares(self.table[:-1], since)
            self.rows = [[s.name, s.downloads] for s in shares]
        else:
            self.header = ['link', 'target', 'clicks']
            links = await reporting.link_clicks(since)
            self.rows = [
                [short_link_url(link.name), link.target_url, link.clicks] for link in links
            ]
