"""Backup (SQLite online backup API) and restore give back the same database."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest
from PIL import Image

from anquan_desk.cli import main as cli_main
from anquan_desk.core.attachments import AttachmentStore, prepare_photo, save_attachment
from anquan_desk.core.db import Database, create_private_file, open_database
from anquan_desk.core.models import Township
from anquan_desk.services import backup as backup_module
from anquan_desk.services.backup import _attachments_of, backup, restore
from anquan_desk.services.housekeeping import TEMP_AREA


def dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, sorted: a content fingerprint of the database."""
    conn = sqlite3.connect(str(path))
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}
    finally:
        conn.close()


@pytest.mark.sqlite_only("SQLite's online backup of the database file (the server's: tests/core/test_postgresql.py)")
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


# --- nothing half-done, private files ---------------------------------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _with_photo(db_path: Path, tmp_path: Path) -> Path:
    """Store one photo with the database; returns the stored file."""
    database = open_database(db_path)
    store = AttachmentStore(database.attachments_dir)
    source = tmp_path / "photo.jpg"
    Image.new("RGB", (120, 90), (10, 160, 60)).save(source)
    with database.session("t") as s:
        stored = prepare_photo(source)
        save_attachment(s, store, stored, source.name)
    database.dispose()
    return store.path_for(stored.sha256, stored.mime)


def test_backup_files_are_private_and_complete(demo_db_path: Path, tmp_path: Path) -> None:
    stored = _with_photo(demo_db_path, tmp_path)
    (stored.parent / (stored.name + ".4242.part")).write_bytes(b"half a photo")  # the store's own partial
    previous = os.umask(0o022)
    try:
        result = backup(demo_db_path, tmp_path / "backups" / "b.db")
    finally:
        os.umask(previous)
    out = result.path
    copies = out.with_name("b.db-attachments")
    assert result.attachments == 1
    assert sorted(p.name for p in out.parent.iterdir()) == ["b.db", "b.db-attachments"]
    copied = copies / stored.parent.name / stored.name
    assert copied.read_bytes() == stored.read_bytes()
    assert [p.name for p in copied.parent.iterdir()] == [stored.name]  # no partial copied, none left
    assert _mode(out) == 0o600 and _mode(copied) == 0o600
    assert _mode(copies) == 0o700 and _mode(copied.parent) == 0o700
    assert dump(out) == dump(demo_db_path)
    # No pending note stays behind in the data folder's temp area.
    assert list((demo_db_path.parent / TEMP_AREA).iterdir()) == []


def test_a_failed_backup_leaves_no_file(demo_db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _with_photo(demo_db_path, tmp_path)

    def broken(source: Path, dest: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backup_module, "_copy_private", broken)
    out = tmp_path / "backups" / "b.db"
    with pytest.raises(OSError, match="No space"):
        backup(demo_db_path, out)
    assert sorted(p.name for p in out.parent.iterdir()) == ["b.db-attachments"]  # an empty folder only
    assert list((out.parent / "b.db-attachments").rglob("*.*")) == []
    assert list((demo_db_path.parent / TEMP_AREA).iterdir()) == []


def test_restore_keeps_what_only_the_wal_held_and_is_private(demo_db_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "b.db"
    stored = _with_photo(demo_db_path, tmp_path)
    backup(demo_db_path, out)
    source = tmp_path / "running" / "anquan.db"
    live = open_database(source)
    with live.session("t") as session:
        session.add(Township(name="只在WAL里的乡镇"))
    # The files as a killed program leaves them: the row is in the -wal file only.
    target = tmp_path / "live" / "anquan.db"
    target.parent.mkdir()
    holder = sqlite3.connect(str(source))
    holder.execute("SELECT count(*) FROM townships").fetchone()
    for suffix in ("", "-wal"):
        shutil.copyfile(str(source) + suffix, str(target) + suffix)
    holder.close()
    live.dispose()
    main_file_only = tmp_path / "main-only.db"
    shutil.copyfile(target, main_file_only)
    assert not any("只在WAL里的乡镇" in str(row) for row in dump(main_file_only).get("townships", []))
    previous_umask = os.umask(0o022)
    try:
        result = restore(out, target)
    finally:
        os.umask(previous_umask)
    assert result.previous is not None
    assert any("只在WAL里的乡镇" in str(row) for row in dump(result.previous)["townships"])
    assert dump(target) == dump(demo_db_path)
    assert _mode(target) == 0o600 and _mode(result.previous) == 0o600
    restored_photo = _attachments_of(target) / stored.parent.name / stored.name
    assert restored_photo.read_bytes() == stored.read_bytes() and _mode(restored_photo) == 0o600
    names = sorted(p.name for p in target.parent.iterdir())
    assert names == sorted([".anquan-tmp", "anquan-attachments", "anquan.db", result.previous.name])


def test_a_failed_restore_leaves_the_database_as_it_was(
    demo_db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "b.db"
    backup(demo_db_path, out)
    target = tmp_path / "live" / "anquan.db"
    live = open_database(target)
    with live.session("t") as session:
        session.add(Township(name="原来的乡镇"))
    live.dispose()
    before = dump(target)

    def broken(source: Path, dest: Path) -> None:
        create_private_file(dest)
        dest.write_bytes(b"SQLite format 3\x00 half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backup_module, "copy_sqlite", broken)
    with pytest.raises(OSError, match="No space"):
        restore(out, target)
    assert dump(target) == before
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".~")]
