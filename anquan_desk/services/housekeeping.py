"""Housekeeping at start-up: what a killed export, backup or restore left behind is removed.

Everything the program writes in several steps is first written under a name of one shape and
renamed when complete (``core/db.py`` for database copies, ``io/ledger/_common.py`` for ledgers):

* beside its target: ``.~<name>~<pid>-<host>-<rand>.part`` (plus SQLite's ``-journal``/``-wal``/``-shm``
  of such a file), a file or a folder (a photo folder being filled);
* in the data folder's own temp area ``<data folder>/.anquan-tmp``: scratch folders
  ``scratch~<pid>-<host>-<rand>`` (XlsxWriter's row files, thumbnails) and notes
  ``pending~<pid>-<host>-<rand>.json`` naming the folders outside the data folder where that process
  is writing partial files (:func:`pending_writes`), so that a partial file beside an export or a
  backup anywhere on the disk is found again.

:func:`clean_leftovers` (called by :func:`anquan_desk.services.desk.open_desk`) removes only names
of that shape — never a user's file — and only when the process that wrote them is gone: the pid is
not running on this computer, or the entry is more than a day old (a pid reused after a restart, or
another computer sharing the folder). It also removes the attachment store's own unfinished
``<sha256>.<ext>[.<pid>].part`` files (older than an hour, or two minutes once their pid is gone) and
the ``anquan-ledger-*`` scratch folders older versions left in the system temp folder. The store is
looked through at most once an hour (the time is kept in ``.anquan-tmp/store-checked``): a start
does not read thousands of file names each time.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from anquan_desk.core.db import (
    PRIVATE_DIR,
    create_private_file,
    host_tag,
    make_private_dir,
    partial_path_for,
    process_tag,
)

log = logging.getLogger(__name__)

#: The data folder's own temp area.
TEMP_AREA = ".anquan-tmp"
#: Entries older than this are left-overs whatever their pid says.
STALE_SECONDS = 24 * 3600
#: The attachment store's unfinished files (no pid in their name) are removed after this.
STORE_PART_SECONDS = 3600
#: Scratch folders of older versions in the system temp folder.
OLD_TEMP_PREFIX = "anquan-ledger-"

_TAG = r"~(?P<pid>\d{1,10})-(?P<host>[0-9a-f]{6})-[0-9a-f]{6}"
#: A partial file or folder beside its target.
PARTIAL_NAME = re.compile(r"^\.~.+" + _TAG + r"\.part(?:-journal|-wal|-shm)?$", re.DOTALL)
#: An entry of the temp area: a scratch folder or a pending-writes note.
AREA_NAME = re.compile(r"^(?P<kind>scratch|pending)" + _TAG + r"(?P<ext>\.json(?:\.new)?)?$")
#: The attachment store's own unfinished files: ``<sha256>.<ext>[.<pid>].part``.
_STORE_PART = re.compile(r"^[0-9a-f]{64}\.(?:jpg|png)(?:\.(?P<pid>\d{1,10}))?\.part$")
#: A store file whose writer is gone is removed after this (the store names no computer).
STORE_PART_DEAD_SECONDS = 120
#: The store (thousands of files) is looked through at most this often; the time of the last look
#: is the modification time of this file in the temp area.
STORE_CHECK_SECONDS = 3600
STORE_CHECKED = "store-checked"


@dataclass
class CleanupReport:
    """What :func:`clean_leftovers` removed (paths) and what it could not remove."""

    removed: list[Path] = field(default_factory=list)
    failed: list[Path] = field(default_factory=list)


def temp_area(data_dir: Path) -> Path:
    """``<data_dir>/.anquan-tmp``, created 0700 when missing (a missing data folder too)."""
    area = data_dir / TEMP_AREA
    if not area.is_dir():
        make_private_dir(data_dir)
        area.mkdir(mode=PRIVATE_DIR, exist_ok=True)
    return area


@contextmanager
def pending_writes(data_dir: Path, folders: Iterable[Path], trees: Iterable[Path] = ()) -> Iterator[Path]:
    """Note, before writing, where this process will put partial files; yields the temp area.

    ``folders`` hold partial files directly (the folder of an export or backup target); ``trees``
    anywhere below (an attachments folder being filled). The note is removed when the block ends,
    however it ends; if the process is killed inside the block, the next start's
    :func:`clean_leftovers` finds the note and removes this process's partial files there.
    """
    area = temp_area(data_dir)
    note = area / f"pending~{process_tag()}-{secrets.token_hex(3)}.json"
    body = {
        "folders": sorted({str(Path(f).absolute()) for f in folders}),
        "trees": sorted({str(Path(t).absolute()) for t in trees}),
    }
    partial = note.with_name(note.name + ".new")
    partial.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    os.replace(partial, note)
    try:
        yield area
    finally:
        with contextlib.suppress(FileNotFoundError):
            note.unlink()


def write_file(target: Path, data: bytes, *, data_dir: Path | None = None, private: bool = False) -> None:
    """Write ``data`` to ``target`` through a partial file beside it, renamed when complete: the
    target never holds half a file. With ``data_dir`` a pending-writes note lets the next start
    remove the partial file of a killed process; ``private`` creates it 0600 (else as the umask
    says). For outputs such as a printed document (``doc render``)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        if data_dir is not None:
            stack.enter_context(pending_writes(data_dir, [target.parent]))
        tmp = partial_path_for(target)
        try:
            if private:
                create_private_file(tmp)
            with tmp.open("r+b" if private else "xb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            raise


def pid_running(pid: int) -> bool:
    """Whether a process with this id runs on this computer."""
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        return _windows_pid_running(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    except OSError:
        return False
    return True


def _windows_pid_running(pid: int) -> bool:  # pragma: no cover - Windows only
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined,unused-ignore]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return False
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return False
        return bool(code.value == 259)  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def filesystem_now(folder: Path) -> float:
    """The time by the clock that stamps the files in ``folder``: the modification time of a file
    written there now (removed at once; a partial name, so a kill in between is cleaned up too).

    Ages are measured against this, not the computer's clock: a folder on a server (or a laptop whose
    clock was set back or forward) stamps files by its own clock, and a fresh file must never look a
    day old. Falls back to the computer's clock when the folder cannot be written.
    """
    probe = partial_path_for(folder / "clock")
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError:
        return time.time()
    try:
        return os.fstat(fd).st_mtime
    finally:
        os.close(fd)
        with contextlib.suppress(OSError):
            probe.unlink()


def _age(path: Path, now: float) -> float:
    try:
        return now - path.lstat().st_mtime
    except OSError:
        return 0.0


def _abandoned(pid: str, host: str, path: Path, now: float) -> bool:
    """Whether the process ``pid`` on ``host`` that wrote ``path`` is gone."""
    if _age(path, now) > STALE_SECONDS:
        return True
    if host != host_tag():
        return False  # another computer sharing the folder: only the age tells
    return not pid_running(int(pid))


def _remove(path: Path, report: CleanupReport) -> None:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    except FileNotFoundError:
        return
    except OSError as err:
        log.warning("could not remove the left-over %s: %s", path, err)
        report.failed.append(path)
        return
    report.removed.append(path)


def _entries(folder: Path) -> list[Path]:
    try:
        with os.scandir(folder) as it:
            return [Path(e.path) for e in it]
    except OSError:
        return []


def _clean_partials(folder: Path, report: CleanupReport, now: float, *, tag: tuple[str, str] | None = None) -> None:
    """Remove the abandoned partial files/folders directly in ``folder`` (of process ``tag`` only,
    when given)."""
    for path in _entries(folder):
        match = PARTIAL_NAME.match(path.name)
        if match is None:
            continue
        if tag is not None:
            if (match["pid"], match["host"]) == tag:
                _remove(path, report)
        elif _abandoned(match["pid"], match["host"], path, now):
            _remove(path, report)


def _clean_tree(root: Path, tag: tuple[str, str], report: CleanupReport) -> None:
    """Remove the partial files of process ``tag`` anywhere below ``root``."""
    if not root.is_dir():
        return
    for folder, dirs, files in os.walk(root):
        for name in (*files, *dirs):
            match = PARTIAL_NAME.match(name)
            if match is not None and (match["pid"], match["host"]) == tag:
                _remove(Path(folder) / name, report)
                if name in dirs:
                    dirs.remove(name)


def _finish_note(note: Path, tag: tuple[str, str], report: CleanupReport) -> None:
    """Act on an abandoned pending-writes note: its process's partial files go, then the note."""
    try:
        body = json.loads(note.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        body = {}
    folders = body.get("folders", []) if isinstance(body, dict) else []
    trees = body.get("trees", []) if isinstance(body, dict) else []
    for folder in folders:
        if isinstance(folder, str):
            _clean_partials(Path(folder), report, 0.0, tag=tag)
    for tree in trees:
        if isinstance(tree, str):
            _clean_tree(Path(tree), tag, report)
    _remove(note, report)


def _clean_area(area: Path, report: CleanupReport, now: float) -> None:
    for path in _entries(area):
        match = AREA_NAME.match(path.name)
        if match is None or not _abandoned(match["pid"], match["host"], path, now):
            continue
        if match["kind"] == "pending" and match["ext"] == ".json":
            _finish_note(path, (match["pid"], match["host"]), report)
        else:
            _remove(path, report)  # a scratch folder, or a note cut short before any writing


def _clean_store(store: Path, report: CleanupReport, now: float) -> None:
    """The attachment store's unfinished ``<sha256>.<ext>[.<pid>].part`` files: older than an
    hour, or older than two minutes with their pid gone; and partial files of the common shape.

    Runs at every start over a store of thousands of files: names are looked at as strings, and
    only a ``.part`` name costs more."""
    try:
        subs = [e.path for e in os.scandir(store) if len(e.name) == 2 and e.is_dir(follow_symlinks=False)]
    except OSError:
        return
    for sub in subs:
        try:
            with os.scandir(sub) as it:
                parts = [e.name for e in it if e.name.endswith((".part", "-journal", "-wal", "-shm"))]
        except OSError:
            continue
        for name in parts:
            path = Path(sub) / name
            if store_part := _STORE_PART.match(name):
                age = _age(path, now)
                pid = store_part["pid"]
                gone = pid is not None and age > STORE_PART_DEAD_SECONDS and not pid_running(int(pid))
                if age > STORE_PART_SECONDS or gone:
                    _remove(path, report)
            elif (match := PARTIAL_NAME.match(name)) and _abandoned(match["pid"], match["host"], path, now):
                _remove(path, report)


def _store_check_due(data_dir: Path, now: float) -> bool:
    """Whether the store is to be looked through now (then the time is noted)."""
    marker = data_dir / TEMP_AREA / STORE_CHECKED
    try:
        if now - marker.stat().st_mtime < STORE_CHECK_SECONDS:
            return False
    except OSError:
        pass
    with contextlib.suppress(OSError):
        temp_area(data_dir)
        marker.touch()
    return True


def _clean_system_temp(report: CleanupReport, now: float) -> None:
    """``anquan-ledger-*`` scratch folders older versions of the writer left in the system temp."""
    uid = os.getuid() if hasattr(os, "getuid") else None
    for path in _entries(Path(tempfile.gettempdir())):
        if not path.name.startswith(OLD_TEMP_PREFIX) or _age(path, now) <= STORE_PART_SECONDS:
            continue
        with contextlib.suppress(OSError):
            if uid is not None and path.lstat().st_uid != uid:
                continue
            _remove(path, report)


def clean_leftovers(
    data_dir: Path,
    *,
    attachments: Path | None = None,
    extra_folders: Sequence[Path] = (),
    system_temp: bool = True,
) -> CleanupReport:
    """Remove what killed processes left in the data folder, its temp area, the attachment store
    (``attachments``), ``extra_folders`` and wherever their pending-writes notes point.

    Never raises for a file it cannot remove (it is logged and reported in ``failed``).
    """
    report = CleanupReport()
    if not data_dir.is_dir():
        return report
    now = filesystem_now(data_dir)
    area = data_dir / TEMP_AREA
    if area.is_dir():
        _clean_area(area, report, now)
    _clean_partials(data_dir, report, now)
    for folder in extra_folders:
        _clean_partials(folder, report, filesystem_now(folder) if folder.is_dir() else now)
    if attachments is not None and attachments.is_dir() and _store_check_due(data_dir, now):
        _clean_store(attachments, report, now)
    if system_temp:
        _clean_system_temp(report, filesystem_now(Path(tempfile.gettempdir())))
    if report.removed:
        log.info("removed %d left-over file(s) of interrupted work: %s", len(report.removed), report.removed[:5])
    return report
