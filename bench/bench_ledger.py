"""Benchmark: export N hazard-ledger rows (default 200,000).

Variants, each run in its own subprocess so peak memory (ru_maxrss) is per variant:

* ``ours``              — anquan_desk.io.ledger.write_ledger (XlsxWriter constant_memory, full styling).
* ``xlsxwriter-bare``   — XlsxWriter constant_memory writing the same cell values, only a date format.
* ``openpyxl-styled``   — openpyxl write-only (lxml) writing the same values with the same cell styles
                          (font, border, alignment, number formats) — the alternative backend.
* ``openpyxl-bare``     — openpyxl write-only writing the same values, only a date format.

DB-backed variants (``--db COPY_OF_LARGE_DEMO.db``; the large demo has ~200,000 hazards):

* ``db-export``         — anquan_desk.services.ledgers.export_ledger: the whole hazard ledger from the
                          database (streaming query, per-batch look-ups, styled writer).
* ``db-rows``           — the same row stream (query + look-ups + row building), nothing written.
* ``db-bare``           — bare XlsxWriter constant_memory writing exactly the cells of that stream, read
                          back from a pickle dump made beforehand (not timed).

Usage: .venv/bin/python bench/bench_ledger.py [--rows N] [--only VARIANT ...]
       .venv/bin/python bench/bench_ledger.py --db /tmp/copy-of-large.db --only db-export db-rows db-bare
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
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from anquan_desk.io.ledger.columns import HAZARD_COLUMNS

VARIANTS = ("ours", "xlsxwriter-bare", "openpyxl-styled", "openpyxl-bare")
DB_VARIANTS = ("db-export", "db-rows", "db-bare")
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


def _db_context(db_path: Path):  # type: ignore[no-untyped-def]
    from anquan_desk.core.db import open_database

    return open_database(db_path, migrate=False)


def run_db_export(db_path: Path, path: Path) -> int:
    from anquan_desk.services.desk import Actor, open_desk
    from anquan_desk.services.ledgers import ExportOptions, export_ledger

    desk = open_desk(db_path, Actor.system("bench"), migrate=False)
    try:
        result = export_ledger(desk, ExportOptions(kind="hazards", out=path, made_by="周建国"))
    finally:
        desk.close()
    return result.rows


def _row_stream(db_path: Path) -> Iterator[list[object]]:
    from anquan_desk.services.ground import current_township
    from anquan_desk.services.ledgers import LedgerContext, ledger_sheets

    db = _db_context(db_path)
    session = db.reader()
    try:
        township = current_township(session)
        ctx = LedgerContext(session=session, township=township.name if township else "")
        sheet = ledger_sheets(ctx, "hazards")[0]
        keys = [c.key for c in sheet.columns]
        for row in sheet.rows:
            yield [row.get(k) for k in keys]
    finally:
        session.close()
        db.dispose()


def run_db_rows(db_path: Path) -> int:
    n = 0
    for _row in _row_stream(db_path):
        n += 1
    return n


def dump_rows(db_path: Path, dump: Path) -> int:
    import pickle

    n = 0
    with dump.open("wb") as fh:
        for row in _row_stream(db_path):
            pickle.dump(row, fh, protocol=pickle.HIGHEST_PROTOCOL)
            n += 1
    return n


def run_db_bare(dump: Path, path: Path) -> int:
    import pickle

    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet()
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for c, column in enumerate(HAZARD_COLUMNS):
        ws.write_string(0, c, column.header)
    r = 0
    with dump.open("rb") as fh:
        while True:
            try:
                row = pickle.load(fh)
            except EOFError:
                break
            r += 1
            for c, value in enumerate(row):
                if isinstance(value, dt.date):
                    ws.write_datetime(r, c, dt.datetime(value.year, value.month, value.day), date_fmt)
                elif isinstance(value, int):
                    ws.write_number(r, c, value)
                elif value:
                    ws.write_string(r, c, str(value))
    wb.close()
    return r


def db_child(variant: str, db_path: Path, dump: Path) -> None:
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{variant}.xlsx"
        started = time.perf_counter()
        if variant == "db-export":
            rows = run_db_export(db_path, path)
        elif variant == "db-rows":
            rows = run_db_rows(db_path)
        else:
            rows = run_db_bare(dump, path)
        seconds = time.perf_counter() - started
        size = path.stat().st_size if path.exists() else 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"variant": variant, "seconds": seconds, "peak_kib": peak, "base_kib": baseline,
                      "bytes": size, "rows": rows}))


def run_child(variant: str, *options: str) -> dict[str, Any]:
    """Run one variant in a fresh process (so its peak memory is its own); its figures as JSON."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", variant, *options],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main_db(db_path: Path, variants: list[str]) -> None:
    print(f"hazard ledger from {db_path} ({len(HAZARD_COLUMNS)} columns)")
    print(f"{'variant':<18}{'rows':>9}{'seconds':>9}{'rows/s':>10}{'peak RSS MiB':>14}{'(start)':>9}{'file MiB':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / "rows.pickle"
        if "db-bare" in variants:
            subprocess.run(
                [sys.executable, __file__, "--dump", str(dump), "--db", str(db_path)], check=True
            )
        for variant in variants:
            r = run_child(variant, "--db", str(db_path), "--dump", str(dump))
            print(
                f"{variant:<18}{r['rows']:>9,}{r['seconds']:>9.1f}{r['rows'] / r['seconds']:>10,.0f}"
                f"{r['peak_kib'] / 1024:>14.1f}{r['base_kib'] / 1024:>9.1f}{r['bytes'] / 2**20:>10.1f}",
                flush=True,
            )


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
    parser.add_argument("--only", nargs="*", choices=VARIANTS + DB_VARIANTS)
    parser.add_argument("--db", type=Path, help="a COPY of the large demo database (for the db-* variants)")
    parser.add_argument("--child", choices=VARIANTS + DB_VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("--dump", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child in DB_VARIANTS:
        db_child(args.child, args.db, args.dump)
        return
    if args.child:
        child(args.child, args.rows)
        return
    if args.dump and args.db:
        dump_rows(args.db, args.dump)
        return
    if args.db:
        main_db(args.db, args.only or list(DB_VARIANTS))
        return
    args.only = args.only or list(VARIANTS)
    print(f"hazard ledger, {args.rows:,} rows x {len(HAZARD_COLUMNS)} columns")
    print(f"{'variant':<18}{'seconds':>9}{'rows/s':>10}{'peak RSS MiB':>14}{'(start)':>9}{'file MiB':>10}")
    for variant in args.only:
        r = run_child(variant, "--rows", str(args.rows))
        print(
            f"{variant:<18}{r['seconds']:>9.1f}{args.rows / r['seconds']:>10,.0f}"
            f"{r['peak_kib'] / 1024:>14.1f}{r['base_kib'] / 1024:>9.1f}{r['bytes'] / 2**20:>10.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
