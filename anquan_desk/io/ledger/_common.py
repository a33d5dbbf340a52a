"""Helpers shared by the writer and the template filler: cell values, text width, safe output."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
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


def temp_path_for(target: Path) -> Path:
    """A temp file next to ``target`` (same folder, so the final rename is atomic)."""
    return target.with_name(f".~{target.stem}.{os.getpid()}.{id(target):x}.xlsx")


def publish(temp: Path, target: Path) -> None:
    os.replace(temp, target)


def remove_quietly(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
