"""Every batch write of events recorded on the request path: downloads, short-link clicks and
sponsor impressions. Addresses are hashed here with a daily salt, never stored; counting
downloads is a separate, later step (`counting`). A batch from the spool carries its
progress (`SpoolProgress`), stored in the same transaction as its events."""

import hashlib
import hmac
import ipaddress
import secrets
from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from podsite.data import (
    AnalyticsSalt,
    ClickEvent,
    DownloadEvent,
    Episode,
    PlacementImpression,
    ShortLink,
    SponsorPlacement,
    SpooledSegment,
)
from podsite.data.base import Base, utc_now
from podsite.infrastructure import db
from podsite.infrastructure.spool import SpoolProgress
from podsite.schemas.analytics import PendingDownload, PendingImpression
from podsite.schemas.links import PendingClick
from podsite.services.analytics import datacenters

USER_AGENT_LIMIT = 1000
RANGE_LIMIT = 200
REFERRER_LIMIT = 2000


def listener_address(ip: str) -> str:
    """The part of an address that names a listener (IAB v2.3, 5.5.4, "Working with IPv6
    Addresses"): a whole IPv4 address, and an IPv6 address's first 64 bits, since clients
    change their low 64 bits freely. An IPv4 address in IPv6 form (`::ffff:198.51.100.7`)
    is that IPv4 address, not the network `::/64` every such address would share."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f'{address}/64', strict=False).network_address)
    return str(address)


def hash_address(ip: str, salt: str) -> str:
    return hmac.new(salt.encode(), listener_address(ip).encode(), hashlib.sha256).hexdigest()


async def salts_for(days: set[date]) -> dict[date, str]:
    """The random salt of each day, created on first use by whichever instance gets there.

    A salt is deleted (see `forget_old_salts`) once the day after it is over, so hashes
    can be linked across one midnight, for windows of 24 hours, and never longer."""
    session = db.session()
    upsert = _upsert(AnalyticsSalt)
    for day in days:
        await session.execute(
            upsert.values(day=day, salt=secrets.token_hex(32)).on_conflict_do_nothing()
        )
    rows = await session.execute(
        select(AnalyticsSalt.day, AnalyticsSalt.salt).where(AnalyticsSalt.day.in_(days))
    )
    return {row.day: row.salt for row in rows}


async def store_downloads(
    events: list[PendingDownload], *, spool_progress: SpoolProgress | None = None
) -> None:
    """Inserts the events. A transfer that ends replaces the event of its start: dropped
    from the batch, or deleted when an earlier batch stored it, so that the transfer is a
    new event that counting reads again, from the day it started. Deleted after the insert:
    SQLite gives a new row the highest id plus one, so deleting first could hand the ended
    transfer the id counting has already gone past."""
    session = db.session()
    await _note_spool_progress(spool_progress)
    ended = {event.transfer for event in events if event.transfer_over}
    events = [event for event in events if event.transfer_over or event.transfer not in ended]
    if events:
        await _insert_downloads(events)
    if ended:
        await session.execute(
            delete(DownloadEvent).where(
                DownloadEvent.transfer.in_(ended), DownloadEvent.ended_early.is_(None)
            )
        )
    await session.commit()


async def _insert_downloads(events: list[PendingDownload]) -> None:
    session = db.session()
    days = {event.occurred_at.date() for event in events}
    salts = await salts_for(days | {day - timedelta(days=1) for day in days})
    rows = [
        {
            'occurred_at': event.occurred_at,
            'episode_id': event.episode_id,
            'ip_hash': hash_address(event.client_ip, salts[event.occurred_at.date()]),
            'ip_hash_previous': hash_address(
                event.client_ip, salts[event.occurred_at.date() - timedelta(days=1)]
            ),
            'user_agent': event.user_agent[:USER_AGENT_LIMIT],
            'range_header': event.range_header[:RANGE_LIMIT] if event.range_header else None,
            'bytes_served': event.bytes_served,
            'served_from': event.served_from,
            'ended_early': event.ended_early,
            'transfer': event.transfer,
            'method': event.method,
            'status': event.status,
            'from_datacenter': datacenters.is_datacenter(event.client_ip),
        }
        for event in events
    ]
    # An episode deleted while its downloads waited in the spool takes them with it.
    existing = set(
        await session.scalars(
            select(Episode.id).where(Episode.id.in_({row['episode_id'] for row in rows}))
        )
    )
    rows = [row for row in rows if row['episode_id'] in existing]
    if rows:
        await session.execute(insert(DownloadEvent), rows)


async def store_clicks(
    clicks: list[PendingClick], *, spool_progress: SpoolProgress | None = None
) -> None:
    session = db.session()
    await _note_spool_progress(spool_progress)
    if not clicks:
        await session.commit()
        return
    salts = await salts_for({click.occurred_at.date() for click in clicks})
    rows = [
        {
            'short_link_id': click.short_link_id,
            'occurred_at': click.occurred_at,
            'day': click.occurred_at.date(),
            'ip_hash': hash_address(click.client_ip, salts[click.occurred_at.date()]),
            'user_agent': click.user_agent[:USER_AGENT_LIMIT],
            'referrer': click.referrer[:REFERRER_LIMIT],
        }
        for click in clicks
    ]
    # A link deleted while its clicks waited in the queue takes them with it.
    existing = set(
        await session.scalars(
            select(ShortLink.id).where(ShortLink.id.in_({row['short_link_id'] for row in rows}))
        )
    )
    rows = [row for row in rows if row['short_link_id'] in existing]
    if rows:
        await session.execute(insert(ClickEvent), rows)
    await session.commit()


async def store_impressions(
    impressions: list[PendingImpression], *, spool_progress: SpoolProgress | None = None
) -> None:
    """Adds the views to each placement's count of the day, in one statement."""
    counts: Counter[tuple[int, date]] = Counter()
    for impression in impressions:
        for placement_id in impression.placement_ids:
            counts[placement_id, impression.occurred_at.date()] += impression.views
    session = db.session()
    await _note_spool_progress(spool_progress)
    if not counts:
        await session.commit()
        return
    # A placement removed while its views waited in the queue takes them with it.
    existing = set(
        await session.scalars(
            select(SponsorPlacement.id).where(
                SponsorPlacement.id.in_({placement_id for placement_id, _ in counts})
            )
        )
    )
    rows = [
        {'placement_id': placement_id, 'day': day, 'impressions': count}
        for (placement_id, day), count in counts.items()
        if placement_id in existing
    ]
    if rows:
        upsert = _upsert(PlacementImpression)
        await session.execute(
            upsert.on_conflict_do_update(
                index_elements=['placement_id', 'day'],
                set_={'impressions': PlacementImpression.impressions + upsert.excluded.impressions},
            ),
            rows,
        )
    await session.commit()


async def spool_progress(segments: Sequence[str]) -> dict[str, int]:
    """The lines the database has of each of these spool segments; a segment it has none
    of is not in the result."""
    rows = await db.session().execute(
        select(SpooledSegment.name, SpooledSegment.stored_lines).where(
            SpooledSegment.name.in_(segments)
        )
    )
    return {row.name: row.stored_lines for row in rows}


async def _note_spool_progress(progress: SpoolProgress | None) -> None:
    """In the transaction of the batch it describes; the caller commits."""
    if progress is None:
        return
    session = db.session()
    if progress.finished:
        await session.execute(
            delete(SpooledSegment).where(SpooledSegment.name.in_(progress.finished))
        )
    if progress.stored:
        upsert = _upsert(SpooledSegment)
        await session.execute(
            upsert.on_conflict_do_update(
                index_elements=['name'],
                set_={
                    'stored_lines': upsert.excluded.stored_lines,
                    'updated_at': upsert.excluded.updated_at,
                },
            ),
            [
                {'name': name, 'stored_lines': lines, 'updated_at': utc_now()}
                for name, lines in progress.stored.items()
            ],
        )


async def forget_old_salts(today: date) -> int:
    """Deletes the salts before yesterday: the hashes made with them can no longer be
    matched to any address."""
    session = db.session()
    result = await session.execute(
        delete(AnalyticsSalt).where(AnalyticsSalt.day < today - timedelta(days=1))
    )
    await session.commit()
    return result.rowcount  # type: ignore[attr-defined, no-any-return]


def _upsert(table: type[Base]) -> postgresql.Insert | sqlite.Insert:
    """INSERT ... ON CONFLICT, which each dialect spells with its own construct."""
    dialect = db.session().get_bind().dialect.name
    return (postgresql.insert if dialect == 'postgresql' else sqlite.insert)(table)
