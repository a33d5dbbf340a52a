"""Migration 0006 on a database with data: the hazards keep every value and get the empty 挂牌督办
fields, the 自建房 assessment table appears with its grade check, and the revision downgrades."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from anquan_desk.core.db import Database, open_database
from anquan_desk.migrations import SCHEMA_HEAD

STAMP = "'2026-01-01 00:00:00.000000'"
COMMON = f"{STAMP}, {STAMP}, 'old'"


def _old_database(path: Path) -> None:
    db = Database(f"sqlite:///{path}")
    command.upgrade(db.alembic_config(), "0005")
    with db.engine.begin() as conn:
        for sql in (
            "INSERT INTO places (id, created_at, updated_at, author, name, address, responsible_person,"
            " responsible_title, phone, densely_populated, mixed_residence, risk_color, status, route_order, notes,"
            f" search_text, name_key) VALUES ('p1', {COMMON}, '王家自建房', '', '王建国', '', '', 0, 0, '蓝', '在营',"
            " 0, '', '', '')",
            "INSERT INTO inspections (id, created_at, updated_at, author, place_id, method, started_at, status,"
            " accompanying_person, location, findings, signer_name, signature_refused, refusal_reason,"
            f" refusal_witness) VALUES ('i1', {COMMON}, 'p1', '四不两直', {STAMP}, '已完成', '', '', '', '', 0, '', '')",
            "INSERT INTO hazards (id, created_at, updated_at, author, inspection_id, place_id, seq, code, sector,"
            " description, location, grade, basis, requirement, deadline, status, rectifier, fl_responsibility,"
            " fl_measures, fl_funds, fl_plan, supervised, notes) VALUES ('h1', "
            f"{COMMON}, 'i1', 'p1', 1, 'YH1', '自建房', '承重墙开裂', '一层', '重大', '', '', '2026-02-01', '整改中',"
            " '王建国', '', '', '5万元', '', 1, '旧备注')",
        ):
            conn.execute(sa.text(sql))
    db.dispose()


def _columns(conn: sa.Connection, table: str) -> dict[str, tuple[int, object]]:
    return {row[1]: (row[3], row[4]) for row in conn.execute(sa.text(f"PRAGMA table_info({table})"))}


def test_upgrade_adds_the_supervision_fields_and_keeps_the_hazard(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _old_database(path)
    db = open_database(path)  # migrates
    try:
        assert db.current_revision() == SCHEMA_HEAD
        with db.engine.connect() as conn:
            row = conn.execute(sa.text(
                "SELECT code, fl_funds, supervised, notes, listed_on, supervision_no, supervising_unit,"
                " treatment_plan, funds_yuan, accepted_on, acceptance FROM hazards"
            )).one()
            assert tuple(row) == ("YH1", "5万元", 1, "旧备注", None, "", "", "", None, None, "")
            columns = _columns(conn, "hazards")
            assert columns["supervision_no"][0] == 1 and columns["listed_on"][0] == 0
            assert set(_columns(conn, "house_assessments")) >= {
                "place_id", "inspection_id", "assessed_on", "preliminary_class", "appraisal_grade", "appraisal_agency"
            }
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO house_assessments (id, created_at, updated_at, author, place_id, inspection_id,"
                f" assessed_on, preliminary_class, appraisal_grade, appraisal_agency, notes) VALUES ('a1', {COMMON},"
                " 'p1', 'i1', '2026-01-01', '存在一定安全隐患', 'C', '某鉴定公司', '')"
            ))
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO house_assessments (id, created_at, updated_at, author, place_id, inspection_id,"
                f" assessed_on, preliminary_class, appraisal_grade, appraisal_agency, notes) VALUES ('a2', {COMMON},"
                " 'p1', NULL, '2026-01-01', '', 'E', '', '')"
            ))
    finally:
        db.dispose()
    conn3 = sqlite3.connect(path)
    try:
        assert conn3.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn3.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn3.close()


def test_downgrade_removes_them_and_keeps_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _old_database(path)
    db = open_database(path)
    try:
        with db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE hazards SET listed_on = '2026-01-05', supervision_no = '红安办督〔2026〕1号'"))
        command.downgrade(db.alembic_config(), "0005")
        assert db.current_revision() == "0005"
        with db.engine.connect() as conn:
            assert "listed_on" not in _columns(conn, "hazards")
            assert conn.execute(sa.text("SELECT code, supervised, fl_funds FROM hazards")).one() == ("YH1", 1, "5万元")
            tables = {r[0] for r in conn.execute(sa.text("SELECT name FROM sqlite_master WHERE type = 'table'"))}
            assert "house_assessments" not in tables
        command.upgrade(db.alembic_config(), "head")
        assert db.current_revision() == SCHEMA_HEAD
    finally:
        db.dispose()
