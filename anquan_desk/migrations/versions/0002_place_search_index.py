"""place search index: compact haystack table + SQLite FTS5 trigram index

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 19:50:00

SQLite only (other databases search ``places.search_text`` with LIKE and get nothing here):

* ``place_search`` holds one row per place: a stable INTEGER PRIMARY KEY (VACUUM keeps it, unlike
  an implicit rowid), the place id and its ``search_text`` followed by two U+001F separators, so
  that every 1- or 2-character substring starts some trigram. Triggers on ``places`` keep it
  current, so bulk inserts that bypass the ORM are covered too.
* ``place_search_fts`` is an external-content FTS5 table with the trigram tokenizer over
  ``place_search.haystack``, kept current by triggers on ``place_search`` (the FTS5 manual's
  recipe for external content tables).
* ``place_search_vocab`` (fts5vocab, 'row') lists the index's trigrams: a 1–2 character query
  becomes an OR of the trigrams that start with it.

The DDL is written out here (not imported) so this revision never changes after release.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE = (
    """CREATE TABLE place_search (
        id INTEGER NOT NULL,
        place_id VARCHAR(36) NOT NULL,
        haystack TEXT NOT NULL,
        CONSTRAINT pk_place_search PRIMARY KEY (id)
    )""",
    "CREATE UNIQUE INDEX ix_place_search_place_id ON place_search (place_id)",
    """CREATE VIRTUAL TABLE place_search_fts USING fts5(
        haystack, content='place_search', content_rowid='id', tokenize='trigram', columnsize=0
    )""",
    "CREATE VIRTUAL TABLE place_search_vocab USING fts5vocab(place_search_fts, 'row')",
    """CREATE TRIGGER place_search_ai AFTER INSERT ON place_search BEGIN
        INSERT INTO place_search_fts(rowid, haystack) VALUES (new.id, new.haystack);
    END""",
    """CREATE TRIGGER place_search_ad AFTER DELETE ON place_search BEGIN
        INSERT INTO place_search_fts(place_search_fts, rowid, haystack) VALUES ('delete', old.id, old.haystack);
    END""",
    """CREATE TRIGGER place_search_au AFTER UPDATE ON place_search BEGIN
        INSERT INTO place_search_fts(place_search_fts, rowid, haystack) VALUES ('delete', old.id, old.haystack);
        INSERT INTO place_search_fts(rowid, haystack) VALUES (new.id, new.haystack);
    END""",
    """CREATE TRIGGER places_search_ai AFTER INSERT ON places BEGIN
        INSERT INTO place_search(place_id, haystack) VALUES (new.id, new.search_text || char(31, 31));
    END""",
    """CREATE TRIGGER places_search_au AFTER UPDATE OF id, search_text ON places BEGIN
        UPDATE place_search SET place_id = new.id, haystack = new.search_text || char(31, 31)
        WHERE place_id = old.id;
    END""",
    """CREATE TRIGGER places_search_ad AFTER DELETE ON places BEGIN
        DELETE FROM place_search WHERE place_id = old.id;
    END""",
    "INSERT INTO place_search(place_id, haystack) SELECT id, search_text || char(31, 31) FROM places ORDER BY rowid",
)

DOWNGRADE = (
    "DROP TRIGGER IF EXISTS places_search_ad",
    "DROP TRIGGER IF EXISTS places_search_au",
    "DROP TRIGGER IF EXISTS places_search_ai",
    "DROP TRIGGER IF EXISTS place_search_au",
    "DROP TRIGGER IF EXISTS place_search_ad",
    "DROP TRIGGER IF EXISTS place_search_ai",
    "DROP TABLE IF EXISTS place_search_vocab",
    "DROP TABLE IF EXISTS place_search_fts",
    "DROP TABLE IF EXISTS place_search",
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in DOWNGRADE:
        op.execute(statement)
