"""Checklist templates as Excel workbooks: export one template, import one back.

Export writes an office-looking sheet: a title row, metadata rows (模板编号, 检查表名称, 行业领域,
九小场所类别, 版本), a note, then the item table under the header 编号 · 检查内容 · 检查要点/方法 ·
隐患描述（标准用语） · 依据 · 默认等级 · 判定为重大的情形 · 整改要求 · 整改期限（天，0=立即）.

Import finds the header wherever it is (below title rows, columns in any order, synonyms, via
``anquan_desk.io.tabular``), reads the metadata above it, checks every row and refuses the whole
file with ``ChecklistImportError`` (a ``FileInputError`` naming file, sheet, row and column) on
any problem — nothing is written then. A valid file becomes a new version of the template with
the same code, or a new township template.

The file is checked and streamed within ``CHECKLIST_LIMITS`` (a zip bomb, a cell at XFD1048576 or a
million rows is refused within a second); a cell whose text cannot be stored faithfully (a control
character, a bidi override), a formula whose result was never saved and an error value (#N/A) are
problems of their row and column like any other.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from anquan_desk.core.checklists.library import GRADES
from anquan_desk.core.checklists.store import FIELD_LABELS, ItemFields, TemplateDetail
from anquan_desk.core.errors import FileInputError, Location
from anquan_desk.core.progress import NO_PROGRESS, Progress
from anquan_desk.io.tabular import (
    CHECKLIST_LIMITS,
    CellValue,
    ImportFileError,
    Row,
    Sheet,
    cell_text,
    column_letter,
    find_header,
    header_key,
    open_workbook,
    read_table,
    text_hazard,
)

__all__ = [
    "COLUMNS",
    "ChecklistImportError",
    "ParsedChecklist",
    "export_checklist_xlsx",
    "read_checklist_xlsx",
]

#: Item columns in export order.
COLUMNS: tuple[str, ...] = (
    "code", "content", "method", "hazard_text", "basis", "default_grade", "major_conditions", "requirement",
    "deadline_days",
)
REQUIRED: tuple[str, ...] = ("content", "hazard_text", "basis", "default_grade", "requirement", "deadline_days")
_WIDTHS = {"code": 14, "content": 40, "method": 28, "hazard_text": 32, "basis": 32, "default_grade": 9,
           "major_conditions": 28, "requirement": 32, "deadline_days": 11}

SYNONYMS: Mapping[str, Sequence[str]] = {
    "code": ("编号", "条目编号", "检查项编号", "项目编号", "代码"),
    "content": ("检查内容", "检查项目", "检查事项", "检查标准", "检查内容及标准", "检查内容及要求", "内容"),
    "method": ("检查要点/方法", "检查要点", "检查方法", "检查要点及方法", "要点", "方法"),
    "hazard_text": ("隐患描述(标准用语)", "隐患描述", "隐患表述", "标准用语", "隐患内容", "问题描述", "存在问题"),
    "basis": ("依据", "检查依据", "法律依据", "法规依据", "依据条款", "判定依据"),
    "default_grade": ("默认等级", "隐患等级", "默认隐患等级", "等级", "级别"),
    "major_conditions": ("判定为重大的情形", "重大隐患情形", "判定为重大隐患的情形", "重大情形", "重大隐患判定"),
    "requirement": ("整改要求", "整改措施", "整改意见"),
    "deadline_days": ("整改期限(天,0=立即)", "整改期限", "整改时限", "整改天数", "期限"),
}

_META_LABELS: Mapping[str, Sequence[str]] = {
    "code": ("模板编号", "检查表编号"),
    "name": ("检查表名称", "模板名称", "名称"),
    "sector": ("行业领域", "领域", "行业"),
    "kind": ("九小场所类别", "场所类别", "类别"),
    "version": ("版本", "版本号"),
}
_META_ORDER = ("code", "name", "sector", "kind", "version")
_NO_KIND = ("", "不限", "无", "—", "-", "/")
_FOOTER_WORDS = ("注", "说明", "备注", "检查人", "填表", "签字", "日期", "被检查")
_DEADLINE_RE = re.compile(r"^(\d+)\s*(?:天|日)?\s*(?:内)?\s*(?:整改)?(?:完毕|完成)?$")
_IMMEDIATE = ("立即", "立即整改", "当场", "当场整改", "即时", "即时整改", "立行立改", "马上")
_TEMPLATE_CODE_RE = re.compile(r"^([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*)-\d{2,3}$")


class ChecklistImportError(FileInputError):
    """A checklist workbook was refused. ``problems`` lists every problem found (each with its
    location); the message is the first one plus how many more there are."""

    def __init__(self, problems: Sequence[FileInputError]) -> None:
        assert problems
        self.problems = list(problems)
        first = self.problems[0]
        more = len(self.problems) - 1
        super().__init__(first.detail + (f"（另有 {more} 处问题）" if more else ""), first.location)


@dataclass(frozen=True)
class ParsedChecklist:
    file: str
    sheet: str
    code: str | None
    name: str | None
    sector: str | None
    kind: str | None
    version: int | None
    items: tuple[ItemFields, ...]
    rows: tuple[int, ...]  # Excel row number of each item


# ------------------------------------------------------------------------------------ export

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_BODY_FONT = Font(name="宋体", size=10.5)
_HEAD_FONT = Font(name="黑体", size=10.5, bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="D9E1F2")
_META_FILL = PatternFill("solid", fgColor="F2F2F2")
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _text_units(text: str) -> float:
    """Width of a text in Excel column units (a CJK character is about two)."""
    return sum(2.0 if ord(ch) > 0x2E7F else 1.1 for ch in text)


def _row_height(values: Sequence[tuple[str, float]]) -> float:
    lines = 1
    for text, width in values:
        for part in text.split("\n"):
            lines = max(lines, math.ceil(_text_units(part) / max(width - 1.5, 1)) or 1)
    return 15.0 * lines + 3


def export_checklist_xlsx(detail: TemplateDetail, path: str | Path, progress: Progress = NO_PROGRESS) -> Path:
    """Write one template version (its rendered texts) to ``path`` (.xlsx). ``progress`` counts the
    items written; cancelling stops before the file is created."""
    target = Path(path)
    template = detail.summary
    total = len(detail.items)
    progress.update(0, total + 1, f"正在导出 {template.code}…")
    wb = Workbook()
    ws = wb.active
    assert isinstance(ws, Worksheet)
    ws.title = re.sub(r"[\[\]:*?/\\]", "-", template.code)[:31] or "检查表"
    last = get_column_letter(len(COLUMNS))

    ws["A1"] = template.name
    ws["A1"].font = Font(name="黑体", size=16, bold=True)
    ws["A1"].alignment = _CENTER
    ws.merge_cells(f"A1:{last}1")
    ws.row_dimensions[1].height = 32

    meta = {
        "code": template.code,
        "name": template.name,
        "sector": template.sector,
        "kind": template.nine_small_kind or "不限",
        "version": template.version,
    }
    row = 2
    for key in _META_ORDER:
        label = ws.cell(row=row, column=1, value=_META_LABELS[key][0])
        label.font = _HEAD_FONT
        label.fill = _META_FILL
        label.border = _BORDER
        value = ws.cell(row=row, column=2, value=meta[key])
        value.font = _BODY_FONT
        value.alignment = Alignment(horizontal="left", vertical="center")
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=len(COLUMNS))
        for col in range(2, len(COLUMNS) + 1):
            ws.cell(row=row, column=col).border = _BORDER
        row += 1
    note = ws.cell(row=row, column=1, value=(
        f"说明：导出于 {date.today():%Y年%m月%d日}。默认等级填“一般”或“重大”；整改期限填天数，0 表示立即整改；"
        "新增条目的编号可以留空，导入时自动编号；改好后用“导入”作为新版本保存，已完成的检查仍保留原有文字。"))
    note.font = Font(name="宋体", size=9, italic=True, color="595959")
    note.alignment = Alignment(wrap_text=True, vertical="center")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(COLUMNS))
    ws.row_dimensions[row].height = 30
    row += 1

    header_row = row
    for col, key in enumerate(COLUMNS, 1):
        cell = ws.cell(row=row, column=col, value=FIELD_LABELS[key])
        cell.font = _HEAD_FONT
        cell.fill = _HEAD_FILL
        cell.alignment = _CENTER
        cell.border = _BORDER
        ws.column_dimensions[get_column_letter(col)].width = _WIDTHS[key]
    ws.row_dimensions[row].height = 30
    for done, view in enumerate(detail.items, 1):
        item = view.shown
        row += 1
        values: list[tuple[str, float]] = []
        for col, key in enumerate(COLUMNS, 1):
            value = getattr(item, key)
            cell = ws.cell(row=row, column=col, value=value)
            cell.font = _BODY_FONT
            cell.border = _BORDER
            cell.alignment = _CENTER if key in ("code", "default_grade", "deadline_days") else _WRAP_TOP
            values.append((str(value), _WIDTHS[key]))
        ws.row_dimensions[row].height = _row_height(values)
        progress.update(done)
        progress.check()

    first_data, last_data = header_row + 1, max(row, header_row + 200)
    grade_col = get_column_letter(COLUMNS.index("default_grade") + 1)
    days_col = get_column_letter(COLUMNS.index("deadline_days") + 1)
    grades = DataValidation(type="list", formula1='"一般,重大"', allow_blank=False,
                            error="请填“一般”或“重大”", errorTitle="默认等级")
    grades.add(f"{grade_col}{first_data}:{grade_col}{last_data}")
    days = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0",
                          error="请填不小于 0 的整数天数（0 表示立即整改）", errorTitle="整改期限")
    days.add(f"{days_col}{first_data}:{days_col}{last_data}")
    ws.add_data_validation(grades)
    ws.add_data_validation(days)

    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    progress.check()
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)
    progress.update(total + 1)
    return target


# ------------------------------------------------------------------------------------ import


def _text(value: CellValue) -> str:
    """Cell text kept as written (only the ends stripped; a Windows line break is a line break),
    numbers without a spurious .0."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n").strip()
    return cell_text(value)


def _grade(value: CellValue) -> str | None:
    text = re.sub(r"\s", "", _text(value))
    for suffix in ("事故隐患", "隐患"):
        text = text.removesuffix(suffix)
    return text if text in GRADES else None


def _deadline(value: CellValue) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and value >= 0 else None
    text = re.sub(r"\s", "", _text(value))
    if text in _IMMEDIATE:
        return 0
    m = _DEADLINE_RE.match(text)
    return int(m.group(1)) if m else None


def _meta_key(text: str) -> str | None:
    key = header_key(text)
    if not key:
        return None
    for name, labels in _META_LABELS.items():
        if key in (header_key(label) for label in labels):
            return name
    return None


def _read_meta(ws: Sheet, header_row: int) -> dict[str, tuple[str, int]]:
    """Metadata above the header: "标签 | 值" in a row, or "标签：值" in one cell."""
    found: dict[str, tuple[str, int]] = {}
    for number in sorted(n for n in ws.rows if n < header_row):
        cells = [_text(v) for v in ws.rows[number]]
        for i, text in enumerate(cells):
            if not text:
                continue
            inline = re.match(r"^(.*?)[:：](.*)$", text)
            label = inline.group(1) if inline else text
            key = _meta_key(label)
            if key is None or key in found:
                continue
            value = inline.group(2).strip() if inline and inline.group(2).strip() else next(
                (c for c in cells[i + 1:] if c), "")
            found[key] = (value, number)
            break
    return found


def read_checklist_xlsx(path: str | Path, progress: Progress = NO_PROGRESS) -> ParsedChecklist:
    """Read and check a checklist workbook; raises ChecklistImportError on any problem. ``progress``
    hears how much is read and may stop it (``OperationCancelled``)."""
    file = Path(path)
    try:
        with open_workbook(file, CHECKLIST_LIMITS) as book:
            sheets = [book.read_sheet(info, progress=progress) for info in book.sheets if info.visible]
    except ImportFileError as exc:
        raise ChecklistImportError([FileInputError(exc.reason, exc.location)]) from None
    return _read_workbook(sheets, file)


def _read_workbook(sheets: Sequence[Sheet], file: Path) -> ParsedChecklist:
    best: tuple[Sheet, int, Mapping[str, int], tuple[str, ...]] | None = None
    for ws in sheets:
        header = find_header(ws, SYNONYMS, required=("content",), min_fields=2)
        if header is not None and (best is None or header.field_count > len(best[2])):
            best = (ws, header.last_row, header.mapping.columns, header.headers)
    if best is None:
        raise ChecklistImportError([FileInputError(
            "没有找到检查表的表头：需要“检查内容”“隐患描述”“依据”“默认等级”“整改要求”“整改期限”等列",
            Location(file=file.name, sheet=sheets[0].title if sheets else ""))])
    ws, header_last, columns, headers = best
    missing = [FIELD_LABELS[f] for f in REQUIRED if f not in columns]
    if missing:
        raise ChecklistImportError([
            FileInputError(f"表头缺少必需的列“{label}”（第 {header_last} 行是表头）",
                           Location(file=file.name, sheet=ws.title, row=header_last, column=label))
            for label in missing
        ])
    table = read_table(ws, SYNONYMS, file=file, required=("content",))
    assert table is not None
    meta = _read_meta(ws, table.header_row)

    def col_name(fld: str) -> str:
        index = columns[fld]
        return headers[index] if index < len(headers) and headers[index] else column_letter(index)

    problems: list[FileInputError] = []

    def problem(message: str, row: int, fld: str | None = None) -> None:
        problems.append(FileInputError(message, Location(file=file.name, sheet=ws.title, row=row,
                                                         column=col_name(fld) if fld else "")))

    code_value, code_row = meta.get("code", ("", table.header_row))
    code = code_value.strip().upper() or None
    version_text, version_row = meta.get("version", ("", 0))
    version: int | None = None
    if version_text:
        m = re.search(r"\d+", version_text)
        version = int(m.group()) if m else None
    items: list[ItemFields] = []
    rows: list[int] = []
    for r in _data_rows(table.rows, columns):
        get = {f: r.get(i) for f, i in columns.items()}
        unusable = _cell_problems(r, columns, table.issue, problem)
        content = _text(get.get("content"))
        if not content and "content" not in unusable:
            problem("“检查内容”为空；不需要的行请整行删除", r.number, "content")
        grade = _grade(get.get("default_grade"))
        if grade is None and "default_grade" not in unusable:
            shown = _text(get.get("default_grade"))
            problem(f"默认等级“{shown}”无效，应填“一般”或“重大”" if shown else "默认等级为空，应填“一般”或“重大”",
                    r.number, "default_grade")
        days = _deadline(get.get("deadline_days"))
        if days is None and "deadline_days" not in unusable:
            shown = _text(get.get("deadline_days"))
            problem(f"整改期限“{shown}”无效，应填不小于 0 的整数天数（0 表示立即整改）" if shown
                    else "整改期限为空，应填天数（0 表示立即整改）", r.number, "deadline_days")
        item_code = _text(get.get("code")).upper() if "code" in columns else ""
        items.append(ItemFields(
            code=item_code, content=content, method=_text(get.get("method")),
            hazard_text=_text(get.get("hazard_text")), basis=_text(get.get("basis")),
            default_grade=grade or "一般", major_conditions=_text(get.get("major_conditions")),
            requirement=_text(get.get("requirement")), deadline_days=days if days is not None else 0,
        ))
        rows.append(r.number)
    if not items and not problems:
        problem("表头下面没有任何检查条目（只有表头，没有数据行）", table.last_header_row)
    # Item codes: TEMPLATE-NN, unique; a file without 模板编号 takes the code from its items.
    given = [(it.code, n) for it, n in zip(items, rows, strict=True) if it.code]
    if code is None and given:
        m = _TEMPLATE_CODE_RE.match(given[0][0])
        code = m.group(1) if m else None
    seen: dict[str, int] = {}
    for item_code, n in given:
        m = _TEMPLATE_CODE_RE.match(item_code)
        if code is None or m is None or m.group(1) != code:
            expect = f"{code}-两位序号，如 {code}-01" if code else "模板编号-两位序号"
            problem(f"编号“{item_code}”无效，应为“{expect}”；新增条目可以不填编号", n, "code")
        elif item_code in seen:
            problem(f"编号“{item_code}”与第 {seen[item_code]} 行重复", n, "code")
        else:
            seen[item_code] = n
    if code is not None and not re.match(r"^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*$", code):
        problems.append(FileInputError(f"模板编号“{code}”无效：只能由大写字母、数字和连字符组成",
                                       Location(file=file.name, sheet=ws.title, row=code_row)))
    if version_text and version is None:
        problems.append(FileInputError(f"版本“{version_text}”无效，应为数字",
                                       Location(file=file.name, sheet=ws.title, row=version_row)))
    if problems:
        problems.sort(key=lambda p: p.location.row or 0)
        raise ChecklistImportError(problems)
    kind = meta.get("kind", ("", 0))[0]
    return ParsedChecklist(
        file=file.name, sheet=ws.title, code=code,
        name=meta.get("name", ("", 0))[0] or None, sector=meta.get("sector", ("", 0))[0] or None,
        kind=None if kind in _NO_KIND else kind, version=version,
        items=tuple(items), rows=tuple(rows),
    )


def _cell_problems(row: Row, columns: Mapping[str, int], issue: Callable[[int, int | None], str | None],
                   problem: Callable[[str, int, str | None], None]) -> set[str]:
    """A formula without its result, an error value, control characters or a bidi override in a
    used cell: each a problem of its row and column. Returns the fields without a usable value."""
    unusable: set[str] = set()
    for fld, index in columns.items():
        found = issue(row.number, index)
        if found is not None:
            problem(found, row.number, fld)
            unusable.add(fld)
            continue
        hazard = text_hazard(row.get(index))
        if hazard is not None and hazard[0] == "error":
            problem(hazard[1], row.number, fld)
            unusable.add(fld)
    return unusable


def _data_rows(rows: Sequence[Row], columns: Mapping[str, int]) -> list[Row]:
    """The item rows: stops at a footer line (注：…, 检查人：…) written below the table."""
    result: list[Row] = []
    content_col = columns["content"]
    for r in rows:
        filled = [_text(v) for v in r.values if _text(v)]
        if not _text(r.get(content_col)) and len(set(filled)) == 1 and filled[0].startswith(_FOOTER_WORDS):
            break
        result.append(r)
    return result
