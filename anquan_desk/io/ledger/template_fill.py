"""Filling the district's own ledger template (their title, header, column order, footer).

``detect_template`` finds the header block (possibly a merged two-row header) with the generic
header finder of :mod:`anquan_desk.io.tabular` and maps our field keys to their columns by header
synonyms; the result is a :class:`TemplateMapping` the user can correct and the program can remember
(JSON, keyed by a fingerprint of the header texts). ``fill_template`` writes rows below the header
with openpyxl, copying the style of their first data row, and keeps everything else: title, header,
styles, widths, print setup, merged cells and any footer (签字/填报人 rows), which is moved below the
data when the data needs more rows than the template leaves.

A template is read in full by openpyxl to be filled, so it is first checked and streamed within
``TEMPLATE_LIMITS`` (``read_template``): every sheet, every cell element — formatted empty ones too —
inside 20,000 rows × 100 columns, 150,000 cells in all; a zip bomb, a cell at XFD1048576 or a sheet
of a million formatted rows is refused within a second, naming file, sheet, row and column.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable, Collection, Iterable, Mapping
from copy import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.styles import Alignment, Border, Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.worksheet import Worksheet

from anquan_desk.io.ledger._common import publish, remove_quietly, temp_path_for, to_date
from anquan_desk.io.ledger.errors import ExportCancelled, TemplateError
from anquan_desk.io.tabular import (
    TEMPLATE_LIMITS,
    ImportFileError,
    Sheet,
    cell_text,
    find_header,
    guess_mapping,
    header_fingerprint,
    open_workbook,
)

SCAN_ROWS = 20
CHECK_EVERY = 100
DATE_FORMAT = "yyyy-mm-dd"

#: Our field key → header texts districts use for it (first = the label shown to the user).
FIELD_SYNONYMS: Mapping[str, tuple[str, ...]] = {
    "seq": ("序号", "序", "No."),
    "hazard_no": ("隐患编号", "编号"),
    "grid": ("村(社区)/网格", "村(社区)", "村(居)", "所属村", "村居", "社区", "网格", "所属网格", "村名"),
    "sector": ("行业领域", "行业", "领域", "行业类别", "所属行业"),
    "place_type": ("场所类别", "场所类型", "单位类型", "场所性质", "单位类别"),
    "place_name": (
        "单位名称",
        "场所名称",
        "被检查单位",
        "单位(场所)名称",
        "被检查单位名称",
        "检查对象",
        "企业名称",
        "商户名称",
        "店名",
    ),
    "address": ("地址", "具体地点", "详细地址", "经营地址", "场所地址", "隐患地点", "具体位置", "位置"),
    "owner": ("负责人", "单位负责人", "主要负责人", "法定代表人", "经营者", "业主"),
    "phone": ("联系电话", "电话", "手机号码", "手机", "联系方式"),
    "inspected_on": ("检查日期", "检查时间", "排查日期", "排查时间", "发现日期", "发现时间"),
    "method": ("检查方式", "检查形式", "排查方式"),
    "inspectors": ("检查人员", "检查人", "排查人员", "排查人"),
    "description": (
        "隐患描述",
        "存在的问题或隐患",
        "存在隐患或问题",
        "隐患内容",
        "存在问题",
        "存在的问题",
        "隐患情况",
        "问题描述",
        "主要问题",
        "隐患问题",
        "隐患",
    ),
    "location": ("隐患部位", "具体部位", "隐患具体部位", "部位"),
    "category": ("隐患类别", "隐患类型", "隐患分类", "问题类别"),
    "level": ("隐患等级", "隐患级别", "等级", "级别"),
    "basis": ("判定依据", "法律依据", "检查依据", "依据"),
    "measures": ("整改措施/要求", "整改措施", "整改要求", "整改意见", "采取的整改措施", "治理措施"),
    "deadline": ("整改期限", "整改时限", "限期整改时间", "整改完成时限", "限改日期"),
    "rectify_person": ("整改责任人", "整改负责人", "责任人"),
    "notice_no": ("文书编号", "通知书编号", "整改通知书编号", "文书号"),
    "rectification": ("整改情况", "完成情况", "整改落实情况", "整改结果", "整改进展"),
    "rectified_on": ("整改完成日期", "整改完成时间", "完成时间", "完成日期"),
    "reviewed_on": ("复查日期", "复查时间", "验收日期", "验收时间"),
    "reviewer": ("复查人", "复查人员", "验收人"),
    "review_result": ("复查结论", "复查结果", "复查情况", "验收结论", "验收情况"),
    "state": ("整改状态", "隐患状态", "治理状态", "当前状态"),
    "closed_on": ("销号日期", "销号时间"),
    "remarks": ("备注", "说明"),
}

FIELD_LABELS: Mapping[str, str] = {key: synonyms[0] for key, synonyms in FIELD_SYNONYMS.items()}
"""Field key → Chinese label, for the GUI's mapping editor."""

DATE_FIELDS = frozenset({"inspected_on", "deadline", "rectified_on", "reviewed_on", "closed_on"})

# A row after the data area that holds one of these starts the footer (kept below the data).
_FOOTER_WORDS = re.compile(
    r"填报人|填表人|制表人|审核人|审核|签字|签名|盖章|负责人[:：]|注[:：]|说明[:：]|填表说明"
)


@dataclass(frozen=True)
class TemplateMapping:
    """Where a template's header is and which of its columns (0-based) gets which field.

    JSON-serialisable (:meth:`to_json`); ``fingerprint`` identifies the header layout so a mapping
    corrected by the user can be found again for the same template.
    """

    fingerprint: str
    sheet: str
    header_first_row: int  # Excel row numbers (1-based)
    header_last_row: int
    headers: tuple[str, ...]  # per column; a two-row header as "上级/下级"
    columns: dict[str, int] = field(default_factory=dict)

    @property
    def data_first_row(self) -> int:
        return self.header_last_row + 1

    def field_of(self, column: int) -> str | None:
        for key, index in self.columns.items():
            if index == column:
                return key
        return None

    def with_columns(self, columns: Mapping[str, int]) -> TemplateMapping:
        """The same template with a corrected field → column assignment."""
        return TemplateMapping(
            self.fingerprint,
            self.sheet,
            self.header_first_row,
            self.header_last_row,
            self.headers,
            dict(columns),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "fingerprint": self.fingerprint,
            "sheet": self.sheet,
            "header_first_row": self.header_first_row,
            "header_last_row": self.header_last_row,
            "headers": list(self.headers),
            "columns": dict(self.columns),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TemplateMapping:
        try:
            columns = {str(k): int(v) for k, v in dict(data["columns"]).items()}
            mapping = cls(
                fingerprint=str(data["fingerprint"]),
                sheet=str(data["sheet"]),
                header_first_row=int(data["header_first_row"]),
                header_last_row=int(data["header_last_row"]),
                headers=tuple(str(h) for h in data["headers"]),
                columns=columns,
            )
        except (KeyError, TypeError, ValueError) as err:
            raise ValueError(f"保存的模板列对应关系格式不正确：{err}") from err
        if mapping.header_first_row < 1 or mapping.header_last_row < mapping.header_first_row:
            raise ValueError("保存的模板列对应关系中表头行号无效")
        return mapping


#: Columns only a hazard ledger has: a template must have at least one of them (a place list has
#: 单位名称/地址/负责人/电话 too, and filling it would overwrite its rows).
LEDGER_FIELDS = frozenset({
    "hazard_no", "description", "location", "category", "level", "basis", "measures", "deadline",
    "rectify_person", "notice_no", "rectification", "rectified_on", "reviewed_on", "reviewer",
    "review_result", "state", "closed_on", "inspected_on", "inspectors",
})
#: How many of its columns a template must have mapped to our fields at least.
MIN_MAPPED_COLUMNS = 3


def unmapped_headers(mapping: TemplateMapping) -> list[str]:
    """The template's columns no field is written to, as "C列“统一社会信用代码”"."""
    used = set(mapping.columns.values())
    return [f"{get_column_letter(i + 1)}列“{h}”" for i, h in enumerate(mapping.headers) if h and i not in used]


def mapping_summary(mapping: TemplateMapping) -> str:
    """What the mapping fills and what it leaves empty, in Chinese (for messages and the CLI)."""
    mapped = sorted(mapping.columns.items(), key=lambda kv: kv[1])
    recognised = "、".join(
        f"{get_column_letter(i + 1)}列“{mapping.headers[i] if i < len(mapping.headers) else ''}”→{FIELD_LABELS[k]}"
        for k, i in mapped if k in FIELD_LABELS
    ) or "无"
    unmapped = "、".join(unmapped_headers(mapping)) or "无"
    return f"识别出的列：{recognised}；不会填写（保持空白）的列：{unmapped}"


def check_ledger_mapping(
    mapping: TemplateMapping, file: Path | str, ledger_fields: Collection[str] | None = None
) -> None:
    """Refuse a workbook that is not a ledger template for the ledger being written
    (``ledger_fields``: the fields it has; None: a hazard ledger): fewer than
    ``MIN_MAPPED_COLUMNS`` of its columns recognised, or — when the ledger has hazard columns
    (``LEDGER_FIELDS``) — none of them. The message lists what was recognised and what would stay
    empty. Raises ``TemplateError``."""
    fields = set(FIELD_LABELS) if ledger_fields is None else set(ledger_fields) & set(FIELD_LABELS)
    known = [k for k in mapping.columns if k in fields]
    needed = fields & LEDGER_FIELDS
    hazard = [k for k in known if k in needed]
    if len(known) >= MIN_MAPPED_COLUMNS and (hazard or not needed):
        return
    why = ("没有隐患台账应有的列（如“隐患描述”“整改措施”“整改期限”“整改情况”）" if needed and not hazard
           else f"只识别出 {len(known)} 列（至少需要 {MIN_MAPPED_COLUMNS} 列）")
    raise TemplateError(
        f"这个工作簿看起来不是台账模板：{why}，未填写，文件未改动。{mapping_summary(mapping)}。"
        "请选择区里下发的隐患台账模板；如果确实是台账模板，请在程序的“导出台账”窗口中手动指定各列",
        file=Path(file),
        sheet=mapping.sheet,
        row=mapping.header_first_row,
    )


@dataclass(frozen=True)
class FillResult:
    path: Path
    rows_written: int
    first_row: int  # Excel row numbers of the data written
    last_row: int
    footer_row: int | None  # where the footer starts now, if the template has one


def read_template(path: Path | str) -> tuple[list[Sheet], int]:
    """Every sheet of a template, checked and streamed within ``TEMPLATE_LIMITS`` (see the module
    notes), and the index of the sheet shown when it is opened. Raises ``TemplateError``."""
    file = Path(path)
    try:
        with open_workbook(file, TEMPLATE_LIMITS) as book:
            sheets: list[Sheet] = []
            active = 0
            for info in book.sheets:  # the limits on cells and rows hold for all sheets together
                if info.index == book.active:
                    active = len(sheets)
                sheets.append(book.read_sheet(info))
    except ImportFileError as err:
        raise TemplateError(err.reason, file=file, sheet=err.sheet or "", row=err.row, column=err.column or "") \
            from None
    if not sheets:
        raise TemplateError("模板中没有可以填写的工作表", file=file)
    return sheets, active


def detect_template(path: Path | str, *, sheet: str | None = None) -> TemplateMapping:
    """Find the header of a district template and guess which of its columns gets which field."""
    file = Path(path)
    sheets, active = read_template(file)
    if sheet is not None:
        candidates = [s for s in sheets if s.title == sheet]
        if not candidates:
            raise TemplateError(f"模板中没有名为“{sheet}”的工作表", file=file)
    else:
        candidates = [sheets[active]] + [s for i, s in enumerate(sheets) if i != active]
    for ws in candidates:
        match = find_header(ws, FIELD_SYNONYMS, min_fields=2, scan_rows=SCAN_ROWS)
        if match is None:
            continue
        top = _header_top(ws, match.first_row, match.last_row)
        headers = header_texts(ws, top, match.last_row)
        guessed = guess_mapping(list(headers), FIELD_SYNONYMS)
        return TemplateMapping(
            fingerprint=guessed.fingerprint,
            sheet=ws.title,
            header_first_row=top,
            header_last_row=match.last_row,
            headers=headers,
            columns=dict(guessed.columns),
        )
    first = candidates[0]
    raise TemplateError(
        f"无法识别表头：第1至{SCAN_ROWS}行中没有找到足够的已知列名（如“单位名称”“隐患描述”“整改期限”），"
        "请确认这是台账模板，或在程序中手动指定各列",
        file=file,
        sheet=first.title,
        row=1,
    )


def fill_template(
    template_path: Path | str,
    out_path: Path | str,
    mapping: TemplateMapping,
    rows: Iterable[Mapping[str, object]],
    progress: Callable[[int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    ledger_fields: Collection[str] | None = None,
) -> FillResult:
    """Write ``rows`` (keyed by field key) into a copy of the template at ``out_path``.

    The data goes from :attr:`TemplateMapping.data_first_row` down, each row styled like the
    template's first data row; a footer below the data area is moved down when needed. A workbook
    that is no ledger template (``check_ledger_mapping`` with ``ledger_fields``) is refused before
    anything is written. A ``seq``
    column without a value is numbered 1, 2, 3…. Output is written to a temp file and renamed.
    """
    template = Path(template_path)
    target = Path(out_path)
    if not template.is_file():
        raise TemplateError("模板文件不存在", file=template)
    sheets, _active = read_template(template)  # within the limits before openpyxl opens it in full
    values = next((s for s in sheets if s.title == mapping.sheet), None)
    if values is None:
        raise TemplateError(f"模板中没有名为“{mapping.sheet}”的工作表", file=template)
    _check_header(values, template, mapping)
    check_ledger_mapping(mapping, template, ledger_fields)
    ws = _open_sheet(template, mapping)
    data = list(rows)
    width = max(ws.max_column, len(mapping.headers))
    first = mapping.data_first_row
    footer = _footer_start(ws, values, first, width)
    room = (footer if footer is not None else max(ws.max_row + 1, first)) - first
    styles, height = _row_style(ws, first, room > 0, mapping.header_last_row, width)
    # Merged cells inside the data area (a sample row's) would make the data cells read-only.
    for rng in [r for r in ws.merged_cells.ranges if r.min_row >= first and r.max_row < first + room]:
        ws.unmerge_cells(rng.coord)
    if footer is not None and len(data) > room:
        _move_down(ws, footer, len(data) - room, width)
        footer += len(data) - room
    columns = {key: index + 1 for key, index in mapping.columns.items() if index < width}
    for n, row in enumerate(data):
        if n % CHECK_EVERY == 0 and n:
            _check_cancel(cancel, target, n)
            if progress is not None:
                progress(n)
        r = first + n
        for c in range(1, width + 1):
            cell = ws.cell(row=r, column=c)
            if styles[c] is not None:
                cell._style = copy(styles[c])
            cell.value = None
        if height is not None:
            ws.row_dimensions[r].height = height
        for key, c in columns.items():
            value = row.get(key)
            if key == "seq" and value in (None, ""):
                value = n + 1
            _set_value(ws.cell(row=r, column=c), key, value)
    # Rows the template left for data but we did not need: keep their look, drop sample values
    # (only cells that hold one: touching the others would create them).
    for r in range(first + len(data), first + room):
        sample = values.rows.get(r, ())
        for c in range(1, min(width, len(sample)) + 1):
            cell = ws.cell(row=r, column=c)
            if sample[c - 1] is not None and not isinstance(cell, MergedCell):
                cell.value = None
    _check_cancel(cancel, target, len(data))
    temp = temp_path_for(target)
    try:
        ws.parent.save(temp)
        publish(temp, target)
    except BaseException:
        remove_quietly(temp)
        raise
    if progress is not None:
        progress(len(data))
    return FillResult(
        path=target,
        rows_written=len(data),
        first_row=first,
        last_row=first + len(data) - 1,
        footer_row=footer,
    )


def _check_cancel(cancel: Callable[[], bool] | None, target: Path, done: int) -> None:
    if cancel is not None and cancel():
        raise ExportCancelled(target, done)


def _open_sheet(template: Path, mapping: TemplateMapping) -> Worksheet:
    try:
        workbook = load_workbook(template)  # normal mode, formulas kept
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as err:
        raise TemplateError("不是有效的 Excel 工作簿（.xlsx），文件可能已损坏", file=template) from err
    except Exception as err:  # openpyxl raises many kinds of errors on broken XML
        raise TemplateError(f"模板文件已损坏，无法读取（{type(err).__name__}）", file=template) from err
    if mapping.sheet not in workbook.sheetnames:
        raise TemplateError(f"模板中没有名为“{mapping.sheet}”的工作表", file=template)
    ws: Worksheet = workbook[mapping.sheet]
    return ws


def _check_header(ws: Sheet, template: Path, mapping: TemplateMapping) -> None:
    """The saved mapping must still fit this file's header (same header texts in the same rows)."""
    headers = header_texts(ws, mapping.header_first_row, mapping.header_last_row)
    if header_fingerprint(headers) != mapping.fingerprint:
        raise TemplateError(
            "模板的表头与保存的列对应关系不一致（表头可能已被修改），请重新识别模板",
            file=template,
            sheet=ws.title,
            row=mapping.header_first_row,
        )


def _header_top(ws: Sheet, first: int, last: int) -> int:
    """Move the header's first row up to where its vertically merged cells start (a merged cell
    over two header rows fills both, so the lower row alone may have been found)."""
    top = first
    width = ws.max_column
    for min_row, min_col, max_row, max_col in ws.merged:
        is_title = max_col - min_col + 1 >= max(3, int(width * 0.8))  # a title across the whole sheet
        if min_row < top and first <= max_row <= last and not is_title:
            top = min_row
    return top


def header_texts(ws: Sheet, first: int, last: int) -> tuple[str, ...]:
    """Header text of each column over rows ``first``..``last``: "上级/下级" for a two-row header,
    a merged cell counting for every cell it covers (``Sheet`` repeats its value there)."""
    width = ws.max_column
    headers: list[str] = []
    for c in range(1, width + 1):
        parts: list[str] = []
        for r in range(first, last + 1):
            value = ws.value(r, c)
            text = cell_text(value).replace("/", "／") if value is not None else ""
            if text and text not in parts:
                parts.append(text)
        headers.append("/".join(parts))
    while headers and not headers[-1]:
        headers.pop()
    return tuple(headers)


def _footer_start(ws: Worksheet, values: Sheet, first: int, width: int) -> int | None:
    """First row at or below ``first`` that belongs to a footer (签字/填报人/注 rows, or a row merged
    across the table), if any: merges from the workbook, texts from its streamed values."""
    wide_merges = {
        rng.min_row
        for rng in ws.merged_cells.ranges
        if rng.min_row >= first and rng.max_col - rng.min_col + 1 >= max(2, width // 2)
    }
    for r in range(first, max(ws.max_row, values.max_row) + 1):
        if r in wide_merges:
            return r
        for value in values.rows.get(r, ())[:width]:
            if isinstance(value, str) and _FOOTER_WORDS.search(value):
                return r
    return None


def _row_style(
    ws: Worksheet, first: int, has_sample_row: bool, header_last: int, width: int
) -> tuple[list[Any], float | None]:
    """Per column (1-based) the style to give data cells, and the row height.

    Taken from the template's first data row when it is styled; otherwise built from the header's
    alignment and borders with a plain (not bold) font.
    """
    styles: list[Any] = [None] * (width + 1)
    if has_sample_row:
        cells = [ws.cell(row=first, column=c) for c in range(1, width + 1)]
        if any(cell.has_style for cell in cells):
            for c, cell in enumerate(cells, start=1):
                styles[c] = copy(cell._style)
            return styles, ws.row_dimensions[first].height
    for c in range(1, width + 1):
        header = ws.cell(row=header_last, column=c)
        sample = Cell(ws)  # detached: only used to build the style
        font = header.font
        sample.font = Font(name=font.name, size=font.size, bold=False, color=font.color)
        sample.border = copy(header.border) if header.border is not None else Border()
        align = header.alignment
        sample.alignment = Alignment(
            horizontal=align.horizontal, vertical=align.vertical or "center", wrap_text=True
        )
        styles[c] = copy(sample._style)
    return styles, None


def _move_down(ws: Worksheet, start: int, delta: int, width: int) -> None:
    """Move rows ``start``..end (values, styles, merges, heights) ``delta`` rows down."""
    last_row = ws.max_row
    last_col = max(width, ws.max_column)
    moving = [rng for rng in ws.merged_cells.ranges if rng.min_row >= start]
    for rng in moving:
        ws.merged_cells.remove(rng)
    heights = {
        r: ws.row_dimensions[r].height for r in range(start, last_row + 1) if ws.row_dimensions[r].height
    }
    ws.move_range(CellRange(min_col=1, min_row=start, max_col=last_col, max_row=last_row).coord, rows=delta)
    for rng in moving:
        rng.shift(row_shift=delta)
        ws.merged_cells.add(rng)
    for r in heights:
        ws.row_dimensions[r].height = None
    for r, h in heights.items():
        ws.row_dimensions[r + delta].height = h
    _extend_print_area(ws, start, delta)


def _extend_print_area(ws: Worksheet, start: int, delta: int) -> None:
    area = ws.print_area
    if not area:
        return
    ranges = []
    for part in area if isinstance(area, list | tuple) else str(area).split(","):
        rng = CellRange(str(part).split("!")[-1].replace("$", ""))
        if rng.max_row >= start:
            rng.expand(down=delta)
        ranges.append(rng.coord)
    ws.print_area = ranges


def _set_value(cell: Any, key: str, value: object) -> None:
    if value is None or value == "":
        cell.value = None
        return
    if key in DATE_FIELDS:
        day = to_date(value)
        if day is not None:
            cell.value = day
            if cell.number_format in ("General", "@"):
                cell.number_format = DATE_FORMAT
            return
    if isinstance(value, bool):
        cell.value = "是" if value else "否"
    elif isinstance(value, int | float):
        cell.value = value
    elif isinstance(value, dt.datetime | dt.date):
        cell.value = value.isoformat()[:10]
    else:
        text = str(value)
        # Text that looks like a formula is written as text, never evaluated.
        cell.value = text
        if text.startswith("="):
            cell.data_type = "s"


def column_letters(mapping: TemplateMapping) -> dict[str, str]:
    """Field key → Excel column letter, for messages and the GUI."""
    return {key: get_column_letter(index + 1) for key, index in mapping.columns.items()}
