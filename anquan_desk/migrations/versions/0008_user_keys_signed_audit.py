"""Signing keys of the users and signed audit entries

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 09:00:00

* ``user_keys``: each user's Ed25519 key, the public half in hex and the private half sealed under
  the password (argon2id salt and limits beside it); ``retired_at`` once a password reset replaced it.
* ``audit_log``: ``key_id`` (the signer's ``user_keys`` row) and ``signature`` (hex Ed25519 of the
  entry's hash). Entries written before this revision stay unsigned: no key existed yet, so
  ``audit verify`` accepts them (see :func:`anquan_desk.core.audit.verify_chain`). Users of an
  older database get their key at their next login.

Both new ``audit_log`` columns are nullable: a plain ``ADD COLUMN`` on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import anquan_desk.core.clock

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "user_keys",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("sealed_key", sa.LargeBinary(), nullable=False),
        sa.Column("kdf_salt", sa.LargeBinary(), nullable=False),
        sa.Column("kdf_opslimit", sa.Integer(), nullable=False),
        sa.Column("kdf_memlimit", sa.Integer(), nullable=False),
        sa.Column("retired_at", anquan_desk.core.clock.UTCDateTime(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", anquan_desk.core.clock.UTCDateTime(), nullable=False),
        sa.Column("updated_at", anquan_desk.core.clock.UTCDateTime(), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_user_keys_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_keys")),
    )
    op.create_index(op.f("ix_user_keys_user_id"), "user_keys", ["user_id"])
    with op.batch_alter_table("audit_log") as batch_op:
        batch_op.add_column(sa.Column("key_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("signature", sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch_op:
        batch_op.drop_column("signature")
        batch_op.drop_column("key_id")
    op.drop_index(op.f("ix_user_keys_user_id"), table_name="user_keys")
    op.drop_table("user_keys")
