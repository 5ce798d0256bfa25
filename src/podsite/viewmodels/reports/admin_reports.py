"""The admin's reports: downloads over time and per episode, apps, and short-link clicks."""

from collections.abc import Callable
from typing import Any

from quart import url_for

from podsite.schemas.analytics import EpisodeDownloads, LinkClicks, Share
from podsite.services.analytics import reporting
from podsite.urls import short_link_url
from podsite.viewmodels.reports.period import ReportPeriod, count_new_downloads
from podsite.viewmodels.shared.charts import bar_chart, daily_points
from podsite.viewmodels.shared.pager import Pager, asked_page
from podsite.viewmodels.shared.viewmodel_base import ViewModelBase

TOP_EPISODES = 10
LINKS_PER_PAGE = 50
EPISODES_PER_PAGE = 50
# How the short links can be ordered: most clicked, by name, newest first.
LINK_ORDERS: dict[str, tuple[str, Callable[[LinkClicks], Any], bool]] = {
    'clicks': ('most clicks', lambda link: (-link.clicks, link.name), False),
    'name': ('name', lambda link: link.name, False),
    'created': ('newest', lambda link: link.created_at, True),
}


class AdminReportsViewModel(ViewModelBase):
    page_title = 'Reports · Admin'

    def __init__(
        self,
        period: str | None,
        *,
        sort: str | None = None,
        page: str | None = None,
        zeros: str | None = None,
        episodes_page: str | None = None,
    ) -> None:
        """`sort`, `page` and `zeros` are the short-link table's, `episodes_page` the
        per-episode table's, as the query string has them: an unknown order or an unreadable
        page is the default one; a page past the last is not found."""
        super().__init__()
        self.period = ReportPeriod(period)
        self.sort = sort if sort in LINK_ORDERS else 'clicks'
        self.page = asked_page(page)
        self.with_zeros = zeros == '1'
        self.episodes_page = asked_page(episodes_page)
        self.found = True
        self.hidden_links = 0
        self.links_pager: Pager | None = None
        self.episodes_pager: Pager | None = None
        self.link_orders: list[tuple[str, str, str]] = []
        self.zeros_url = ''
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
        await self._show_episodes()
        self.top_episodes = await reporting.episode_downloads(top=TOP_EPISODES)
        self.apps = await reporting.shares('app', since)
        self.platforms = await reporting.shares('platform', since)
        self._show_links(await reporting.link_clicks(since))
        self.pending = await reporting.pending_events()

    async def _show_episodes(self) -> None:
        self.episodes_pager = Pager(
            self.episodes_page,
            EPISODES_PER_PAGE,
            await reporting.published_episode_count(),
            noun='episodes',
            label='Pages of episodes',
            page_url=lambda page: self._url(episodes_page=page, anchor='episodes-heading'),
        )
        if not self.episodes_pager.found:
            self.found = False
            return
        self.episodes = await reporting.episode_downloads(
            limit=EPISODES_PER_PAGE, offset=self.episodes_pager.offset
        )

    def _show_links(self, links: list[LinkClicks]) -> None:
        """One page of the links in the chosen order; links nobody clicked are counted but
        left out unless asked for (most links of a long-running show are at zero)."""
        shown = links if self.with_zeros else [link for link in links if link.clicks]
        self.hidden_links = len(links) - len(shown)
        _, key, newest_first = LINK_ORDERS[self.sort]
        self.links_pager = Pager(
            self.page,
            LINKS_PER_PAGE,
            len(shown),
            noun='links',
            label='Pages of links',
            page_url=lambda page: self._url(page=page),
        )
        if not self.links_pager.found:
            self.found = False
            return
        self.links = self.links_pager.window(sorted(shown, key=key, reverse=newest_first))
        self.link_orders = [
            (label, self._url(sort=order, page=1), 'true' if order == self.sort else '')
            for order, (label, _, _) in LINK_ORDERS.items()
        ]
        self.zeros_url = self._url(page=1, zeros=not self.with_zeros)

    def _url(
        self,
        *,
        sort: str | None = None,
        page: int | None = None,
        zeros: bool | None = None,
        episodes_page: int | None = None,
        anchor: str = 'links-heading',
    ) -> str:
        """This page with one table's choice changed, the other table's kept."""
        with_zeros = self.with_zeros if zeros is None else zeros
        episodes_page = episodes_page or self.episodes_page
        return url_for(
            'admin.reports',
            period=self.period.key,
            sort=sort or self.sort,
            page=page or self.page,
            zeros='1' if with_zeros else None,
            episodes_page=None if episodes_page == 1 else episodes_page,
            _anchor=anchor,
        )


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
