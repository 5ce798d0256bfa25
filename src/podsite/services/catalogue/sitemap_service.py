"""Every public URL of the site with its last change, in a fixed number of queries."""

from datetime import datetime

from sqlalchemy import exists, func, select

from podsite.data import Episode, EpisodeGuest, Guest, LiveStream, Podcast, Transcript
from podsite.infrastructure import db
from podsite.schemas.sitemap import SitemapEntry
from podsite.services.catalogue import episode_service, policy_service
from podsite.urls import (
    all_episodes_url,
    episode_url,
    friends_url,
    guest_list_url,
    guest_url,
    home_url,
    live_stream_url,
    transcript_url,
)


async def public_urls() -> list[SitemapEntry]:
    episodes = (
        await db.session().execute(
            select(
                Episode.number,
                Episode.slug,
                Episode.updated_at,
                exists().where(Transcript.episode_id == Episode.id).label('has_transcript'),
            )
            .where(episode_service.is_public())
            .order_by(Episode.number.desc())
        )
    ).all()
    guests = (
        await db.session().execute(
            select(Guest.slug, func.max(Episode.updated_at).label('last_change'))
            .join(EpisodeGuest, EpisodeGuest.guest_id == Guest.id)
            .join(Episode, Episode.id == EpisodeGuest.episode_id)
            .where(episode_service.is_public())
            .group_by(Guest.id)
            .order_by(Guest.slug)
        )
    ).all()
    show_changed: datetime | None = (
        await db.session().execute(select(func.max(Podcast.updated_at)))
    ).scalar()
    newest = max(
        [e.updated_at for e in episodes] + ([show_changed] if show_changed else []), default=None
    )
    streams_changed: datetime | None = (
        await db.session().execute(select(func.max(LiveStream.updated_at)))
    ).scalar()
    entries = [
        SitemapEntry(path=home_url(), last_modified=newest),
        SitemapEntry(path=all_episodes_url(), last_modified=newest),
        SitemapEntry(path=guest_list_url(), last_modified=newest),
        SitemapEntry(path=friends_url(), last_modified=newest),
        SitemapEntry(path=live_stream_url(), last_modified=streams_changed or newest),
    ]
    for episode in episodes:
        page = episode_url(episode.number, episode.slug)
        entries.append(SitemapEntry(path=page, last_modified=episode.updated_at))
        if episode.has_transcript:
            transcript = transcript_url(episode.number, episode.slug)
            entries.append(SitemapEntry(path=transcript, last_modified=episode.updated_at))
    entries.extend(
        SitemapEntry(path=guest_url(guest.slug), last_modified=guest.last_change)
        for guest in guests
    )
    entries.extend(
        SitemapEntry(path=page.url, last_modified=page.updated_at)
        for page in await policy_service.all_policies()
    )
    return entries
