"""places.name_key: lists sort names by pinyin

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 22:30:00

Adds ``places.name_key`` (see ``anquan_desk.core.collation``), fills it for the places already
there and indexes it with the id, the place list's order. The key function is the program's own:
should it ever change, a later revision must fill the column again.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from anquan_desk.core.collation import name_sort_key

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("places", sa.Column("name_key", sa.Text(), server_default="", nullable=False))
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, name FROM places")).all()
    if rows:
        conn.execute(
            sa.text("UPDATE places SET name_key = :key WHERE id = :id"),
            [{"key": name_sort_key(name), "id": place_id} for place_id, name in rows],
        )
    op.create_index("ix_places_name_key", "places", ["name_key", "id"])


def downgrade() -> None:
    op.drop_index("ix_places_name_key", table_name="places")
    op.drop_column("places", "name_key")  # SQLite 3.35+: no table rebuild, the triggers stay
