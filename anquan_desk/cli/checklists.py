"""``anquan-desk checklists list | export | import``: the township's checklist templates."""

from __future__ import annotations

import argparse
import unicodedata
from pathlib import Path

from anquan_desk.cli.common import add_db_argument, fail, print_json
from anquan_desk.core.checklists.store import current_template, current_templates
from anquan_desk.core.db import open_database
from anquan_desk.core.errors import AnquanError, UserInputError
from anquan_desk.services.checklists import sync_builtin_library


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
    v.set_defaults(func=cmd_import)


def cmd_list(args: argparse.Namespace) -> int:
    db = open_database(args.db)
    try:
        with db.session("cli") as session:
            sync_builtin_library(session)
            rows = [
                {
                    "code": t.code,
                    "name": t.name,
                    "sector": t.sector,
                    "nine_small_kind": t.nine_small_kind,
                    "version": t.version,
                    "items": len(t.items),
                    "enabled": t.enabled,
                    "builtin": t.builtin,
                }
                for t in current_templates(session)
            ]
    finally:
        db.dispose()
    if args.json:
        print_json(rows)
        return 0
    widths = (16, 6, 6, 6, 10)
    print("".join(_pad(h, w) for h, w in zip(("编号", "版本", "条目", "状态", "行业领域"), widths, strict=True))
          + "名称")
    for r in rows:
        cells = (r["code"], str(r["version"]), str(r["items"]), "启用" if r["enabled"] else "停用", r["sector"])
        print("".join(_pad(c, w) for c, w in zip(cells, widths, strict=True)) + r["name"])
    print(f"共 {len(rows)} 个检查表")
    return 0


def _pad(text: str, width: int) -> str:
    """Left-align in a terminal, where a Chinese character takes two columns."""
    shown = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - shown, 1)


def cmd_export(args: argparse.Namespace) -> int:
    from anquan_desk.io.checklist_xlsx import export_checklist_xlsx

    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        return fail(f"输出文件应以 .xlsx 结尾：{out}", 2)
    db = open_database(args.db)
    try:
        with db.session("cli") as session:
            sync_builtin_library(session)
            try:
                template = current_template(session, args.code.strip().upper())
            except AnquanError as exc:
                return fail(str(exc), 2)
            path = export_checklist_xlsx(template, out)
            print(f"已导出 {template.code}（{template.name}，第 {template.version} 版，"
                  f"{len(template.items)} 个条目）到 {path}")
    finally:
        db.dispose()
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from anquan_desk.services.checklists import import_checklist_xlsx

    db = open_database(args.db)
    try:
        with db.session("cli") as session:
            sync_builtin_library(session)
        try:
            with db.session("cli") as session:
                result = import_checklist_xlsx(session, Path(args.file))
                t = result.template
                if result.created:
                    message = f"已新建本乡镇检查表 {t.code}（{t.name}，{len(t.items)} 个条目）"
                elif result.changed:
                    message = f"已导入 {t.code}（{t.name}）为第 {t.version} 版，{len(t.items)} 个条目"
                else:
                    message = f"{t.code}（{t.name}）与库中第 {t.version} 版完全相同，未作改动"
        except UserInputError as exc:
            return fail(str(exc), 2)
    finally:
        db.dispose()
    print(message)
    return 0
