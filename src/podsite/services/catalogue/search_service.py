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

# Each episode (or guest) is ranked by its best-matching document, grouped in the database
# over every match so the totals are true and any page can be reached: measured with
# `bench/search.py` (1,000 episodes with full transcripts), see bench/README.md.
# `count(*) OVER ()` is the number of groups, read from the first row of the page. Episodes
# and guests have a statement each: guests' few documents are read through their index,
# not picked out of every passage that matches.
_SQLITE_EPISODES = """
    SELECT d.id, d.start_seconds, min(best.rank) AS score, count(*) OVER () AS total
    FROM (SELECT rowid, rank FROM search_fts WHERE search_fts MATCH :match) AS best
    JOIN search_document AS d ON d.id = best.rowid
    JOIN episode AS e ON e.id = d.episode_id
    WHERE e.is_published AND e.published_at <= :now
    -- SQLite documents that with a single min(), bare columns come from the row holding it:
    -- d.id is the best document of its episode.
    GROUP BY d.episode_id
    ORDER BY score, d.episode_id
    LIMIT :limit OFFSET :offset
"""
_SQLITE_GUESTS = """
    SELECT d.id, d.start_seconds, min(search_fts.rank) AS score, count(*) OVER () AS total
    FROM search_document AS d
    JOIN search_fts ON search_fts.rowid = d.id
    WHERE d.guest_id IS NOT NULL AND search_fts MATCH :match
    GROUP BY d.guest_id
    ORDER BY score, d.guest_id
    LIMIT :limit OFFSET :offset
"""
# Each term is unaccented first, then quoted as one tsquery lexeme (quotes and backslashes
# doubled), so whatever unaccent makes of a letter stays text: quoted, `'a:x'` is the words
# `a` and `x`, and a phrase `'type hints'` is `type <-> hints`. A term unaccent empties is
# left out, as `''` is the one quoted lexeme to_tsquery refuses.
_POSTGRESQL = r"""
    WITH matched AS (
        SELECT d.id, d.{owner} AS owner, d.start_seconds,
               ts_rank(d.search_vector, query) AS score
        FROM search_document AS d
        {join},
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
        WHERE d.search_vector @@ query AND {condition}
    ), best AS (
        SELECT DISTINCT ON (owner) * FROM matched ORDER BY owner, score DESC, id
    )
    SELECT id, start_seconds, score, count(*) OVER () AS total
    FROM best
    ORDER BY score DESC, owner
    LIMIT :limit OFFSET :offset
"""
_POSTGRESQL_EPISODES = _POSTGRESQL.format(
    owner='episode_id',
    join='JOIN episode AS e ON e.id = d.episode_id',
    condition='e.is_published AND e.published_at <= :now',
)
_POSTGRESQL_GUESTS = _POSTGRESQL.format(
    owner='guest_id', join='', condition='d.guest_id IS NOT NULL'
)
# By (on PostgreSQL, of episodes).
STATEMENTS = {
    (False, True): text(_SQLITE_EPISODES).bindparams(bindparam('now', type_=UTCDateTime())),
    (False, False): text(_SQLITE_GUESTS),
    (True, True): text(_POSTGRESQL_EPISODES).bindparams(bindparam('now', type_=UTCDateTime())),
    (True, False): text(_POSTGRESQL_GUESTS),
}


@dataclass
class _Hit:
    document_id: int
    start_seconds: float | None


async def search(query: ParsedQuery, *, page: int = 1, per_page: int = 10) -> SearchResults:
    if query.is_empty:
        return SearchResults(query=query.text, notices=query.notices)
    page = max(page, 1)
    shown, total = await _best(query, episodes=True, offset=(page - 1) * per_page, limit=per_page)
    if page > 1 and not shown:
        # Past the last page (the total comes with a page's rows): the last page instead.
        _, total = await _best(query, episodes=True, offset=0, limit=1)
        page = max(math.ceil(total / per_page), 1)
        shown, total = await _best(
            query, episodes=True, offset=(page - 1) * per_page, limit=per_page
        )
    pages = math.ceil(total / per_page)
    # Guests are listed on the first page; their count is given on every page.
    shown_guests, total_guests = await _best(query, episodes=False, offset=0, limit=per_page)
    if page > 1:
        shown_guests = []
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
        total_episodes=total,
        total_guests=total_guests,
        page=page,
        pages=pages,
    )


async def _best(
    query: ParsedQuery, *, episodes: bool, offset: int, limit: int
) -> tuple[list[_Hit], int]:
    """One page of episodes (or guests), each by its best-ranked document, and how many
    match in all."""
    session = db.session()
    postgres = session.get_bind().dialect.name == 'postgresql'
    if postgres:
        terms, prefixes = query.tsquery_terms()
        match: dict[str, object] = {'terms': terms, 'prefixes': prefixes}
    else:
        match = {'match': query.fts5()}
    if episodes:
        match['now'] = clock.now()
    rows = (
        await session.execute(
            STATEMENTS[postgres, episodes], {**match, 'limit': limit, 'offset': offset}
        )
    ).all()
    hits = [_Hit(row.id, row.start_seconds) for row in rows]
    return hits, rows[0].total if rows else 0


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
