"""``anquan-desk inspections list``: the checks with their short ids (for ``doc render --inspection``)."""

from __future__ import annotations

import argparse

from anquan_desk.cli.common import add_db_argument, desk_for, fail, print_json
from anquan_desk.core.errors import AnquanError
from anquan_desk.core.vocabulary import InspectionStatus
from anquan_desk.services import lookup


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("inspections", help="检查记录：列出（含短编号，可用于 doc render --inspection）")
    verbs = p.add_subparsers(dest="inspections_verb", metavar="<子命令>", required=True)

    v = verbs.add_parser("list", help="列出检查（最新的在前）：场所、日期、状态、隐患数、短编号")
    add_db_argument(v)
    v.add_argument("--status", choices=[s.value for s in InspectionStatus], help="只列出这一状态的检查")
    v.add_argument("--place", metavar="文字", help="只列出场所名称含这些文字的检查")
    v.add_argument("--limit", type=int, default=50, help="最多列出多少条（默认 50；0 表示全部）")
    v.add_argument("--json", action="store_true", help="以 JSON 输出")
    v.set_defaults(func=cmd_list)

    v = verbs.add_parser("show", help="按短编号或文书编号找到检查，显示其完整编号")
    v.add_argument("reference", help="短编号（inspections list 所列）、完整编号或文书编号")
    add_db_argument(v)
    v.set_defaults(func=cmd_show)


def cmd_list(args: argparse.Namespace) -> int:
    if args.limit < 0:
        return fail("--limit 不能是负数。")
    with desk_for(args) as desk:
        rows = lookup.list_inspections(desk, limit=args.limit or None, status=args.status, place=args.place)
    if args.json:
        print_json([
            {"id": r.id, "short_id": r.short_id, "place": r.place_name, "address": r.place_address,
             "date": r.day.isoformat(), "status": r.status, "hazards": r.hazards}
            for r in rows
        ])
        return 0
    if not rows:
        print("没有符合条件的检查。")
        return 0
    print("短编号\t日期\t状态\t隐患\t场所")
    for r in rows:
        print(f"{r.short_id}\t{r.day.isoformat()}\t{r.status}\t{r.hazards} 处\t{r.place_name}（{r.place_address}）")
    print(f"共 {len(rows)} 次检查。生成文书时可写短编号，如：doc render --inspection {rows[0].short_id}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    try:
        with desk_for(args) as desk:
            found = lookup.resolve_inspection(desk, args.reference)
            row = next((r for r in lookup.list_inspections(desk, limit=None) if r.id == found), None)
    except AnquanError as exc:
        return fail(str(exc))
    if row is None:
        print(found)
        return 0
    print(f"{row.id}\t{row.day.isoformat()}\t{row.status}\t{row.place_name}（{row.place_address}）")
    return 0
