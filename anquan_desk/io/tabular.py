"""Reading the messy spreadsheets districts hand out: generic parts any importer can reuse.

* ``open_workbook`` opens an .xlsx/.xlsm and turns every way it can fail (missing, not a workbook,
  an old .xls, password protected, corrupt) into an ``ImportFileError`` with a Chinese message.
* ``find_header`` scores the first rows of a sheet against a synonym table and finds the header
  even below title rows, including two-row headers built with merged cells.
* ``read_table`` gives a ``Table``: sheet name, header row(s), header texts and the data rows with
  their Excel row numbers; merged cells in the data repeat their value on every row they cover.
* ``guess_mapping`` maps fields to columns; a ``ColumnMapping`` is JSON-serialisable and carries a
  fingerprint of the headers, so a corrected mapping can be remembered for the next file.
* ``cell_text`` / ``parse_date`` / ``parse_number`` read cell values robustly (Excel dates, dates
  typed as text, numbers stored as text, phone numbers Excel turned into floats).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from anquan_desk.core.validators import normalize_text

__all__ = [
    "CellValue",
    "ColumnMapping",
    "HeaderMatch",
    "ImportFileError",
    "Row",
    "Table",
    "cell_text",
    "column_letter",
    "find_header",
    "guess_mapping",
    "header_fingerprint",
    "header_key",
    "iter_tables",
    "open_workbook",
    "parse_date",
    "parse_number",
    "read_table",
]

CellValue = str | int | float | bool | dt.datetime | dt.date | dt.time | None

#: How many rows from the top of a sheet are searched for the header.
HEADER_SCAN_ROWS = 30


class ImportFileError(Exception):
    """A file the user chose cannot be read. ``str(err)`` is a complete Chinese message.

    ``file`` is the file name; ``sheet``, ``row`` (Excel row number) and ``column`` (Excel column
    letter) say where, when that is known.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.file = Path(file).name
        self.sheet = sheet
        self.row = row
        self.column = column
        self.reason = message
        super().__init__(self._full_message())

    def _full_message(self) -> str:
        where = f"文件“{self.file}”"
        if self.sheet is not None:
            where += f"工作表“{self.sheet}”"
        if self.row is not None:
            where += f"第{self.row}行"
        if self.column is not None:
            where += f"{self.column}列"
        return f"{where}：{self.reason}"


# --- opening --------------------------------------------------------------------------------

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def open_workbook(path: str | Path) -> Workbook:
    """Open an .xlsx/.xlsm for reading cell values (cached results of formulas, not formulas)."""
    file = Path(path)
    if not file.exists():
        raise ImportFileError("文件不存在", file=file)
    if file.is_dir():
        raise ImportFileError("这是一个文件夹，不是 Excel 文件", file=file)
    try:
        with file.open("rb") as fh:
            head = fh.read(8)
    except OSError as err:
        raise ImportFileError(f"无法读取文件（{err.strerror or err}）", file=file) from err
    if not head:
        raise ImportFileError("文件是空的（0 字节）", file=file)
    if head == _OLE_MAGIC:
        raise ImportFileError(_ole_reason(file), file=file)
    if not zipfile.is_zipfile(file):
        kind = "CSV 或文本文件" if file.suffix.lower() in {".csv", ".txt"} else "Excel 工作簿（.xlsx）"
        raise ImportFileError(f"不是 Excel 工作簿（.xlsx）；看起来是{kind}以外的格式，无法读取", file=file)
    try:
        # Files from WPS and older Excel make openpyxl warn (unsupported extensions, no default
        # style); those parts do not matter for reading values.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return load_workbook(file, data_only=True, read_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError) as err:
        raise ImportFileError("不是有效的 Excel 工作簿（.xlsx），文件可能已损坏", file=file) from err
    except Exception as err:  # openpyxl raises many kinds of errors on broken XML
        raise ImportFileError(f"文件已损坏，无法读取（{type(err).__name__}）", file=file) from err


def _ole_reason(file: Path) -> str:
    """An OLE compound file is either an encrypted .xlsx or an old binary .xls."""
    data = file.read_bytes()
    if "EncryptionInfo".encode("utf-16-le") in data or "EncryptedPackage".encode("utf-16-le") in data:
        return "文件设置了打开密码，请在 Excel/WPS 中取消密码（文件→信息→保护工作簿）后另存再导入"
    return "是旧版 Excel 97-2003 格式（.xls），请在 Excel/WPS 中“另存为”.xlsx 格式后再导入"


# --- cell values ----------------------------------------------------------------------------


def column_letter(index: int) -> str:
    """Excel column letter for a 0-based column index (0 → "A")."""
    return str(get_column_letter(index + 1))


def _format_float(value: float) -> str:
    if value.is_integer() and abs(value) < 1e17:
        return str(int(value))
    return f"{value:.15g}"


def cell_text(value: CellValue) -> str:
    """A cell as clean text: numbers without a spurious ``.0`` or exponent (1.3812345678e10 →
    "13812345678"), dates as ``2024-03-05``, booleans as 是/否, text normalised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _format_float(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return normalize_text(str(value))


_DATE_PATTERNS = (
    re.compile(r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)
#: Excel serial numbers of 1900-01-01 … 9999-12-31.
_EXCEL_SERIAL_MAX = 2958465
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_date(value: CellValue) -> dt.date | None:
    """Read a date however it was entered: an Excel date, ``2024.3.5``, ``2024年3月5日``,
    ``2024-03-05``, ``2024/3/5``, ``20240305`` (text or number), or an Excel serial number.

    Empty → None. Raises ``ValueError`` (Chinese message) for anything that is not a real date.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool | dt.time):
        raise ValueError(f"“{cell_text(value)}”不是日期")
    if isinstance(value, int | float):
        if isinstance(value, float) and not value.is_integer():
            raise ValueError(f"“{cell_text(value)}”不是日期")
        number = int(value)
        if 19000101 <= number <= 29991231:
            return parse_date(str(number))
        if 1 <= number <= _EXCEL_SERIAL_MAX:
            return _EXCEL_EPOCH + dt.timedelta(days=number)
        raise ValueError(f"“{number}”不是日期")
    text = normalize_text(value)
    if not text:
        return None
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                return dt.date(year, month, day)
            except ValueError:
                raise ValueError(f"“{text}”不是有效日期（{year}年没有{month}月{day}日）") from None
    raise ValueError(f"“{text}”不是可识别的日期（请写成 2024-03-05 或 2024年3月5日）")


_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")
_NUMBER_UNITS = re.compile(r"(平方米|平米|㎡|m2|m²|平|米|元|万元|人|个|张|间|层)$", re.IGNORECASE)


def parse_number(value: CellValue) -> float | None:
    """Read a number, also when stored as text: ``"1,200"``, ``"120㎡"``, ``"120 平方米"``.

    Empty → None. Raises ``ValueError`` (Chinese message) for text that is not a number.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"“{cell_text(value)}”不是数字")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dt.date | dt.time):
        raise ValueError(f"“{cell_text(value)}”不是数字")
    text = normalize_text(value).replace(",", "").replace("，", "").replace(" ", "")
    if not text:
        return None
    text = _NUMBER_UNITS.sub("", text)
    if _NUMBER.fullmatch(text):
        return float(text)
    raise ValueError(f"“{normalize_text(value)}”不是数字")


# --- headers and mappings -------------------------------------------------------------------

_HEADER_DROP = re.compile(r"[\s*＊:：\"“”'‘’]")
_HEADER_PARENS = str.maketrans({"（": "(", "）": ")", "【": "(", "】": ")", "[": "(", "]": ")"})
_PARENTHETICAL = re.compile(r"\([^()]*\)")


def header_key(text: str) -> str:
    """Normalised header text for matching: no spaces, required-markers (*) or colons, brackets
    folded to ASCII, Latin letters lower-cased."""
    return _HEADER_DROP.sub("", normalize_text(text)).translate(_HEADER_PARENS).lower()


def header_fingerprint(headers: Sequence[str]) -> str:
    """A short stable id of a header layout (the normalised header texts in column order)."""
    keys = [header_key(h) for h in headers]
    while keys and not keys[-1]:
        keys.pop()
    return hashlib.sha1("\x1f".join(keys).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class ColumnMapping:
    """Which column (0-based index) holds which field, for headers with a given fingerprint."""

    columns: dict[str, int]
    fingerprint: str

    def to_json(self) -> dict[str, Any]:
        return {"fingerprint": self.fingerprint, "columns": dict(self.columns)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ColumnMapping:
        columns = data.get("columns")
        fingerprint = data.get("fingerprint")
        if not isinstance(columns, Mapping) or not isinstance(fingerprint, str):
            raise ValueError("列对应关系格式不正确（需要 fingerprint 和 columns）")
        checked: dict[str, int] = {}
        for name, index in columns.items():
            if not isinstance(name, str) or not isinstance(index, int) or isinstance(index, bool) or index < 0:
                raise ValueError(f"列对应关系中“{name}”的列号无效：{index!r}")
            checked[name] = index
        return cls(columns=checked, fingerprint=fingerprint)


# Match quality: the whole header equals a synonym > the header ends with one (the head noun of
# a Chinese phrase comes last: 负责人电话 is a phone) > starts with / contains one.
_EXACT, _SUFFIX, _PREFIX, _CONTAINS = 4, 3, 2, 1


def _match_score(key: str, synonyms: Sequence[str]) -> tuple[int, int, int]:
    """Best match of one header key against a field's synonyms (higher is better)."""
    best = (0, 0, 0)
    forms = {key, _PARENTHETICAL.sub("", key)}
    forms.discard("")
    for rank, synonym in enumerate(synonyms):
        syn = header_key(synonym)
        for form in forms:
            if form == syn:
                quality = _EXACT
            elif form.endswith(syn):
                quality = _SUFFIX
            elif form.startswith(syn):
                quality = _PREFIX
            elif syn in form and len(syn) >= 2:
                quality = _CONTAINS
            else:
                continue
            # Between exact matches the more usual synonym wins (负责人 before 法定代表人); between
            # partial ones the longer, more specific synonym does.
            score = (quality, -rank, len(syn)) if quality == _EXACT else (quality, len(syn), -rank)
            best = max(best, score)
    return best


def _assign(headers: Sequence[Sequence[str]], synonyms: Mapping[str, Sequence[str]]) -> dict[str, int]:
    """Greedy one-to-one assignment of fields to columns, best matches first.

    ``headers[i]`` holds the header parts of column i, most specific first (for a two-row header:
    the lower cell, then the group cell above it). A lower part always beats an upper one.
    """
    candidates: list[tuple[tuple[int, int, int, int], int, str]] = []
    for col, parts in enumerate(headers):
        for depth, part in enumerate(parts):
            key = header_key(part)
            if not key:
                continue
            for fld, syns in synonyms.items():
                quality, length, rank = _match_score(key, syns)
                if quality:
                    candidates.append(((-depth, quality, length, rank), col, fld))
    candidates.sort(key=lambda c: (c[0], -c[1]), reverse=True)
    taken_cols: set[int] = set()
    result: dict[str, int] = {}
    for _score, col, fld in candidates:
        if fld in result or col in taken_cols:
            continue
        result[fld] = col
        taken_cols.add(col)
    return result


def guess_mapping(headers: Sequence[str], synonyms: Mapping[str, Sequence[str]]) -> ColumnMapping:
    """Guess field → column from header texts (a two-row header is given as "上级/下级")."""
    parts = [list(reversed([p for p in h.split("/") if p])) if h else [] for h in headers]
    return ColumnMapping(columns=_assign(parts, synonyms), fingerprint=header_fingerprint(headers))


@dataclass(frozen=True)
class HeaderMatch:
    """Where the header of a sheet is: rows ``first_row``..``last_row`` (Excel numbers)."""

    first_row: int
    last_row: int
    headers: tuple[str, ...]
    mapping: ColumnMapping

    @property
    def field_count(self) -> int:
        return len(self.mapping.columns)


class _MergedFill:
    """Value of every cell covered by a merged range = the value of its top-left cell."""

    def __init__(self, ws: Worksheet) -> None:
        self.cells: dict[tuple[int, int], CellValue] = {}
        self.ranges: list[tuple[int, int, int, int]] = []  # min_row, min_col, max_row, max_col
        max_row = ws.max_row
        for rng in ws.merged_cells.ranges:
            min_col, min_row, max_col, max_r = rng.bounds
            max_r = min(max_r, max_row)
            self.ranges.append((min_row, min_col, max_r, max_col))
            top_left = ws.cell(row=min_row, column=min_col).value
            for r in range(min_row, max_r + 1):
                for c in range(min_col, max_col + 1):
                    if (r, c) != (min_row, min_col):
                        self.cells[(r, c)] = top_left

    def row(self, number: int, values: Sequence[CellValue], width: int) -> list[CellValue]:
        out = list(values) + [None] * (width - len(values))
        if self.cells:
            for c in range(width):
                filled = self.cells.get((number, c + 1), out[c])
                if out[c] is None:
                    out[c] = filled
        return out


def _header_band_end(first: int, width: int, fill: _MergedFill, rows: Mapping[int, list[CellValue]]) -> int:
    """Last row of a header starting at ``first``: a merged cell that starts on that row and spans
    rows down, or a group cell spanning columns with sub-headers below it, makes the header two
    (or more) rows high."""
    end = first
    for min_row, min_col, max_row, max_col in fill.ranges:
        if min_row != first or min_col > width:
            continue
        if max_col - min_col + 1 >= max(3, int(width * 0.8)):
            continue  # a title across the whole sheet, not a group header
        if max_row > first:
            end = max(end, max_row)
        elif max_col > min_col:
            below = rows.get(first + 1, [])
            if any(below[c - 1] not in (None, "") for c in range(min_col, min(max_col, len(below)) + 1)):
                end = max(end, first + 1)
    return min(end, first + 2)


def _band_headers(band: Sequence[Sequence[CellValue]], width: int) -> list[str]:
    headers: list[str] = []
    for c in range(width):
        parts: list[str] = []
        for row in band:
            text = cell_text(row[c] if c < len(row) else None).replace("/", "／")
            if text and text not in parts:
                parts.append(text)
        headers.append("/".join(parts))
    return headers


def find_header(
    ws: Worksheet,
    synonyms: Mapping[str, Sequence[str]],
    *,
    required: Iterable[str] = (),
    min_fields: int = 2,
    scan_rows: int = HEADER_SCAN_ROWS,
    fingerprint: str | None = None,
) -> HeaderMatch | None:
    """The best header among the first ``scan_rows`` rows, or None.

    Each candidate (a single row, or a row plus the rows its merged cells span) is scored by how
    many fields its cells match; ties go to the less tall, then the upper candidate. A candidate
    needs at least ``min_fields`` matched fields and every field in ``required``. With
    ``fingerprint`` (of a remembered mapping), the first candidate whose headers have exactly that
    fingerprint wins, however few fields the synonyms recognise in it.
    """
    width = ws.max_column
    fill = _MergedFill(ws)
    rows: dict[int, list[CellValue]] = {}
    for number, values in enumerate(
        ws.iter_rows(min_row=1, max_row=min(scan_rows + 2, ws.max_row), values_only=True), start=1
    ):
        rows[number] = fill.row(number, values, width)
    required = tuple(required)
    best: HeaderMatch | None = None
    for first in range(1, min(scan_rows, len(rows)) + 1):
        if not any(v not in (None, "") for v in rows[first]):
            continue
        last = _header_band_end(first, width, fill, rows)
        last = min(last, len(rows))
        headers = _band_headers([rows[r] for r in range(first, last + 1)], width)
        mapping = guess_mapping(headers, synonyms)
        if fingerprint is not None and mapping.fingerprint == fingerprint:
            return HeaderMatch(first, last, tuple(headers), mapping)
        if len(mapping.columns) < min_fields or any(f not in mapping.columns for f in required):
            continue
        match = HeaderMatch(first, last, tuple(headers), mapping)
        if best is None or _rank(match) > _rank(best):
            best = match
    return best


def _rank(match: HeaderMatch) -> tuple[int, int, int]:
    """More matched fields first; then a lower header band (a title row merged above a header must
    not become part of it); then the upper candidate."""
    return (match.field_count, -(match.last_row - match.first_row), -match.first_row)


# --- tables ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One data row: its Excel row number and one value per header column."""

    number: int
    values: tuple[CellValue, ...]

    def get(self, column: int | None) -> CellValue:
        if column is None or column >= len(self.values):
            return None
        return self.values[column]


@dataclass
class Table:
    """A sheet read below its header."""

    file: Path
    sheet: str
    header_row: int  # first header row (Excel number)
    last_header_row: int  # equals header_row for a one-row header
    headers: tuple[str, ...]  # per column; a two-row header reads "上级/下级"
    mapping: ColumnMapping  # the guessed mapping
    rows: list[Row] = field(default_factory=list)

    @property
    def fingerprint(self) -> str:
        return self.mapping.fingerprint

    def header_of(self, column: int) -> str:
        return self.headers[column] if column < len(self.headers) else ""


def _is_blank(values: Sequence[CellValue]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def read_table(
    ws: Worksheet,
    synonyms: Mapping[str, Sequence[str]],
    *,
    file: str | Path,
    required: Iterable[str] = (),
    min_fields: int = 2,
    fingerprint: str | None = None,
) -> Table | None:
    """Read a sheet into a ``Table``, or None if no header is found (see ``find_header``). Blank
    rows are left out (the others keep their Excel row numbers); merged cells repeat their value."""
    header = find_header(ws, synonyms, required=required, min_fields=min_fields, fingerprint=fingerprint)
    if header is None:
        return None
    width = len(header.headers)
    while width and not header.headers[width - 1]:
        width -= 1
    fill = _MergedFill(ws)
    table = Table(
        file=Path(file),
        sheet=ws.title,
        header_row=header.first_row,
        last_header_row=header.last_row,
        headers=header.headers[:width],
        mapping=header.mapping,
    )
    start = header.last_row + 1
    for number, values in enumerate(ws.iter_rows(min_row=start, values_only=True), start=start):
        row = fill.row(number, values[:width], width)
        if not _is_blank(row):
            table.rows.append(Row(number, tuple(row)))
    return table


def iter_tables(
    workbook: Workbook,
    synonyms: Mapping[str, Sequence[str]],
    *,
    file: str | Path,
    required: Iterable[str] = (),
    include_hidden: bool = False,
) -> Iterator[tuple[Worksheet, Table | None]]:
    """Each worksheet (hidden ones only if asked) with its table, or None where no header is found."""
    required = tuple(required)
    for ws in workbook.worksheets:
        if not include_hidden and ws.sheet_state != "visible":
            continue
        yield ws, read_table(ws, synonyms, file=file, required=required)
