"""``anquan-desk export ledger``: the ledgers (台账) and the quarterly/annual statistics as .xlsx."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from anquan_desk.cli.common import add_db_argument, desk_for, fail
from anquan_desk.core.errors import AnquanError
from anquan_desk.io.tabular import parse_date
from anquan_desk.services.ledgers import (
    KIND_LABELS,
    KINDS,
    STATUS_CHOICES,
    ExportOptions,
    LedgerFilters,
    export_ledger,
)
from anquan_desk.services.ledgers.export import NO_PHOTOS_WHEN_DEIDENTIFIED

#: Exit code for bad input (unknown option value, unreadable date or template, wrong output path).
EXIT_BAD_INPUT = 2


class _BadInput(Exception):
    pass


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("export", help="导出台账、统计表（Excel）")
    export_sub = p.add_subparsers(dest="export_verb", metavar="<子命令>", required=True)
    kinds = "、".join(f"{k}={KIND_LABELS[k]}" for k in KINDS)
    v = export_sub.add_parser("ledger", help="导出台账（.xlsx）：" + kinds)
    add_db_argument(v)
    v.add_argument("--kind", default="hazards", help=f"台账类型：{kinds}（默认 hazards）")
    v.add_argument("--from", dest="start", metavar="DATE", help="检查日期起（含），如 2026-01-01")
    v.add_argument("--to", dest="end", metavar="DATE", help="检查日期止（含）")
    v.add_argument("--year", type=int, help="年度统计表的年份（给出即导出年度统计表）")
    v.add_argument("--grid", help="只导出某个网格（网格ID）")
    v.add_argument("--village", help="只导出某个村（社区）（ID）")
    v.add_argument("--sector", help="只导出某个行业领域，如 燃气")
    v.add_argument("--status", help="隐患状态：" + "、".join(STATUS_CHOICES) + "（场所台账：在营、停业、关闭）")
    v.add_argument("--deidentified", action="store_true",
                   help="脱敏版（不含姓名、电话、照片；文字中的身份证号、电话号码、已知姓名打码；个体工商户信用代码打码）")
    v.add_argument("--template", metavar="FILE.xlsx", help="填入区里下发的台账模板（按记住的或自动识别的列对应关系）")
    v.add_argument("--photos", choices=("none", "folder", "column"), default="none",
                   help="现场照片：folder=在台账旁建“照片”文件夹按隐患编号命名；column=表内缩略图")
    v.add_argument("--made-by", default="", help="制表人姓名")
    v.add_argument("--out", required=True, metavar="FILE.xlsx", help="输出文件")
    v.set_defaults(func=cmd_export_ledger)


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        day = parse_date(value.strip())
    except ValueError as err:
        raise _BadInput(f"{option}：{err}") from err
    if day is None:
        raise _BadInput(f"{option} 的日期为空")
    return day


def cmd_export_ledger(args: argparse.Namespace) -> int:
    try:
        kind = args.kind
        if kind not in KINDS:
            raise _BadInput(f"未知的台账类型“{kind}”，可选：{'、'.join(KINDS)}")
        start = _date(args.start, "--from")
        end = _date(args.end, "--to")
        if start and end and end < start:
            raise _BadInput("--to 的日期早于 --from")
        if args.year is not None:
            if not 2000 <= args.year <= 2100:
                raise _BadInput(f"年份“{args.year}”不正确")
            if kind == "quarterly":
                kind = "annual"
        if args.deidentified and args.photos != "none":
            raise _BadInput(NO_PHOTOS_WHEN_DEIDENTIFIED)
        if args.status and kind not in ("hazards", "major", "overdue", "places"):
            raise _BadInput("--status 只用于隐患类台账和场所台账")
        out = Path(args.out)
        if out.suffix.lower() != ".xlsx":
            raise _BadInput(f"输出文件“{out.name}”必须是 .xlsx 文件")
        if not out.parent.is_dir():
            raise _BadInput(f"输出文件夹“{out.parent}”不存在")
        template = Path(args.template) if args.template else None
        if template is not None and not template.is_file():
            raise _BadInput(f"模板文件“{template}”不存在")
    except _BadInput as err:
        return fail(str(err), EXIT_BAD_INPUT)
    options = ExportOptions(
        kind=kind,
        out=out,
        filters=LedgerFilters(
            start=start, end=end, village_id=args.village, grid_id=args.grid, sector=args.sector,
            status=args.status,
        ),
        deidentified=args.deidentified,
        template=template,
        made_by=args.made_by,
        year=args.year,
        photos=args.photos,
    )
    with desk_for(args) as desk:
        try:
            result = export_ledger(desk, options)
        except AnquanError as err:
            return fail(str(err), EXIT_BAD_INPUT)
    for path, titles in result.titles_by_path():
        print(f"已导出{'、'.join(f'“{t}”' for t in titles)}：{path}")
    print(f"共 {result.rows} 行。")
    if result.photo_folder is not None:
        print(f"照片 {result.photos_copied} 张：{result.photo_folder}")
    return 0
