"""The quarterly and annual statistics sheets (16号令 第十四条), from services.statistics."""

from __future__ import annotations

import datetime as dt

from anquan_desk.io.ledger import (
    LEDGER_KINDS,
    STATS_BY_GRID_COLUMNS,
    STATS_BY_SECTOR_COLUMNS,
)
from anquan_desk.services.ledgers.common import LedgerContext, LedgerSheet, Row
from anquan_desk.services.statistics import (
    StatRow,
    StatTable,
    quarter_bounds,
    quarter_of,
    statistics_table,
)

# --- statistics (16号令 第十四条) -----------------------------------------------------------------


def last_finished_quarter(on: dt.date) -> tuple[int, int]:
    q = quarter_of(on) - 1
    return (on.year, q) if q >= 1 else (on.year - 1, 4)


def statistics_period(kind: str, start: dt.date | None, year: int | None, as_of: dt.date) -> tuple[dt.date, dt.date, str]:
    """[start, end] and the label (``2026年第3季度`` / ``2026年度``) of a statistics table.

    Quarterly: the quarter containing ``start``, else the last finished quarter. Annual: ``year``,
    else the year of ``start``, else the current year.
    """
    if kind == "annual":
        y = year or (start.year if start else as_of.year)
        return dt.date(y, 1, 1), dt.date(y, 12, 31), f"{y}年度"
    if start is not None:
        y, q = start.year, quarter_of(start)
    else:
        y, q = last_finished_quarter(as_of)
    first, last = quarter_bounds(y, q)
    return first, last, f"{y}年第{q}季度"


def _stat_row(row: StatRow, label_key: str, seq: int | None) -> Row:
    return {
        "seq": seq,
        label_key: row.label,
        "places_inspected": row.places_inspected,
        "inspections": row.inspections,
        "hazards_general": row.hazards_general,
        "hazards_major": row.hazards_major,
        "hazards_total": row.hazards,
        "rectified": row.rectified,
        "rectification_rate": row.rectification_rate,
        "overdue": row.overdue,
        "major_open": row.major_open,
        "supervised": row.supervised,
        "supervised_open": row.supervised_open,
        "funds": round(row.funds_wan, 4),
        "remarks": "",
    }


#: 16号令 第十四条: the statistics go to the 安办 signed by the 主要负责人 — with the reviewer's and
#: the maker's signatures and the unit's seal.
SIGNATURES = ("单位负责人（签字）：", "审核人（签字）：", "制表人（签字）：")
SEAL = "（单位盖章）\n\n年    月    日"
#: The two worksheets' tabs of the statistics workbook.
SHEET_BY_GRID = "按村（社区）网格"
SHEET_BY_SECTOR = "按行业领域"


def statistics_sheets(
    ctx: LedgerContext, kind: str, *, year: int | None = None
) -> list[LedgerSheet]:
    """The statistics table by village/grid and by sector (two sheets of one workbook)."""
    start, end, label = statistics_period(kind, ctx.filters.start, year, ctx.as_of)
    sheets = []
    for group_by, ledger_kind, columns, tab in (
        ("grid", "stats_by_grid", STATS_BY_GRID_COLUMNS, SHEET_BY_GRID),
        ("sector", "stats_by_sector", STATS_BY_SECTOR_COLUMNS, SHEET_BY_SECTOR),
    ):
        table: StatTable = statistics_table(ctx.session, start, end, group_by, as_of=ctx.as_of)  # type: ignore[arg-type]
        suffix = LEDGER_KINDS[ledger_kind][0].replace("季度", "")
        rows = [_stat_row(r, group_by, i) for i, r in enumerate(table.rows, start=1)]
        totals = _stat_row(table.totals, group_by, None)
        totals[group_by] = ""
        sheets.append(
            LedgerSheet(
                kind=ledger_kind,
                title=f"{ctx.township}{label}{suffix}",
                columns=tuple(columns),
                rows=rows,
                count=len(rows),
                totals=totals,
                signatures=SIGNATURES,
                seal=SEAL,
                sheet_name=tab,
            )
        )
    return sheets
