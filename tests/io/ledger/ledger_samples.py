"""Row factories for the ledger tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from anquan_desk.io.ledger.columns import Column

START = dt.date(2026, 3, 1)


def sample_value(column: Column, i: int) -> object:
    """A distinct, typed value for row ``i`` of ``column``."""
    if column.key == "seq":
        return i + 1
    if column.key == "phone":
        return f"1381234{i:04d}"
    if column.kind == "date":
        return START + dt.timedelta(days=i)
    if column.kind == "int":
        return i * 3 + 1
    if column.kind == "float":
        return i + 0.25
    if column.kind == "percent":
        return (i + 1) / 8
    return f"{column.header}-{i}"


def sample_rows(columns: Sequence[Column], n: int) -> list[dict[str, object]]:
    return [{c.key: sample_value(c, i) for c in columns} for i in range(n)]


def expected_cell(column: Column, value: object) -> object:
    """What openpyxl reads back for ``value`` written in ``column``."""
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    return value
