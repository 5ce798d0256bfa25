"""Small async helpers that arrange catalogue rows for one test."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from podsite.data import (
    Episode,
    EpisodeGuest,
    Guest,
    LiveStream,
    ShortLink,
    Sponsor,
    SponsorPlacement,
)
from podsite.services.catalogue.derived_columns import episode_columns, live_stream_columns


def is_public() -> ColumnElement[bool]:
    """Episodes a visitor sees now: published and due (the demo schedules one a week ahead)."""
    return Episode.is_published.is_(True) & (Episode.published_at <= datetime.now(UTC))


async def next_episode_number(session: AsyncSession) -> int:
    highest = await session.scalar(select(func.max(Episode.number)))
    return (highest or 0) + 1


async def add_guest(session: AsyncSession, *, name: str, slug: str, bio: str = '') -> Guest:
    guest = Guest(name=name, slug=slug, bio=bio, social_links={})
    session.add(guest)
    await session.commit()
    return guest


async def add_episode(
    session: AsyncSession,
    *,
    number: int | None = None,
    title: str = 'A test episode',
    slug: str = 'a-test-episode',
    show_notes: str = 'Notes.',
    published: bool = True,
    published_at: datetime | None = None,
    guests: tuple[Guest, ...] = (),
    sponsors: tuple[Sponsor, ...] = (),
) -> Episode:
    number = number or await next_episode_number(session)
    episode = Episode(
        number=number,
        episode_number=number,
        slug=slug,
        title=title,
        show_notes=show_notes,
        is_published=published,
        published_at=published_at or datetime.now(UTC) - timedelta(minutes=5),
        duration_seconds=3600,
        media_url=f'https://media.podcast.test/{number}.mp3',
        media_size_bytes=57_600_000,
        guid=f'test-episode-{number}',
        **episode_columns(show_notes=show_notes),
    )
    session.add(episode)
    await session.flush()
    for position, guest in enumerate(guests, start=1):
        session.add(EpisodeGuest(episode_id=episode.id, guest_id=guest.id, position=position))
    for position, sponsor in enumerate(sponsors):
        session.add(
            SponsorPlacement(episode_id=episode.id, sponsor_id=sponsor.id, position=position)
        )
    await session.commit()
    return episode


async def first_published_episode(session: AsyncSession) -> Episode:
    episode = await session.scalar(
        select(Episode).where(Episode.is_published.is_(True)).order_by(Episode.number).limit(1)
    )
    assert episode is not None
    return episode


async def add_live_stream(
    session: AsyncSession,
    *,
    title: str = 'A test live stream',
    starts_in: timedelta = timedelta(days=2),
    duration_minutes: int = 60,
    youtube_id: str = 'dQw4w9WgXcQ',
    description: str = 'We talk **live**.',
    episode: Episode | None = None,
) -> LiveStream:
    """A stream starting `starts_in` from now (negative: it started that long ago)."""
    starts_at = datetime.now(UTC).replace(microsecond=0) + starts_in
    stream = LiveStream(
        title=title,
        description=description,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        youtube_id=youtube_id,
        episode_id=None if episode is None else episode.id,
        **live_stream_columns(
            description=description, starts_at=starts_at, duration_minutes=duration_minutes
        ),
    )
    session.add(stream)
    await session.commit()
    return stream


def silent_mp3(seconds: int) -> bytes:
    """An MP3 of silence that browsers play: MPEG-1 Layer III frames, 32 kbit/s, 32 kHz,
    mono, 144 bytes and 36 ms each."""
    frame = bytes([0xFF, 0xFB, 0x18, 0xC0]) + bytes(140)
    return frame * (seconds * 1000 // 36)


async def sponsored_episode(session: AsyncSession) -> tuple[Episode, ShortLink]:
    """A demo episode with a sponsor read and the tracked link the demo made for it."""
    row = (
        await session.execute(
            select(Episode, ShortLink)
            .join(SponsorPlacement, SponsorPlacement.episode_id == Episode.id)
            .join(ShortLink, ShortLink.placement_id == SponsorPlacement.id)
            .where(Episode.is_published.is_(True), Episode.published_at <= datetime.now(UTC))
            .order_by(Episode.number.desc())
            .limit(1)
        )
    ).one()
    return row[0], row[1]
