"""The audit log records every change and detects any tampering."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from anquan_desk.cli import main as cli_main
from anquan_desk.core.audit import verify_chain
from anquan_desk.core.db import Database
from anquan_desk.core.models import AuditEntry, Place, Township, Village


def _entries(db: Database) -> list[AuditEntry]:
    with db.reader() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def test_every_change_is_recorded_with_actor(db: Database) -> None:
    with db.session("wangfang") as session:
        township = Township(name="红光镇")
        session.add(township)
        session.flush()
        session.add(Village(township_id=township.id, name="东村"))
    with db.session("lihua") as session:
        t = session.scalars(select(Township)).one()
        t.name = "红光镇人民政府"
    with db.session("lihua") as session:
        v = session.scalars(select(Village)).one()
        session.delete(v)

    entries = _entries(db)
    assert [(e.actor, e.action, e.entity) for e in entries] == [
        ("wangfang", "insert", "townships"),
        ("wangfang", "insert", "villages"),
        ("lihua", "update", "townships"),
        ("lihua", "delete", "villages"),
    ]
    change = json.loads(entries[2].payload)
    assert change == {"name": ["红光镇", "红光镇人民政府"]}
    with db.engine.connect() as conn:
        assert verify_chain(conn).ok


def test_rolled_back_work_leaves_no_audit(db: Database) -> None:
    with pytest.raises(RuntimeError), db.session("x") as session:
        session.add(Township(name="作废"))
        session.flush()
        raise RuntimeError("boom")
    assert _entries(db) == []


def test_author_is_stamped(db: Database) -> None:
    with db.session("zhangkun") as session:
        session.add(Township(name="A"))
    with db.reader() as session:
        assert session.scalars(select(Township)).one().author == "zhangkun"


def _sql(path: Path, statement: str) -> None:
    conn = sqlite3.connect(str(path))
    try:
        conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


def test_cli_verify_intact_demo(demo_db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["audit", "verify", "--db", str(demo_db_path)]) == 0
    assert "审计链完整" in capsys.readouterr().out


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET actor = 'mallory' WHERE seq = 3",
        "UPDATE audit_log SET payload = replace(payload, '网格', '网路') WHERE seq = 1",
        "UPDATE audit_log SET at = '2020-01-01 00:00:00.000000' WHERE seq = 2",
    ],
)
def test_cli_verify_detects_update(demo_db_path: Path, statement: str, capsys: pytest.CaptureFixture[str]) -> None:
    _sql(demo_db_path, statement)
    assert cli_main(["audit", "verify", "--db", str(demo_db_path)]) == 1
    err = capsys.readouterr().err
    assert "审计记录" in err and "被改动" in err


def test_cli_verify_detects_deleted_middle_and_tail(demo_db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conn = sqlite3.connect(str(demo_db_path))
    last = conn.execute("SELECT max(seq) FROM audit_log").fetchone()[0]
    conn.close()
    _sql(demo_db_path, f"DELETE FROM audit_log WHERE seq = {last}")
    assert cli_main(["audit", "verify", "--db", str(demo_db_path)]) == 1
    assert f"第 {last} 条" in capsys.readouterr().err
    _sql(demo_db_path, "DELETE FROM audit_log WHERE seq = 5")
    assert cli_main(["audit", "verify", "--db", str(demo_db_path)]) == 1
    assert "第 5 条审计记录缺失" in capsys.readouterr().err


def test_changing_a_place_is_audited_and_chain_stays_valid(demo_db: Database) -> None:
    before = len(_entries(demo_db))
    with demo_db.session("admin") as session:
        place = session.scalars(select(Place).limit(1)).one()
        place.phone = "13900000000"
    entries = _entries(demo_db)
    assert len(entries) == before + 1
    assert entries[-1].action == "update" and entries[-1].entity == "places"
    assert json.loads(entries[-1].payload)["phone"][1] == "13900000000"
    with demo_db.engine.connect() as conn:
        assert verify_chain(conn).ok


def test_large_document_snapshot_is_audited_by_digest(db: Database) -> None:
    import hashlib

    from anquan_desk.core.audit import canonical_json
    from anquan_desk.core.clock import utcnow
    from anquan_desk.core.models import Document

    content = {"photos": ["x" * 50_000], "number": "红安改〔2026〕第001号"}
    with db.session("wang") as session:
        place = Place(name="张记小馆")
        session.add(place)
        session.flush()
        session.add(Document(doc_type="安全隐患整改通知书", number="红安改〔2026〕第001号", short_code="ABCD2345",
                             place_id=place.id, issued_at=utcnow(), content=content, pdf_sha256="0" * 64))
    entry = next(e for e in _entries(db) if e.entity == "documents")
    payload = json.loads(entry.payload)
    expected = hashlib.sha256(canonical_json(content).encode()).hexdigest()
    assert payload["content"] == {"sha256": expected, "size": len(canonical_json(content).encode())}
    assert len(entry.payload) < 2000
    with db.engine.connect() as conn:
        assert verify_chain(conn).ok
