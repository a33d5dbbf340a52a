"""``anquan-desk plan …``: read a district work plan, show the key-period calendar, make and
verify a reproducible 双随机 draw.

``parse``, ``calendar``, ``draw`` and ``verify`` need no database (pure rules and files); the verbs
below open the database as a desk (:func:`anquan_desk.cli.common.desk_for`) and call the plans
service (:mod:`anquan_desk.services.plans`).

Verbs working on a database (``--db PATH``, or ``$ANQUAN_DB``):

* ``plan accept FILE [--drop 行业,…] [--year N]`` — make the programme from a plan file (sectors →
  built-in checklists, special-check calendar) and store it as the township's current plan.
* ``plan tasks --month 2026-12 [--grid NAME] [--json]`` — the month's task list per grid: places
  due by risk colour (``plan.frequency`` setting), open hazards due for 复查, plan sectors marked ★.
* ``plan worksheet --grid NAME [--date 2026-11-24] --out FILE.pdf`` — the grid's printable work
  sheet (网格巡查单) for that day's round.
* ``plan draw-db --count N [--sector S] [--grid NAME] [--risk 红] [--seed N] [--exclude 证号:场所名]
  [--by NAME] --out record.pdf [--json record.json]`` (the JSON defaults to record.json next to the
  PDF, which names it for ``plan verify``) — 双随机 over the database's places and the
  inspectors with a 执法证号; the record is stored in the ``plan.draws`` setting and printed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from anquan_desk.cli.common import add_db_argument, add_login_argument, fail, print_json

if TYPE_CHECKING:
    from anquan_desk.core.plans.draws import PlaceCandidate


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("plan", help="工作计划：解析区县工作要点、重点时段日历、双随机抽取")
    sub = parser.add_subparsers(dest="plan_verb", metavar="<子命令>")
    parser.set_defaults(func=lambda args: _usage(parser))

    p = sub.add_parser("parse", help="解析工作要点/实施方案（.txt/.docx/.pdf），列出行业领域、重点时段和常态化工作")
    p.add_argument("file", help="计划文件路径")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(func=_parse)

    c = sub.add_parser("calendar", help="列出某年各重点时段（节假日）及专项检查时间窗口")
    c.add_argument("year", type=int, help="年份，如 2026")
    c.add_argument("--json", action="store_true", help="以 JSON 输出")
    c.set_defaults(func=_calendar)

    d = sub.add_parser("draw", help="双随机抽取：随机抽取场所并随机分配两人检查组（可复现）")
    d.add_argument("--places", required=True, help="候选场所编号，逗号分隔；或 @文件（每行一个）")
    d.add_argument("--inspectors", required=True, help="检查人员编号，逗号分隔；或 @文件（每行一个）")
    d.add_argument("--count", type=int, required=True, help="抽取场所数量")
    d.add_argument("--seed", help="随机种子（不给则自动生成并记录）")
    d.add_argument(
        "--exclude", action="append", default=[], metavar="人员:场所", help="回避：该人员不得检查该场所（可多次）"
    )
    d.add_argument("--out", help="把抽取记录保存为 JSON 文件")
    d.set_defaults(func=_draw)

    v = sub.add_parser("verify", help="核验双随机抽取记录（JSON）能否原样复现")
    v.add_argument("record", help="抽取记录 JSON 文件")
    v.set_defaults(func=_verify)

    a = sub.add_parser("accept", help="导入工作方案：生成本乡镇检查计划（检查表、重点时段）并保存为当前计划")
    a.add_argument("file", help="计划文件路径（.txt/.docx/.pdf）")
    add_db_argument(a)
    a.add_argument("--drop", default="", help="不纳入计划的行业领域，逗号分隔")
    a.add_argument("--year", type=int, help="计划年度（默认取计划中的年度）")
    a.add_argument("--json", action="store_true", help="以 JSON 输出")
    add_login_argument(a)
    a.set_defaults(func=_accept)

    t = sub.add_parser("tasks", help="月度任务清单：各网格本月应检查的场所和应复查的隐患")
    add_db_argument(t)
    t.add_argument("--month", required=True, help="月份，如 2026-12")
    t.add_argument("--grid", help="只列此网格（名称，或“村名 网格名”）")
    t.add_argument("--json", action="store_true", help="以 JSON 输出")
    t.set_defaults(func=_tasks)

    w = sub.add_parser("worksheet", help="打印网格巡查单（PDF）")
    add_db_argument(w)
    w.add_argument("--grid", required=True, help="网格名称，或“村名 网格名”")
    w.add_argument("--date", help="巡查日期，如 2026-11-24（默认明天）")
    w.add_argument("--out", required=True, help="输出 PDF 文件")
    w.set_defaults(func=_worksheet)

    r = sub.add_parser("draw-db", help="双随机抽查：从数据库的场所和持执法证人员中抽取，保存并打印抽取记录")
    add_db_argument(r)
    r.add_argument("--count", type=int, required=True, help="抽取场所数量")
    r.add_argument("--sector", help="只从此行业领域的场所中抽取")
    r.add_argument("--grid", help="只从此网格的场所中抽取")
    r.add_argument("--risk", choices=["红", "橙", "黄", "蓝"], help="只从此风险等级的场所中抽取")
    r.add_argument("--seed", help="随机种子（不给则自动生成并记录）")
    r.add_argument(
        "--exclude", action="append", default=[], metavar="执法证号:场所名称", help="回避：该人员不得检查该场所（名称或编号；可多次）"
    )
    r.add_argument("--by", default="", help="抽取人姓名（印在记录上）")
    r.add_argument("--out", required=True, help="抽取记录 PDF 文件")
    r.add_argument("--json", dest="json_out",
                   help="抽取记录 JSON 文件（可用 plan verify 复核；默认：与 PDF 同名、同一文件夹的 .json）")
    add_login_argument(r)
    r.set_defaults(func=_draw_db)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _parse(args: argparse.Namespace) -> int:
    from anquan_desk.core.plans.parse import parse_plan
    from anquan_desk.io.plan_text import PlanReadError, read_plan_text

    try:
        text = read_plan_text(args.file)
    except PlanReadError as exc:
        return fail(str(exc), 2)
    summary = parse_plan(text)
    if args.json:
        print_json(summary.to_dict())
        return 0
    out = sys.stdout
    out.write(f"计划文件：{args.file}\n")
    out.write(f"标题：{summary.title or '（未识别）'}\n")
    out.write(f"年度：{summary.year or '（未注明）'}\n")
    out.write(f"发文单位：{summary.issuer or '（未注明）'}\n")
    if summary.sectors:
        out.write(f"\n涉及行业领域（{len(summary.sectors)} 项）：\n")
        for n, finding in enumerate(summary.sectors, start=1):
            sample = finding.evidence[0]
            if len(sample) > 60:
                sample = sample[:60] + "…"
            out.write(f"  {n:>2}. {finding.sector}（{len(finding.evidence)} 处）例：{sample}\n")
    else:
        out.write("\n未找到明确的行业领域任务。\n")
    out.write("\n重点时段：" + ("、".join(summary.periods) if summary.periods else "（未提及）") + "\n")
    if summary.duties:
        out.write(f"\n常态化工作（{len(summary.duties)} 项）：\n")
        for duty in summary.duties:
            text_ = duty.text if len(duty.text) <= 70 else duty.text[:70] + "…"
            out.write(f"  【{duty.frequency}】{text_}\n")
    return 0


def _calendar(args: argparse.Namespace) -> int:
    from anquan_desk.core.plans.calendar import festival_dates, key_periods

    try:
        windows = key_periods(args.year)
        days = festival_dates(args.year)
    except ValueError as exc:
        return fail(str(exc), 2)
    if args.json:
        print_json(
            {
                "year": args.year,
                "festivals": {k: v.isoformat() for k, v in days.items()},
                "windows": [
                    {
                        "name": w.name,
                        "anchor": w.anchor.isoformat() if w.anchor else None,
                        "start": w.start.isoformat(),
                        "end": w.end.isoformat(),
                    }
                    for w in windows
                ],
            }
        )
        return 0
    print(f"{args.year} 年节日：" + "，".join(f"{k} {_md(v)}" for k, v in days.items()))
    print(f"\n{args.year} 年重点时段专项检查窗口：")
    for w in windows:
        anchor = f"（{_md(w.anchor)}）" if w.anchor else ""
        print(f"  {w.name}{anchor}：{w.start.isoformat()} 至 {w.end.isoformat()}")
    return 0


def _md(d: date) -> str:
    return f"{d.month}月{d.day}日"


def _id_list(value: str, what: str) -> list[str]:
    if value.startswith("@"):
        path = Path(value[1:])
        from anquan_desk.io.plan_text import PlanReadError, decode_text

        try:
            text, _ = decode_text(path.read_bytes())
        except (OSError, ValueError) as exc:
            raise PlanReadError(path, f"无法读取{what}名单（{exc}）") from exc
        return [line.strip() for line in text.splitlines() if line.strip()]
    return [part.strip() for part in value.replace("，", ",").split(",") if part.strip()]


def _draw(args: argparse.Namespace) -> int:
    from anquan_desk.core.plans.draw import DrawError, random_draw
    from anquan_desk.io.plan_text import PlanReadError

    try:
        places = _id_list(args.places, "场所")
        inspectors = _id_list(args.inspectors, "检查人员")
    except PlanReadError as exc:
        return fail(str(exc), 2)
    exclusions: list[tuple[str, str]] = []
    for item in args.exclude:
        inspector, sep, place = item.replace("：", ":").partition(":")
        if not sep or not inspector.strip() or not place.strip():
            return fail(f"回避设置“{item}”格式不对，应为 人员编号:场所编号", 2)
        exclusions.append((inspector.strip(), place.strip()))
    try:
        record = random_draw(places, inspectors, args.count, seed=args.seed, exclusions=exclusions)
    except DrawError as exc:
        return fail(str(exc), 2)
    if args.out:
        Path(args.out).write_text(record.to_json() + "\n", encoding="utf-8")
    print(f"随机种子：{record.seed}")
    print(f"输入摘要（SHA-256）：{record.input_digest}")
    print(f"从 {len(record.places)} 个候选场所中抽取 {record.count} 个：")
    for n, a in enumerate(record.assignments, start=1):
        print(f"  {n:>3}. {a.place}  检查组：{a.inspectors[0]}、{a.inspectors[1]}")
    if args.out:
        print(f"抽取记录已保存：{args.out}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    from anquan_desk.core.plans.draw import DrawError, DrawRecord, verify_draw

    try:
        record = DrawRecord.from_json(Path(args.record).read_text(encoding="utf-8"))
    except OSError as exc:
        return fail(f"无法读取抽取记录“{args.record}”（{exc.strerror or exc}）", 2)
    except (DrawError, UnicodeDecodeError) as exc:
        return fail(f"抽取记录“{args.record}”：{exc}", 2)
    if verify_draw(record):
        print(f"核验通过：种子 {record.seed} 与输入摘要 {record.input_digest[:16]}… 可原样复现该抽取结果。")
        return 0
    return fail(f"核验不通过：抽取记录“{args.record}”与按其种子和输入重新抽取的结果不一致（记录可能被改动）。", 1)


# --------------------------------------------------------------------------- verbs on a database


def _accept(args: argparse.Namespace) -> int:
    from anquan_desk.cli.common import desk_for
    from anquan_desk.core.errors import AnquanError
    from anquan_desk.core.plans.programme import build_programme
    from anquan_desk.io.plan_text import PlanReadError
    from anquan_desk.services import plans

    try:
        summary = plans.read_plan(args.file)
    except PlanReadError as exc:
        return fail(str(exc), 2)
    drop = {p.strip() for p in args.drop.replace("，", ",").split(",") if p.strip()}
    unknown = drop - set(summary.sector_names)
    if unknown:
        return fail(f"计划中没有行业领域“{'、'.join(sorted(unknown))}”", 2)
    try:
        programme = build_programme(
            summary, sectors=[s for s in summary.sector_names if s not in drop], year=args.year
        )
        with desk_for(args, login=True) as desk:
            plans.accept_programme(desk, programme)
    except AnquanError as exc:
        return fail(str(exc), 2)
    if args.json:
        print_json(programme.to_dict())
        return 0
    print(f"已保存检查计划：{summary.title or args.file}（{programme.year} 年）")
    for plan in programme.sectors:
        names = "、".join(c.name for c in plan.checklists) if plan.checklists else plan.note
        print(f"  {plan.sector}：{names}")
    print("重点时段专项检查：")
    for window in programme.calendar:
        print(f"  {window.name}：{window.start.isoformat()} 至 {window.end.isoformat()}")
    for name in programme.undated_periods:
        print(f"  {name}：按实际安排")
    return 0


def _tasks(args: argparse.Namespace) -> int:
    from anquan_desk.cli.common import desk_for
    from anquan_desk.core.errors import AnquanError
    from anquan_desk.core.plans.tasks import parse_month
    from anquan_desk.services import plans
    from anquan_desk.services.inspections import shown_hazard_code
    from anquan_desk.services.laptops import laptops

    try:
        year, month = parse_month(args.month)
        with desk_for(args) as desk:
            grid_id = plans.grid_id_of(desk, args.grid) if args.grid else None
            tasks = plans.tasks_for_month(desk, year, month, grid_id=grid_id)
            known = laptops(desk)  # hazard numbers name the laptop, not its code
    except AnquanError as exc:
        return fail(str(exc), 2)
    if args.json:
        print_json(tasks.to_dict())
        return 0
    freq = "，".join(f"{c} 每{n}个月" if n > 1 else f"{c} 每月" for c, n in tasks.frequency.items())
    print(f"{year} 年 {month} 月检查任务（检查周期：{freq}）")
    if tasks.periods:
        print("本月重点时段：" + "；".join(f"{w.name} {w.start.isoformat()}至{w.end.isoformat()}" for w in tasks.periods))
    if tasks.plan_sectors:
        print("计划重点领域（★）：" + "、".join(tasks.plan_sectors))
    print(f"共 {tasks.place_count} 处场所，{len(tasks.grids)} 个网格")
    for grid in tasks.grids:
        print(f"\n【{grid.label}】{len(grid.places)} 处")
        for n, p in enumerate(grid.places, start=1):
            last = p.last_inspected.isoformat() if p.last_inspected else "从未检查"
            star = "★" if p.priority else " "
            print(f"  {n:>3}.{star}{p.name}（{p.risk_color}，上次 {last}）{'、'.join(p.reasons)}")
            for h in p.hazards:
                deadline = h.deadline.isoformat() if h.deadline else "立即整改"
                late = "，已逾期" if h.overdue else ""
                print(f"        复查 {shown_hazard_code(h.code, known)}：{h.description}（期限 {deadline}{late}）")
    return 0


def _worksheet(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from anquan_desk.cli.common import desk_for
    from anquan_desk.core.errors import AnquanError
    from anquan_desk.services import plans

    try:
        day = date.fromisoformat(args.date) if args.date else date.today() + timedelta(days=1)
    except ValueError:
        return fail(f"日期“{args.date}”格式不对，应为 年-月-日，如 2026-11-24", 2)
    try:
        with desk_for(args) as desk:
            result = plans.worksheet_pdf(desk, plans.grid_id_of(desk, args.grid), day)
    except AnquanError as exc:
        return fail(str(exc), 2)
    try:
        Path(args.out).write_bytes(result.pdf)
    except OSError as exc:
        return fail(f"无法写入“{args.out}”（{exc.strerror or exc}）", 2)
    sheet = result.sheet
    print(f"已生成 {sheet.title}（{day.isoformat()}，{len(sheet.rows)} 处场所）：{args.out}")
    return 0


def _exclusions(items: list[str], pool: Sequence[PlaceCandidate]) -> list[tuple[str, str]]:
    """``执法证号:场所名称`` (or place id) → (执法证号, place id) pairs; a name shared by several
    places excludes them all. A malformed item or an unknown place is a :class:`_BadOption`."""
    by_name: dict[str, list[str]] = {}
    for c in pool:
        by_name.setdefault(c.name, []).append(c.id)
        by_name.setdefault(c.id, []).append(c.id)
    exclusions: list[tuple[str, str]] = []
    for item in items:
        cert, sep, place = item.replace("：", ":").partition(":")
        if not sep or not cert.strip() or not place.strip():
            raise _BadOption(f"回避设置“{item}”格式不对，应为 执法证号:场所名称")
        ids = by_name.get(place.strip(), [])
        if not ids:
            raise _BadOption(f"回避设置“{item}”：抽取范围内没有场所“{place.strip()}”")
        exclusions.extend((cert.strip(), pid) for pid in ids)
    return exclusions


class _BadOption(Exception):
    """A command-line option that cannot be used (message in Chinese)."""


def _draw_db(args: argparse.Namespace) -> int:
    from anquan_desk.cli.common import desk_for
    from anquan_desk.core.errors import AnquanError
    from anquan_desk.core.plans.draws import DrawScope
    from anquan_desk.services import plans
    try:
        with desk_for(args, login=True) as opened:
            # The record names the drawer given by --by (blank without it); the login signs it.
            desk = opened.as_actor(replace(opened.actor, name=args.by))
            grid_id = plans.grid_id_of(desk, args.grid) if args.grid else None
            scope = DrawScope(sector=args.sector, grid_id=grid_id, risk_color=args.risk)
            try:
                exclusions = _exclusions(args.exclude, plans.draw_pool(desk, scope))
            except _BadOption as exc:
                return fail(str(exc), 2)
            stored = plans.draw_lots(desk, scope=scope, count=args.count, exclusions=exclusions, seed=args.seed)
            pdf = plans.draw_record_pdf(desk, stored)
    except AnquanError as exc:
        return fail(str(exc), 2)
    out = Path(args.out)
    json_out = Path(args.json_out) if args.json_out else out.with_suffix(".json")
    try:
        out.write_bytes(pdf)
        json_out.write_text(stored.record.to_json() + "\n", encoding="utf-8")
    except OSError as exc:
        return fail(f"无法写入文件（{exc.strerror or exc}）", 2)
    record = stored.record
    print(f"抽取人：{args.by}" if args.by else "抽取人：未指定（记录上留待签字；可用 --by 姓名 印在记录上）")
    print(f"随机种子：{record.seed}")
    print(f"输入摘要（SHA-256）：{record.input_digest}")
    print(f"范围：{stored.scope}；从 {len(record.places)} 处场所中抽取 {record.count} 处：")
    for n, a in enumerate(record.assignments, start=1):
        pair = "、".join(stored.inspector_label(c) for c in a.inspectors)
        print(f"  {n:>3}. {stored.place_name(a.place)}  检查组：{pair}")
    print(f"抽取记录已保存到数据库，并打印到：{out}")
    print(f"复核用的抽取记录 JSON：{json_out}（命令：anquan-desk plan verify {json_out}）")
    return 0
