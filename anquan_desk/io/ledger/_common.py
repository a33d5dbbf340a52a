"""Helpers shared by the writer and the template filler: cell values, text width, safe output.

Safe output: a file is written under a partial name beside its target and renamed over it when
complete (:func:`temp_path_for`, :func:`publish`); scratch folders are created 0700 under a name of
the same shape. The shape, ``.~<name>~<pid>-<host>-<rand>.part``, is the one ``core.db`` uses for
database copies, so the next start's housekeeping (``services/housekeeping.py``) recognises what a
killed process left and removes it. Names built from data (hazard codes …) go through
:func:`safe_file_name` and :func:`path_inside`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import os
import re
import secrets
import shutil
import socket
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path

Row = Mapping[str, object] | Sequence[object]


def display_width(text: str) -> float:
    """Width of ``text`` in Chinese-character units (a 汉字 = 1, a digit or letter ≈ 0.55).

    Counted from the UTF-8 length, which runs in C: a 汉字 or full-width mark takes 3 bytes, an ASCII
    character 1, so the wide characters are (bytes - characters) / 2. Called for every wrapped cell
    of a streaming export, where a per-character loop costs more than writing the cell.
    """
    chars = len(text)
    wide = (len(text.encode("utf-8")) - chars) / 2
    return wide + 0.55 * (chars - wide)


def to_date(value: object) -> dt.date | None:
    """A date from a date, datetime or ISO text (``2026-03-01``, ``2026/3/1``); else ``None``."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip().replace("/", "-").replace(".", "-")
        with contextlib.suppress(ValueError):
            year, month, day = (int(p) for p in text[:10].split("-"))
            return dt.date(year, month, day)
    return None


def to_number(value: object) -> float | int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        text = value.strip().rstrip("%")
        with contextlib.suppress(ValueError):
            number = float(text)
            if value.strip().endswith("%"):
                return number / 100
            return int(number) if number.is_integer() and "." not in text else number
    return None


class RowGetter:
    """Pick the values of ``keys`` out of a Mapping row, or of ``indexes`` out of a Sequence row."""

    __slots__ = ("indexes", "keys")

    def __init__(self, keys: tuple[str, ...], indexes: tuple[int, ...]) -> None:
        self.keys = keys
        self.indexes = indexes

    def __call__(self, row: Row) -> list[object]:
        if isinstance(row, Mapping):
            return [row.get(k) for k in self.keys]
        n = len(row)
        return [row[i] if i < n else None for i in self.indexes]


PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


@functools.cache
def _host_tag() -> str:
    # Same as anquan_desk.core.db.host_tag (io does not import the database module).
    return hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:6]


def process_tag() -> str:
    """``<pid>-<host>``: the process that writes a partial file or scratch folder."""
    return f"{os.getpid()}-{_host_tag()}"


def temp_path_for(target: Path) -> Path:
    """A new partial name next to ``target`` (same folder, so the final rename is atomic):
    ``.~<name>~<pid>-<host>-<rand>.part``."""
    return target.with_name(f".~{target.name[:60]}~{process_tag()}-{secrets.token_hex(3)}.part")


def create_file(path: Path, *, private: bool = False) -> None:
    """Create the empty file ``path`` (refused if it exists): 0600 when ``private``, else as the
    process umask allows. A library writing into it later keeps that mode."""
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0)
    os.close(os.open(path, flags, PRIVATE_FILE if private else 0o666))


def make_scratch_dir(parent: Path | None, target: Path) -> Path:
    """A new private (0700) scratch folder: in ``parent`` (the data folder's temp area) as
    ``scratch~<pid>-<host>-<rand>``, else beside ``target`` under a partial name."""
    if parent is None:
        folder = temp_path_for(target.with_name(target.name + ".scratch"))
    else:
        if not parent.is_dir():
            parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        folder = parent / f"scratch~{process_tag()}-{secrets.token_hex(3)}"
    folder.mkdir(mode=PRIVATE_DIR)
    return folder


def publish(temp: Path, target: Path) -> None:
    os.replace(temp, target)


def remove_quietly(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def remove_tree_quietly(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


# --- names built from data ----------------------------------------------------------------------

_UNSAFE_CHARS = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
_WINDOWS_RESERVED = re.compile(r"(?i)^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$")
MAX_NAME_CHARS = 80


def safe_file_name(text: object, fallback: str = "未命名") -> str:
    """A file name made from a data value (a hazard code, a document number, a place name).

    Path separators, ``:*?"<>|`` and control characters become ``_``; leading dots and spaces and
    trailing dots and spaces go (so ``..`` and hidden names cannot appear); Windows device names
    (``CON``, ``NUL``, ``COM1`` …) get a ``_`` in front; at most 80 characters; an empty result is
    ``fallback``. The result never contains a separator, so it names a file inside its folder.
    """
    name = unicodedata.normalize("NFC", str(text) if text is not None else "")
    name = _UNSAFE_CHARS.sub("_", name).strip().lstrip(".").strip()
    name = name[:MAX_NAME_CHARS].rstrip(". ")
    if not name:
        name = fallback
    if _WINDOWS_RESERVED.match(name):
        name = "_" + name
    return name


def path_inside(folder: Path, name: str) -> Path:
    """``folder / name``, checked to stay inside ``folder`` once resolved (links followed).

    Raises :class:`ValueError` for a name that would lead out of it (``..``, an absolute path, a
    link pointing elsewhere)."""
    base = folder.resolve()
    candidate = (folder / name).resolve()
    if candidate == base or not candidate.is_relative_to(base):
        raise ValueError(f"{name!r} leads outside {folder}")
    return folder / name
