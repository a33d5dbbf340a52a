"""Read a district's spreadsheet of places (场所清单) into a checked preview. Writes nothing to the DB.

``parse_places`` reads every visible sheet that has a recognisable header, validates EVERY row and
returns a ``PlaceImportPreview``: one ``PreviewRow`` per data row (action "new", "update" or
"invalid", with a plain ``PlaceCandidate``) and the list of ``Problem``s, each naming the sheet,
Excel row, column (header text and letter) and a Chinese message. The database service decides
what to write (all-or-nothing, or only the valid rows); ``write_problem_report`` gives the user an
.xlsx of the problems to fix.

Errors and warnings, as an inspector expects them: a value that cannot be stored faithfully is an
**error** (the row is not imported); a value that is stored, but changed or kept in the notes, is a
**warning** the user should look at. Nothing in a mapped column is dropped without one of them.

* 单位名称 is required (error); a missing address is a warning (strongly recommended).
* A wrong 统一社会信用代码 is an error; a 15-digit old 注册号 is a warning and goes into the notes.
* A phone number that cannot be understood is a warning; the text is kept as entered.
* With ``known_villages``, an unknown 村(社区) or 网格 is an error (the place could not be put in
  a grid); 村委会/居委会 spellings are matched to the known names.
* Duplicates inside the file (same credit code, or same name + address) are errors on the later
  row; a row matching a place already in the database becomes an "update" of that place.
* Empty risk colour / status stay None (the service applies its default for new places and keeps
  the old value when updating). A risk colour, status or area that cannot be understood is kept
  verbatim in the notes (warning).
* Dates (开业/成立日期) are read in every spelling districts use (``tabular.read_date``); an
  impossible (2024-02-30), ambiguous (3/5/2024), unreadable, pre-1949 or future date is an error;
  a guess (an Excel serial number, day/month/year order, a time left out) is a warning.
* A control character (also written ``_x0001_``) or a bidi override (U+202E …) is an error; a
  carriage return or tab (``_x000D_``, ``_x0009_``) becomes a space with a warning.
* A formula whose result was never saved, or an error value (#N/A), in a mapped cell is an error.
* A second column with the same meaning (a second 单位名称 or 联系电话): a warning on its header; on
  each row where it differs from the mapped column, its value goes to the notes (phone, person,
  sector, notes, area: warning) or, where no value can be chosen (name, code, address, village,
  grid, risk, status, date), is an error.
* A hidden sheet with a place table is not imported (warning); a file whose tables have a header
  but no data rows is refused (``ImportFileError``, "没有数据行").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from anquan_desk.core import clock
from anquan_desk.core.progress import NO_PROGRESS, Progress
from anquan_desk.core.validators import (
    PhoneError,
    credit_code_error,
    match_key,
    normalize_credit_code,
    normalize_phone,
)
from anquan_desk.io.tabular import (
    PLACE_LIMITS,
    CellValue,
    ColumnMapping,
    ImportFileError,
    Row,
    Table,
    cell_text,
    column_letter,
    duplicate_columns,
    open_table_file,
    parse_number,
    read_date,
    read_table,
    text_hazard,
)

__all__ = [
    "FIELD_LABELS",
    "NINE_SMALL_KINDS",
    "PLACE_SYNONYMS",
    "REPORT_LEGEND",
    "SECTOR_ORDER",
    "ExistingIndex",
    "PlaceCandidate",
    "PlaceImportPreview",
    "PreviewRow",
    "Problem",
    "SheetSummary",
    "classify_sector",
    "parse_places",
    "parse_risk_color",
    "parse_status",
    "write_problem_report",
]

Severity = Literal["error", "warning"]
Action = Literal["new", "update", "invalid"]
_Report = Callable[[str | None, str], None]  # error()/warn() callbacks: (field, message)

# Values as the data model stores them (anquan_desk.core.models: Sector, RiskColor, PlaceStatus).
GAS, SELF_BUILT, FIRE, NINE_SMALL = "燃气", "自建房", "消防", "九小场所"
#: How sectors are listed to a user.
SECTOR_ORDER: tuple[str, ...] = (NINE_SMALL, FIRE, GAS, SELF_BUILT)
RED, ORANGE, YELLOW, BLUE = "红", "橙", "黄", "蓝"
OPEN, SUSPENDED, CLOSED = "在营", "停业", "关闭"

#: Header texts that name each field, most usual first.
PLACE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("单位名称", "企业名称", "场所名称", "店名", "商户名称", "名称", "单位(场所)名称", "店铺名称",
             "门店名称", "经营户名称", "字号名称", "单位全称"),
    "credit_code": ("统一社会信用代码", "信用代码", "营业执照号", "社会信用代码", "注册号", "营业执照号码",
                    "营业执照注册号", "统一代码", "执照号"),
    "address": ("地址", "经营地址", "住所", "详细地址", "经营场所", "场所地址", "单位地址", "门牌号", "所在地址"),
    "responsible_person": ("负责人", "法定代表人", "经营者", "法人", "业主", "户主", "负责人姓名", "法人代表",
                           "经营者姓名", "产权人", "房主", "联系人"),
    "phone": ("联系电话", "电话", "手机", "联系方式", "手机号", "电话号码", "手机号码", "负责人电话"),
    "village": ("所属村(社区)", "村(社区)", "所属村", "社区", "村居", "村(居)", "所属社区", "行政村", "村名",
                "村(社区)名称", "村名称", "社区名称", "所在村(社区)"),
    "grid": ("网格", "所属网格", "网格名称", "网格编号"),
    "sector": ("行业", "行业领域", "类别", "场所类型", "业态", "类型", "行业类别", "经营类别", "经营类型",
               "所属行业"),
    # 场所类别 names what kind of (九小) place it is; its text also feeds 行业领域 (see ``_sectors``).
    "nine_small_kind": ("九小场所类别", "九小类型", "九小场所类型", "九小类别", "九小场所", "场所类别"),
    "risk_color": ("风险等级", "风险颜色", "风险分级", "风险等级(颜色)", "风险级别", "风险"),
    "status": ("经营状态", "状态", "营业状态"),
    "established": ("成立日期", "开业日期", "开业时间", "成立时间"),
    "area": ("面积", "建筑面积", "经营面积", "使用面积"),
    "notes": ("备注", "说明"),
}

#: Chinese name of each field, for messages and the mapping dialog.
FIELD_LABELS: dict[str, str] = {
    "name": "单位名称",
    "credit_code": "统一社会信用代码",
    "address": "地址",
    "responsible_person": "负责人",
    "phone": "联系电话",
    "village": "所属村（社区）",
    "grid": "网格",
    "sector": "行业领域",
    "nine_small_kind": "九小场所类别",
    "risk_color": "风险等级",
    "status": "经营状态",
    "established": "成立日期",
    "area": "面积",
    "notes": "备注",
}

# DB column lengths (anquan_desk.core.models.Place).
_MAX_LENGTH = {"name": 200, "address": 300, "responsible_person": 40, "phone": 30}

#: The earliest plausible 开业/成立日期: earlier ones are typing errors or Excel's empty date
#: (1900-01-00); the latest is today.
EARLIEST_DATE = date(1949, 1, 1)

#: Fields whose value in a second, same-named column can be kept in the notes; for the others two
#: different values leave no way to choose (an error).
_DUPLICATE_TO_NOTES = frozenset({"phone", "responsible_person", "notes", "sector", "nine_small_kind", "area"})

#: A quick test whether a text needs ``text_hazard`` (control, bidi and other invisible characters).
_SUSPECT = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufffe\uffff]")

#: 九小场所 kinds (common national list, DOMAIN.md §1.1) and the words that reveal them, in the
#: order they are tried (a 食品加工厂 is a 生产加工企业, a 足浴店 is not a 商店).
NINE_SMALL_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("小生产加工企业", ("加工", "作坊", "厂", "制造", "生产")),
    ("小医院", ("诊所", "卫生室", "卫生院", "医院", "门诊", "医务室")),
    ("小学校或幼儿园", ("幼儿园", "培训", "托育", "托管", "学校", "早教", "小学", "学堂", "辅导")),
    ("小网吧", ("网吧", "网咖")),
    ("小歌舞娱乐场所", ("ktv", "歌舞", "歌厅", "舞厅", "娱乐", "卡拉ok", "棋牌", "酒吧")),
    ("小美容洗浴场所", ("理发", "美容", "美发", "足浴", "洗浴", "浴室", "足疗", "按摩", "美甲", "汗蒸", "桑拿")),
    ("小旅馆", ("宾馆", "旅馆", "民宿", "旅社", "招待所", "客栈", "住宿")),
    ("小餐饮场所", ("餐饮", "饭店", "小吃", "餐馆", "饭馆", "面馆", "快餐", "火锅", "烧烤", "大排档", "酒家",
                   "食堂", "餐厅", "早餐", "饮品", "奶茶")),
    ("小商店", ("超市", "商店", "便利店", "小卖部", "商行", "门市", "批发", "零售", "商场", "百货", "五金",
               "杂货", "商铺", "药店")),
)
_SECTOR_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (GAS, ("液化气", "燃气", "煤气", "天然气", "液化石油气", "气瓶", "瓶装气", "管道气")),
    (SELF_BUILT, ("自建房", "民房", "农房", "自建", "居民房")),
    (FIRE, ("消防",)),
    (NINE_SMALL, ("九小",)),
)


def classify_sector(text: str) -> tuple[frozenset[str], str | None]:
    """行业领域 and 九小 kind revealed by free text: "小吃、液化气" → ({九小场所, 燃气}, 小餐饮场所)."""
    key = match_key(text)
    sectors: set[str] = set()
    for sector, words in _SECTOR_WORDS:
        if any(w in key for w in words):
            sectors.add(sector)
    kind: str | None = None
    for name, words in NINE_SMALL_KINDS:
        if name in text or any(w in key for w in words):
            kind = name
            break
    if kind is not None:
        sectors.add(NINE_SMALL)
    return frozenset(sectors), kind


def parse_risk_color(text: str) -> str | None:
    """红/橙/黄/蓝 from 红色、重大风险、较大、一般风险、低风险 …; None if not recognised."""
    key = match_key(text)
    for color, words in (
        (RED, ("红", "重大", "高风险")),
        (ORANGE, ("橙", "较大", "较高")),
        (YELLOW, ("黄", "一般", "中风险")),
        (BLUE, ("蓝", "低")),
    ):
        if any(w in key for w in words):
            return color
    return None


def parse_status(text: str) -> str | None:
    """在营/停业/关闭 from 正常营业、暂停营业、歇业、已注销 …; None if not recognised."""
    key = match_key(text)
    for status, words in (
        (SUSPENDED, ("停", "歇业", "暂停")),
        (CLOSED, ("关闭", "注销", "吊销", "倒闭", "拆除", "搬离", "搬迁", "不存在", "关停")),
        (OPEN, ("在营", "营业", "正常", "开业", "存续", "在业", "经营")),
    ):
        if any(w in key for w in words):
            return status
    return None


# --- result types ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Something wrong with the file, a sheet or a cell. ``row`` is the Excel row number."""

    file: str
    sheet: str | None
    row: int | None
    column: str | None  # header text of the column
    column_letter: str | None  # Excel column letter
    message: str
    severity: Severity
    field: str | None = None  # which PlaceCandidate field, for highlighting

    @property
    def column_label(self) -> str:
        """"D列（统一社会信用代码）", "D列" or ""."""
        if self.column_letter is None:
            return ""
        return f"{self.column_letter}列（{self.column}）" if self.column else f"{self.column_letter}列"

    def __str__(self) -> str:
        where = f"文件“{self.file}”"
        if self.sheet is not None:
            where += f"工作表“{self.sheet}”"
        if self.row is not None:
            where += f"第{self.row}行"
        where += self.column_label
        kind = "错误" if self.severity == "error" else "警告"
        return f"【{kind}】{where}：{self.message}"


@dataclass(frozen=True)
class PlaceCandidate:
    """The cleaned values of one row, as the Place model wants them."""

    name: str
    credit_code: str | None = None
    address: str = ""
    responsible_person: str = ""
    phone: str = ""
    village: str = ""
    grid: str = ""
    sectors: frozenset[str] = frozenset()
    nine_small_kind: str | None = None
    risk_color: str | None = None  # None: not given
    status: str | None = None  # None: not given
    notes: str = ""
    established: date | None = None  # no Place column yet: see ``notes_with_extras``
    area_m2: float | None = None

    def notes_with_extras(self) -> str:
        """The notes plus what the Place model has no column for (成立日期, 面积)."""
        extras = []
        if self.established is not None:
            extras.append(f"成立日期：{self.established.isoformat()}")
        if self.area_m2 is not None:
            extras.append(f"面积：{cell_text(self.area_m2)}㎡")
        return "；".join([p for p in (self.notes, *extras) if p])


@dataclass(frozen=True)
class PreviewRow:
    sheet: str
    row: int  # Excel row number
    action: Action
    place: PlaceCandidate
    existing_id: str | None = None  # the DB place this row updates
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class SheetSummary:
    sheet: str
    header_row: int
    last_header_row: int
    headers: tuple[str, ...]
    mapping: ColumnMapping  # the mapping actually used
    guessed: bool  # False when the caller's mapping was applied
    row_count: int


@dataclass
class PlaceImportPreview:
    file: Path
    rows: list[PreviewRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # all of them, file/sheet ones first
    sheets: list[SheetSummary] = field(default_factory=list)

    @property
    def new_rows(self) -> list[PreviewRow]:
        return [r for r in self.rows if r.action == "new"]

    @property
    def update_rows(self) -> list[PreviewRow]:
        return [r for r in self.rows if r.action == "update"]

    @property
    def invalid_rows(self) -> list[PreviewRow]:
        return [r for r in self.rows if r.action == "invalid"]

    @property
    def error_count(self) -> int:
        return sum(1 for p in self.problems if p.severity == "error")

    @property
    def warning_count(self) -> int:
        return sum(1 for p in self.problems if p.severity == "warning")

    @property
    def has_errors(self) -> bool:
        return self.error_count > 0

    def summary(self) -> str:
        return (
            f"共 {len(self.rows)} 行：新增 {len(self.new_rows)}，更新 {len(self.update_rows)}，"
            f"有错误 {len(self.invalid_rows)}；错误 {self.error_count} 条，警告 {self.warning_count} 条"
        )


@dataclass(frozen=True)
class ExistingIndex:
    """The database's places, for spotting updates: credit code → id, (name, address) → id.

    Build it with ``from_records`` so the keys are normalised the same way as the file's rows.
    """

    by_credit_code: Mapping[str, str]
    by_name_address: Mapping[tuple[str, str], str]

    @classmethod
    def from_records(cls, records: Iterable[tuple[str, str, str, str | None]]) -> ExistingIndex:
        """``records``: (place id, name, address, credit code or None) of every place in the DB."""
        codes: dict[str, str] = {}
        names: dict[tuple[str, str], str] = {}
        for place_id, name, address, code in records:
            if code:
                codes.setdefault(normalize_credit_code(code), place_id)
            names.setdefault(_name_address_key(name, address), place_id)
        return cls(by_credit_code=codes, by_name_address=names)

    def find(self, place: PlaceCandidate) -> tuple[str, str] | None:
        """(place id, how it matched) or None."""
        if place.credit_code and place.credit_code in self.by_credit_code:
            return self.by_credit_code[place.credit_code], "统一社会信用代码"
        key = _name_address_key(place.name, place.address)
        if place.address and key in self.by_name_address:
            return self.by_name_address[key], "名称和地址"
        return None


def _name_address_key(name: str, address: str) -> tuple[str, str]:
    return match_key(name), match_key(address)


# --- villages and grids ---------------------------------------------------------------------

_VILLAGE_SUFFIXES = (
    ("村民委员会", "村"), ("村委会", "村"), ("村委", "村"), ("社区居民委员会", "社区"), ("社区居委会", "社区"),
    ("居民委员会", "社区"), ("居委会", "社区"),
)


def _village_key(text: str) -> str:
    key = match_key(text)
    for suffix, short in _VILLAGE_SUFFIXES:
        if key.endswith(suffix):
            return key[: -len(suffix)] + short
    return key


class _Places:
    """Lookup of the township's villages and their grids, forgiving spelling variants."""

    def __init__(self, known: Mapping[str, set[str]]) -> None:
        self.known = known
        variants: dict[str, set[str]] = {}
        for village in known:
            key = _village_key(village)
            stem = re.sub(r"(村|社区)$", "", key)
            for variant in {key, stem}:
                if variant:
                    variants.setdefault(variant, set()).add(village)
        self.villages = {k: next(iter(v)) for k, v in variants.items() if len(v) == 1}
        grid_owner: dict[str, set[str]] = {}
        for village, grids in known.items():
            for grid in grids:
                grid_owner.setdefault(match_key(grid), set()).add(village)
        self.grid_owner = grid_owner

    def village(self, text: str) -> str | None:
        key = _village_key(text)
        return self.villages.get(key) or self.villages.get(re.sub(r"(村|社区)$", "", key))

    def grid(self, village: str, text: str) -> str | None:
        grids = self.known.get(village, set())
        key = match_key(text)
        exact = [g for g in grids if match_key(g) == key]
        if exact:
            return exact[0]
        prefixed = [g for g in grids if match_key(g) == match_key(village) + key]
        if len(prefixed) == 1:
            return prefixed[0]
        ending = [g for g in grids if match_key(g).endswith(key)]
        return ending[0] if len(ending) == 1 else None

    def village_of_grid(self, text: str) -> str | None:
        owners = self.grid_owner.get(match_key(text), set())
        return next(iter(owners)) if len(owners) == 1 else None


# --- the row parser -------------------------------------------------------------------------

_FOOTER_WORDS = ("注", "备注", "说明", "填表人", "填报人", "制表", "审核", "合计", "总计", "小计", "统计",
                 "负责人签字", "签字", "盖章")


@dataclass
class _Seen:
    """First occurrence of each key in the file, for duplicate detection."""

    codes: dict[str, tuple[str, int]] = field(default_factory=dict)
    name_address: dict[tuple[str, str], tuple[str, int]] = field(default_factory=dict)
    name_only: dict[str, tuple[str, int]] = field(default_factory=dict)
    existing: dict[str, tuple[str, int]] = field(default_factory=dict)


class _SheetParser:
    def __init__(
        self,
        file: Path,
        table: Table,
        columns: Mapping[str, int],
        places: _Places | None,
        existing: ExistingIndex | None,
        seen: _Seen,
        sheet_village: str | None,
        duplicates: Mapping[int, str] | None = None,
        latest: date | None = None,
        kind_sectors: Mapping[str, frozenset[str]] | None = None,
    ) -> None:
        self.file = file
        self.table = table
        self.columns = columns
        self.places = places
        self.existing = existing
        self.seen = seen
        self.sheet_village = sheet_village
        self.duplicates = dict(duplicates or {})  # column → the field it repeats
        self.latest = latest or clock.today()
        self.kind_sectors = kind_sectors or {}
        self.checked = {**{c: f for f, c in columns.items()}, **self.duplicates}  # column → field

    # helpers

    def _problem(self, row: int | None, fld: str | None, message: str, severity: Severity,
                 col: int | None = None) -> Problem:
        if col is None:
            col = self.columns.get(fld) if fld else None
        return Problem(
            file=self.file.name,
            sheet=self.table.sheet,
            row=row,
            column=self.table.header_of(col) if col is not None else None,
            column_letter=column_letter(col) if col is not None else None,
            message=message,
            severity=severity,
            field=fld,
        )

    def _where(self, sheet: str, row: int) -> str:
        return f"第{row}行" if sheet == self.table.sheet else f"工作表“{sheet}”第{row}行"

    def _text(self, row: Row, fld: str) -> str:
        return cell_text(row.get(self.columns.get(fld)))

    def skip(self, row: Row, index: int) -> bool:
        """Footer notes, repeated header rows and a column-number row under the header."""
        raw = [v for v in row.values if v is not None and v != ""]
        mapped = [row.get(c) for c in self.columns.values()]
        if any(self.table.issue(row.number, c) for c in self.checked):
            return False  # a formula without its result is never a blank row
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in mapped):
            return True  # a template row with only its 序号 filled in
        if len({str(v) for v in raw}) <= 2:
            distinct = {cell_text(v) for v in raw}
            if any(t.startswith(_FOOTER_WORDS) for t in distinct):
                return True
        name_col = self.columns.get("name")
        name = cell_text(row.get(name_col))
        if name_col is not None and name and name == self.table.header_of(name_col):
            return True
        if index != 0:
            return False
        filled = [cell_text(v) for v in raw]
        if len(filled) >= 3 and all(t.isdigit() for t in filled):
            numbers = [int(t) for t in filled]
            return numbers == list(range(numbers[0], numbers[0] + len(numbers)))
        return False

    # the row

    def parse(self, row: Row) -> PreviewRow:
        problems: list[Problem] = []
        n = row.number

        def error(fld: str | None, message: str) -> None:
            problems.append(self._problem(n, fld, message, "error"))

        def warn(fld: str | None, message: str) -> None:
            problems.append(self._problem(n, fld, message, "warning"))

        unusable = self._cells(row, problems)
        notes_parts: list[str] = []
        name = self._text(row, "name")
        if not name and "name" not in unusable:
            error("name", "单位名称为空（必填）")
        address = self._text(row, "address")
        if not address and "address" not in unusable:
            warn("address", "未填写地址（强烈建议填写，便于现场查找和查重）")
        person = self._text(row, "responsible_person")
        for fld, value in (("name", name), ("address", address), ("responsible_person", person)):
            limit = _MAX_LENGTH[fld]
            if len(value) > limit:
                error(fld, f"{FIELD_LABELS[fld]}过长（{len(value)}字，最多{limit}字）")

        credit_code = self._credit_code(row, error, warn, notes_parts)
        phone = self._phone(row, error, warn)
        village, grid = self._village_grid(row, error, warn)
        sectors, kind = self._sectors(row, name, warn, notes_parts)

        risk_text = self._text(row, "risk_color")
        risk = parse_risk_color(risk_text) if risk_text else None
        if risk_text and risk is None:
            warn("risk_color", f"风险等级“{risk_text}”无法识别（应为红、橙、黄、蓝，或重大、较大、一般、低风险）；"
                               "原文已记入备注")
            notes_parts.append(f"风险等级（原文）：{risk_text}")
        status_text = self._text(row, "status")
        status = parse_status(status_text) if status_text else None
        if status_text and status is None:
            warn("status", f"经营状态“{status_text}”无法识别（应为在营、停业或关闭）；原文已记入备注")
            notes_parts.append(f"经营状态（原文）：{status_text}")

        established = self._established(row.get(self.columns.get("established")), error, warn)
        area: float | None = None
        area_value = row.get(self.columns.get("area"))
        try:
            area = parse_number(area_value)
        except ValueError as err:
            warn("area", f"{err}；原文已记入备注")
            notes_parts.append(f"面积（原文）：{cell_text(area_value)}")
        if area is not None and area < 0:
            warn("area", f"面积不能为负数（{cell_text(area)}）；原文已记入备注")
            notes_parts.append(f"面积（原文）：{cell_text(area_value)}")
            area = None
        self._duplicate_values(row, notes_parts, problems)

        notes = self._text(row, "notes")
        place = PlaceCandidate(
            name=name,
            credit_code=credit_code,
            address=address,
            responsible_person=person,
            phone=phone,
            village=village,
            grid=grid,
            sectors=sectors,
            nine_small_kind=kind,
            risk_color=risk,
            status=status,
            notes="；".join([p for p in (notes, *notes_parts) if p]),
            established=established,
            area_m2=area,
        )
        existing_id = self._duplicates(row, place, error, warn)
        if any(p.severity == "error" for p in problems):
            action: Action = "invalid"
        elif existing_id is not None:
            action = "update"
        else:
            action = "new"
        return PreviewRow(self.table.sheet, n, action, place, existing_id, tuple(problems))

    def _cells(self, row: Row, problems: list[Problem]) -> set[str]:
        """Problems of the cells themselves (in every mapped and duplicate column): a formula
        without its result or an error value, control characters, bidi overrides, CR/tab. Returns
        the fields whose cell has no usable value."""
        unusable: set[str] = set()
        n = row.number
        for col, fld in self.checked.items():
            issue = self.table.issue(n, col)
            if issue is not None:
                problems.append(self._problem(n, fld, issue, "error", col))
                unusable.add(fld)
                continue
            value = row.get(col)
            if isinstance(value, str) and _SUSPECT.search(value):
                hazard = text_hazard(value)
                if hazard is not None:
                    problems.append(self._problem(n, fld, hazard[1], hazard[0], col))
        return unusable

    def _established(self, value: CellValue, error: _Report, warn: _Report) -> date | None:
        """开业/成立日期: readable, possible, unambiguous and plausible, or an error (see the notes)."""
        try:
            reading = read_date(value)
        except ValueError as err:
            error("established", f"{err}；日期无法如实保存，请改正后重新导入")
            return None
        if reading is None:
            return None
        shown = cell_text(value)
        if reading.day < EARLIEST_DATE:
            error("established", f"日期“{shown}”早于{EARLIEST_DATE.year}年，不是可信的开业日期（常见于空白日期"
                                 "被 Excel 显示成 1900 年）；请改正后重新导入")
            return None
        if reading.day > self.latest:
            error("established", f"日期“{shown}”晚于今天（{self.latest.isoformat()}），不是可信的开业日期；"
                                 "请改正后重新导入")
            return None
        if reading.note:
            warn("established", reading.note)
        return reading.day

    def _duplicate_values(self, row: Row, notes: list[str], problems: list[Problem]) -> None:
        """A value in a second, same-named column that differs from the mapped one (see the notes)."""
        n = row.number
        for col, fld in self.duplicates.items():
            value = cell_text(row.get(col))
            main = self.columns[fld]
            kept = cell_text(row.get(main))
            if not value or match_key(value) == match_key(kept):
                continue
            other = f"{column_letter(main)}列（{self.table.header_of(main)}）"
            if fld in _DUPLICATE_TO_NOTES:
                notes.append(f"{self.table.header_of(col) or FIELD_LABELS[fld]}（{column_letter(col)}列）：{value}")
                problems.append(self._problem(n, fld, f"与{other}同名的另一列，值“{value}”与{other}不同；"
                                                      "只按后者导入，本列的值已记入备注", "warning", col))
            else:
                problems.append(self._problem(
                    n, fld, f"与{other}同名的另一列，值“{value}”与{other}的“{kept}”不同，无法确定以哪一列为准；"
                            "请删除或改名多余的列后重新导入", "error", col))

    def _credit_code(self, row: Row, error: _Report, warn: _Report, notes: list[str]) -> str | None:
        value = row.get(self.columns.get("credit_code"))
        if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) >= 1e16:
            # Excel keeps 15 significant digits: an 18-digit code typed into a number cell has
            # already lost its last digits, so no check can be trusted.
            error("credit_code", f"统一社会信用代码被 Excel 存成了数字（{float(value):.15G}），后几位已丢失；"
                                 "请把该列设为“文本”格式后重新填写")
            return None
        raw = cell_text(value)
        if not raw or raw in {"无", "/", "-", "—", "暂无", "无证"}:
            return None
        code = normalize_credit_code(raw)
        if re.fullmatch(r"\d{15}", code):
            warn("credit_code", f"“{code}”是15位旧营业执照注册号，不是统一社会信用代码；已记入备注")
            notes.append(f"营业执照注册号：{code}")
            return None
        message = credit_code_error(code)
        if message:
            error("credit_code", message)
            return None
        return code

    def _phone(self, row: Row, error: _Report, warn: _Report) -> str:
        col = self.columns.get("phone")
        value = row.get(col)
        if value is None or isinstance(value, bool) or not isinstance(value, str | int | float):
            return cell_text(value)
        try:
            phone = normalize_phone(value)
        except PhoneError as err:
            warn("phone", f"{err}；已按原样保留")
            phone = cell_text(value)
        if len(phone) > _MAX_LENGTH["phone"]:
            error("phone", f"联系电话过长（{len(phone)}个字符，最多{_MAX_LENGTH['phone']}个）")
        return phone

    def _village_grid(self, row: Row, error: _Report, warn: _Report) -> tuple[str, str]:
        village_text = self._text(row, "village")
        grid_text = self._text(row, "grid")
        if self.places is None:
            return village_text or (self.sheet_village or ""), grid_text
        village = ""
        if village_text:
            found = self.places.village(village_text)
            if found is None:
                error("village", f"村（社区）“{village_text}”不在本乡镇的村（社区）名单中")
                return village_text, grid_text
            village = found
        elif self.sheet_village:
            village = self.sheet_village
        elif grid_text:
            village = self.places.village_of_grid(grid_text) or ""
        if not grid_text:
            if not village:
                warn("village", "未填写所属村（社区）和网格，导入后需手动分配网格")
                return village, ""
            grids = sorted(self.places.known.get(village, set()))
            if len(grids) == 1:
                return village, grids[0]
            warn("grid", f"未填写网格（“{village}”有{len(grids)}个网格），导入后需手动分配网格")
            return village, ""
        if not village:
            error("grid", f"网格“{grid_text}”无法确定所属村（社区），请填写村（社区）")
            return village, grid_text
        grid = self.places.grid(village, grid_text)
        if grid is None:
            error("grid", f"网格“{grid_text}”不在“{village}”的网格名单中")
            return village, grid_text
        return village, grid

    def _sectors(
        self, row: Row, name: str, warn: _Report, notes: list[str]
    ) -> tuple[frozenset[str], str | None]:
        kind_text = self._text(row, "nine_small_kind")
        # One column may feed both fields: its text is then classified once.
        same = self.columns.get("sector") is not None and self.columns.get("sector") == self.columns.get(
            "nine_small_kind")
        sector_text = "" if same else self._text(row, "sector")
        sectors: set[str] = set()
        kind: str | None = None
        if kind_text:
            found_sectors, kind = classify_sector(kind_text)
            sectors |= found_sectors
            if kind is None and not found_sectors:
                warn("nine_small_kind", f"未能识别九小场所类别“{kind_text}”；已记入备注")
                notes.append(f"九小场所类别（原文）：{kind_text}")
        if sector_text:
            found_sectors, found_kind = classify_sector(sector_text)
            sectors |= found_sectors
            kind = kind or found_kind
            if not found_sectors:
                warn("sector", f"未能识别行业领域“{sector_text}”；已记入备注")
                notes.append(f"行业（原文）：{sector_text}")
        if not sector_text and not kind_text and name:
            found_sectors, kind = classify_sector(name)
            sectors = set(found_sectors)
        if kind is not None:
            sectors.add(NINE_SMALL)
            sectors |= self.kind_sectors.get(kind, frozenset())
        return frozenset(sectors), kind

    def _duplicates(self, row: Row, place: PlaceCandidate, error: _Report, warn: _Report) -> str | None:
        seen, sheet, n = self.seen, self.table.sheet, row.number
        if place.credit_code:
            first = seen.codes.get(place.credit_code)
            if first:
                error("credit_code", f"与{self._where(*first)}重复（统一社会信用代码相同）")
                return None
            seen.codes[place.credit_code] = (sheet, n)
        if place.name and place.address:
            key = _name_address_key(place.name, place.address)
            first = seen.name_address.get(key)
            if first:
                error("name", f"与{self._where(*first)}重复（单位名称和地址相同）")
                return None
            seen.name_address[key] = (sheet, n)
        elif place.name:
            first = seen.name_only.get(match_key(place.name))
            if first:
                warn("name", f"与{self._where(*first)}名称相同且未填写地址，可能重复")
            else:
                seen.name_only[match_key(place.name)] = (sheet, n)
        if self.existing is None or not place.name:
            return None
        found = self.existing.find(place)
        if found is None:
            return None
        place_id, how = found
        first = seen.existing.get(place_id)
        if first:
            error("name", f"与{self._where(*first)}对应库中同一场所（{how}相同）")
            return None
        seen.existing[place_id] = (sheet, n)
        return place_id


# --- entry points ---------------------------------------------------------------------------

#: Rows checked between two progress reports (and chances to stop).
_PROGRESS_EVERY = 100


def parse_places(
    path: str | Path,
    *,
    mapping: ColumnMapping | None = None,
    known_villages: Mapping[str, set[str]] | None = None,
    existing: ExistingIndex | None = None,
    progress: Progress = NO_PROGRESS,
    today: date | None = None,
    kind_sectors: Mapping[str, frozenset[str]] | None = None,
) -> PlaceImportPreview:
    """Read and check every row of a places spreadsheet. Never touches the database.

    ``mapping``: a remembered/corrected column mapping; applied to every sheet whose header
    fingerprint equals ``mapping.fingerprint`` (other sheets use the guessed mapping).
    ``known_villages``: village → its grids; when given, unknown villages/grids are errors.
    ``existing``: the DB's places; matching rows become updates.
    ``progress`` hears how far the reading is and may stop it (``OperationCancelled``) between rows.
    ``today``: the latest plausible date (default: today).
    ``kind_sectors``: 九小 kind → the 行业领域 a place of that kind is in besides 九小场所 (e.g.
    小餐饮场所 → 消防, 燃气; the service passes the checklist library's); a row whose kind is recognised gets them.
    Raises ``ImportFileError`` when the file cannot be read within ``PLACE_LIMITS``, no sheet has a
    usable header, or the tables have no data rows.
    """
    file = Path(path)
    progress.update(0, 0, f"正在检查“{file.name}”…")
    preview = PlaceImportPreview(file=file)
    places = _Places(known_villages) if known_villages is not None else None
    seen = _Seen()
    mapping_used = False
    data_rows = 0
    header_only: list[Table] = []
    hidden: list[str] = []
    anything = False  # a visible sheet with any content
    with open_table_file(file, PLACE_LIMITS) as book:
        for info in book.sheets:
            progress.check()
            sheet = book.read_sheet(info, progress=progress)
            table = read_table(sheet, PLACE_SYNONYMS, file=file, fingerprint=mapping.fingerprint if mapping else None)
            empty = not sheet.rows
            del sheet
            if not info.visible:
                if table is not None and table.rows:
                    hidden.append(info.name)
                    preview.problems.append(Problem(
                        file.name, info.name, None, None, None,
                        f"这是隐藏的工作表，其中的 {len(table.rows)} 行没有导入；如需导入，请在 Excel/WPS 中"
                        "取消隐藏（右键工作表标签→取消隐藏）后重新导入", "warning"))
                continue
            if table is None:
                if not empty:
                    anything = True
                    preview.problems.append(Problem(
                        file.name, info.name, None, None, None,
                        "未找到表头（需要“单位名称”“地址”等列），已跳过此工作表", "warning"))
                continue
            guessed = True
            columns = dict(table.mapping.columns)
            if mapping is not None and mapping.fingerprint == table.fingerprint:
                columns = {f: c for f, c in mapping.columns.items() if c < len(table.headers) and f in FIELD_LABELS}
                guessed = False
                mapping_used = True
            used = ColumnMapping(columns=columns, fingerprint=table.fingerprint)
            preview.sheets.append(SheetSummary(
                table.sheet, table.header_row, table.last_header_row, table.headers, used, guessed, len(table.rows)))
            if "name" not in columns:
                data_rows += len(table.rows)
                preview.problems.append(Problem(
                    file.name, table.sheet, table.header_row, None, None,
                    "未找到“单位名称”列，请在列对应关系中指定哪一列是单位名称", "error", "name"))
                continue
            sheet_village = None
            if "village" not in columns and places is not None:
                sheet_village = places.village(table.sheet)
            duplicates = duplicate_columns(table.headers, columns, PLACE_SYNONYMS)
            for col, fld in duplicates.items():
                main = columns[fld]
                preview.problems.append(Problem(
                    file.name, table.sheet, None, table.header_of(col), column_letter(col),
                    f"与{column_letter(main)}列同为“{FIELD_LABELS[fld]}”，只按{column_letter(main)}列导入；"
                    f"本列中与{column_letter(main)}列不同的值逐行列出", "warning", fld))
            parser = _SheetParser(file, table, columns, places, existing, seen, sheet_village, duplicates, today,
                                  kind_sectors)
            total = len(table.rows)
            parsed = 0
            for index, row in enumerate(table.rows):
                if index % _PROGRESS_EVERY == 0:
                    progress.check()
                    progress.update(index, total, f"正在检查工作表“{table.sheet}”：第 {index + 1}/{total} 行…")
                if parser.skip(row, index):
                    continue
                preview_row = parser.parse(row)
                preview.rows.append(preview_row)
                preview.problems.extend(preview_row.problems)
                parsed += 1
            data_rows += parsed
            if not parsed:
                header_only.append(table)
    if not preview.sheets:
        if hidden:
            raise ImportFileError(f"场所表在隐藏的工作表“{'、'.join(hidden)}”中；请在 Excel/WPS 中取消隐藏"
                                  "（右键工作表标签→取消隐藏）后重新导入", file=file)
        if not anything:
            raise ImportFileError("工作簿是空的，没有任何数据", file=file)
        raise ImportFileError("在所有工作表中都没有找到场所表头（需要“单位名称”“地址”等列）", file=file)
    if not data_rows:
        first = header_only[0] if header_only else None
        where = f"（第{first.last_header_row}行）" if first else ""
        raise ImportFileError(f"只有表头{where}，没有数据行，没有可导入的场所；请确认选对了文件，"
                              "或把场所逐行填在表头下面后再导入", file=file, sheet=first.sheet if first else None)
    for table in header_only:
        preview.problems.append(Problem(
            file.name, table.sheet, None, None, None,
            f"只有表头（第{table.last_header_row}行），没有数据行，已跳过此工作表", "warning"))
    if mapping is not None and not mapping_used:
        preview.problems.insert(0, Problem(
            file.name, None, None, None, None,
            "保存的列对应关系与本文件的表头不一致，已按表头自动识别各列，请核对", "warning"))
    return preview


#: What 错误 and 警告 mean, printed in the problem report.
REPORT_LEGEND = ("错误：值无法如实保存（或无法确定），该行不会导入，请改正文件后重新导入；"
                 "警告：该行可以导入，但值已被转换或原文记入了备注，请核对")


def write_problem_report(preview: PlaceImportPreview, out_path: str | Path) -> Path:
    """Write the problems to an .xlsx the user can filter and work through: 文件, 工作表, 行, 列,
    级别, 问题 (errors first in each row, in red)."""
    out = Path(out_path)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "问题清单"
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws["A1"] = f"场所导入问题清单：{preview.file.name}"
    ws["A1"].font = Font(size=14, bold=True)
    ws.merge_cells("A1:F1")
    ws["A2"] = f"{preview.summary()}。{REPORT_LEGEND}"
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells("A2:F2")
    ws.row_dimensions[2].height = 32
    headers = ("文件", "工作表", "行", "列", "级别", "问题")
    for col, text in enumerate(headers, start=1):
        cell = ws.cell(row=3, column=col, value=text)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center", vertical="center")
        cell.border = border
    order = {"error": 0, "warning": 1}
    sheet_order = {s.sheet: i for i, s in enumerate(preview.sheets)}
    problems = sorted(
        preview.problems,
        key=lambda p: (
            p.sheet is not None,
            sheet_order.get(p.sheet or "", len(sheet_order)),
            p.row or 0,
            order[p.severity],
        ),
    )
    red = Font(color="C00000")
    for r, problem in enumerate(problems, start=4):
        values = (
            problem.file,
            problem.sheet or "",
            problem.row,
            problem.column_label,
            "错误" if problem.severity == "error" else "警告",
            problem.message,
        )
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=col, value=value)
            cell.border = border
            cell.alignment = Alignment(
                horizontal="center" if col in (3, 5) else None, vertical="top", wrap_text=col in (4, 6)
            )
            if problem.severity == "error" and col in (5, 6):
                cell.font = red
    if not problems:
        ws.cell(row=4, column=1, value="没有发现问题")
    for letter, width in zip("ABCDEF", (24, 14, 6, 26, 6, 70), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A4"
    if problems:
        ws.auto_filter.ref = f"A3:F{3 + len(problems)}"
    ws.print_title_rows = "3:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out
