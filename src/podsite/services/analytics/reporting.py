"""The numbers reports show: counted downloads (from `download_count`), clicks by people,
and sponsor impressions. Advertisers' numbers are always filtered by their sponsor here,
so no view can ask for another sponsor's."""

from collections import Counter, defaultdict
from datetime import date

from sqlalchemy import ColumnElement, Select, case, func, select

from podsite.data import (
    AggregationProgress,
    ClickEvent,
    DownloadCount,
    DownloadEvent,
    Episode,
    PlacementImpression,
    ShortLink,
    SponsorPlacement,
)
from podsite.infrastructure import db
from podsite.schemas.analytics import (
    CampaignDay,
    CampaignRow,
    DailyCount,
    EpisodeDownloads,
    LinkClicks,
    Share,
)
from podsite.services.analytics.iab_rules import is_bot


async def downloads_per_day(
    since: date | None, episode_ids: Select[int] | None = None
) -> list[DailyCount]:
    query = select(DownloadCount.day, func.sum(DownloadCount.downloads).label('count'))
    if since is not None:
        query = query.where(DownloadCount.day >= since)
    if episode_ids is not None:
        query = query.where(DownloadCount.episode_id.in_(episode_ids))
    rows = await db.session().execute(query.group_by(DownloadCount.day).order_by(DownloadCount.day))
    return [DailyCount.model_validate(row._mapping) for row in rows]


def _within(days: int) -> ColumnElement[int]:
    return func.coalesce(
        func.sum(case((DownloadCount.age_days < days, DownloadCount.downloads), else_=0)), 0
    )


async def published_episode_count() -> int:
    query = select(func.count()).select_from(Episode).where(Episode.is_published.is_(True))
    return await db.session().scalar(query) or 0


async def episode_downloads(
    *, top: int | None = None, limit: int | None = None, offset: int = 0
) -> list[EpisodeDownloads]:
    """The published episodes by number, newest first (`limit` of them from `offset`, or
    all), or the `top` ones by downloads of all time."""
    all_time = func.coalesce(func.sum(DownloadCount.downloads), 0)
    query = (
        select(
            Episode.id.label('episode_id'), Episode.number, Episode.title, Episode.published_at,
            _within(7).label('first_7_days'), _within(30).label('first_30_days'),
            _within(90).label('first_90_days'), all_time.label('all_time'),
        )
        .outerjoin(DownloadCount, DownloadCount.episode_id == Episode.id)
        .where(Episode.is_published.is_(True))
        .group_by(Episode.id, Episode.number, Episode.title, Episode.published_at)
    )  # fmt: skip
    if top is None:
        query = query.order_by(Episode.number.desc()).limit(limit).offset(offset)
    else:
        query = query.order_by(all_time.desc(), Episode.number.desc()).limit(top)
    return [EpisodeDownloads.model_validate(r._mapping) for r in await db.session().execute(query)]


async def downloads_per_episode_number() -> dict[int, int]:
    """Counted downloads of all time by episode number, drafts and withdrawn episodes too,
    so that they add up to the total."""
    total = func.sum(DownloadCount.downloads)
    rows = await db.session().execute(
        select(Episode.number, total.label('downloads'))
        .join(DownloadCount, DownloadCount.episode_id == Episode.id)
        .group_by(Episode.number)
        .order_by(Episode.number)
    )
    return {row.number: row.downloads for row in rows}


async def shares(column: str, since: date | None) -> list[Share]:
    """Downloads by `app` or by `platform`, largest first."""
    group = DownloadCount.app if column == 'app' else DownloadCount.platform
    total = func.sum(DownloadCount.downloads)
    query = select(group.label('name'), total.label('downloads')).group_by(group)
    if since is not None:
        query = query.where(DownloadCount.day >= since)
    rows = await db.session().execute(query.order_by(total.desc(), group))
    return [Share.model_validate(row._mapping) for row in rows]


async def _human_clicks(
    condition: ColumnElement[bool], since: date | None = None
) -> Counter[tuple[int, date]]:
    """Clicks per (link, day), leaving out bots, which only the user agent tells apart."""
    query = (
        select(ClickEvent.short_link_id, ClickEvent.day, ClickEvent.user_agent,
               func.count().label('clicks'))
        .join(ShortLink, ShortLink.id == ClickEvent.short_link_id)
        .where(condition)
        .group_by(ClickEvent.short_link_id, ClickEvent.day, ClickEvent.user_agent)
    )  # fmt: skip
    if since is not None:
        query = query.where(ClickEvent.day >= since)
    counted: Counter[tuple[int, date]] = Counter()
    for row in await db.session().execute(query):
        if not is_bot(row.user_agent):
            counted[(row.short_link_id, row.day)] += row.clicks
    return counted


async def link_clicks(since: date | None) -> list[LinkClicks]:
    clicks = await _human_clicks(ShortLink.id.is_not(None), since)
    per_link: Counter[int] = Counter()
    for (link_id, _), count in clicks.items():
        per_link[link_id] += count
    rows = await db.session().execute(
        select(ShortLink.id, ShortLink.name, ShortLink.target_url, ShortLink.created_at).order_by(
            ShortLink.name
        )
    )
    links = [
        LinkClicks(
            id=row.id,
            name=row.name,
            target_url=row.target_url,
            created_at=row.created_at,
            clicks=per_link[row.id],
        )
        for row in rows
    ]
    return sorted(links, key=lambda link: -link.clicks)


async def pending_events() -> int:
    """Download events stored but not counted yet."""
    last = await db.session().scalar(select(AggregationProgress.last_event_id)) or 0
    return (
        await db.session().scalar(
            select(func.count()).select_from(DownloadEvent).where(DownloadEvent.id > last)
        )
        or 0
    )


def _placements_of(sponsor_id: int) -> Select[int]:
    return select(SponsorPlacement.id).where(SponsorPlacement.sponsor_id == sponsor_id)


async def campaign(sponsor_id: int) -> list[CampaignRow]:
    """The sponsor's reads, newest episode first, each with the episode's counted
    downloads, the clicks on the read's link, and the page views that showed it."""
    session = db.session()
    downloads = (
        select(DownloadCount.episode_id, func.sum(DownloadCount.downloads).label('downloads'))
        .group_by(DownloadCount.episode_id)
        .subquery()
    )
    impressions = (
        select(PlacementImpression.placement_id,
               func.sum(PlacementImpression.impressions).label('impressions'))
        .group_by(PlacementImpression.placement_id)
        .subquery()
    )  # fmt: skip
    rows = await session.execute(
        select(
            SponsorPlacement.id.label('placement_id'), Episode.number.label('episode_number'),
            Episode.title.label('episode_title'), Episode.published_at,
            ShortLink.id.label('link_id'), ShortLink.name.label('link_name'),
            func.coalesce(downloads.c.downloads, 0).label('downloads'),
            func.coalesce(impressions.c.impressions, 0).label('impressions'),
        )
        .join(Episode, Episode.id == SponsorPlacement.episode_id)
        .outerjoin(ShortLink, ShortLink.placement_id == SponsorPlacement.id)
        .outerjoin(downloads, downloads.c.episode_id == Episode.id)
        .outerjoin(impressions, impressions.c.placement_id == SponsorPlacement.id)
        .where(SponsorPlacement.sponsor_id == sponsor_id, Episode.is_published.is_(True))
        .order_by(Episode.published_at.desc(), SponsorPlacement.position)
    )  # fmt: skip
    clicks = await _human_clicks(ShortLink.placement_id.in_(_placements_of(sponsor_id)))
    per_link: Counter[int] = Counter()
    for (link_id, _), count in clicks.items():
        per_link[link_id] += count
    return [
        CampaignRow.model_validate(
            {**row._mapping, 'clicks': per_link[row.link_id] if row.link_id else 0}
        )
        for row in rows
    ]


async def campaign_days(sponsor_id: int, since: date | None = None) -> list[CampaignDay]:
    """Per day and episode: the sponsor's numbers, for charts and CSV."""
    session = db.session()
    placements = (
        await session.execute(
            select(
                SponsorPlacement.id,
                SponsorPlacement.episode_id,
                Episode.number,
                ShortLink.id.label('link_id'),
            )
            .join(Episode, Episode.id == SponsorPlacement.episode_id)
            .outerjoin(ShortLink, ShortLink.placement_id == SponsorPlacement.id)
            .where(SponsorPlacement.sponsor_id == sponsor_id, Episode.is_published.is_(True))
        )
    ).all()
    number_of_episode = {row.episode_id: row.number for row in placements}
    number_of_placement = {row.id: row.number for row in placements}
    number_of_link = {row.link_id: row.number for row in placements if row.link_id}
    days: dict[tuple[date, int], Counter[str]] = defaultdict(Counter)

    download_query = (
        select(DownloadCount.day, DownloadCount.episode_id,
               func.sum(DownloadCount.downloads).label('downloads'))
        .where(DownloadCount.episode_id.in_(number_of_episode))
        .group_by(DownloadCount.day, DownloadCount.episode_id)
    )  # fmt: skip
    impression_query = select(
        PlacementImpression.day, PlacementImpression.placement_id, PlacementImpression.impressions
    ).where(PlacementImpression.placement_id.in_(number_of_placement))
    if since is not None:
        download_query = download_query.where(DownloadCount.day >= since)
        impression_query = impression_query.where(PlacementImpression.day >= since)
    for row in await session.execute(download_query):
        days[(row.day, number_of_episode[row.episode_id])]['downloads'] += row.downloads
    for row in await session.execute(impression_query):
        days[(row.day, number_of_placement[row.placement_id])]['impressions'] += row.impressions
    clicks = await _human_clicks(ShortLink.id.in_(number_of_link), since)
    for (link_id, day), count in clicks.items():
        days[(day, number_of_link[link_id])]['clicks'] += count
    return [
        CampaignDay(
            day=day, episode_number=number, downloads=values['downloads'],
            clicks=values['clicks'], impressions=values['impressions'],
        )
        for (day, number), values in sorted(days.items())
    ]  # fmt: skip
