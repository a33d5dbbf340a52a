"""Benchmark: read a place list of N rows (default 20,000) from an .xlsx.

Variants, each in its own subprocess so the peak memory (VmHWM) is the variant's own:

* ``ours``          — anquan_desk.io.tabular.open_workbook + read_sheet: the bounded streaming reader every
                      import uses (limits checked before the work, every cell typed and kept).
* ``openpyxl-ro``   — bare openpyxl ``load_workbook(read_only=True)`` iterating ``values_only`` rows into a
                      list: the library doing the same work, without limits.
* ``openpyxl-full`` — bare openpyxl ``load_workbook()`` (the usual call), rows into a list.

Usage: .venv/bin/python bench/bench_xlsx_read.py [--rows N] [--repeat K]
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VARIANTS = ("ours", "openpyxl-ro", "openpyxl-full")


def _peak_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:")) / 1024


def make(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("场所清单")
    ws.append(["序号", "单位名称", "统一社会信用代码", "地址", "负责人", "联系电话", "所属村（社区）", "所属网格",
               "九小场所类别", "开业日期"])
    for n in range(1, rows + 1):
        ws.append([n, f"红光便利店{n}", None, f"红光村解放路{n}号", "张三", f"139{n:08d}", "红光村", "红光村第一网格",
                   "小商店", dt.date(2020, 1, 1) + dt.timedelta(days=n % 2000)])
    wb.save(path)


def run(variant: str, path: Path) -> tuple[float, int]:
    started = time.perf_counter()
    if variant == "ours":
        from anquan_desk.io.tabular import open_workbook

        with open_workbook(path) as book:
            count = sum(len(book.read_sheet(info).rows) for info in book.sheets)
    else:
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=variant == "openpyxl-ro")
        count = sum(len(list(ws.iter_rows(values_only=True))) for ws in wb.worksheets)
        wb.close()
    return time.perf_counter() - started, count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("VARIANT", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        took, count = run(args.child[0], Path(args.child[1]))
        print(f"{took:.3f} {count} {_peak_mib():.0f}")
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "places.xlsx"
        make(path, args.rows)
        print(f"{args.rows} rows, {path.stat().st_size / 1024:.0f} KiB; best of {args.repeat}, peak = the child's VmHWM")
        print(f"{'variant':<15}{'seconds':>9}{'rows':>8}{'peak MiB':>10}")
        for variant in VARIANTS:
            results = []
            for _ in range(args.repeat):
                out = subprocess.run([sys.executable, __file__, "--child", variant, str(path)],
                                     capture_output=True, text=True, check=True).stdout.split()
                results.append((float(out[0]), int(out[1]), float(out[2])))
            took, count, _peak = min(results)
            print(f"{variant:<15}{took:>9.2f}{count:>8}{max(r[2] for r in results):>10.0f}")


if __name__ == "__main__":
    main()
