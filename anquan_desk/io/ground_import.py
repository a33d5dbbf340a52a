"""Read a township's list of villages (communities) and grids from .xlsx. Writes nothing to the DB.

The list comes from the township's grid office in any layout: a sheet with a 村（社区） column and
a 网格 column (one row per grid, the village often a merged cell), optionally a 类型 column (村 or
社区). The header is found and the cells read by :mod:`anquan_desk.io.tabular`, as for the place
list; every row is checked and each problem names the sheet, Excel row and column
(:class:`~anquan_desk.io.place_import.Problem`).

Decisions:
* A row with a village and no grid adds the village only; a row with a grid and no village is an
  error (the grid would belong nowhere).
* 村民委员会/村委会 and 居民委员会/居委会 spellings become 村 / 社区; a grid given as a bare number
  (网格编号 3) becomes 第3网格.
* The same village and grid twice is a warning (the later row is left out).
* 类型 says 村 or 社区; without it a name ending in 社区 is a 社区, any other a 村.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from anquan_desk.core.progress import NO_PROGRESS, Progress
from anquan_desk.core.validators import match_key, normalize_text
from anquan_desk.io.place_import import Problem
from anquan_desk.io.tabular import (
    PLACE_LIMITS,
    ImportFileError,
    Limits,
    Row,
    Table,
    cell_text,
    column_letter,
    open_workbook,
    read_table,
)

__all__ = [
    "GROUND_SYNONYMS", "MAX_NAME_LENGTH", "GroundListPreview", "GroundRow", "grid_name", "parse_ground_list",
    "village_kind", "village_name",
]

#: Header texts that name each field, most usual first.
GROUND_SYNONYMS: dict[str, tuple[str, ...]] = {
    "village": ("村(社区)", "所属村(社区)", "村(社区)名称", "村(居)", "村居", "村名", "行政村", "所属村",
                "所属社区", "社区", "村", "村委会", "居委会", "村(居)委会"),
    "grid": ("网格名称", "网格", "所属网格", "网格编号", "网格号"),
    "kind": ("类型", "村或社区", "村(社区)类型", "村居类型"),
}
_LABELS = {"village": "村（社区）", "grid": "网格", "kind": "类型"}

#: DB column length of village and grid names (anquan_desk.core.models).
MAX_NAME_LENGTH = 100

#: A township has tens of villages and at most a few hundred grids; the file limits of a place list.
GROUND_LIMITS: Limits = replace(
    PLACE_LIMITS,
    what="村（社区）和网格清单",
    advice="一个乡镇的村（社区）和网格清单只有几十到几百行，请确认选对了文件，并删除多余的行、列和工作表",
    max_rows=20_000,
)

_SUFFIXES = (("村民委员会", "村"), ("村委会", "村"), ("社区居民委员会", "社区"), ("社区居委会", "社区"),
             ("居民委员会", "社区"), ("居委会", "社区"))
_FOOTER = re.compile(r"^(合计|总计|小计|注|备注|说明|填表人|填报人|制表|审核)")


def village_name(text: str) -> str:
    """The village's name as the program keeps it (XX村民委员会 → XX村)."""
    name = normalize_text(text)
    for suffix, short in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)] + short
    return name


def village_kind(name: str, given: str = "") -> str:
    """村 or 社区: from the 类型 cell when it says, else from the name."""
    given = normalize_text(given)
    if "社区" in given or "居" in given:
        return "社区"
    if "村" in given:
        return "村"
    return "社区" if name.endswith("社区") else "村"


def grid_name(text: str) -> str:
    name = normalize_text(text)
    return f"第{name}网格" if name.isdigit() else name


@dataclass(frozen=True)
class GroundRow:
    """One checked row: a village and (unless empty) one of its grids."""

    sheet: str
    row: int
    village: str
    kind: str
    grid: str


@dataclass
class GroundListPreview:
    file: Path
    rows: list[GroundRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def error_count(self) -> int:
        return sum(1 for p in self.problems if p.severity == "error")

    @property
    def warning_count(self) -> int:
        return sum(1 for p in self.problems if p.severity == "warning")

    @property
    def has_errors(self) -> bool:
        return self.error_count > 0

    def villages(self) -> list[tuple[str, str, list[str]]]:
        """(village, kind, grids) in the order of the file."""
        out: dict[str, tuple[str, str, list[str]]] = {}
        for row in self.rows:
            entry = out.setdefault(match_key(row.village), (row.village, row.kind, []))
            if row.grid and row.grid not in entry[2]:
                entry[2].append(row.grid)
        return list(out.values())

    def summary(self) -> str:
        villages = self.villages()
        grids = sum(len(g) for _v, _k, g in villages)
        return (f"共 {len(villages)} 个村（社区）、{grids} 个网格；"
                f"错误 {self.error_count} 条，警告 {self.warning_count} 条")


class _Sheet:
    def __init__(
        self, file: Path, table: Table, preview: GroundListPreview, seen: dict[tuple[str, str], tuple[str, int]]
    ) -> None:
        self.file = file
        self.table = table
        self.columns = table.mapping.columns
        self.preview = preview
        self.seen = seen

    def problem(self, row: int, fld: str | None, message: str, severity: str = "error") -> None:
        column = self.columns.get(fld) if fld else None
        self.preview.problems.append(Problem(
            self.file.name, self.table.sheet, row,
            self.table.header_of(column) if column is not None else None,
            column_letter(column) if column is not None else None,
            message, "error" if severity == "error" else "warning", fld,
        ))

    def text(self, row: Row, fld: str) -> str:
        return cell_text(row.get(self.columns.get(fld)))

    def read(self, row: Row) -> None:
        for fld in ("village", "grid"):
            issue = self.table.issue(row.number, self.columns.get(fld))
            if issue:
                self.problem(row.number, fld, issue)
                return
        raw_village, raw_grid, raw_kind = self.text(row, "village"), self.text(row, "grid"), self.text(row, "kind")
        if not raw_village and not raw_grid:
            return
        if _FOOTER.match(raw_village or raw_grid):
            return
        if not raw_village:
            self.problem(row.number, "village", f"网格“{raw_grid}”没有填写所属村（社区）")
            return
        village, grid = village_name(raw_village), grid_name(raw_grid)
        for fld, value in (("village", village), ("grid", grid)):
            if len(value) > MAX_NAME_LENGTH:
                self.problem(row.number, fld, f"{_LABELS[fld]}名称太长（{len(value)} 个字，最多 {MAX_NAME_LENGTH} 个）")
                return
        key = (match_key(village), match_key(grid))
        if key in self.seen:
            if grid:
                sheet, number = self.seen[key]
                where = f"第 {number} 行" if sheet == self.table.sheet else f"工作表“{sheet}”第 {number} 行"
                self.problem(row.number, "grid", f"与{where}重复，已略去", "warning")
            return
        self.seen[key] = (self.table.sheet, row.number)
        self.preview.rows.append(GroundRow(self.table.sheet, row.number, village, village_kind(village, raw_kind), grid))


def parse_ground_list(path: str | Path, *, progress: Progress = NO_PROGRESS) -> GroundListPreview:
    """Read and check every row of a villages-and-grids list. Raises ``ImportFileError`` when the file
    cannot be read or no sheet has a 村（社区） column."""
    file = Path(path)
    progress.update(0, 0, f"正在打开“{file.name}”…")
    preview = GroundListPreview(file)
    seen: dict[tuple[str, str], tuple[str, int]] = {}
    found = False
    with open_workbook(file, GROUND_LIMITS) as book:
        for info in book.sheets:
            if not info.visible:
                continue
            progress.check()
            sheet = book.read_sheet(info, progress=progress)
            table = read_table(sheet, GROUND_SYNONYMS, file=file, required=("village",), min_fields=1)
            if table is None:
                if sheet.rows:
                    preview.problems.append(Problem(
                        file.name, sheet.title, None, None, None,
                        "未找到表头（需要“村（社区）”和“网格”列），已跳过此工作表", "warning"))
                continue
            found = True
            reader = _Sheet(file, table, preview, seen)
            for row in table.rows:
                reader.read(row)
    if not found:
        raise ImportFileError("在所有工作表中都没有找到村（社区）和网格的表头（需要“村（社区）”“网格”等列）", file=file)
    return preview
