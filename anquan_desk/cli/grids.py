"""``anquan-desk grids list|import``: the villages (communities) and grids from the command line."""

from __future__ import annotations

import argparse
from pathlib import Path

from anquan_desk.cli.common import add_db_argument, add_login_argument, desk_for, fail, print_json
from anquan_desk.core.errors import AnquanError
from anquan_desk.io.tabular import ImportFileError
from anquan_desk.services import ground

#: Exit code when errors in the file stopped the import (the database is unchanged).
EXIT_BLOCKED = 2


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("grids", help="村（社区）和网格：列出、从 Excel 导入")
    verbs = p.add_subparsers(dest="grids_verb", metavar="<子命令>", required=True)

    v = verbs.add_parser("list", help="列出村（社区）和网格（含场所数；已停用的网格注明）")
    add_db_argument(v)
    v.add_argument("--json", action="store_true", help="以 JSON 输出")
    v.set_defaults(func=cmd_list)

    v = verbs.add_parser(
        "import", help="从 Excel 导入村（社区）和网格：自动识别表头，逐行校验；有错误则不导入；已有的不重复添加"
    )
    v.add_argument("file", help="村（社区）和网格清单（.xlsx）")
    add_db_argument(v)
    v.add_argument("--dry-run", action="store_true", help="只检查并报告结果，不写入数据库")
    v.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    add_login_argument(v)
    v.set_defaults(func=cmd_import)


def cmd_list(args: argparse.Namespace) -> int:
    with desk_for(args) as desk:
        villages = ground.list_ground(desk)
    if args.json:
        print_json([
            {"name": v.name, "kind": v.kind, "grids": [
                {"name": g.name, "active": g.active, "places": g.places, "members": g.members} for g in v.grids
            ]}
            for v in villages
        ])
        return 0
    if not villages:
        print("还没有村（社区）和网格。")
        return 0
    for village in villages:
        print(f"{village.name}（{village.kind}）")
        for grid in village.grids:
            retired = "（已停用）" if not grid.active else ""
            print(f"  {grid.name}{retired}\t{grid.places} 个场所\t{grid.members} 名网格人员")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    try:
        preview = ground.read_ground_list(Path(args.file))
    except ImportFileError as exc:
        return fail(str(exc))
    problems = [str(p) for p in preview.problems]
    if preview.has_errors:
        if args.json:
            print_json({"imported": False, "problems": problems})
        else:
            print("\n".join(problems))
            print(f"发现 {preview.error_count} 处错误，导入未进行，数据库未作任何改动。")
        return EXIT_BLOCKED
    try:
        with desk_for(args, login=not args.dry_run) as desk:
            result = ground.import_ground_list(desk, preview, dry_run=args.dry_run)
    except AnquanError as exc:
        return fail(str(exc))
    if args.json:
        print_json({
            "imported": not result.dry_run, "created_villages": list(result.created_villages),
            "created_grids": list(result.created_grids), "existing_grids": result.existing_grids,
            "problems": problems,
        })
        return 0
    for line in problems:
        print(line)
    prefix = "（试运行，未写入）" if result.dry_run else ""
    print(f"{prefix}新建 {len(result.created_villages)} 个村（社区）、{len(result.created_grids)} 个网格；"
          f"已有的网格 {result.existing_grids} 个未改动。")
    if result.created_grids:
        print("新建网格：" + "、".join(result.created_grids))
    return 0
