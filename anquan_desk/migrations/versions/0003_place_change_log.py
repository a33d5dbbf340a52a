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

This revision's own DDL is written out here (not imported from the models) so it never changes
after release; the FTS5 objects are revision 0002's, read from that file.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

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


def _revision_0002() -> ModuleType:
    """Revision 0002's module: its DDL is what this revision drops and, downgrading, rebuilds."""
    path = Path(__file__).with_name("0002_place_search_index.py")
    spec = importlib.util.spec_from_file_location("anquan_desk_revision_0002", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in (*_revision_0002().DOWNGRADE, *CREATE_LOG):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in (*DROP_LOG, *_revision_0002().UPGRADE):
        op.execute(statement)
