"""``anquan-desk import places FILE``: import a district's list of places from .xlsx."""

from __future__ import annotations

import argparse
from pathlib import Path

from anquan_desk.cli.common import add_db_argument, add_login_argument, desk_for, fail, print_json
from anquan_desk.core.errors import AnquanError
from anquan_desk.io.place_import import PlaceImportPreview, write_problem_report
from anquan_desk.services.place_import import (
    ImportBlockedError,
    ImportResult,
    import_place_list,
    preview_place_list,
)

#: Exit code when errors in the file stopped the import (the database is unchanged).
EXIT_BLOCKED = 2


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("import", help="从 Excel 导入数据")
    import_sub = p.add_subparsers(dest="import_verb", metavar="<子命令>", required=True)
    v = import_sub.add_parser(
        "places",
        help="导入场所清单（.xlsx）：自动识别表头和各列，逐行校验；默认有错误则整批不导入",
    )
    v.add_argument("file", help="场所清单文件（.xlsx）")
    add_db_argument(v)
    v.add_argument("--dry-run", action="store_true", help="只检查并报告结果，不写入数据库")
    v.add_argument("--skip-invalid", action="store_true", help="跳过有错误的行，只导入正确的行")
    v.add_argument("--create-missing", action="store_true", help="文件中出现的新村（社区）、新网格自动创建（默认视为错误）")
    v.add_argument("--report", metavar="OUT.xlsx", help="把发现的问题写入一个 Excel 问题清单")
    v.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    add_login_argument(v)
    v.set_defaults(func=cmd_import_places)


def cmd_import_places(args: argparse.Namespace) -> int:
    result = ImportResult()
    blocked: ImportBlockedError | None = None
    preview: PlaceImportPreview | None = None
    with desk_for(args, login=not args.dry_run) as desk:
        try:
            preview = preview_place_list(desk, Path(args.file), create_missing=args.create_missing)
            if args.report:
                write_problem_report(preview, Path(args.report))
            result = import_place_list(
                desk, preview, skip_invalid=args.skip_invalid, create_missing=args.create_missing,
                dry_run=args.dry_run,
            )
        except ImportBlockedError as err:
            blocked = err
        except AnquanError as err:  # ImportFileError included: the file could not be read
            return fail(str(err))
    if blocked is not None:
        assert preview is not None
        result = ImportResult(skipped=len(preview.rows), errors=blocked.problems,
                              warnings=[p for p in preview.problems if p.severity == "warning"])
    if args.json:
        print_json({"file": Path(args.file).name, **result.to_json()})
    else:
        _print_text(result, blocked, dry_run=args.dry_run, report=args.report)
    return EXIT_BLOCKED if blocked is not None else 0


def _print_text(result: ImportResult, blocked: ImportBlockedError | None, *, dry_run: bool, report: str | None) -> None:
    for problem in (*result.errors, *result.warnings):
        print(str(problem))
    if blocked is not None:
        print(f"发现 {len(result.errors)} 处错误，导入未进行，数据库未作任何改动。"
              "可修改文件后重新导入，或加 --skip-invalid 只导入正确的行。")
    else:
        prefix = "（试运行，未写入）" if dry_run else ""
        print(f"{prefix}新增 {result.imported} 个场所，更新 {result.updated} 个，跳过 {result.skipped} 行。")
        if result.created_villages or result.created_grids:
            print("新建村（社区）：" + ("、".join(result.created_villages) or "无")
                  + "；新建网格：" + ("、".join(result.created_grids) or "无"))
    if result.warnings:
        print(f"另有 {len(result.warnings)} 条警告：这些值已导入，但被转换过或原文记入了备注，请核对。")
    if report:
        print(f"问题清单已写入 {report}")
