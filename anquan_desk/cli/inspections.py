"""``anquan-desk inspections``: list the checks with their short ids (for ``doc render --inspection``),
and do a whole check from the command line — ``start``, ``answer`` (one item, or a file of answers),
``items`` (what is answered so far) and ``finish`` — on the same services as the inspection screen.

The rules (two inspectors, a 不合格 brings its pre-filled hazard, 五落实 for a 重大 hazard, the
responsible person's signature or a recorded refusal) are the services'; this module only turns
arguments and rows of a file into their inputs. A file of answers is saved all or none.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from anquan_desk.cli.common import add_db_argument, add_login_argument, desk_for, fail, print_json
from anquan_desk.core.attachments import prepare_png
from anquan_desk.core.errors import AnquanError, UserInputError
from anquan_desk.core.vocabulary import HazardGrade, InspectionMethod, InspectionStatus, ItemOutcome
from anquan_desk.io.tabular import PLACE_LIMITS, cell_text, open_table_file
from anquan_desk.services import inspections as svc
from anquan_desk.services import lookup
from anquan_desk.services.desk import Desk
from anquan_desk.services.users import find_user

OUTCOMES = [o.value for o in ItemOutcome]
GRADES = [g.value for g in HazardGrade]

#: A file of answers: a few hundred rows at most (a check has 10–60 items).
ANSWER_LIMITS = dataclasses.replace(
    PLACE_LIMITS,
    what="答案表",
    advice="一次检查的答案表不会有这么多内容，请确认选对了文件",
    max_rows=2_000,
    max_sheet_rows=5_000,
    max_columns=40,
    max_cells=80_000,
)

#: Columns of a file of answers: field → the header names accepted (English or Chinese).
ANSWER_COLUMNS: dict[str, tuple[str, ...]] = {
    "item": ("item", "检查项", "检查项编号", "编号"),
    "result": ("result", "结果", "检查结果"),
    "note": ("note", "备注", "说明"),
    "location": ("location", "部位", "隐患部位"),
    "description": ("description", "隐患描述", "描述"),
    "grade": ("grade", "等级", "隐患等级"),
    "deadline": ("deadline", "整改期限", "期限"),
    "requirement": ("requirement", "measure", "整改要求", "整改措施"),
    "photo": ("photo", "photos", "照片"),
    "fl_responsibility": ("fl_responsibility", "五落实责任"),
    "fl_measures": ("fl_measures", "五落实措施"),
    "fl_funds": ("fl_funds", "五落实资金"),
    "fl_deadline": ("fl_deadline", "五落实时限"),
    "fl_plan": ("fl_plan", "五落实预案"),
}
HAZARD_TEXT_FIELDS = ("location", "description", "requirement", "fl_responsibility", "fl_measures",
                      "fl_funds", "fl_plan")
PHOTO_SEPARATORS = re.compile(r"[;；|]")


class _BadInput(UserInputError):
    """An argument or a row of a file of answers that cannot be used (Chinese, naming it)."""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("inspections", help="检查记录：列出（含短编号）；在命令行中开始、填写、完成一次现场检查")
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

    v = verbs.add_parser(
        "start",
        help="开始一次现场检查（草稿）：登录者与 --with 指定的同事为检查人员；列出待填写的检查项",
        description="开始一次现场检查。现场检查须由两名及以上检查人员进行：登录的用户和 --with 指定的同事。"
        "不指定 --checklist 时使用适合该场所的检查表。",
    )
    v.add_argument("--place", required=True, metavar="场所", help="场所名称（或其中能唯一确定场所的几个字）或场所编号")
    v.add_argument("--checklist", action="append", default=[], metavar="代码",
                   help="检查表代码，如 NINE-FOOD；可重复。默认：适合该场所的检查表")
    v.add_argument("--with", dest="colleagues", action="append", default=[], metavar="用户名",
                   help="同行检查人员的用户名；可重复")
    v.add_argument("--method", choices=[m.value for m in InspectionMethod],
                   default=InspectionMethod.FOUR_NO_TWO_DIRECT.value, help="检查方式（默认：四不两直）")
    v.add_argument("--accompanying", default="", metavar="姓名", help="陪同人员（默认：场所负责人）")
    v.add_argument("--json", action="store_true", help="以 JSON 输出检查编号和检查项")
    add_db_argument(v)
    add_login_argument(v)
    v.set_defaults(func=cmd_start)

    v = verbs.add_parser("items", help="列出一次检查的检查项及已填写的结果")
    v.add_argument("reference", help="检查的短编号（inspections list 所列）或完整编号")
    v.add_argument("--todo", action="store_true", help="只列出尚未填写结果的检查项")
    v.add_argument("--json", action="store_true", help="以 JSON 输出")
    add_db_argument(v)
    v.set_defaults(func=cmd_items)

    v = verbs.add_parser(
        "answer",
        help="填写检查项结果（不合格即记录隐患，可写部位、描述、等级、期限、照片）；或用 --from 从答案表一次填写多项",
        description="填写一项（--item、--result）或用 --from 读入答案表（.csv 或 .xlsx，第一行为列名："
        "item/检查项、result/结果，可选 note/备注、location/部位、description/隐患描述、grade/等级、"
        "deadline/整改期限（日期或天数）、requirement/整改要求、photo/照片（多张用 ; 分隔，相对答案表所在文件夹）、"
        "fl_responsibility/五落实责任、fl_measures/五落实措施、fl_funds/五落实资金、fl_deadline/五落实时限、"
        "fl_plan/五落实预案）。答案表中任何一行有误时，一项也不保存。",
    )
    v.add_argument("reference", help="检查的短编号（inspections start/list 所列）或完整编号")
    v.add_argument("--item", metavar="编号", help="检查项编号（inspections start/items 所列），如 NINE-FOOD-02")
    v.add_argument("--result", choices=OUTCOMES, help="检查结果")
    v.add_argument("--note", default="", help="备注")
    v.add_argument("--location", help="隐患部位（仅不合格）")
    v.add_argument("--description", help="隐患描述（仅不合格；默认为检查表中的标准表述）")
    v.add_argument("--grade", choices=GRADES, help="隐患等级（仅不合格；默认为检查表所定）")
    v.add_argument("--deadline", metavar="日期或天数",
                   help="整改期限：YYYY-MM-DD，或检查之日起的天数（0 为立即整改）；仅不合格")
    v.add_argument("--requirement", "--measure", dest="requirement", metavar="文字", help="整改要求/措施（仅不合格）")
    v.add_argument("--photo", action="append", default=[], metavar="文件", help="隐患照片（或照片所在文件夹）；可重复")
    v.add_argument("--fl-responsibility", metavar="文字", help="五落实·责任（重大隐患须填）")
    v.add_argument("--fl-measures", metavar="文字", help="五落实·措施（重大隐患须填）")
    v.add_argument("--fl-funds", metavar="文字", help="五落实·资金（重大隐患须填）")
    v.add_argument("--fl-deadline", metavar="YYYY-MM-DD", help="五落实·时限（重大隐患须填）")
    v.add_argument("--fl-plan", metavar="文字", help="五落实·预案（重大隐患须填）")
    v.add_argument("--from", dest="answers_file", metavar="答案表", help="从答案表（.csv 或 .xlsx）一次填写多项")
    add_db_argument(v)
    add_login_argument(v)
    v.set_defaults(func=cmd_answer)

    v = verbs.add_parser(
        "finish",
        help="完成检查：被检查单位负责人签字（签名图片）或记录拒签；完成后不能再修改",
        description="完成检查。须所有检查项都已填写、重大隐患已落实“五落实”，并有负责人签字（--signature）"
        "或拒签记录（--refused 原因 --witness 见证人）。不能完成时列出尚缺的内容。",
    )
    v.add_argument("reference", help="检查的短编号或完整编号")
    v.add_argument("--signature", metavar="PNG", help="被检查单位负责人的签名图片（PNG）")
    v.add_argument("--signer", default="", metavar="姓名", help="签字人姓名（默认：场所负责人）")
    v.add_argument("--refused", default="", metavar="原因", help="负责人拒绝签字时：拒签原因")
    v.add_argument("--witness", default="", metavar="见证人", help="拒签时的见证人姓名及身份")
    v.add_argument("--findings", metavar="文字", help="检查情况（写入现场检查记录）")
    add_db_argument(v)
    add_login_argument(v)
    v.set_defaults(func=cmd_finish)


# --- list / show --------------------------------------------------------------------------------


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


# --- start --------------------------------------------------------------------------------------


def _templates(choices: svc.StartChoices, codes: Sequence[str]) -> list[svc.TemplateChoice]:
    if not codes:
        chosen = [t for t in choices.templates if t.id in choices.preselected]
        if not chosen:
            raise _BadInput(f"没有适合“{choices.place_name}”的检查表，请用 --checklist 指定，可选：{_codes(choices)}。")
        return chosen
    by_code = {t.code.upper(): t for t in choices.templates}
    chosen = []
    for code in dict.fromkeys(c.strip().upper() for c in codes):
        template = by_code.get(code)
        if template is None:
            raise _BadInput(f"没有代码为“{code}”的检查表（或已停用），可选：{_codes(choices)}。")
        chosen.append(template)
    return chosen


def _codes(choices: svc.StartChoices) -> str:
    return "、".join(f"{t.code}（{t.name}）" for t in choices.templates)


def _inspector_ids(desk: Desk, choices: svc.StartChoices, usernames: Sequence[str]) -> list[str]:
    allowed = {i.id for i in choices.inspectors}
    ids = [desk.actor.user_id] if desk.actor.user_id else []
    for username in usernames:
        user = find_user(desk, username)
        if user.id not in allowed:
            raise _BadInput(f"用户“{user.username}”（{user.name}）不能作为检查人员（账号已停用或为只读用户）。")
        ids.append(user.id)
    if len(dict.fromkeys(ids)) < svc.MIN_INSPECTORS:
        raise _BadInput("现场检查须由两名及以上检查人员进行：请用 --with 用户名 指定同行的检查人员。")
    return ids


def cmd_start(args: argparse.Namespace) -> int:
    try:
        with desk_for(args, login=True) as desk:
            place_id = lookup.resolve_place(desk, args.place)
            choices = svc.start_choices(desk, place_id)
            templates = _templates(choices, args.checklist)
            people = _inspector_ids(desk, choices, args.colleagues)
            inspection_id = svc.start_draft(
                desk, place_id=place_id, inspector_ids=people, template_ids=[t.id for t in templates],
                method=args.method, accompanying_person=args.accompanying,
            )
            view = svc.inspection_view(desk, inspection_id)
    except AnquanError as exc:
        return fail(str(exc))
    short = lookup.short_id(inspection_id)
    if args.json:
        print_json({
            "id": inspection_id, "short_id": short, "place": view.place_name, "address": view.place_address,
            "inspectors": [p.name for p in view.participants], "checklists": [t.code for t in templates],
            "items": [{"code": i.code, "checklist": i.template_code, "content": i.content} for i in view.items],
        })
        return 0
    print(f"已开始检查 {short}：{view.place_name}（{view.place_address}），"
          f"检查人员：{'、'.join(p.name for p in view.participants)}；"
          f"检查表：{'、'.join(t.code for t in templates)}。")
    print(f"待填写的检查项共 {len(view.items)} 项：")
    print("编号\t检查内容")
    for item in view.items:
        print(f"{item.code}\t{item.content}")
    print(f"填写结果：anquan-desk inspections answer {short} --item 编号 --result 合格|不合格|不涉及；"
          f"全部填写后：anquan-desk inspections finish {short} --signature 签名.png")
    return 0


# --- items --------------------------------------------------------------------------------------


def cmd_items(args: argparse.Namespace) -> int:
    try:
        with desk_for(args) as desk:
            view = svc.inspection_view(desk, lookup.resolve_inspection(desk, args.reference))
    except AnquanError as exc:
        return fail(str(exc))
    items = [i for i in view.items if not (args.todo and i.outcome)]
    if args.json:
        print_json([
            {"code": i.code, "checklist": i.template_code, "content": i.content, "result": i.outcome,
             "note": i.note, "hazard": i.hazard_id}
            for i in items
        ])
        return 0
    state = view.progress
    print(f"检查 {lookup.short_id(view.id)}（{view.status}）：{view.place_name}，共 {state.total} 项，"
          f"已填写 {state.answered} 项，不合格 {state.failed} 项，隐患 {state.hazards} 处。")
    if not items:
        print("所有检查项都已填写。" if args.todo else "这次检查没有检查项。")
        return 0
    print("编号\t结果\t检查内容")
    for i in items:
        print(f"{i.code}\t{i.outcome or '未填写'}\t{i.content}")
    return 0


# --- answer -------------------------------------------------------------------------------------


def _item_ids(view: svc.InspectionView) -> dict[str, str]:
    """Item code (upper case) → item id; a code two checklists share is named 检查表代码/项编号."""
    ids: dict[str, str] = {}
    seen: dict[str, int] = {}
    for item in view.items:
        code = item.code.upper()
        seen[code] = seen.get(code, 0) + 1
        ids[f"{item.template_code.upper()}/{code}"] = item.item_id
        ids[code] = item.item_id
    for code, count in seen.items():
        if count > 1:
            del ids[code]
    return ids


def _item_id(ids: dict[str, str], code: str, view: svc.InspectionView) -> str:
    found = ids.get(code.strip().upper())
    if found is None:
        shared = [f"{i.template_code}/{i.code}" for i in view.items if i.code.upper() == code.strip().upper()]
        if shared:
            raise _BadInput(f"检查项编号“{code}”在几张检查表中都有，请写成 {' 或 '.join(shared)}。")
        raise _BadInput(f"这次检查没有编号为“{code}”的检查项（用 inspections items {lookup.short_id(view.id)} 查看）。")
    return found


def _deadline(text: str, what: str = "整改期限") -> tuple[date | None, int | None]:
    """A deadline as typed: a date (YYYY-MM-DD) or a number of days after the check's start."""
    value = text.strip()
    if re.fullmatch(r"\d{1,4}", value):
        return None, int(value)
    try:
        return date.fromisoformat(value), None
    except ValueError:
        raise _BadInput(f"{what}“{text}”无效：应为日期（如 2026-07-01）或天数（如 15）。") from None


def _day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise _BadInput(f"{what}“{text}”无效：应为日期，如 2026-07-01。") from None


def _answer_input(
    item_id: str, values: dict[str, str], photos: Sequence[Path], label: str,
    at: Callable[[str], str] | None = None,
) -> svc.AnswerInput:
    """Turn the typed values of one answer into the service's input (photos read first: an
    unreadable file stops everything before anything is saved). ``at(field)`` says where a field
    is (a file's row and column) in an error; without it the error names the answer (``label``)."""

    def where(key: str) -> str:
        return at(key) if at is not None else label

    result = values.get("result", "").strip()
    if result not in OUTCOMES:
        raise _BadInput(f"{where('result')}：结果应为{'、'.join(OUTCOMES)}之一，而不是“{result}”。")
    fields: dict[str, Any] = {key: values[key] for key in HAZARD_TEXT_FIELDS if values.get(key, "").strip()}
    grade = values.get("grade", "").strip()
    if grade:
        if grade not in GRADES:
            raise _BadInput(f"{where('grade')}：隐患等级应为{'或'.join(GRADES)}，而不是“{grade}”。")
        fields["grade"] = grade
    days: int | None = None
    try:
        if values.get("deadline", "").strip():
            day, days = _deadline(values["deadline"])
            if day is not None:
                fields["deadline"] = day
    except AnquanError as exc:
        raise _BadInput(f"{where('deadline')}：{exc}") from exc
    try:
        if values.get("fl_deadline", "").strip():
            fields["fl_deadline"] = _day(values["fl_deadline"], "五落实·时限")
    except AnquanError as exc:
        raise _BadInput(f"{where('fl_deadline')}：{exc}") from exc
    try:
        prepared = svc.prepare_photos(photos) if photos else ()
    except AnquanError as exc:
        raise _BadInput(f"{where('photo')}：{exc}") from exc
    return svc.AnswerInput(item_id=item_id, outcome=result, note=values.get("note", "").strip(),
                           hazard_fields=fields, deadline_days=days, photos=tuple(prepared), label=label)


def _one_answer(args: argparse.Namespace, view: svc.InspectionView) -> list[svc.AnswerInput]:
    if not args.item or not args.result:
        raise _BadInput("请用 --item 和 --result 填写一项，或用 --from 读入答案表。")
    code = args.item.strip()
    item_id = _item_id(_item_ids(view), code, view)
    values = {key: getattr(args, key) or "" for key in
              ("result", "note", "location", "description", "grade", "deadline", "requirement",
               "fl_responsibility", "fl_measures", "fl_funds", "fl_deadline", "fl_plan")}
    return [_answer_input(item_id, values, [Path(p) for p in args.photo], f"检查项 {code}")]


def _columns(headers: Sequence[str], file: Path) -> dict[str, int]:
    names = {name.lower(): key for key, aliases in ANSWER_COLUMNS.items() for name in aliases}
    columns: dict[str, int] = {}
    for index, header in enumerate(headers):
        if not header:
            continue
        key = names.get(header.strip().lower())
        if key is None:
            accepted = "、".join("/".join(aliases[:2]) for aliases in ANSWER_COLUMNS.values())
            raise _BadInput(f"答案表“{file.name}”第 1 行的列名“{header}”无法识别；可用的列名：{accepted}。")
        if key in columns:
            raise _BadInput(f"答案表“{file.name}”中“{header}”这一列出现了两次。")
        columns[key] = index
    for required in ("item", "result"):
        if required not in columns:
            raise _BadInput(f"答案表“{file.name}”缺少“{'/'.join(ANSWER_COLUMNS[required][:2])}”列。")
    return columns


def _file_answers(file: Path, view: svc.InspectionView) -> list[svc.AnswerInput]:
    with open_table_file(file, ANSWER_LIMITS) as book:
        sheet = book.read_sheet(next(s for s in book.sheets if s.visible))
    numbers = sorted(sheet.rows)
    if not numbers:
        raise _BadInput(f"答案表“{file.name}”是空的。")
    header_row = numbers[0]
    headers = [cell_text(v) for v in sheet.rows[header_row]]
    columns = _columns(headers, file)
    sheet_name = sheet.title
    ids = _item_ids(view)
    answers: list[svc.AnswerInput] = []
    first_row: dict[str, int] = {}
    for number in numbers[1:]:
        row = sheet.rows[number]
        values = {key: cell_text(row[index]) if index < len(row) else "" for key, index in columns.items()}
        if not any(v.strip() for v in values.values()):
            continue
        code = values["item"].strip()
        label = f"答案表“{file.name}”工作表“{sheet_name}”第 {number} 行（{code or '未写检查项'}）"

        def at(key: str, number: int = number, code: str = code) -> str:
            if key not in columns:
                return f"答案表“{file.name}”工作表“{sheet_name}”第 {number} 行（{code}）"
            column = columns[key]
            return (f"答案表“{file.name}”工作表“{sheet_name}”第 {number} 行 {get_column_letter(column + 1)} 列"
                    f"（{headers[column]}）")

        if not code:
            raise _BadInput(f"{at('item')}：没有填写检查项编号。")
        try:
            item_id = _item_id(ids, code, view)
        except _BadInput as exc:
            raise _BadInput(f"{at('item')}：{exc}") from exc
        if item_id in first_row:
            raise _BadInput(f"{label}：这个检查项在第 {first_row[item_id]} 行已经填写过。")
        first_row[item_id] = number
        photos = [file.parent / p.strip() for p in PHOTO_SEPARATORS.split(values.get("photo", "")) if p.strip()]
        answers.append(_answer_input(item_id, values, photos, label, at))
    if not answers:
        raise _BadInput(f"答案表“{file.name}”除列名外没有内容。")
    return answers


def _said(answer: svc.AnswerSaved, code: str) -> str:
    hazard = answer.hazard
    if hazard is None:
        return f"已记录 {code}：{answer.outcome}。"
    deadline = hazard.deadline.isoformat() if hazard.deadline else "未定"
    where = f"，部位：{hazard.location}" if hazard.location else ""
    return (f"已记录 {code}：不合格，隐患 {svc.shown_hazard_code(hazard.code)}（{hazard.grade}）："
            f"{hazard.description}{where}，整改期限 {deadline}。")


def cmd_answer(args: argparse.Namespace) -> int:
    if args.answers_file and (args.item or args.result):
        return fail("--from 与 --item/--result 不能同时使用：答案表中每行写一项。")
    try:
        with desk_for(args, login=True) as desk:
            inspection_id = lookup.resolve_inspection(desk, args.reference)
            view = svc.inspection_view(desk, inspection_id)
            if view.read_only:
                raise _BadInput(f"检查 {lookup.short_id(inspection_id)} {view.status}，不能再填写；如需更正，请在程序中“更正检查记录”。")
            if args.answers_file:
                answers = _file_answers(Path(args.answers_file), view)
            else:
                answers = _one_answer(args, view)
            saved = svc.save_answers(desk, inspection_id, answers)
    except AnquanError as exc:
        return fail(str(exc))
    codes = {i.item_id: i.code for i in view.items}
    for answer in saved:
        print(_said(answer, codes[answer.item_id]))
        hazard = answer.hazard
        if hazard is not None and hazard.grade == HazardGrade.MAJOR.value:
            missing = [label for key, label in svc.FIVE_IMPLEMENTATIONS.items() if not getattr(hazard, key)]
            if missing:
                print(f"  重大隐患须落实“五落实”，尚缺：{'、'.join(missing)}（--fl-responsibility、--fl-measures、"
                      "--fl-funds、--fl-deadline、--fl-plan，或答案表的五落实列）。")
    state = saved[-1].progress
    short = lookup.short_id(inspection_id)
    print(f"共 {state.total} 项，已填写 {state.answered} 项，隐患 {state.hazards} 处。", end="")
    if state.remaining:
        print(f"还有 {state.remaining} 项未填写（inspections items {short} --todo 查看）。")
    else:
        print(f"全部填写完毕，可完成检查：anquan-desk inspections finish {short} --signature 签名.png")
    return 0


# --- finish -------------------------------------------------------------------------------------


def _signature(path: str) -> bytes:
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise _BadInput(f"无法读取签名图片“{file}”（{exc.strerror or exc}）。") from exc
    try:
        prepare_png(data)
    except Exception as exc:  # Pillow: not a PNG, truncated …
        raise _BadInput(f"签名图片“{file}”不是可用的 PNG 图片（请用手写板或手机签名后保存为 PNG）。") from exc
    return data


def cmd_finish(args: argparse.Namespace) -> int:
    if args.signature and args.refused:
        return fail("签名图片与拒签不能同时给出：负责人签了字，就不是拒签。")
    try:
        signature = _signature(args.signature) if args.signature else None
        with desk_for(args, login=True) as desk:
            inspection_id = lookup.resolve_inspection(desk, args.reference)
            view = svc.inspection_view(desk, inspection_id)
            if view.read_only:
                raise _BadInput(f"检查 {lookup.short_id(inspection_id)} {view.status}，无需再完成。")
            missing = list(svc.unfinished_reasons(desk, inspection_id))
            if signature is None and not args.refused.strip():
                missing.append("须有被检查单位负责人签字（--signature 签名.png），"
                               "或记录拒签（--refused 原因 --witness 见证人）。")
            if missing:
                shown = "\n".join(f"  {n}. {text}" for n, text in enumerate(missing, start=1))
                raise _BadInput(f"检查 {lookup.short_id(inspection_id)} 还不能完成，尚缺：\n{shown}")
            svc.finish_check(desk, inspection_id, signer_name=args.signer, signature_png=signature,
                             refusal_reason=args.refused, refusal_witness=args.witness, findings=args.findings)
            summary = svc.finish_summary(desk, inspection_id)
    except AnquanError as exc:
        return fail(str(exc))
    state = summary.progress
    short = lookup.short_id(inspection_id)
    signed = f"负责人 {summary.signer_name} 已签字" if signature is not None else "负责人拒绝签字（已记录原因和见证人）"
    print(f"检查 {short} 已完成：共检查 {state.total} 项，不合格 {state.failed} 项，发现隐患 {state.hazards} 处；{signed}。")
    if state.hazards:
        print(f"出具整改通知书：anquan-desk doc render --inspection {short} --type notice --out 通知书.pdf")
    return 0
