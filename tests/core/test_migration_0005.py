"""Migration 0005 on a database with data: grids.active and users.work_no appear, the 网格员 role is
allowed, rows that refer to users keep them, and the file stays sound (and downgrades)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from anquan_desk.core.db import Database, open_database
from anquan_desk.migrations import SCHEMA_HEAD

STAMP = "'2026-01-01 00:00:00.000000'"


def _old_database(path: Path) -> None:
    db = Database(f"sqlite:///{path}")
    command.upgrade(db.alembic_config(), "0004")
    common = f"{STAMP}, {STAMP}, 'old'"
    with db.engine.begin() as conn:
        for sql in (
            "INSERT INTO users (id, created_at, updated_at, author, username, name, cert_no, role, phone, password_hash,"
            f" active) VALUES ('u1', {common}, 'admin', '周建国', '3201', '管理员', '', 'x', 1)",
            "INSERT INTO townships (id, created_at, updated_at, author, name, region_short, issuer,"
            f" enforcement_authorised, number_formats, settings) VALUES ('t1', {common}, '白沙镇', '', '', 0, '{{}}', '{{}}')",
            "INSERT INTO villages (id, created_at, updated_at, author, township_id, name, kind, sort_order)"
            f" VALUES ('v1', {common}, 't1', '红光村', '村', 0)",
            "INSERT INTO grids (id, created_at, updated_at, author, village_id, name, sort_order)"
            f" VALUES ('g1', {common}, 'v1', '红光一网格', 0)",
            "INSERT INTO grid_members (id, created_at, updated_at, author, grid_id, name, role, phone, user_id)"
            f" VALUES ('m1', {common}, 'g1', '周建国', '网格长', '', 'u1')",
        ):
            conn.execute(sa.text(sql))
    db.dispose()


def _insert_user(db: Database, user_id: str, role: str) -> None:
    with db.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO users (id, created_at, updated_at, author, username, name, cert_no, role, phone, password_hash,"
            f" active) VALUES (:id, {STAMP}, {STAMP}, 'x', :id, :id, '', :role, '', 'x', 1)"), {"id": user_id, "role": role})


def test_upgrade_keeps_the_data_and_allows_the_grid_worker(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _old_database(path)
    db = open_database(path)  # migrates
    try:
        assert db.current_revision() == SCHEMA_HEAD  # 0005 and every later revision
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT id, active FROM grids")).all() == [("g1", 1)]
            assert conn.execute(sa.text("SELECT username, role, work_no FROM users")).all() == [("admin", "管理员", "")]
            assert conn.execute(sa.text("SELECT user_id FROM grid_members")).scalar() == "u1"
        _insert_user(db, "u2", "网格员")
        with pytest.raises(sa.exc.IntegrityError):
            _insert_user(db, "u3", "组长")
    finally:
        db.dispose()
    conn3 = sqlite3.connect(path)
    try:
        assert conn3.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn3.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn3.close()


def test_downgrade_is_refused_while_a_grid_worker_exists_then_works(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    db = open_database(path)
    try:
        _insert_user(db, "u1", "网格员")
        with pytest.raises(RuntimeError, match="网格员"):
            command.downgrade(db.alembic_config(), "0004")
        with db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE users SET role = '检查员'"))
        command.downgrade(db.alembic_config(), "0004")
        assert db.current_revision() == "0004"
        with pytest.raises(sa.exc.IntegrityError):
            _insert_user(db, "u2", "网格员")
    finally:
        db.dispose()
