"""Full-text search over episodes, guests and transcripts: FTS5 on SQLite, tsvector on
PostgreSQL, one result shape on both."""

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, bindparam, func, select, text

from podsite.data import Episode, Guest, SearchDocument
from podsite.data.base import UTCDateTime
from podsite.infrastructure import clock, db
from podsite.schemas.search import EpisodeHit, GuestHit, SearchResults
from podsite.services.catalogue.search_query import ParsedQuery
from podsite.services.catalogue.search_snippets import snippet_html

# How many best-ranked rows (episode texts, transcript passages, guests) are grouped.
CANDIDATE_ROWS = 200

SQLITE_SEARCH = text(
    """
    SELECT d.id, d.kind, d.episode_id, d.guest_id, d.start_seconds
    FROM (
        -- Ranked inside FTS5 alone, where ORDER BY rank LIMIT has a fast path.
        SELECT rowid, rank FROM search_fts WHERE search_fts MATCH :match
        ORDER BY rank LIMIT :limit
    ) AS best
    JOIN search_document AS d ON d.id = best.rowid
    LEFT JOIN episode AS e ON e.id = d.episode_id
    WHERE d.episode_id IS NULL OR (e.is_published AND e.published_at <= :now)
    ORDER BY best.rank
    """
).bindparams(bindparam('now', type_=UTCDateTime()))
# Each term is unaccented first, then quoted as one tsquery lexeme (quotes and backslashes
# doubled), so whatever unaccent makes of a letter stays text: quoted, `'a:x'` is the words
# `a` and `x`, and a phrase `'type hints'` is `type <-> hints`. A term unaccent empties is
# left out, as `''` is the one quoted lexeme to_tsquery refuses.
POSTGRESQL_SEARCH = text(
    r"""
    SELECT d.id, d.kind, d.episode_id, d.guest_id, d.start_seconds
    FROM search_document AS d
    LEFT JOIN episode AS e ON e.id = d.episode_id,
         to_tsquery('english', coalesce((
             SELECT string_agg(
                 '''' || replace(replace(unaccented, '\', '\\'), '''', '''''') || ''''
                     || CASE WHEN term.prefix THEN ':*' ELSE '' END,
                 ' & ' ORDER BY term.position)
             FROM unnest(CAST(:terms AS text[]), CAST(:prefixes AS boolean[]))
                      WITH ORDINALITY AS term (words, prefix, position),
                  podsite_unaccent(term.words) AS unaccented
             WHERE unaccented <> ''
         ), '')) AS query
    WHERE d.search_vector @@ query
      AND (d.episode_id IS NULL OR (e.is_published AND e.published_at <= :now))
    ORDER BY ts_rank(d.search_vector, query) DESC, d.id
    LIMIT :limit
    """
).bindparams(bindparam('now', type_=UTCDateTime()))


@dataclass
class _Hit:
    document_id: int
    episode_id: int | None
    guest_id: int | None
    start_seconds: float | None


async def search(query: ParsedQuery, *, page: int = 1, per_page: int = 10) -> SearchResults:
    if query.is_empty:
        return SearchResults(query=query.text, notices=query.notices)
    session = db.session()
    postgres = session.get_bind().dialect.name == 'postgresql'
    if postgres:
        terms, prefixes = query.tsquery_terms()
        match: dict[str, object] = {'terms': terms, 'prefixes': prefixes}
    else:
        match = {'match': query.fts5()}
    rows = await session.execute(
        POSTGRESQL_SEARCH if postgres else SQLITE_SEARCH,
        {**match, 'now': clock.now(), 'limit': CANDIDATE_ROWS},
    )
    episodes: dict[int, _Hit] = {}
    guests: dict[int, _Hit] = {}
    for row in rows:
        hit = _Hit(row.id, row.episode_id, row.guest_id, row.start_seconds)
        if row.episode_id is not None:
            episodes.setdefault(row.episode_id, hit)
        elif row.guest_id is not None:
            guests.setdefault(row.guest_id, hit)
    pages = math.ceil(len(episodes) / per_page)
    page = min(max(page, 1), max(pages, 1))
    shown = list(episodes.values())[(page - 1) * per_page : page * per_page]
    shown_guests = list(guests.values())[:per_page] if page == 1 else []
    details = await _details([*shown, *shown_guests])
    return SearchResults(
        query=query.text,
        notices=query.notices,
        episodes=tuple(
            EpisodeHit(
                number=details[hit.document_id].number,
                slug=details[hit.document_id].slug,
                title=details[hit.document_id].episode_title,
                published_at=details[hit.document_id].published_at,
                snippet_html=snippet_html(details[hit.document_id].text, query),
                transcript_seconds=hit.start_seconds,
            )
            for hit in shown
        ),
        guests=tuple(
            GuestHit(
                name=details[hit.document_id].name,
                slug=details[hit.document_id].guest_slug,
                photo_url=details[hit.document_id].photo_url,
                snippet_html=snippet_html(details[hit.document_id].text, query),
            )
            for hit in shown_guests
        ),
        total_episodes=len(episodes),
        page=page,
        pages=pages,
    )


async def _details(hits: list[_Hit]) -> dict[int, Row[Any]]:
    """The text of each hit's document with its episode or guest, in one query."""
    if not hits:
        return {}
    query = (
        select(
            SearchDocument.id,
            func.coalesce(func.nullif(SearchDocument.body, ''), SearchDocument.title).label('text'),
            Episode.number,
            Episode.slug,
            Episode.title.label('episode_title'),
            Episode.published_at,
            Guest.name,
            Guest.slug.label('guest_slug'),
            Guest.photo_url,
        )
        .outerjoin(Episode, Episode.id == SearchDocument.episode_id)
        .outerjoin(Guest, Guest.id == SearchDocument.guest_id)
        .where(SearchDocument.id.in_([hit.document_id for hit in hits]))
    )
    return {row.id: row for row in await db.session().execute(query)}
