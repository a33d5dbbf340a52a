"""places.name_key without NUL: the collation key PostgreSQL can store

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 16:10:00

PostgreSQL text cannot hold U+0000, which the key of revision 0004 used between the pinyin and the
name. The key now uses U+0002 between syllables and U+0001 before the name (the same order; see
``anquan_desk.core.collation``) and is filled again for every place. On PostgreSQL the column is
compared byte by byte (``COLLATE "C"``): a locale collation ignores control characters and would
not sort by the key at all.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from anquan_desk.core.collation import name_sort_key

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 2000


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        op.execute('ALTER TABLE places ALTER COLUMN name_key TYPE text COLLATE "C"')
    _refill(conn)


def downgrade() -> None:
    # The old key held U+0000: only SQLite can take it back.
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        op.execute('ALTER TABLE places ALTER COLUMN name_key TYPE text COLLATE "default"')
        return
    rows = conn.execute(sa.text("SELECT id, name FROM places")).all()
    for start in range(0, len(rows), _BATCH):
        conn.execute(
            sa.text("UPDATE places SET name_key = :key WHERE id = :id"),
            [{"key": _old_key(name), "id": place_id} for place_id, name in rows[start : start + _BATCH]],
        )


def _refill(conn: sa.Connection) -> None:
    rows = conn.execute(sa.text("SELECT id, name FROM places")).all()
    for start in range(0, len(rows), _BATCH):
        conn.execute(
            sa.text("UPDATE places SET name_key = :key WHERE id = :id"),
            [{"key": name_sort_key(name), "id": place_id} for place_id, name in rows[start : start + _BATCH]],
        )


def _old_key(name: str) -> str:
    syllables, _sep, _name = name_sort_key(name).rpartition("\x01")
    return syllables.replace("\x02", "\x01") + "\x00" + name
