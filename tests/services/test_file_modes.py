"""The data folder, the database with its -wal/-shm and the copies made before a migration are
readable by their user only, whatever the process umask."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from anquan_desk.core.db import backup_sqlite, default_data_dir, open_database
from anquan_desk.core.models import Township
from anquan_desk.services.desk import open_desk


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def _lax_umask() -> Iterator[None]:
    """A umask that lets everyone read: the modes below must not depend on the caller's."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_new_data_folder_and_database_are_private(tmp_path: Path) -> None:
    db_path = tmp_path / "新建" / "数据" / "anquan.db"
    database = open_database(db_path)
    try:
        with database.session("t") as s:
            s.add(Township(name="白沙镇"))
        holder = database.engine.connect()  # keeps the WAL and shared memory files open
        try:
            wal, shm = Path(f"{db_path}-wal"), Path(f"{db_path}-shm")
            assert wal.exists() and shm.exists()
            assert (_mode(db_path), _mode(wal), _mode(shm)) == (0o600, 0o600, 0o600)
        finally:
            holder.close()
    finally:
        database.dispose()
    assert _mode(db_path.parent) == 0o700
    assert _mode(db_path.parent.parent) == 0o755  # a parent made on the way follows the umask


def test_a_folder_the_user_chose_keeps_its_mode_but_the_database_is_tightened(tmp_path: Path) -> None:
    folder = tmp_path / "我的文档"
    folder.mkdir(mode=0o755)
    db_path = folder / "anquan.db"
    open_database(db_path).dispose()
    os.chmod(db_path, 0o644)  # as an older version created it
    desk = open_desk(db_path)
    desk.close()
    assert _mode(folder) == 0o755
    assert _mode(db_path) == 0o600


def test_default_data_folder_is_private() -> None:
    folder = default_data_dir()
    assert folder.is_relative_to(os.environ["XDG_DATA_HOME"])  # the test's own home (conftest)
    desk = open_desk(None)
    try:
        assert desk.file_path == folder / "anquan.db"
        assert _mode(folder) == 0o700 and _mode(folder / "anquan.db") == 0o600
    finally:
        desk.close()
    os.chmod(folder, 0o755)  # left open by an older version: the program's own folder is tightened
    open_desk(None).close()
    assert _mode(folder) == 0o700


def test_database_copies_are_private(tmp_path: Path) -> None:
    source = tmp_path / "a.db"
    open_database(source).dispose()
    target = tmp_path / "copies" / "before-0005.db"
    backup_sqlite(source, target)
    assert _mode(target) == 0o600
    assert sorted(p.name for p in target.parent.iterdir()) == ["before-0005.db"]
