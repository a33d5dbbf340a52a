"""Backup and restore of a SQLite database and its attachment store.

The database is copied with SQLite's online backup API, so a backup taken while the program
runs is consistent. Attachments are content-addressed files, copied into a folder beside the
backup (``<backup>-attachments``); unchanged files are not copied twice.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from anquan_desk.core.db import (
    Database,
    backup_sqlite,
    check_sqlite_file,
    integrity_ok,
    resolve_db_url,
    sqlite_path,
)
from anquan_desk.core.errors import DatabaseError, UserInputError
from anquan_desk.services.desk import Desk


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size_bytes: int
    attachments: int


@dataclass(frozen=True)
class RestoreResult:
    path: Path
    previous: Path | None


def _attachments_of(db_file: Path) -> Path:
    return db_file.parent / f"{db_file.stem}-attachments"


def _backup_attachments_dir(backup_file: Path) -> Path:
    return backup_file.with_name(backup_file.name + "-attachments")


def _copy_tree(source: Path, target: Path) -> int:
    copied = 0
    if not source.is_dir():
        return 0
    for file in source.rglob("*"):
        if file.is_file():
            dest = target / file.relative_to(source)
            if not dest.exists():
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(file, dest)
            copied += 1
    return copied


def backup(db: str | os.PathLike[str] | None, out: Path) -> BackupResult:
    """Copy the database named by ``db`` (file, URL, ``$ANQUAN_DB`` or the default) to ``out``,
    with its attachments beside it."""
    url = resolve_db_url(db)
    source = sqlite_path(url)
    if source is None:
        raise UserInputError("服务器数据库请用 PostgreSQL 的备份工具（pg_dump）备份。")
    if not source.exists():
        raise UserInputError(f"数据库文件“{source}”不存在。")
    check_sqlite_file(source)
    out = out.expanduser().resolve()
    if out == source:
        raise UserInputError("备份文件不能与数据库文件相同。")
    backup_sqlite(source, out)
    count = _copy_tree(Database(url).attachments_dir, _backup_attachments_dir(out))
    return BackupResult(out, out.stat().st_size, count)


def restore(backup_file: Path, db: str | os.PathLike[str] | None) -> RestoreResult:
    """Replace the database named by ``db`` with ``backup_file``; the old file is kept aside."""
    backup_file = backup_file.expanduser().resolve()
    target = sqlite_path(resolve_db_url(db))
    if target is None:
        raise UserInputError("只能恢复到本机数据库文件。")
    if not backup_file.is_file():
        raise UserInputError(f"备份文件“{backup_file}”不存在。")
    check_sqlite_file(backup_file)
    if not integrity_ok(backup_file):
        raise DatabaseError(f"备份文件“{backup_file}”已损坏（完整性检查未通过），未做任何改动。")
    conn = sqlite3.connect(str(backup_file))
    try:
        has_schema = conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='alembic_version'"
        ).fetchone()[0]
    finally:
        conn.close()
    if not has_schema:
        raise UserInputError(f"文件“{backup_file}”不是本程序的备份，未做任何改动。")
    previous = None
    if target.exists() and target.stat().st_size > 0:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        previous = target.with_name(f"{target.stem}.before-restore-{stamp}{target.suffix}")
        backup_sqlite(target, previous)
    for suffix in ("-wal", "-shm"):
        side = target.with_name(target.name + suffix)
        if side.exists():
            side.unlink()
    backup_sqlite(backup_file, target)
    _copy_tree(_backup_attachments_dir(backup_file), _attachments_of(target))
    return RestoreResult(target, previous)


def backup_desk(desk: Desk, out: Path) -> BackupResult:
    """Back up the desk's database (SQLite only; a server is backed up by its administrator)."""
    if desk.db.path is None:
        raise UserInputError("服务器数据库请由管理员用 pg_dump 备份。")
    return backup(desk.db.url, out)
