"""``anquan-desk checklists list | export | import``: the township's checklist templates."""

from __future__ import annotations

import argparse
import unicodedata
from pathlib import Path

from anquan_desk.cli.common import add_db_argument, add_login_argument, desk_for, fail, print_json
from anquan_desk.core.errors import AnquanError, UserInputError
from anquan_desk.services import checklists


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("checklists", help="检查表库：列出、导出为 Excel、从 Excel 导入")
    verbs = p.add_subparsers(dest="checklists_verb", metavar="<子命令>", required=True)

    v = verbs.add_parser("list", help="列出检查表（编号、名称、行业领域、类别、版本、条目数、是否启用）")
    add_db_argument(v)
    v.add_argument("--json", action="store_true", help="以 JSON 输出")
    v.set_defaults(func=cmd_list)

    v = verbs.add_parser("export", help="把一个检查表导出为 Excel 文件")
    v.add_argument("code", help="检查表编号，如 GAS-LPG")
    v.add_argument("--out", required=True, help="输出文件（.xlsx）")
    add_db_argument(v)
    v.set_defaults(func=cmd_export)

    v = verbs.add_parser("import", help="从 Excel 文件导入检查表（同编号的作为新版本，否则新建本乡镇检查表）")
    v.add_argument("file", help="Excel 文件（.xlsx）")
    add_db_argument(v)
    add_login_argument(v)
    v.set_defaults(func=cmd_import)


def cmd_list(args: argparse.Namespace) -> int:
    with desk_for(args) as desk:
        checklists.install_builtin_library(desk)
        overview = checklists.checklist_overview(desk)
    rows = [
        {
            "code": t.code,
            "name": t.name,
            "sector": t.sector,
            "nine_small_kind": t.nine_small_kind,
            "version": t.version,
            "items": t.item_count,
            "enabled": t.enabled,
            "builtin": t.builtin,
        }
        for t in overview.templates
    ]
    if args.json:
        print_json(rows)
        return 0
    widths = (16, 6, 6, 6, 10)
    print("".join(_pad(h, w) for h, w in zip(("编号", "版本", "条目", "状态", "行业领域"), widths, strict=True))
          + "名称")
    for t in overview.templates:
        cells = (t.code, str(t.version), str(t.item_count), "启用" if t.enabled else "停用", t.sector)
        print("".join(_pad(c, w) for c, w in zip(cells, widths, strict=True)) + t.name)
    print(f"共 {len(rows)} 个检查表")
    return 0


def _pad(text: str, width: int) -> str:
    """Left-align in a terminal, where a Chinese character takes two columns."""
    shown = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - shown, 1)


def cmd_export(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        return fail(f"输出文件应以 .xlsx 结尾：{out}", 2)
    with desk_for(args) as desk:
        checklists.install_builtin_library(desk)
        try:
            done = checklists.export_checklist_file(desk, args.code.strip().upper(), out)
        except AnquanError as exc:
            return fail(str(exc), 2)
    print(f"已导出 {done.code}（{done.name}，第 {done.version} 版，{done.items} 个条目）到 {done.path}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    with desk_for(args, login=True) as desk:
        try:
            t = checklists.import_checklist_file(desk, Path(args.file))
        except UserInputError as exc:
            return fail(str(exc), 2)
    if t.created:
        message = f"已新建本乡镇检查表 {t.code}（{t.name}，{t.items} 个条目）"
    elif t.changed:
        message = f"已导入 {t.code}（{t.name}）为第 {t.version} 版，{t.items} 个条目"
    else:
        message = f"{t.code}（{t.name}）与库中第 {t.version} 版完全相同，未作改动"
    print(message)
    return 0
