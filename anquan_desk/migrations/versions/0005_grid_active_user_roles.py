"""grids.active, users.work_no, and the 网格员 role

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 10:00:00

* ``grids.active``: a retired grid keeps its row and history (true for every grid there is).
* ``users.work_no``: the 工作证号 of people without a 执法证 (grid workers).
* ``ck_users_role`` also allows 网格员.

SQLite cannot alter a CHECK constraint, and rebuilding ``users`` is not possible while foreign keys
are on (the rows of ``grid_members`` and ``inspection_participants`` would lose their user the
moment the old table is dropped). The constraint only gets looser, which SQLite's documentation
allows to be done by rewriting the table's definition in ``sqlite_schema`` inside the transaction
("Making other kinds of table schema changes", the simpler procedure): every row there already
satisfies the new constraint, and the stored data does not change.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_ROLES = ("管理员", "检查员", "只读")
NEW_ROLES = ("管理员", "检查员", "网格员", "只读")


def _check(roles: Sequence[str]) -> str:
    return "role IN ({})".format(", ".join(f"'{r}'" for r in roles))


def upgrade() -> None:
    op.add_column("grids", sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column("users", sa.Column("work_no", sa.String(length=40), server_default="", nullable=False))
    _replace_role_check(OLD_ROLES, NEW_ROLES)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.execute(sa.text("SELECT count(*) FROM users WHERE role = '网格员'")).scalar():
        raise RuntimeError("users with the role 网格员 exist: give them another role before downgrading")
    _replace_role_check(NEW_ROLES, OLD_ROLES)
    op.drop_column("users", "work_no")
    op.drop_column("grids", "active")


def _replace_role_check(old: Sequence[str], new: Sequence[str]) -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_users_role"), "users", type_="check")
        op.create_check_constraint(op.f("ck_users_role"), "users", _check(new))
        return
    sql = conn.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'users'")).scalar()
    if not isinstance(sql, str) or _check(old) not in sql:
        raise RuntimeError(f"users table definition not as expected: {sql!r}")
    version = int(conn.execute(sa.text("PRAGMA schema_version")).scalar() or 0)
    conn.execute(sa.text("PRAGMA writable_schema = ON"))
    try:
        conn.execute(
            sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = 'users'"),
            {"sql": sql.replace(_check(old), _check(new))},
        )
        conn.execute(sa.text(f"PRAGMA schema_version = {version + 1}"))
    finally:
        conn.execute(sa.text("PRAGMA writable_schema = OFF"))
    problem = conn.execute(sa.text("PRAGMA quick_check")).scalar()
    if problem != "ok":
        raise RuntimeError(f"schema change left the database damaged: {problem}")
