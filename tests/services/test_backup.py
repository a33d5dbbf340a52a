"""Backup (SQLite online backup API) and restore give back the same database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from anquan_desk.cli import main as cli_main
from anquan_desk.core.db import Database, open_database
from anquan_desk.core.models import Township


def dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, sorted: a content fingerprint of the database."""
    conn = sqlite3.connect(str(path))
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}
    finally:
        conn.close()


def test_backup_while_open_and_restore_into_new_file(demo_db: Database, tmp_path: Path) -> None:
    assert demo_db.path is not None
    out = tmp_path / "backup" / "b.db"
    # The database is open (a reader holds a connection) while the backup runs.
    with demo_db.reader() as session:
        session.get(Township, "nothing")
        assert cli_main(["backup", "--db", str(demo_db.path), "--out", str(out)]) == 0
    restored = tmp_path / "restored" / "r.db"
    assert cli_main(["restore", str(out), "--db", str(restored)]) == 0
    original = dump(demo_db.path)
    copy = dump(restored)
    assert original["places"] and original["hazards"] and original["audit_log"]
    assert copy == original
    again = open_database(restored)
    with again.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    again.dispose()


def test_restore_keeps_the_replaced_database(demo_db_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "b.db"
    assert cli_main(["backup", "--db", str(demo_db_path), "--out", str(out)]) == 0
    target = tmp_path / "live.db"
    fresh = open_database(target)
    with fresh.session("t") as session:
        session.add(Township(name="将被替换的乡镇"))
    fresh.dispose()
    assert cli_main(["restore", str(out), "--db", str(target)]) == 0
    kept = list(tmp_path.glob("live.before-restore-*.db"))
    assert len(kept) == 1
    assert any("将被替换的乡镇" in str(row) for row in dump(kept[0])["townships"])
    assert dump(target) == dump(demo_db_path)


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bogus = tmp_path / "x.db"
    bogus.write_bytes(b"this is not a database at all")
    target = tmp_path / "t.db"
    assert cli_main(["restore", str(bogus), "--db", str(target)]) == 1
    assert "不是本程序的数据库文件" in capsys.readouterr().err
    assert not target.exists()
