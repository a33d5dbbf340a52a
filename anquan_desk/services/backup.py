"""Backup and restore of a SQLite database and its attachment store (a database on the township's
server: ``anquan_desk.services.server_backup``, with ``pg_dump``/``pg_restore``).

The database is copied with SQLite's online backup API, so a backup taken while the program
runs is consistent. Attachments are content-addressed files, copied into a folder beside the
backup (``<backup>-attachments``); unchanged files are not copied twice.

Nothing half-done is left under a real name when the process is killed: every file is written
under a partial name (``.~<name>~<pid>-<host>-<rand>.part``) and renamed when complete, and the
order makes each step safe to interrupt —

* backup: the database is copied to a partial file, the attachments it may refer to are copied,
  then the partial file is renamed to the backup name (a backup that exists is complete);
* restore: the backup's attachments are copied into the store, the backup is copied to a partial
  file beside the database, the live database is checkpointed (its WAL folded in) and kept aside,
  then the copy is renamed over it: the database is either the old one or the restored one.

Before writing, a pending-writes note in the data folder's temp area names the folders where
partial files will be (:func:`~anquan_desk.services.housekeeping.pending_writes`), so the next
start removes what a killed backup or restore left. Backups, their attachment folders and files
are readable by the user only (0600 files, 0700 folders).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from anquan_desk.core.db import (
    PRIVATE_DIR,
    backup_sqlite,
    check_sqlite_file,
    copy_sqlite,
    create_private_file,
    integrity_ok,
    partial_path_for,
    remove_sqlite_files,
    resolve_db_url,
    sqlite_path,
)
from anquan_desk.core.errors import DatabaseError, UserInputError
from anquan_desk.services import server_backup
from anquan_desk.services.desk import Desk
from anquan_desk.services.housekeeping import pending_writes


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


def _private_dir(path: Path) -> None:
    if not path.is_dir():
        path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)


def _copy_private(source: Path, dest: Path) -> None:
    """Copy one file to ``dest`` through a partial file created 0600, renamed when complete."""
    tmp = partial_path_for(dest)
    try:
        create_private_file(tmp)
        with source.open("rb") as src, tmp.open("r+b") as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def _copy_tree(source: Path, target: Path) -> int:
    """Copy the files of ``source`` missing under ``target`` (0700 folders, 0600 files); returns how
    many files ``source`` holds. Partial files (a name starting with ``.~``) are not copied."""
    copied = 0
    if not source.is_dir():
        return 0
    _private_dir(target)
    for file in sorted(source.rglob("*")):
        if file.is_file() and not file.name.startswith(".~") and not file.name.endswith(".part"):
            dest = target / file.relative_to(source)
            if not dest.exists():
                _private_dir(dest.parent)
                _copy_private(file, dest)
            copied += 1
    return copied


def backup(db: str | os.PathLike[str] | None, out: Path) -> BackupResult:
    """Copy the database named by ``db`` (file, URL, ``$ANQUAN_DB`` or the default) to ``out``,
    with its attachments beside it."""
    url = resolve_db_url(db)
    source = sqlite_path(url)
    if source is None:
        dumped = server_backup.dump(url, out)
        return BackupResult(dumped.path, dumped.size_bytes, dumped.attachments)
    if not source.exists():
        raise UserInputError(f"数据库文件“{source}”不存在。")
    check_sqlite_file(source)
    out = out.expanduser().resolve()
    if out == source:
        raise UserInputError("备份文件不能与数据库文件相同。")
    out.parent.mkdir(parents=True, exist_ok=True)
    store = _attachments_of(source)  # = Database(url).attachments_dir
    copies = _backup_attachments_dir(out)
    with pending_writes(source.parent, [out.parent], [copies]):
        tmp = partial_path_for(out)
        try:
            copy_sqlite(source, tmp)
            # Attachments are stored before the rows naming them are committed: whatever the copy
            # refers to is in the store by now.
            count = _copy_tree(store, copies)
            os.replace(tmp, out)
        except BaseException:
            remove_sqlite_files(tmp)
            raise
    return BackupResult(out, out.stat().st_size, count)


def restore(backup_file: Path, db: str | os.PathLike[str] | None) -> RestoreResult:
    """Replace the database named by ``db`` with ``backup_file``; the old file is kept aside."""
    backup_file = backup_file.expanduser().resolve()
    url = resolve_db_url(db)
    target = sqlite_path(url)
    if target is None:
        dumped = server_backup.restore(backup_file, url)
        return RestoreResult(dumped.path, dumped.previous)
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
    _private_dir(target.parent)
    store = _attachments_of(target)
    with pending_writes(target.parent, [target.parent], [store]):
        # Attachments first: the store only gains files, and the restored rows find theirs.
        _copy_tree(_backup_attachments_dir(backup_file), store)
        tmp = partial_path_for(target)
        try:
            copy_sqlite(backup_file, tmp)
            previous = None
            if target.exists() and target.stat().st_size > 0:
                _checkpoint(target)
                stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
                previous = target.with_name(f"{target.stem}.before-restore-{stamp}{target.suffix}")
                backup_sqlite(target, previous)
            # The WAL was folded into the file: what is left of it belongs to no one.
            for suffix in ("-wal", "-shm"):
                side = target.with_name(target.name + suffix)
                if side.exists():
                    side.unlink()
            os.replace(tmp, target)
        except BaseException:
            remove_sqlite_files(tmp)
            raise
    return RestoreResult(target, previous)


def _checkpoint(path: Path) -> None:
    """Fold the WAL of the database at ``path`` into the file itself (and truncate the WAL)."""
    conn = sqlite3.connect(str(path))
    try:
        conn.execute("PRAGMA busy_timeout=10000")
        row = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        conn.close()
    if row is not None and row[0]:
        raise DatabaseError(f"数据库“{path}”正在被使用，无法恢复；请先关闭本程序的其他窗口后再试。")


def backup_desk(desk: Desk, out: Path) -> BackupResult:
    """Back up the desk's database: the SQLite file with its attachments, or the server's database
    (attachments included) with ``pg_dump``."""
    return backup(desk.db.url, out)
