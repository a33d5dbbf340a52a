"""Benchmark: export N hazard-ledger rows (default 200,000).

Variants, each run in its own subprocess so peak memory (ru_maxrss) is per variant:

* ``ours``              — anquan_desk.io.ledger.write_ledger (XlsxWriter constant_memory, full styling).
* ``xlsxwriter-bare``   — XlsxWriter constant_memory writing the same cell values, only a date format.
* ``openpyxl-styled``   — openpyxl write-only (lxml) writing the same values with the same cell styles
                          (font, border, alignment, number formats) — the alternative backend.
* ``openpyxl-bare``     — openpyxl write-only writing the same values, only a date format.

Usage: .venv/bin/python bench/bench_ledger.py [--rows N] [--only VARIANT ...]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from anquan_desk.io.ledger.columns import HAZARD_COLUMNS

VARIANTS = ("ours", "xlsxwriter-bare", "openpyxl-styled", "openpyxl-bare")
DESCRIPTIONS = (
    "液化石油气钢瓶与灶具距离不足1米，未设置独立气瓶间",
    "疏散通道堆放杂物，安全出口被锁闭",
    "灭火器压力不足，已过期未维护",
    "电动自行车在楼道内停放充电",
    "经营性自建房擅自加层改变用途，存在“三合一”住人现象，未设置自动喷水灭火系统和独立式感烟火灾探测报警器",
)
START = dt.date(2026, 1, 1)


def hazard_rows(n: int) -> Iterator[list[object]]:
    """Rows in HAZARD_COLUMNS order (the order a query would return them)."""
    for i in range(n):
        day = START + dt.timedelta(days=i % 300)
        yield [
            i + 1,
            f"YH-2026-{i + 1:06d}",
            f"第{i % 40 + 1}村/第{i % 7 + 1}网格",
            ("燃气", "自建房", "消防", "九小场所")[i % 4],
            "餐饮场所",
            f"红星饭店{i % 5000}号店",
            f"城关镇人民路{i % 900}号",
            "王建国",
            f"138{i % 100000000:08d}",
            day,
            "四不两直",
            "李安全、张网格",
            DESCRIPTIONS[i % len(DESCRIPTIONS)],
            "燃气安全",
            "一般" if i % 9 else "重大",
            "《城镇燃气管理条例》第二十八条",
            "设置独立气瓶间，安装可燃气体报警装置",
            day + dt.timedelta(days=15),
            "王建国",
            f"城关安改〔2026〕{i % 999 + 1}号",
            "已整改" if i % 3 else "整改中",
            day + dt.timedelta(days=16),
            "李安全",
            "合格",
            day + dt.timedelta(days=16),
            "",
        ]


def run_ours(path: Path, n: int) -> None:
    from anquan_desk.io.ledger.writer import write_ledger

    write_ledger(
        path,
        title="城关镇隐患排查治理台账",
        unit="城关镇人民政府",
        made_by="李安全",
        made_on=dt.date(2026, 11, 23),
        columns=HAZARD_COLUMNS,
        rows=hazard_rows(n),
    )


def run_xlsxwriter_bare(path: Path, n: int) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet()
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for c, column in enumerate(HAZARD_COLUMNS):
        ws.write_string(0, c, column.header)
    for r, row in enumerate(hazard_rows(n), start=1):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                ws.write_datetime(r, c, dt.datetime(value.year, value.month, value.day), date_fmt)
            elif isinstance(value, int):
                ws.write_number(r, c, value)
            elif value:
                ws.write_string(r, c, str(value))
    wb.close()


def run_openpyxl(path: Path, n: int, styled: bool) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, Side

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("台账")
    side = Side(style="thin")
    border = Border(left=side, right=side, top=side, bottom=side)
    font = Font(name="宋体", size=11)
    wrap = Alignment(wrap_text=True, vertical="center")
    plain = Alignment(vertical="center")
    wraps = [c.wrap for c in HAZARD_COLUMNS]
    ws.append([c.header for c in HAZARD_COLUMNS])
    for row in hazard_rows(n):
        cells = []
        for value, wrap_it in zip(row, wraps, strict=True):
            cell = WriteOnlyCell(ws, value)
            if styled:
                cell.font = font
                cell.border = border
                cell.alignment = wrap if wrap_it else plain
            if isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        ws.append(cells)
    wb.save(str(path))


def child(variant: str, n: int) -> None:
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{variant}.xlsx"
        started = time.perf_counter()
        if variant == "ours":
            run_ours(path, n)
        elif variant == "xlsxwriter-bare":
            run_xlsxwriter_bare(path, n)
        elif variant == "openpyxl-styled":
            run_openpyxl(path, n, styled=True)
        else:
            run_openpyxl(path, n, styled=False)
        seconds = time.perf_counter() - started
        size = path.stat().st_size
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(
        json.dumps(
            {"variant": variant, "seconds": seconds, "peak_kib": peak, "base_kib": baseline, "bytes": size}
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--only", nargs="*", choices=VARIANTS, default=list(VARIANTS))
    parser.add_argument("--child", choices=VARIANTS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.rows)
        return
    print(f"hazard ledger, {args.rows:,} rows x {len(HAZARD_COLUMNS)} columns")
    print(f"{'variant':<18}{'seconds':>9}{'rows/s':>10}{'peak RSS MiB':>14}{'(start)':>9}{'file MiB':>10}")
    for variant in args.only:
        out = subprocess.run(
            [sys.executable, __file__, "--child", variant, "--rows", str(args.rows)],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{variant:<18}{r['seconds']:>9.1f}{args.rows / r['seconds']:>10,.0f}"
            f"{r['peak_kib'] / 1024:>14.1f}{r['base_kib'] / 1024:>9.1f}{r['bytes'] / 2**20:>10.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
