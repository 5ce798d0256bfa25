"""Full-text search over episodes, guests and transcripts: FTS5 on SQLite, tsvector on
PostgreSQL, one result shape on both."""

import html
import math
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import bindparam, select, text

from podsite.data import Episode, Guest
from podsite.data.base import UTCDateTime
from podsite.infrastructure import db
from podsite.schemas.search import EpisodeHit, GuestHit, SearchResults
from podsite.services.search_query import ParsedQuery

# How many best-ranked rows (episode texts, cues, guests) are grouped into results.
CANDIDATE_ROWS = 400
MARK_START, MARK_END = '\u27e6', '\u27e7'

SQLITE_SEARCH = text(
    f"""
    SELECT d.id, d.kind, d.episode_id, d.guest_id, d.start_seconds,
           snippet(search_fts, -1, '{MARK_START}', '{MARK_END}', '…', 24) AS snippet
    FROM search_fts
    JOIN search_document AS d ON d.id = search_fts.rowid
    LEFT JOIN episode AS e ON e.id = d.episode_id
    WHERE search_fts MATCH :match
      AND (d.episode_id IS NULL OR (e.is_published AND e.published_at <= :now))
    ORDER BY rank
    LIMIT :limit
    """  # noqa: S608 (only constants are formatted in; input is bound)
).bindparams(bindparam('now', type_=UTCDateTime()))
POSTGRESQL_SEARCH = text(
    """
    SELECT d.id, d.kind, d.episode_id, d.guest_id, d.start_seconds, '' AS snippet
    FROM search_document AS d
    LEFT JOIN episode AS e ON e.id = d.episode_id,
         to_tsquery('english', podsite_unaccent(:match)) AS query
    WHERE d.search_vector @@ query
      AND (d.episode_id IS NULL OR (e.is_published AND e.published_at <= :now))
    ORDER BY ts_rank_cd(d.search_vector, query) DESC, d.id
    LIMIT :limit
    """
).bindparams(bindparam('now', type_=UTCDateTime()))
POSTGRESQL_HEADLINES = text(
    f"""
    SELECT d.id, ts_headline('english', CASE WHEN d.body = '' THEN d.title ELSE d.body END,
        to_tsquery('english', podsite_unaccent(:match)),
        'StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12, MaxFragments=1')
    FROM search_document AS d WHERE d.id IN :ids
    """  # noqa: S608 (only constants are formatted in; input is bound)
).bindparams(bindparam('ids', expanding=True))


@dataclass
class _Hit:
    document_id: int
    episode_id: int | None
    guest_id: int | None
    start_seconds: float | None
    snippet: str


def marked_html(snippet: str) -> str:
    """Escapes the document text, then turns the match markers into `<mark>`."""
    escaped = html.escape(snippet, quote=False)
    return escaped.replace(MARK_START, '<mark>').replace(MARK_END, '</mark>')


async def search(query: ParsedQuery, *, page: int = 1, per_page: int = 10) -> SearchResults:
    if query.is_empty:
        return SearchResults(query=query.text, notices=query.notices)
    session = db.session()
    postgres = session.get_bind().dialect.name == 'postgresql'
    match = query.tsquery() if postgres else query.fts5()
    rows = await session.execute(
        POSTGRESQL_SEARCH if postgres else SQLITE_SEARCH,
        {'match': match, 'now': datetime.now(UTC), 'limit': CANDIDATE_ROWS},
    )
    episodes: dict[int, _Hit] = {}
    guests: dict[int, _Hit] = {}
    for row in rows:
        hit = _Hit(row.id, row.episode_id, row.guest_id, row.start_seconds, row.snippet)
        if row.episode_id is not None:
            episodes.setdefault(row.episode_id, hit)
        elif row.guest_id is not None:
            guests.setdefault(row.guest_id, hit)
    pages = math.ceil(len(episodes) / per_page)
    page = min(max(page, 1), max(pages, 1))
    shown = list(episodes.values())[(page - 1) * per_page : page * per_page]
    shown_guests = list(guests.values())[:per_page] if page == 1 else []
    if postgres and (shown or shown_guests):
        await _add_headlines(match, [*shown, *shown_guests])
    return SearchResults(
        query=query.text,
        notices=query.notices,
        episodes=tuple(await _episode_hits(shown)),
        guests=tuple(await _guest_hits(shown_guests)),
        total_episodes=len(episodes),
        page=page,
        pages=pages,
    )


async def _add_headlines(match: str, hits: list[_Hit]) -> None:
    """ts_headline is costly, so only the hits on the page get one."""
    rows = await db.session().execute(
        POSTGRESQL_HEADLINES, {'match': match, 'ids': [hit.document_id for hit in hits]}
    )
    headlines = {row[0]: row[1] for row in rows}
    for hit in hits:
        hit.snippet = headlines.get(hit.document_id, '')


async def _episode_hits(hits: list[_Hit]) -> list[EpisodeHit]:
    if not hits:
        return []
    rows = await db.session().execute(
        select(Episode.id, Episode.number, Episode.slug, Episode.title, Episode.published_at).where(
            Episode.id.in_([hit.episode_id for hit in hits])
        )
    )
    episodes = {row.id: row for row in rows}
    return [
        EpisodeHit(
            number=episodes[hit.episode_id].number,
            slug=episodes[hit.episode_id].slug,
            title=episodes[hit.episode_id].title,
            published_at=episodes[hit.episode_id].published_at,
            snippet_html=marked_html(hit.snippet),
            transcript_seconds=hit.start_seconds,
        )
        for hit in hits
        if hit.episode_id in episodes
    ]


async def _guest_hits(hits: list[_Hit]) -> list[GuestHit]:
    if not hits:
        return []
    rows = await db.session().execute(
        select(Guest.id, Guest.name, Guest.slug, Guest.photo_url).where(
            Guest.id.in_([hit.guest_id for hit in hits])
        )
    )
    guests = {row.id: row for row in rows}
    return [
        GuestHit(
            name=guests[hit.guest_id].name,
            slug=guests[hit.guest_id].slug,
            photo_url=guests[hit.guest_id].photo_url,
            snippet_html=marked_html(hit.snippet),
        )
        for hit in hits
        if hit.guest_id in guests
    ]
