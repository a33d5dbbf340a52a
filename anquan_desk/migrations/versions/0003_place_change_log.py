"""place change log replaces the FTS5 search index

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 21:30:00

SQLite only. Search as you type now runs over an in-memory copy of the places' haystacks (see
``anquan_desk.core.search``): at 50,000 places a Python substring scan answers any query in
5–12 ms, where the FTS5 trigram index spent 10–17 ms finding a few thousand hits and the page
then had to sort them. The copy is kept current from a change log:

* ``place_changes``: (seq AUTOINCREMENT, place id), one row appended by triggers on ``places``
  for every insert, delete and change of id, name or search text — in the writer's transaction,
  so bulk SQL and other processes are covered too;
* a pruning trigger keeps the last 1,000–1,999 entries (a copy older than that reloads).

The FTS5 tables (``place_search``, ``place_search_fts``, ``place_search_vocab``: a third of the
file at 50,000 places) and their triggers are dropped. ``downgrade`` rebuilds them.

The DDL is written out here (not imported) so this revision never changes after release.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DROP_FTS = (
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

CREATE_LOG = (
    """CREATE TABLE place_changes (
        seq INTEGER NOT NULL CONSTRAINT pk_place_changes PRIMARY KEY AUTOINCREMENT,
        place_id VARCHAR(36) NOT NULL
    )""",
    """CREATE TRIGGER places_changes_ai AFTER INSERT ON places BEGIN
        INSERT INTO place_changes(place_id) VALUES (new.id);
    END""",
    """CREATE TRIGGER places_changes_au AFTER UPDATE OF id, name, search_text ON places BEGIN
        INSERT INTO place_changes(place_id) VALUES (old.id);
        INSERT INTO place_changes(place_id) SELECT new.id WHERE new.id != old.id;
    END""",
    """CREATE TRIGGER places_changes_ad AFTER DELETE ON places BEGIN
        INSERT INTO place_changes(place_id) VALUES (old.id);
    END""",
    """CREATE TRIGGER place_changes_prune AFTER INSERT ON place_changes WHEN new.seq % 1000 = 0 BEGIN
        DELETE FROM place_changes WHERE seq <= new.seq - 1000;
    END""",
)

DROP_LOG = (
    "DROP TRIGGER IF EXISTS place_changes_prune",
    "DROP TRIGGER IF EXISTS places_changes_ad",
    "DROP TRIGGER IF EXISTS places_changes_au",
    "DROP TRIGGER IF EXISTS places_changes_ai",
    "DROP TABLE IF EXISTS place_changes",
)

# Revision 0002's objects, for downgrade.
CREATE_FTS = (
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


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in DROP_FTS + CREATE_LOG:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in DROP_LOG + CREATE_FTS:
        op.execute(statement)
