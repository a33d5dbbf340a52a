"""PostgreSQL: a collation key without NUL, and the place change log on the server

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 16:10:00

``audit_log.entity_id`` is widened from 36 to 200 characters (a composite key such as
``<place id>/<sector>`` is longer than a UUID; SQLite never checked, PostgreSQL does).

The documents' type CHECK takes the 挂牌督办通知书, 隐患移交抄告函 and 送达回证 (issue 14).

``attachment_blobs`` (sha256 → bytes) holds the photos and signatures of a database on the
township's server, so that every laptop reads them (``ServerAttachmentStore``); empty on SQLite.

PostgreSQL text cannot hold U+0000, which the key of revision 0004 used between the pinyin and the
name. The key now uses U+0002 between syllables and U+0001 before the name (the same order; see
``anquan_desk.core.collation``) and is filled again for every place. On PostgreSQL the column is
compared byte by byte (``COLLATE "C"``): a locale collation ignores control characters and would
not sort by the key at all.

On PostgreSQL this revision also creates what revision 0003 made on SQLite only: ``place_changes``,
the log that keeps every computer's in-memory search copy current (``anquan_desk.core.search``),
appended by triggers on ``places``. With several writers a sequence would not do: numbers are taken
in one order and committed in another (a reader that had seen 11 before 10 was committed would
never look back at 10), and a rolled-back transaction leaves a gap that looks like pruning. So the
trigger first takes the server's transaction-scoped write lock (``pg_advisory_xact_lock``, the lock
the audit chain appends under: ``anquan_desk.core.locks.WRITE_LOCK``) and numbers the entry
``max(seq) + 1``: entries are numbered in commit order, without gaps, as SQLite's are.
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

OLD_DOC_TYPES = ("现场检查记录", "安全隐患整改通知书", "责令限期整改指令书", "整改复查意见书", "照片附页")
NEW_DOC_TYPES = (*OLD_DOC_TYPES, "挂牌督办通知书", "隐患移交抄告函", "送达回证")
#: ``anquan_desk.core.locks.WRITE_LOCK`` as it was when this revision was written.
_WRITE_LOCK = 0x616E7175

POSTGRESQL_LOG = (
    """CREATE TABLE place_changes (
        seq INTEGER NOT NULL CONSTRAINT pk_place_changes PRIMARY KEY,
        place_id VARCHAR(36) NOT NULL
    )""",
    f"""CREATE FUNCTION anquan_place_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_advisory_xact_lock({_WRITE_LOCK});
        IF TG_OP = 'INSERT' THEN
            INSERT INTO place_changes(seq, place_id) SELECT coalesce(max(seq), 0) + 1, NEW.id FROM place_changes;
        ELSE
            INSERT INTO place_changes(seq, place_id) SELECT coalesce(max(seq), 0) + 1, OLD.id FROM place_changes;
            IF TG_OP = 'UPDATE' AND NEW.id <> OLD.id THEN
                INSERT INTO place_changes(seq, place_id) SELECT coalesce(max(seq), 0) + 1, NEW.id FROM place_changes;
            END IF;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION anquan_place_changes_prune() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.seq % 1000 = 0 THEN
            DELETE FROM place_changes WHERE seq <= NEW.seq - 1000;
        END IF;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER places_changes_ai AFTER INSERT ON places FOR EACH ROW EXECUTE FUNCTION anquan_place_changed()",
    "CREATE TRIGGER places_changes_au AFTER UPDATE OF id, name, search_text ON places FOR EACH ROW"
    " EXECUTE FUNCTION anquan_place_changed()",
    "CREATE TRIGGER places_changes_ad AFTER DELETE ON places FOR EACH ROW EXECUTE FUNCTION anquan_place_changed()",
    "CREATE TRIGGER place_changes_prune AFTER INSERT ON place_changes FOR EACH ROW"
    " EXECUTE FUNCTION anquan_place_changes_prune()",
)

POSTGRESQL_DROP_LOG = (
    "DROP TRIGGER IF EXISTS place_changes_prune ON place_changes",
    "DROP TRIGGER IF EXISTS places_changes_ad ON places",
    "DROP TRIGGER IF EXISTS places_changes_au ON places",
    "DROP TRIGGER IF EXISTS places_changes_ai ON places",
    "DROP FUNCTION IF EXISTS anquan_place_changes_prune()",
    "DROP FUNCTION IF EXISTS anquan_place_changed()",
    "DROP TABLE IF EXISTS place_changes",
)


def upgrade() -> None:
    conn = op.get_bind()
    _replace_check("documents", "ck_documents_doc_type", _doc_type_check(OLD_DOC_TYPES), _doc_type_check(NEW_DOC_TYPES))
    op.create_table(
        "attachment_blobs",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_attachment_blobs")),
    )
    # A composite key ("<place id>/<sector>") is longer than a UUID: SQLite never checked the length.
    with op.batch_alter_table("audit_log") as batch:
        batch.alter_column("entity_id", type_=sa.String(200), existing_type=sa.String(36), existing_nullable=False)
    if conn.dialect.name == "postgresql":
        op.execute('ALTER TABLE places ALTER COLUMN name_key TYPE text COLLATE "C"')
        for statement in POSTGRESQL_LOG:
            op.execute(statement)
    _refill(conn)


def downgrade() -> None:
    # The old key held U+0000: only SQLite can take it back.
    conn = op.get_bind()
    if conn.execute(sa.text("SELECT count(*) FROM documents WHERE doc_type IN ('挂牌督办通知书', '隐患移交抄告函', '送达回证')")).scalar():
        raise RuntimeError("documents of the types added by 0007 exist: they cannot be kept by revision 0006")
    _replace_check("documents", "ck_documents_doc_type", _doc_type_check(NEW_DOC_TYPES), _doc_type_check(OLD_DOC_TYPES))
    with op.batch_alter_table("audit_log") as batch:
        batch.alter_column("entity_id", type_=sa.String(36), existing_type=sa.String(200), existing_nullable=False)
    if conn.dialect.name == "postgresql":
        for statement in POSTGRESQL_DROP_LOG:
            op.execute(statement)
        op.execute('ALTER TABLE places ALTER COLUMN name_key TYPE text COLLATE "default"')
        op.drop_table("attachment_blobs")
        return
    rows = conn.execute(sa.text("SELECT id, name FROM places")).all()
    for start in range(0, len(rows), _BATCH):
        conn.execute(
            sa.text("UPDATE places SET name_key = :key WHERE id = :id"),
            [{"key": _old_key(name), "id": place_id} for place_id, name in rows[start : start + _BATCH]],
        )
    op.drop_table("attachment_blobs")


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


def _doc_type_check(types: Sequence[str]) -> str:
    return "doc_type IN ({})".format(", ".join(f"'{t}'" for t in types))


def _replace_check(table: str, name: str, old: str, new: str) -> None:
    """Replace a CHECK constraint. SQLite cannot alter one, and rebuilding ``documents`` is not possible
    while other tables' foreign keys point at it (revision 0005's way: the constraint's text is
    replaced in the schema, which SQLite documents as safe when the constraint only gets looser — the
    downgrade first checks no row needs the looser one)."""
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        op.drop_constraint(op.f(name), table, type_="check")
        op.create_check_constraint(op.f(name), table, new)
        return
    sql = conn.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :t"), {"t": table}).scalar()
    if not isinstance(sql, str) or old not in sql:
        raise RuntimeError(f"{table} table definition not as expected: {sql!r}")
    version = int(conn.execute(sa.text("PRAGMA schema_version")).scalar() or 0)
    conn.execute(sa.text("PRAGMA writable_schema = ON"))
    try:
        conn.execute(
            sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = :t"),
            {"sql": sql.replace(old, new), "t": table},
        )
        conn.execute(sa.text(f"PRAGMA schema_version = {version + 1}"))
    finally:
        conn.execute(sa.text("PRAGMA writable_schema = OFF"))
    problem = conn.execute(sa.text("PRAGMA quick_check")).scalar()
    if problem != "ok":
        raise RuntimeError(f"schema change left the database damaged: {problem}")
