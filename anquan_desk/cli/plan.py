"""``anquan-desk plan …``: read a district work plan, show the key-period calendar, make and
verify a reproducible 双随机 draw."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from anquan_desk.cli.common import fail, print_json


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
