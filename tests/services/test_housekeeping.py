"""Start-up housekeeping: what a killed process of ours left is removed, nothing else is touched."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from anquan_desk.core.db import host_tag, open_database, partial_path_for, process_tag
from anquan_desk.services import housekeeping
from anquan_desk.services.desk import open_desk
from anquan_desk.services.housekeeping import (
    STALE_SECONDS,
    TEMP_AREA,
    clean_leftovers,
    filesystem_now,
    pending_writes,
    pid_running,
    temp_area,
    write_file,
)


@pytest.fixture(scope="module")
def gone_pid() -> int:
    """The pid of a process that has ended (and was reaped)."""
    out = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                         check=True)
    pid = int(out.stdout)
    assert not pid_running(pid)
    return pid


def _tag(pid: int, host: str | None = None) -> str:
    return f"{pid}-{host or host_tag()}-a1b2c3"


def _age(path: Path, seconds: float) -> None:
    # By the clock that stamps files there (the program measures ages by it), not the computer's:
    # the two differ under libfaketime and on a folder of a server.
    then = filesystem_now(path.parent) - seconds
    os.utime(path, (then, then), follow_symlinks=False)


def test_pid_running() -> None:
    assert pid_running(os.getpid())
    assert not pid_running(0) and not pid_running(-5)


def test_leftovers_of_a_gone_process_are_removed_and_nothing_else(tmp_path: Path, gone_pid: int) -> None:
    data = tmp_path / "data"
    area = temp_area(data)
    out = tmp_path / "导出"
    out.mkdir()
    tree = tmp_path / "备份" / "b.db-attachments"
    (tree / "ab").mkdir(parents=True)
    dead = _tag(gone_pid)
    mine = _tag(os.getpid())
    # What the killed process left: a scratch folder with XlsxWriter's row file, its note, partial
    # files beside its targets (a ledger, a photo folder, a backup with its SQLite journal), one
    # deep in an attachments folder being copied, one in the data folder.
    (area / f"scratch~{dead}").mkdir()
    (area / f"scratch~{dead}" / "tmpk2j3h4").write_text("row data")
    (area / f"pending~{dead}.json").write_text(json.dumps({"folders": [str(out)], "trees": [str(tree)]}))
    left = [
        out / f".~台账.xlsx~{dead}.part",
        out / f".~台账-照片~{dead}.part",
        out / f".~b.db~{dead}.part",
        out / f".~b.db~{dead}.part-journal",
        tree / "ab" / f".~abcd.jpg~{dead}.part",
        data / f".~anquan.db~{dead}.part",
    ]
    for path in left:
        if "照片" in path.name:
            path.mkdir()
            (path / "YH-1-1.jpg").write_bytes(b"jpg")
        else:
            path.write_bytes(b"partial")
    # What must stay: a running process's work (this one), user files that only look similar, a
    # partial file in a folder no note points to.
    kept = [
        area / f"scratch~{mine}",
        out / f".~台账.xlsx~{mine}.part",
        out / ".~lock.台账.xlsx#",  # LibreOffice's lock file
        out / "~$台账.xlsx",  # Excel's owner file
        out / "台账.part",
        out / f"台账~{dead}.part",  # no leading ".~"
        out / "台账.xlsx",
        tree / "ab" / ("a" * 64 + ".jpg"),
    ]
    for path in kept:
        if path.name.startswith("scratch"):
            path.mkdir()
        else:
            path.write_bytes(b"keep")
    stray = tmp_path / "elsewhere"
    stray.mkdir()
    (stray / f".~x.xlsx~{dead}.part").write_bytes(b"partial")

    report = clean_leftovers(data, system_temp=False)

    assert sorted(report.removed) == sorted([*left, area / f"scratch~{dead}", area / f"pending~{dead}.json"])
    assert report.failed == []
    assert all(not p.exists() for p in left)
    assert all(p.exists() for p in kept)
    assert (stray / f".~x.xlsx~{dead}.part").exists()  # unknown to the data folder
    assert clean_leftovers(data, system_temp=False).removed == []  # nothing left to do


def test_another_computer_s_work_waits_a_day(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    other = data / f".~anquan.db~{_tag(12345, 'f00f00' if host_tag() != 'f00f00' else 'f00f01')}.part"
    other.write_bytes(b"partial")
    assert clean_leftovers(data, system_temp=False).removed == []
    _age(other, STALE_SECONDS + 60)
    assert clean_leftovers(data, system_temp=False).removed == [other]


def test_a_running_pid_is_trusted_for_a_day_only(tmp_path: Path) -> None:
    """A pid can be reused after a restart: a day-old partial file goes whatever the pid says."""
    data = tmp_path / "data"
    data.mkdir()
    partial = partial_path_for(data / "anquan.db")
    partial.write_bytes(b"partial")
    assert clean_leftovers(data, system_temp=False).removed == []
    _age(partial, STALE_SECONDS + 60)
    assert clean_leftovers(data, system_temp=False).removed == [partial]


def test_pending_note_lives_as_long_as_the_block(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with pending_writes(data, [tmp_path / "out"], [tmp_path / "tree"]) as area:
        [note] = list(area.iterdir())
        assert note.name.startswith(f"pending~{process_tag()}-") and note.suffix == ".json"
        assert json.loads(note.read_text(encoding="utf-8")) == {
            "folders": [str(tmp_path / "out")], "trees": [str(tmp_path / "tree")],
        }
        # Our own note is not touched by a start of another desk in this process.
        assert clean_leftovers(data, system_temp=False).removed == []
    assert list(area.iterdir()) == []
    with pytest.raises(RuntimeError), pending_writes(data, [tmp_path]):
        raise RuntimeError("export failed")
    assert list(area.iterdir()) == []
    assert (area.stat().st_mode & 0o777) == 0o700


def test_attachment_store_parts(tmp_path: Path, gone_pid: int) -> None:
    store = tmp_path / "anquan-attachments"
    (store / "ab").mkdir(parents=True)
    fresh = store / "ab" / ("ab" + "0" * 62 + ".jpg.part")
    old = store / "ab" / ("ab" + "1" * 62 + ".jpg.part")
    gone = store / "ab" / ("ab" + "2" * 62 + f".jpg.{gone_pid}.part")
    gone_fresh = store / "ab" / ("ab" + "3" * 62 + f".jpg.{gone_pid}.part")
    running = store / "ab" / ("ab" + "4" * 62 + f".png.{os.getpid()}.part")
    photo = store / "ab" / ("ab" + "5" * 62 + ".jpg")
    for path in (fresh, old, gone, gone_fresh, running, photo):
        path.write_bytes(b"x")
    _age(old, housekeeping.STORE_PART_SECONDS + 10)
    _age(gone, housekeeping.STORE_PART_DEAD_SECONDS + 10)
    _age(running, housekeeping.STORE_PART_DEAD_SECONDS + 10)
    report = clean_leftovers(tmp_path, attachments=store, system_temp=False)
    assert sorted(report.removed) == sorted([old, gone])
    assert all(p.exists() for p in (fresh, gone_fresh, running, photo))
    # The store is looked through once an hour, not at every start.
    _age(fresh, housekeeping.STORE_PART_SECONDS + 10)
    assert clean_leftovers(tmp_path, attachments=store, system_temp=False).removed == []
    _age(tmp_path / TEMP_AREA / housekeeping.STORE_CHECKED, housekeeping.STORE_CHECK_SECONDS + 10)
    assert clean_leftovers(tmp_path, attachments=store, system_temp=False).removed == [fresh]


def test_old_versions_scratch_in_the_system_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    system = tmp_path / "tmp"
    system.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system))
    old = system / "anquan-ledger-abc123"
    old.mkdir()
    (old / "tmpXYZ").write_text("row data")
    young = system / "anquan-ledger-def456"
    young.mkdir()
    other = system / "someone-else"
    other.mkdir()
    for path in (old, other):
        _age(path, 2 * housekeeping.STORE_PART_SECONDS)
    data = tmp_path / "data"
    data.mkdir()
    assert clean_leftovers(data).removed == [old]
    assert young.exists() and other.exists()


def test_opening_a_desk_cleans_up(tmp_path: Path, gone_pid: int) -> None:
    db_path = tmp_path / "data" / "anquan.db"
    open_database(db_path).dispose()
    area = temp_area(db_path.parent)
    out = tmp_path / "out"
    out.mkdir()
    dead = _tag(gone_pid)
    (area / f"pending~{dead}.json").write_text(json.dumps({"folders": [str(out)], "trees": []}))
    (out / f".~台账.xlsx~{dead}.part").write_bytes(b"half")
    (area / f"scratch~{dead}").mkdir()
    desk = open_desk(db_path)
    desk.close()
    assert list(out.iterdir()) == [] and list(area.iterdir()) == []
    assert (db_path.parent / TEMP_AREA).is_dir()


def test_housekeeping_never_stops_the_opening(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_a: object, **_k: object) -> None:
        raise PermissionError("read-only share")

    monkeypatch.setattr("anquan_desk.services.desk.clean_leftovers", broken)
    desk = open_desk(tmp_path / "anquan.db")
    try:
        assert desk.file_path == tmp_path / "anquan.db"
    finally:
        desk.close()


def test_write_file_replaces_the_target_whole_or_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    out = tmp_path / "out" / "记录.pdf"
    write_file(out, b"%PDF-1 first", data_dir=data, private=True)
    assert out.read_bytes() == b"%PDF-1 first" and (out.stat().st_mode & 0o777) == 0o600
    assert [p.name for p in out.parent.iterdir()] == ["记录.pdf"]
    assert list((data / TEMP_AREA).iterdir()) == []

    def disk_full(_fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(housekeeping.os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space"):
        write_file(out, b"%PDF-1 second, cut short", data_dir=data)
    assert out.read_bytes() == b"%PDF-1 first"
    assert [p.name for p in out.parent.iterdir()] == ["记录.pdf"]
    assert list((data / TEMP_AREA).iterdir()) == []
