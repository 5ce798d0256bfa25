"""search documents

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 03:33:36.545252
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'search_document',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('episode_id', sa.Integer(), nullable=True),
        sa.Column('guest_id', sa.Integer(), nullable=True),
        sa.Column('start_seconds', sa.Double(), nullable=True),
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ['episode_id'],
            ['episode.id'],
            name=op.f('fk_search_document_episode_id_episode'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['guest_id'],
            ['guest.id'],
            name=op.f('fk_search_document_guest_id_guest'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_document')),
    )
    with op.batch_alter_table('search_document', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_search_document_episode_id'), ['episode_id'], unique=False
        )
        batch_op.create_index(batch_op.f('ix_search_document_guest_id'), ['guest_id'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        for statement in POSTGRESQL_UPGRADE:
            op.execute(statement)
    else:
        for statement in SQLITE_UPGRADE:
            op.execute(statement)
    # Rows that existed before search did.
    for statement in BACKFILL:
        op.execute(statement)


def downgrade() -> None:
    for statement in (
        POSTGRESQL_DOWNGRADE if op.get_bind().dialect.name == 'postgresql' else (SQLITE_DOWNGRADE)
    ):
        op.execute(statement)
    with op.batch_alter_table('search_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_document_guest_id'))
        batch_op.drop_index(batch_op.f('ix_search_document_episode_id'))

    op.drop_table('search_document')


EPISODE_BODY_SQLITE = 'new.subtitle || char(10) || new.summary || char(10) || new.show_notes'
EPISODE_BODY_POSTGRESQL = "concat_ws(E'\\n', NEW.subtitle, NEW.summary, NEW.show_notes)"

BACKFILL = [
    "INSERT INTO search_document (kind, episode_id, title, body) SELECT 'episode', id, title, "
    "subtitle || ' ' || summary || ' ' || show_notes FROM episode",
    "INSERT INTO search_document (kind, guest_id, title, body) SELECT 'guest', id, name, bio "
    'FROM guest',
    # Rewriting each transcript runs its trigger, which splits it into passages.
    'UPDATE transcript SET text = text',
]

# Transcripts are indexed in passages of a few cues: a hit still links to within a
# minute of where it was said, with a fifth of the rows to rank.
CUES_PER_PASSAGE = 5

SQLITE_TRANSCRIPT_ROWS = f"""
    INSERT INTO search_document (kind, episode_id, start_seconds, title, body)
        SELECT 'passage', new.episode_id, min(json_extract(value, '$.start')), '',
               group_concat(json_extract(value, '$.text'), ' ')
        FROM (SELECT key, value FROM json_each(new.cues) ORDER BY key)
        WHERE new.cues IS NOT NULL
        GROUP BY key / {CUES_PER_PASSAGE};
    INSERT INTO search_document (kind, episode_id, title, body)
        SELECT 'transcript', new.episode_id, '', new.text WHERE new.cues IS NULL;
"""

SQLITE_UPGRADE = [
    # Porter stemming, like PostgreSQL's english configuration: "developers" finds "develop".
    "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, content='search_document', "
    "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    # A match in a title (an episode's, a guest's name) weighs ten times one in a body.
    "INSERT INTO search_fts (search_fts, rank) VALUES ('rank', 'bm25(10.0, 1.0)')",
    'CREATE TRIGGER search_fts_insert AFTER INSERT ON search_document BEGIN '
    'INSERT INTO search_fts (rowid, title, body) VALUES (new.id, new.title, new.body); END',
    'CREATE TRIGGER search_fts_delete AFTER DELETE ON search_document BEGIN '
    "INSERT INTO search_fts (search_fts, rowid, title, body) VALUES ('delete', old.id, "
    'old.title, old.body); END',
    'CREATE TRIGGER search_fts_update AFTER UPDATE ON search_document BEGIN '
    "INSERT INTO search_fts (search_fts, rowid, title, body) VALUES ('delete', old.id, "
    'old.title, old.body); '
    'INSERT INTO search_fts (rowid, title, body) VALUES (new.id, new.title, new.body); END',
    'CREATE TRIGGER search_episode_insert AFTER INSERT ON episode BEGIN '
    'INSERT INTO search_document (kind, episode_id, title, body) '
    f"VALUES ('episode', new.id, new.title, {EPISODE_BODY_SQLITE}); END",
    'CREATE TRIGGER search_episode_update AFTER UPDATE OF title, subtitle, summary, show_notes '
    f'ON episode BEGIN UPDATE search_document SET title = new.title, body = {EPISODE_BODY_SQLITE} '
    "WHERE kind = 'episode' AND episode_id = new.id; END",
    'CREATE TRIGGER search_guest_insert AFTER INSERT ON guest BEGIN '
    "INSERT INTO search_document (kind, guest_id, title, body) VALUES ('guest', new.id, "
    'new.name, new.bio); END',
    'CREATE TRIGGER search_guest_update AFTER UPDATE OF name, bio ON guest BEGIN '
    'UPDATE search_document SET title = new.name, body = new.bio '
    "WHERE kind = 'guest' AND guest_id = new.id; END",
    'CREATE TRIGGER search_transcript_insert AFTER INSERT ON transcript '
    f'BEGIN {SQLITE_TRANSCRIPT_ROWS} END',
    'CREATE TRIGGER search_transcript_update AFTER UPDATE OF text, cues ON transcript BEGIN '
    "DELETE FROM search_document WHERE episode_id = old.episode_id AND kind IN ('passage', "
    f"'transcript'); {SQLITE_TRANSCRIPT_ROWS} END",
    'CREATE TRIGGER search_transcript_delete AFTER DELETE ON transcript BEGIN '
    "DELETE FROM search_document WHERE episode_id = old.episode_id AND kind IN ('passage', "
    "'transcript'); END",
]

SQLITE_DOWNGRADE = [
    *(
        f'DROP TRIGGER {name}'
        for name in (
            'search_transcript_delete',
            'search_transcript_update',
            'search_transcript_insert',
            'search_guest_update',
            'search_guest_insert',
            'search_episode_update',
            'search_episode_insert',
            'search_fts_update',
            'search_fts_delete',
            'search_fts_insert',
        )
    ),
    'DROP TABLE search_fts',
]

POSTGRESQL_UPGRADE = [
    'CREATE EXTENSION IF NOT EXISTS unaccent',
    # unaccent() is only STABLE; a generated column needs an IMMUTABLE function.
    'CREATE FUNCTION podsite_unaccent(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE '
    "STRICT AS $$ SELECT public.unaccent('public.unaccent', $1) $$",
    'ALTER TABLE search_document ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ('
    "setweight(to_tsvector('english', podsite_unaccent(title)), 'A') || "
    "setweight(to_tsvector('english', podsite_unaccent(body)), 'B')) STORED",
    'CREATE INDEX ix_search_document_vector ON search_document USING GIN (search_vector)',
    'CREATE FUNCTION search_sync_episode() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN '
    "IF TG_OP = 'INSERT' THEN INSERT INTO search_document (kind, episode_id, title, body) "
    f"VALUES ('episode', NEW.id, NEW.title, {EPISODE_BODY_POSTGRESQL}); "
    f'ELSE UPDATE search_document SET title = NEW.title, body = {EPISODE_BODY_POSTGRESQL} '
    "WHERE kind = 'episode' AND episode_id = NEW.id; END IF; RETURN NULL; END $$",
    'CREATE TRIGGER search_episode AFTER INSERT OR UPDATE OF title, subtitle, summary, '
    'show_notes ON episode FOR EACH ROW EXECUTE FUNCTION search_sync_episode()',
    'CREATE FUNCTION search_sync_guest() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN '
    "IF TG_OP = 'INSERT' THEN INSERT INTO search_document (kind, guest_id, title, body) "
    "VALUES ('guest', NEW.id, NEW.name, NEW.bio); "
    'ELSE UPDATE search_document SET title = NEW.name, body = NEW.bio '
    "WHERE kind = 'guest' AND guest_id = NEW.id; END IF; RETURN NULL; END $$",
    'CREATE TRIGGER search_guest AFTER INSERT OR UPDATE OF name, bio ON guest '
    'FOR EACH ROW EXECUTE FUNCTION search_sync_guest()',
    'CREATE FUNCTION search_sync_transcript() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN '
    "IF TG_OP IN ('UPDATE', 'DELETE') THEN DELETE FROM search_document "
    "WHERE episode_id = OLD.episode_id AND kind IN ('passage', 'transcript'); END IF; "
    "IF TG_OP IN ('INSERT', 'UPDATE') THEN "
    "IF NEW.cues IS NOT NULL AND json_typeof(NEW.cues) = 'array' THEN "
    'INSERT INTO search_document (kind, episode_id, start_seconds, title, body) '
    "SELECT 'passage', NEW.episode_id, min((cue->>'start')::double precision), '', "
    "string_agg(coalesce(cue->>'text', ''), ' ' ORDER BY position) "
    'FROM json_array_elements(NEW.cues) WITH ORDINALITY AS cues (cue, position) '
    f'GROUP BY (position - 1) / {CUES_PER_PASSAGE}; '
    'ELSE INSERT INTO search_document (kind, episode_id, title, body) '
    "VALUES ('transcript', NEW.episode_id, '', NEW.text); END IF; END IF; "
    'RETURN NULL; END $$',
    'CREATE TRIGGER search_transcript AFTER INSERT OR UPDATE OF text, cues OR DELETE '
    'ON transcript FOR EACH ROW EXECUTE FUNCTION search_sync_transcript()',
]

POSTGRESQL_DOWNGRADE = [
    'DROP TRIGGER search_transcript ON transcript',
    'DROP TRIGGER search_guest ON guest',
    'DROP TRIGGER search_episode ON episode',
    'DROP FUNCTION search_sync_transcript()',
    'DROP FUNCTION search_sync_guest()',
    'DROP FUNCTION search_sync_episode()',
    'DROP INDEX ix_search_document_vector',
    'ALTER TABLE search_document DROP COLUMN search_vector',
    'DROP FUNCTION podsite_unaccent(text)',
]
