"""Reading the messy spreadsheets districts hand out — any file a user picks, bounded and strict.

* ``open_workbook`` checks a file *before* reading it (size, what kind of file it really is, the
  zip's entry count and the uncompressed size of every part it will read — zip bombs — against the
  ``Limits`` of what the file is meant to be) and gives a ``Workbook``: its sheets (name, visible or
  hidden) and ``read_sheet``, which streams one sheet's XML (expat, no tree, constant memory) with
  limits on rows, columns, cells and cell text, reporting progress and honouring cancel. Every way
  a file can fail becomes an ``ImportFileError`` (a ``FileInputError``) whose Chinese message names
  the file and, where it applies, sheet, row and column, and says what to do.
* ``find_header`` scores the first rows of a sheet against a synonym table and finds the header
  even below title rows, including two-row headers built with merged cells.
* ``read_table`` gives a ``Table``: sheet name, header row(s), header texts and the data rows with
  their Excel row numbers; merged cells in the data repeat their value on every row they cover.
* ``guess_mapping`` maps fields to columns; a ``ColumnMapping`` is JSON-serialisable and carries a
  fingerprint of the headers, so a corrected mapping can be remembered for the next file;
  ``duplicate_columns`` names the columns that say the same as a mapped one (a second 单位名称).
* ``cell_text`` / ``read_date`` / ``parse_date`` / ``parse_number`` / ``text_hazard`` read cell values
  robustly (Excel dates, dates typed as text in every spelling a district uses, numbers stored as
  text, phone numbers Excel turned into floats) and spot what cannot be stored faithfully.

Cell values are what Excel shows: the cached result of a formula (a formula whose result was never
saved, and an error value like ``#N/A``, are reported per cell in ``Sheet.issues``), dates as
``datetime`` (also the Chinese built-in date formats WPS uses), ``_x000D_``-style escapes decoded.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Literal
from xml.parsers import expat

from openpyxl.styles.numbers import BUILTIN_FORMATS, STRIP_RE
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel
from openpyxl.worksheet.worksheet import Worksheet

from anquan_desk.core.errors import FileInputError, Location
from anquan_desk.core.progress import NO_PROGRESS, Progress
from anquan_desk.core.validators import normalize_text

__all__ = [
    "CHECKLIST_LIMITS",
    "EXCEL_CELL_CHARS",
    "PLACE_LIMITS",
    "TEMPLATE_LIMITS",
    "CellValue",
    "ColumnMapping",
    "CsvBook",
    "DateReading",
    "HeaderMatch",
    "ImportFileError",
    "Limits",
    "Row",
    "Sheet",
    "SheetInfo",
    "Table",
    "Workbook",
    "cell_text",
    "column_letter",
    "duplicate_columns",
    "find_header",
    "guess_mapping",
    "header_fingerprint",
    "header_key",
    "iter_tables",
    "open_table_file",
    "open_workbook",
    "parse_date",
    "parse_number",
    "read_date",
    "read_table",
    "sheet_from_worksheet",
    "text_hazard",
]

CellValue = str | int | float | bool | dt.datetime | dt.date | dt.time | None

#: How many rows from the top of a sheet are searched for the header.
HEADER_SCAN_ROWS = 30


class ImportFileError(FileInputError):
    """A file the user chose cannot be read. ``str(err)`` is a complete Chinese message.

    ``file`` is the file name; ``sheet``, ``row`` (Excel row number) and ``column`` (Excel column
    letter) say where, when that is known; ``reason`` is the message without the place.
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
        super().__init__(message, Location(file=self.file, sheet=sheet or "", row=row, column=column or ""))


# --- limits ---------------------------------------------------------------------------------

#: Excel's own limit on the text of one cell: a longer text cannot have come from Excel or WPS.
EXCEL_CELL_CHARS = 32_767
_MIB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """What a spreadsheet of one kind may hold. Checked before reading (file and zip) and while
    streaming (rows, cells, text), so a hostile or mistaken file is refused within seconds and in
    bounded memory. Every number is far above what a real file of the kind has (see the constants)."""

    what: str  # what the file is meant to be, for messages: 场所清单, 检查表, 台账模板
    advice: str  # what to do when a limit is hit
    max_file_bytes: int  # the file on disk
    max_entries: int  # parts in the zip (a workbook has 10–40; with pictures a few hundred)
    max_total_bytes: int  # all parts together, uncompressed
    max_sheet_bytes: int  # one sheet's XML, uncompressed
    max_strings_bytes: int  # the shared strings part, uncompressed
    max_rows: int  # rows with content, all sheets read together
    max_sheet_rows: int  # the last row number a sheet may use (also its declared dimension)
    max_columns: int  # the last column a cell with content may be in
    max_cells: int  # cell elements of all sheets (empty formatted ones too); merged cells, shared strings
    max_elements: int  # XML elements of all sheets, and of any other part (bounds the parse time)
    max_row_elements: int  # <row> elements of one sheet, empty ones too
    max_sheets: int = 255
    max_cell_chars: int = EXCEL_CELL_CHARS
    #: The row and column limits hold for every cell element, formatted empty ones too (a file
    #: that is opened in full afterwards: openpyxl makes an object of every cell in that extent).
    every_cell_in_extent: bool = False


#: A township's place list: a big township has a few thousand places, never 50,000 (a county's
#: whole register of market entities would be the wrong file); 10–40 columns. Measured: a list of
#: 50,000 rows × 14 columns is a 3.5 MB xlsx with 23 MB of sheet XML and 8 MB of shared strings,
#: streamed in about 3.5 s at 77 MB peak. The limits leave room for inline strings (about 50 MB of
#: XML for such a list) and for 20 formatted columns; the worst file they let through (a sheet of
#: 64 MB: 1.2 million cells of distinct text, 128 columns wide) costs about 200 MB in all.
PLACE_LIMITS = Limits(
    what="场所清单",
    advice="一个乡镇的场所清单不会有这么多内容，请确认选对了文件；如果确实是场所清单，"
           "请在 Excel/WPS 中删除多余的行、列和工作表，或分成几个文件分别导入",
    max_file_bytes=64 * _MIB,
    max_entries=2_000,
    max_total_bytes=512 * _MIB,
    max_sheet_bytes=64 * _MIB,
    max_strings_bytes=48 * _MIB,
    max_rows=50_000,
    max_sheet_rows=100_000,
    max_columns=128,
    max_cells=1_200_000,
    max_elements=4_000_000,
    max_row_elements=2_100_000,  # a sheet of 1,048,576 empty rows is read (in a second), not refused
)

#: A checklist workbook: one template of 10–300 items, about ten columns.
CHECKLIST_LIMITS = Limits(
    what="检查表",
    advice="一张检查表只有几十到几百个条目，请确认选对了文件（应是从本程序导出、修改后的检查表），"
           "并删除多余的行、列和工作表",
    max_file_bytes=20 * _MIB,
    max_entries=1_000,
    max_total_bytes=128 * _MIB,
    max_sheet_bytes=32 * _MIB,
    max_strings_bytes=16 * _MIB,
    max_rows=5_000,
    max_sheet_rows=10_000,
    max_columns=64,
    max_cells=200_000,
    max_elements=2_000_000,
    max_row_elements=1_100_000,
)

#: A district's ledger template: title, header, some formatted empty rows and a footer. It is
#: opened in full (openpyxl keeps every cell, ~1 KB each) to be filled in, so the number of cell
#: elements — formatted empty ones included — is what bounds the memory.
TEMPLATE_LIMITS = Limits(
    what="台账模板",
    advice="台账模板只需要标题、表头和少量示例行，请在 Excel/WPS 中删除多余的行、列"
           "（包括只设置了格式的空行）后另存，再选择它",
    max_file_bytes=20 * _MIB,
    max_entries=1_000,
    max_total_bytes=48 * _MIB,
    max_sheet_bytes=24 * _MIB,
    max_strings_bytes=8 * _MIB,
    max_rows=10_000,
    max_sheet_rows=20_000,
    max_columns=100,
    max_cells=150_000,
    max_elements=600_000,
    max_row_elements=20_000,  # openpyxl keeps a formatted empty row (~0.5 KB)
    every_cell_in_extent=True,
)

#: How a sheet's part is called in a message whose place names the sheet.
_THIS_SHEET = "本工作表"
#: Small parts read in full (workbook, relationships, styles).
_MAX_META_BYTES = 16 * _MIB
#: A part that grows this many times when unzipped is called what it is (a zip bomb).
_BOMB_RATIO = 100


# --- what kind of file it is ----------------------------------------------------------------

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_XLSX = "Excel 工作簿（.xlsx）"
_SAVE_AS = "请在 Excel/WPS 中打开它，“另存为”Excel 工作簿（.xlsx）后再选择新文件"


def _mb(size: int) -> str:
    return f"{size / _MIB:.1f} MB" if size < 10 * _MIB else f"{size // _MIB} MB"


def _refuse(file: Path, message: str, **where: Any) -> ImportFileError:
    return ImportFileError(message, file=file, **where)


def _check_file(file: Path, limits: Limits) -> int:
    """The file exists, is not empty or too big; returns its size."""
    if not file.exists():
        raise _refuse(file, "文件不存在")
    if file.is_dir():
        raise _refuse(file, "这是一个文件夹，不是 Excel 文件")
    try:
        size = file.stat().st_size
    except OSError as err:
        raise _refuse(file, f"无法读取文件（{err.strerror or err}）") from err
    if size == 0:
        raise _refuse(file, "文件是空的（0 字节）")
    if size > limits.max_file_bytes:
        raise _refuse(file, f"文件有 {_mb(size)}，超过了{limits.what}的上限 {_mb(limits.max_file_bytes)}。"
                            f"{limits.advice}")
    return size


def _sniff(file: Path, size: int) -> None:
    """Refuse what is not a zip, saying what it looks like instead."""
    try:
        with file.open("rb") as fh:
            head = fh.read(4096)
    except OSError as err:
        raise _refuse(file, f"无法读取文件（{err.strerror or err}）") from err
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return
    if head.startswith(_OLE_MAGIC):
        raise _refuse(file, _ole_reason(file, size))
    kind = _looks_like(file, head)
    raise _refuse(file, f"不是 {_XLSX}，而是{kind}，无法读取。{_SAVE_AS}")


def _looks_like(file: Path, head: bytes) -> str:
    if head.startswith(b"%PDF"):
        return "PDF 文件"
    if head.startswith((b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"BM")):
        return "图片"
    if head.startswith((b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b")):
        return "其他格式的压缩包"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<"):
        if b"urn:schemas-microsoft-com:office:spreadsheet" in head:
            return "Excel 2003 XML 表格"
        if b"<html" in text or b"<table" in text or b"<!doctype html" in text:
            return "网页（HTML）格式的表格（一些系统导出的“Excel”其实是网页）"
        return "XML 文件"
    if file.suffix.lower() in {".csv", ".txt"} or _is_text(head):
        return "CSV 或文本文件"
    return "无法识别的格式"


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False


def _ole_reason(file: Path, size: int) -> str:
    """An OLE compound file is either an encrypted .xlsx or an old binary .xls. The names of its
    streams are in its directory, near the start in files Excel/WPS write and always within the
    first and last megabyte for files of the sizes allowed here."""
    with file.open("rb") as fh:
        data = fh.read(_MIB)
        if size > 2 * _MIB:
            fh.seek(size - _MIB)
            data += fh.read(_MIB)
        elif size > _MIB:
            data += fh.read()
    if "EncryptionInfo".encode("utf-16-le") in data or "EncryptedPackage".encode("utf-16-le") in data:
        return ("文件设置了打开密码，无法读取。请在 Excel/WPS 中打开，取消密码（文件→信息→保护工作簿→"
                "用密码进行加密，清空密码）后保存，再导入")
    return "是旧版 Excel 97-2003 格式（.xls），请在 Excel/WPS 中“另存为”.xlsx 格式后再导入"


def _zip_entry_count(file: Path, size: int) -> int | None:
    """The entry count from the zip's end record, read before ``zipfile`` builds an object for
    every entry (a zip of a million empty entries would otherwise cost a gigabyte). None when
    there is no end record (a truncated file)."""
    with file.open("rb") as fh:
        back = min(size, 65_557)
        fh.seek(size - back)
        tail = fh.read(back)
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < 22:
            return None
        count = int(struct.unpack_from("<H", tail, at + 10)[0])
        if count != 0xFFFF or at < 20 or tail[at - 20:at - 16] != b"PK\x06\x07":
            return count
        record = int(struct.unpack_from("<Q", tail, at - 12)[0])
        if record + 56 > size:
            return None
        fh.seek(record)
        zip64 = fh.read(56)
        if not zip64.startswith(b"PK\x06\x06"):
            return None
        return int(struct.unpack_from("<Q", zip64, 32)[0])


# --- XML parts, streamed ----------------------------------------------------------------------


class _Stop(Exception):
    """Raised inside a parser callback to stop reading (the reason is the ImportFileError)."""

    def __init__(self, error: ImportFileError) -> None:
        super().__init__(str(error))
        self.error = error


def _local(name: str) -> str:
    """Element name without its prefix (the transitional and the strict namespaces alike)."""
    return name[name.rfind(":") + 1:]


class _Part:
    """Feeds one zip member to an expat parser in chunks (no tree is ever built)."""

    CHUNK = 256 * 1024

    def __init__(self, book: Workbook, info: zipfile.ZipInfo, label: str, sheet: str | None = None) -> None:
        self.book = book
        self.info = info
        self.label = label  # what the part is, for messages ("本工作表" when ``sheet`` names it)
        self.sheet = sheet
        self.elements = 0

    def refuse(self, message: str) -> ImportFileError:
        return _refuse(self.book.file, message, sheet=self.sheet)

    def parser(self) -> Any:  # expat's parser type is not exported
        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.buffer_size = 65_536

        def doctype(*_args: object) -> None:
            raise _Stop(self.refuse(f"{self.label}中含有 DTD 声明，正常的 Excel 文件没有，已拒绝读取"))

        parser.StartDoctypeDeclHandler = doctype
        return parser

    def count(self, limit: int) -> None:
        self.elements += 1
        if self.elements > limit:
            raise _Stop(self.refuse(f"{self.label}中的内容过多（超过 {limit:,} 个 XML 元素）。{self.book.limits.advice}"))

    def feed(self, parser: Any, progress: Progress = NO_PROGRESS, text: str = "") -> None:
        total = self.info.file_size
        done = 0
        try:
            with self.book.zip.open(self.info) as stream:
                while True:
                    chunk = stream.read(self.CHUNK)
                    if not chunk:
                        break
                    parser.Parse(chunk, False)
                    done += len(chunk)
                    if text:
                        progress.check()
                        progress.update(done, total, text)
                parser.Parse(b"", True)
        except _Stop as stop:
            raise stop.error from None
        except expat.ExpatError as err:
            raise self.refuse(f"{self.label}已损坏，无法读取（XML 第 {err.lineno} 行：{_expat_reason(err)}）。"
                              "请在 Excel/WPS 中打开后另存为新文件再导入") from None
        except NotImplementedError:
            raise self.refuse(f"{self.label}使用了不支持的压缩方式，无法读取。请在 Excel/WPS 中打开后另存为新文件再导入") \
                from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as err:
            raise self.refuse(f"{self.label}已损坏，无法解压（{_zip_reason(err)}）；文件可能没有下载或复制完整") from None


def _expat_reason(err: expat.ExpatError) -> str:
    return expat.ErrorString(err.code) or "格式错误"


def _zip_reason(err: BaseException) -> str:
    text = str(err)
    if "CRC" in text:
        return "校验和不符"
    if isinstance(err, EOFError) or "truncated" in text.lower():
        return "内容不完整"
    return type(err).__name__


def _xml_unescape(text: str) -> str:
    """``_xHHHH_`` escapes of ST_Xstring (Excel writes a carriage return as ``_x000D_``)."""
    if "_x" not in text:
        return text
    return _XESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


_XESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
#: A cell's text in the file may be up to this many times its length (every character escaped).
_ESCAPED = 7


@dataclass(frozen=True)
class _TooLong:
    """A shared string longer than a cell may be: refused where a cell uses it."""

    length: int


# --- the workbook ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetInfo:
    name: str
    state: str  # visible, hidden or veryHidden
    part: str  # the sheet's path inside the zip
    index: int  # position in the workbook (0-based)

    @property
    def visible(self) -> bool:
        return self.state == "visible"


@dataclass
class Sheet:
    """One worksheet's values, read within the limits.

    ``rows`` holds the rows with content by Excel row number, each from column A to its last filled
    cell; merged areas already repeat their top-left value (clipped to the filled extent);
    ``merged`` lists them (min_row, min_col, max_row, max_col, 1-based); ``issues`` names cells
    without a usable value: (row, 0-based column) → what is wrong (a formula whose result was never
    saved, an error value such as #N/A).
    """

    title: str
    state: str = "visible"
    rows: dict[int, tuple[CellValue, ...]] = field(default_factory=dict)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    issues: dict[tuple[int, int], str] = field(default_factory=dict)
    cell_count: int = 0  # cell elements in the file, formatted empty ones too
    row_count: int = 0  # row elements in the file

    @property
    def max_row(self) -> int:
        return max(self.rows, default=0)

    @property
    def max_column(self) -> int:
        return max((len(v) for v in self.rows.values()), default=0)

    def value(self, row: int, column: int) -> CellValue:
        """The value at an Excel row and 1-based column."""
        values = self.rows.get(row)
        if values is None or column > len(values):
            return None
        return values[column - 1]


class Workbook:
    """An opened, checked workbook: ``sheets`` lists its sheets; ``read_sheet`` reads one."""

    def __init__(self, file: Path, limits: Limits) -> None:
        self.file = file
        self.limits = limits
        self.zip = zipfile.ZipFile(file)
        self.sheets: list[SheetInfo] = []
        self.active = 0
        # What the sheets read so far hold together: the limits on rows, cells and XML elements are
        # for the whole workbook (a file of many big sheets must not take many times as long).
        self.rows_read = 0  # rows with content
        self.cells_read = 0  # cell elements
        self.elements_read = 0  # XML elements of the sheets
        self._names = {info.filename.lower(): info for info in self.zip.infolist()}
        self._strings: list[str | _TooLong] | None = None
        self._date_styles: dict[int, str] = {}  # style index → "date" / "time"
        self._epoch = CALENDAR_WINDOWS_1900
        self._strings_part: zipfile.ZipInfo | None = None

    # context manager

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self.zip.close()

    @property
    def sheetnames(self) -> list[str]:
        return [s.name for s in self.sheets]

    # the package

    def _entry(self, name: str) -> zipfile.ZipInfo | None:
        return self._names.get(name.lower().lstrip("/"))

    def _check_package(self) -> None:
        infos = self.zip.infolist()
        limits, file = self.limits, self.file
        if any(i.flag_bits & 0x1 for i in infos):
            raise _refuse(file, "压缩包中的内容设置了密码，无法读取。请取消密码后另存为新的 .xlsx 文件再导入")
        total = sum(i.file_size for i in infos)
        packed = sum(i.compress_size for i in infos)
        if total > limits.max_total_bytes:
            big = max(infos, key=lambda i: i.file_size)
            raise _refuse(file, f"文件解压后共有 {_mb(total)}（压缩时只有 {_mb(packed)}），超过了{limits.what}的上限 "
                                f"{_mb(limits.max_total_bytes)}；其中“{big.filename}”一项解压后就有 {_mb(big.file_size)}"
                                f"{self._bomb(big.file_size, big.compress_size)}。{limits.advice}")
        if self._entry("[Content_Types].xml") is None and self._entry("xl/workbook.xml") is None:
            raise _refuse(file, self._not_a_workbook())

    def _not_a_workbook(self) -> str:
        names = set(self._names)
        if "word/document.xml" in names:
            kind = "Word 文档（.docx）"
        elif "ppt/presentation.xml" in names:
            kind = "PowerPoint 演示文稿（.pptx）"
        elif "mimetype" in names:
            kind = "OpenDocument 文件（如 WPS/LibreOffice 的 .ods）"
        elif "xl/workbook.bin" in names:
            kind = "Excel 二进制工作簿（.xlsb）"
        else:
            return "不是有效的 Excel 工作簿（.xlsx），文件可能已损坏"
        return f"不是 {_XLSX}，而是{kind}，无法读取。{_SAVE_AS}"

    @staticmethod
    def _bomb(size: int, packed: int) -> str:
        if packed and size // max(packed, 1) >= _BOMB_RATIO:
            return f"，放大了 {size // packed} 倍，像是恶意构造的“压缩炸弹”，不是正常的 Excel 文件"
        return ""

    def _checked_part(self, info: zipfile.ZipInfo, label: str, limit: int, sheet: str | None = None) -> _Part:
        if info.file_size > limit:
            raise _refuse(self.file, f"{label}解压后有 {_mb(info.file_size)}（压缩时只有 {_mb(info.compress_size)}），"
                                     f"超过了{self.limits.what}的上限 {_mb(limit)}"
                                     f"{self._bomb(info.file_size, info.compress_size)}。{self.limits.advice}", sheet=sheet)
        return _Part(self, info, label, sheet)

    def _rels(self, part: str) -> dict[str, tuple[str, str]]:
        """Relationship id → (type, target path inside the zip) of a part."""
        folder, name = posixpath.split(part)
        info = self._entry(posixpath.join(folder, "_rels", name + ".rels"))
        found: dict[str, tuple[str, str]] = {}
        if info is None:
            return found
        reader = self._checked_part(info, f"“{info.filename}”", _MAX_META_BYTES)
        parser = reader.parser()

        def start(tag: str, attrs: dict[str, str]) -> None:
            reader.count(100_000)
            if _local(tag) == "Relationship" and attrs.get("TargetMode") != "External":
                target = attrs.get("Target", "")
                path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
                found[attrs.get("Id", "")] = (attrs.get("Type", ""), posixpath.normpath(path))

        parser.StartElementHandler = start
        reader.feed(parser)
        return found

    def _load(self) -> None:
        self._check_package()
        root = self._rels("")
        workbook = next((t for kind, t in root.values() if kind.endswith("/officeDocument")), "xl/workbook.xml")
        info = self._entry(workbook)
        if info is None:
            raise _refuse(self.file, self._not_a_workbook())
        rels = self._rels(workbook)
        reader = self._checked_part(info, "工作簿目录（workbook.xml）", _MAX_META_BYTES)
        parser = reader.parser()
        listed: list[tuple[str, str, str]] = []

        def start(tag: str, attrs: dict[str, str]) -> None:
            reader.count(100_000)
            name = _local(tag)
            if name == "sheet":
                rid = next((v for k, v in attrs.items() if _local(k) == "id"), "")
                listed.append((attrs.get("name", ""), attrs.get("state", "visible"), rid))
                if len(listed) > self.limits.max_sheets:
                    raise _Stop(_refuse(self.file, f"工作簿中的工作表超过 {self.limits.max_sheets} 个。{self.limits.advice}"))
            elif name == "workbookPr" and attrs.get("date1904", "").lower() in ("1", "true"):
                self._epoch = CALENDAR_MAC_1904
            elif name == "workbookView" and attrs.get("activeTab", "0").isdigit():
                self.active = int(attrs.get("activeTab", "0"))

        parser.StartElementHandler = start
        reader.feed(parser)
        for index, (name, state, rid) in enumerate(listed):
            kind, target = rels.get(rid, ("", ""))
            if not kind.endswith("/worksheet"):
                continue  # a chart sheet or a dialog sheet: no cells
            part = self._entry(target)
            if part is None:
                raise _refuse(self.file, f"工作表“{name}”的内容在文件中不存在，文件已损坏", sheet=name)
            self._checked_part(part, _THIS_SHEET, self.limits.max_sheet_bytes, name)
            self.sheets.append(SheetInfo(name, state, part.filename, index))
        if not 0 <= self.active < len(listed):
            self.active = 0
        for kind, target in rels.values():
            if kind.endswith("/sharedStrings"):
                part = self._entry(target)
                if part is not None:
                    self._checked_part(part, "文字表（sharedStrings.xml）", self.limits.max_strings_bytes)
                    self._strings_part = part
            elif kind.endswith("/styles"):
                part = self._entry(target)
                if part is not None:
                    self._read_styles(self._checked_part(part, "样式表（styles.xml）", _MAX_META_BYTES))

    def _read_styles(self, reader: _Part) -> None:
        """Which cell styles show a number as a date or a time."""
        formats: dict[int, str] = {}
        xfs: list[int] = []
        depth: list[str] = []
        parser = reader.parser()

        def start(tag: str, attrs: dict[str, str]) -> None:
            reader.count(2_000_000)
            name = _local(tag)
            depth.append(name)
            if name == "numFmt":
                number = attrs.get("numFmtId", "")
                if number.isdigit():
                    formats[int(number)] = attrs.get("formatCode", "")
            elif name == "xf" and len(depth) >= 2 and depth[-2] == "cellXfs":
                number = attrs.get("numFmtId", "0")
                xfs.append(int(number) if number.isdigit() else 0)

        def end(_tag: str) -> None:
            depth.pop()

        parser.StartElementHandler = start
        parser.EndElementHandler = end
        reader.feed(parser)
        for index, number in enumerate(xfs):
            kind = _format_kind(number, formats.get(number))
            if kind is not None:
                self._date_styles[index] = kind

    def _shared_strings(self) -> list[str | _TooLong]:
        if self._strings is None:
            info = self._strings_part
            self._strings = [] if info is None else _StringsReader(self, info).read()
        return self._strings

    # sheets

    def read_sheet(self, info: SheetInfo, *, progress: Progress = NO_PROGRESS) -> Sheet:
        """Read one sheet within the limits (see ``Sheet``). ``progress`` hears how much of the
        sheet is read and may stop it (``OperationCancelled``)."""
        strings = self._shared_strings()
        entry = self._entry(info.part)
        assert entry is not None
        reader = _SheetReader(self, info, strings)
        part = _Part(self, entry, _THIS_SHEET, info.name)
        parser = part.parser()
        parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = reader.handlers()
        part.feed(parser, progress, f"正在读取工作表“{info.name}”…")
        return reader.finish()


class _StringsReader:
    """The shared strings (the text of most cells); a string longer than a cell may hold is kept
    as ``_TooLong`` and refused where a cell uses it (so the message can name the cell)."""

    def __init__(self, book: Workbook, info: zipfile.ZipInfo) -> None:
        self.book = book
        self.part = _Part(book, info, "文字表（sharedStrings.xml）")
        self.strings: list[str | _TooLong] = []
        self.parts: list[str] = []
        self.in_si = False
        self.in_t = False
        self.phonetic = 0
        self.length = 0

    def read(self) -> list[str | _TooLong]:
        parser = self.part.parser()
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.data
        self.part.feed(parser)
        return self.strings

    def start(self, tag: str, _attrs: dict[str, str]) -> None:
        self.part.count(self.book.limits.max_elements)
        name = _local(tag)
        if name == "si":
            self.in_si, self.length = True, 0
            self.parts.clear()
        elif name == "t" and self.in_si and not self.phonetic:
            self.in_t = True
        elif name == "rPh":
            self.phonetic += 1

    def end(self, tag: str) -> None:
        name = _local(tag)
        if name == "t":
            self.in_t = False
        elif name == "rPh":
            self.phonetic -= 1
        elif name == "si":
            self.in_si = False
            limits = self.book.limits
            if self.length > _ESCAPED * limits.max_cell_chars:
                self.strings.append(_TooLong(self.length))
            else:
                text = _xml_unescape("".join(self.parts))
                self.strings.append(_TooLong(len(text)) if len(text) > limits.max_cell_chars else text)
            self.parts.clear()
            if len(self.strings) > limits.max_cells:
                raise _Stop(_refuse(self.book.file, f"文字表中的文字超过 {limits.max_cells:,} 段。{limits.advice}"))

    def data(self, text: str) -> None:
        if self.in_t:
            self.length += len(text)
            if self.length <= _ESCAPED * self.book.limits.max_cell_chars:
                self.parts.append(text)


def _format_kind(number: int, code: str | None) -> str | None:
    """"date", "time" or None for a number format (built-in id or custom code)."""
    if code is None:
        if 14 <= number <= 17 or number == 22 or number in _EAST_ASIAN_DATES:
            return "date"
        if 18 <= number <= 21 or 45 <= number <= 47 or number in _EAST_ASIAN_TIMES:
            return "time"
        code = BUILTIN_FORMATS.get(number)
        if code is None:
            return None
    first = STRIP_RE.sub("", code.split(";")[0])
    first = re.sub(r"\\.|_.|\*.", "", first)
    if re.search(r"\[(h|m|s)+\]", code.split(";")[0], re.IGNORECASE):
        return None  # a duration ([h]:mm): a number, not a time of day
    has_date = re.search(r"[dDyY]", first) is not None
    has_time = re.search(r"[hHsS]", first) is not None
    if has_date or (re.search(r"[mM]", first) and not has_time):
        return "date"
    return "time" if has_time else None


# Built-in number formats of the Chinese/Japanese/Korean Excel and WPS (年月日, 时分): not in the
# ECMA list, so openpyxl shows such a date as a bare number.
_EAST_ASIAN_DATES = frozenset({27, 28, 29, 30, 31, 36, 50, 51, 52, 53, 54, 57, 58})
_EAST_ASIAN_TIMES = frozenset({32, 33, 34, 35, 55, 56})
_CELL_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d{1,7})")
_EXCEL_MAX_ROW, _EXCEL_MAX_COL = 1_048_576, 16_384


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - 64
    return number


def _parse_ref(ref: str) -> tuple[int, int] | None:
    """(row, 1-based column) of "AB12", or None."""
    m = _CELL_REF.fullmatch(ref)
    if m is None:
        return None
    return int(m.group(2)), _column_number(m.group(1))


def _parse_range(ref: str) -> tuple[int, int, int, int] | None:
    """(min_row, min_col, max_row, max_col) of "A1:L3" (or of a single cell)."""
    first, _, last = ref.partition(":")
    a = _parse_ref(first)
    b = _parse_ref(last) if last else a
    if a is None or b is None:
        return None
    return min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])


_V, _T, _F, _C, _ROW, _RPH, _SHEET_DATA, _MERGE, _DIMENSION = range(1, 10)
#: Element name → what it is in a sheet (0: of no interest); prefixed names are added when met.
_SHEET_TAGS: dict[str, int] = {"v": _V, "t": _T, "f": _F, "c": _C, "row": _ROW, "rPh": _RPH,
                               "sheetData": _SHEET_DATA, "mergeCell": _MERGE, "dimension": _DIMENSION}


class _SheetReader:
    """Expat callbacks that turn a sheet's XML into a ``Sheet``, checking the limits as they go.

    The callbacks run for every element of the sheet (three to five per cell), so they are closures
    over local state (``handlers``); the rare paths are methods."""

    def __init__(self, book: Workbook, info: SheetInfo, strings: list[str | _TooLong]) -> None:
        self.book = book
        self.info = info
        self.limits = book.limits
        self.strings = strings
        self.sheet = Sheet(info.name, info.state)
        self.merges: list[tuple[int, int, int, int]] = []
        self.columns: dict[str, int] = {}  # "AB" → 28
        self.cells = book.cells_read
        self.row_elements = 0
        self.elements: Callable[[], int] = lambda: book.elements_read  # the count so far (``handlers`` replaces it)

    def _where(self, message: str, row: int | None = None, col: int | None = None) -> _Stop:
        column = get_column_letter(col) if col is not None and 1 <= col <= _EXCEL_MAX_COL else None
        return _Stop(_refuse(self.book.file, message, sheet=self.info.name, row=row, column=column))

    def _corrupt(self, what: str) -> _Stop:
        return self._where(f"{what}，文件已损坏。请在 Excel/WPS 中打开后另存为新文件再导入")

    def _tag(self, tag: str) -> int:
        code = _SHEET_TAGS.get(_local(tag), 0)
        _SHEET_TAGS[tag] = code  # a prefixed name ("x:c"): looked up once
        return code

    def _column(self, ref: str, row: int) -> int:
        letters = ref.rstrip("0123456789")
        parsed = _parse_ref(ref)
        if parsed is None:
            raise self._corrupt(f"第 {row} 行有无效的单元格位置“{ref[:20]}”")
        self.columns[letters] = parsed[1]
        return parsed[1]

    def _row_number(self, number: str) -> int:
        if not number.isdigit() or not 1 <= int(number) <= _EXCEL_MAX_ROW:
            raise self._corrupt(f"有无效的行号“{number[:20]}”")
        return int(number)

    def _too_many(self, what: str) -> _Stop:
        limits = self.limits
        if what == "elements":
            return self._where(f"内容过多（所有工作表合计超过 {limits.max_elements:,} 个 XML 元素）。{limits.advice}")
        if what == "cells":
            return self._where(f"单元格过多（所有工作表合计超过 {limits.max_cells:,} 个，包括只设置了格式的空单元格）。"
                               f"{limits.advice}")
        if what == "merges":
            return self._where(f"合并单元格超过 {limits.max_cells:,} 处。{limits.advice}")
        return self._where(f"行数异常多（超过 {limits.max_row_elements:,} 行，包括只设置了格式的空行）。{limits.advice}")

    def _too_long(self, row: int, col: int, length: int | None = None) -> _Stop:
        size = f"有 {length:,} 个字符，" if length is not None else "超过 "
        limit = f"{self.limits.max_cell_chars:,}"
        text = f"{size}超过了 Excel 单元格的上限 {limit} 个" if length is not None else f"{size}{limit} 个字符（Excel 单元格的上限）"
        return self._where(f"单元格中的文字{text}，不是 Excel/WPS 能保存的内容，已拒绝读取", row, col)

    def _dimension(self, ref: str) -> None:
        rng = _parse_range(ref)
        if rng is None:
            return
        rows, cols = rng[2], rng[3]
        limits = self.limits
        if rows > limits.max_sheet_rows or cols > limits.max_columns:
            raise self._where(
                f"工作表声明的数据范围是 {ref.upper()}（{rows:,} 行 × {cols:,} 列），远远超过{limits.what}的上限"
                f"（{limits.max_sheet_rows:,} 行、{limits.max_columns} 列），已拒绝读取。若表中其实没有这么多内容，"
                "多半是远处有误填或设置了格式的单元格：请选中多余的行和列整行整列删除后另存；否则"
                f"{limits.advice}")

    def handlers(self) -> tuple[Any, Any, Any]:
        """(start, end, data) for expat."""
        limits = self.limits
        max_elements, max_cells, max_rows = limits.max_elements, limits.max_cells, limits.max_row_elements
        strict, last_row, last_col = limits.every_cell_in_extent, limits.max_sheet_rows, limits.max_columns
        max_chars = _ESCAPED * limits.max_cell_chars
        tags, columns = _SHEET_TAGS, self.columns
        buf: list[str] = []
        formula: list[str] = []
        target: list[str] | None = None
        elements = self.book.elements_read
        length = col = row_number = phonetic = 0
        kind, style, has_formula, in_data = "n", 0, False, False
        row: dict[int, CellValue] = {}

        def start(tag: str, attrs: dict[str, str]) -> None:
            nonlocal elements, target, length, col, row_number, phonetic, kind, style, has_formula, in_data, row
            elements += 1
            if elements > max_elements:
                raise self._too_many("elements")
            code = tags.get(tag)
            if code is None:
                code = self._tag(tag)
            if not code or not in_data:
                if code == _SHEET_DATA:
                    in_data = True
                elif code == _MERGE:
                    rng = _parse_range(attrs.get("ref", ""))
                    if rng is not None:
                        self.merges.append(rng)
                        if len(self.merges) > max_cells:
                            raise self._too_many("merges")
                elif code == _DIMENSION:
                    self._dimension(attrs.get("ref", ""))
                elif code == _RPH:
                    phonetic += 1
                return
            if code == _C:
                self.cells += 1
                if self.cells > max_cells:
                    raise self._too_many("cells")
                ref = attrs.get("r")
                if ref is None:
                    col += 1
                else:
                    found = columns.get(ref.rstrip("0123456789"))
                    col = found if found is not None else self._column(ref, row_number)
                if strict and (col > last_col or row_number > last_row):
                    raise self._outside(row_number, col, formatted=True)
                kind = attrs.get("t", "n")
                s = attrs.get("s")
                style = int(s) if s and s.isdigit() else 0
                has_formula = False
                if buf:
                    buf.clear()
                if formula:
                    formula.clear()
                length = 0
                target = None
            elif code == _V:
                target = buf
            elif code == _T:
                if not phonetic:
                    target = buf
            elif code == _F:
                has_formula = True
                target = formula
            elif code == _ROW:
                self.row_elements += 1
                if self.row_elements > max_rows:
                    raise self._too_many("rows")
                number = attrs.get("r")
                row_number = row_number + 1 if number is None else self._row_number(number)
                if row:
                    row = {}
                col = 0
            elif code == _RPH:
                phonetic += 1

        def count() -> int:
            return elements

        self.elements = count

        def data(text: str) -> None:
            nonlocal length
            if target is None:
                return
            length += len(text)
            if length > max_chars:
                if target is formula:
                    return  # a long formula: only its start is shown in messages
                raise self._too_long(row_number, col)
            target.append(text)

        def end(tag: str) -> None:
            nonlocal target, phonetic, in_data, row
            code = tags.get(tag)
            if code is None:
                code = self._tag(tag)
            if not code:
                return
            if code <= _F:  # v, t, f
                target = None
            elif code == _C:
                if in_data and (buf or has_formula):
                    self._cell(row, row_number, col, kind, style, "".join(buf), has_formula, formula)
            elif code == _ROW:
                if in_data and row:
                    self._end_row(row_number, row)
                    row = {}
            elif code == _RPH:
                phonetic -= 1
            elif code == _SHEET_DATA:
                in_data = False

        return start, end, data

    def _cell(self, row: dict[int, CellValue], number: int, col: int, kind: str, style: int, raw: str,
              has_formula: bool, formula: list[str]) -> None:
        value: CellValue = None
        issue: str | None = None
        if kind == "s":
            index = raw.strip()
            if index.isdigit() and int(index) < len(self.strings):
                found = self.strings[int(index)]
                if isinstance(found, _TooLong):
                    raise self._too_long(number, col, found.length)
                value = found
            elif raw:
                raise self._corrupt(f"第 {number} 行 {get_column_letter(min(col, _EXCEL_MAX_COL))} 列引用了不存在的文字")
        elif kind == "inlineStr" or kind == "str":
            value = _xml_unescape(raw)
            if len(value) > self.limits.max_cell_chars:
                raise self._too_long(number, col, len(value))
        elif kind == "b":
            value = raw.strip() in ("1", "true") if raw else None
        elif kind == "e":
            issue = f"单元格是错误值“{raw.strip()[:20]}”（公式出错），请改正后再导入"
        elif kind == "d":
            value = self._iso_date(raw)
        elif raw.strip():
            value = self._number(raw.strip(), number, col, style)
        if value is None and not raw and has_formula and kind != "e":
            text = "".join(formula)[:60]
            shown = f"（={text}）" if text else ""
            issue = (f"单元格是公式{shown}，但文件中没有保存公式的计算结果（多为程序生成的文件）；"
                     "请在 Excel/WPS 中打开并保存一次，或把公式“选择性粘贴”为数值后再导入")
        if issue is not None:
            self.sheet.issues[(number, col - 1)] = issue
        elif value is None or value == "":
            return
        if col > self.limits.max_columns or number > self.limits.max_sheet_rows:
            raise self._outside(number, col, formatted=False)
        row[col] = None if value == "" else value

    def _outside(self, row: int, col: int, *, formatted: bool) -> _Stop:
        limits = self.limits
        what = "这个单元格（即使是只设置了格式的空单元格）" if formatted else "这个单元格有内容，"
        return self._where(
            f"{what}超出了{limits.what}的范围（最多 {limits.max_sheet_rows:,} 行、{limits.max_columns} 列），已拒绝读取。"
            f"若是误填的内容或多余的格式，请选中这些行列整行整列删除后另存；否则{limits.advice}", row, col)

    @staticmethod
    def _iso_date(raw: str) -> CellValue:
        try:
            return dt.datetime.fromisoformat(raw.strip())
        except ValueError:
            return raw.strip() or None

    def _number(self, raw: str, row: int, col: int, style: int) -> CellValue:
        try:
            number: int | float = int(raw) if raw.lstrip("-").isdigit() else float(raw)
        except ValueError:
            number = float("nan")
        if number != number or number in (float("inf"), float("-inf")):
            raise self._corrupt(f"第 {row} 行 {get_column_letter(min(col, _EXCEL_MAX_COL))} 列的数字“{raw[:20]}”无效")
        kind = self.book._date_styles.get(style)
        if kind is None or not 0 <= number < 2_958_466:
            return number
        try:
            moment = from_excel(number, self.book._epoch)
        except (OverflowError, ValueError):
            return number
        if kind == "time" and isinstance(moment, dt.datetime) and number < 1:
            return moment.time()
        return moment if isinstance(moment, dt.datetime | dt.time) else number

    def _end_row(self, number: int, row: dict[int, CellValue]) -> None:
        self.book.rows_read += 1
        if self.book.rows_read > self.limits.max_rows:
            raise self._where(f"数据超过 {self.limits.max_rows:,} 行（读到第 {number:,} 行时停止）。"
                              f"{self.limits.advice}", number)
        width = max(row)
        values: list[CellValue] = [None] * width
        for col, value in row.items():
            values[col - 1] = value
        existing = self.sheet.rows.get(number)
        if existing is not None:  # the same row number twice: the later cells win
            merged = list(existing) + [None] * max(0, width - len(existing))
            for i, value in enumerate(values):
                if value is not None:
                    merged[i] = value
            values = merged
        self.sheet.rows[number] = tuple(values)

    def finish(self) -> Sheet:
        """Clip the merged areas to the filled extent and let them repeat their values."""
        sheet = self.sheet
        max_row, max_col = sheet.max_row, sheet.max_column
        area = 0
        clipped: list[tuple[int, int, int, int]] = []
        for min_r, min_c, max_r, max_c in self.merges:
            rng = (min_r, min_c, min(max_r, max_row), min(max_c, max_col))
            if rng[0] > rng[2] or rng[1] > rng[3]:
                continue
            area += (rng[2] - rng[0] + 1) * (rng[3] - rng[1] + 1)
            if area > self.limits.max_cells:
                raise self._where(f"合并单元格覆盖的范围过大（超过 {self.limits.max_cells:,} 个单元格）。"
                                  f"{self.limits.advice}").error
            clipped.append(rng)
        sheet.merged = clipped
        sheet.cell_count = self.cells - self.book.cells_read
        sheet.row_count = self.row_elements
        self.book.cells_read = self.cells
        self.book.elements_read = self.elements()
        _fill_merged(sheet)
        return sheet


def _fill_merged(sheet: Sheet) -> None:
    """Every cell a merged area covers takes the value of its top-left cell (where it has none)."""
    for min_r, min_c, max_r, max_c in sheet.merged:
        top_left = sheet.value(min_r, min_c)
        if top_left is None:
            continue
        for r in range(min_r, max_r + 1):
            values = list(sheet.rows.get(r, ()))
            if len(values) < max_c:
                values += [None] * (max_c - len(values))
            for c in range(min_c, max_c + 1):
                if values[c - 1] is None and (r, c) != (min_r, min_c):
                    values[c - 1] = top_left
            sheet.rows[r] = tuple(values)


def sheet_from_worksheet(ws: Worksheet) -> Sheet:
    """A ``Sheet`` of an openpyxl worksheet held in memory (tests, workbooks built by the program)."""
    sheet = Sheet(ws.title, ws.sheet_state)
    for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
        last = len(values)
        while last and values[last - 1] is None:
            last -= 1
        if last:
            sheet.rows[number] = tuple(values[:last])
    max_row, max_col = sheet.max_row, sheet.max_column
    for rng in ws.merged_cells.ranges:
        min_col, min_row, max_c, max_r = rng.bounds
        clipped = (min_row, min_col, min(max_r, max_row), min(max_c, max_col))
        if clipped[0] <= clipped[2] and clipped[1] <= clipped[3]:
            sheet.merged.append(clipped)
    _fill_merged(sheet)
    return sheet


def _as_sheet(ws: Sheet | Worksheet) -> Sheet:
    return ws if isinstance(ws, Sheet) else sheet_from_worksheet(ws)


def open_workbook(path: str | Path, limits: Limits = PLACE_LIMITS) -> Workbook:
    """Check a file and open it as a workbook (see the module notes); the caller closes it (or uses
    ``with``). Raises ``ImportFileError`` for anything that is not a readable .xlsx/.xlsm within
    ``limits``."""
    file = Path(path)
    size = _check_file(file, limits)
    _sniff(file, size)
    count = _zip_entry_count(file, size)
    if count is None:
        raise _refuse(file, "文件不完整或已损坏（找不到压缩包的目录），可能没有下载或复制完整；请重新获取文件")
    if count > limits.max_entries:
        raise _refuse(file, f"压缩包中有 {count:,} 个部件，正常的 Excel 工作簿只有几十个（上限 {limits.max_entries:,}），"
                            f"不是正常的 Excel 文件，已拒绝读取")
    try:
        book = Workbook(file, limits)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as err:
        raise _refuse(file, "不是有效的 Excel 工作簿（.xlsx），文件可能已损坏") from err
    try:
        book._load()
    except BaseException:
        book.close()
        raise
    return book


# --- CSV files (place lists exported by other systems) -----------------------------------------

#: Encodings a CSV from a Chinese office is in, tried in this order (a BOM decides at once).
CSV_ENCODINGS = ("utf-8", "gb18030")
CSV_SUFFIXES = frozenset({".csv"})


def _decode_csv(file: Path, data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        encodings: tuple[str, ...] = ("utf-8-sig",)
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    else:
        encodings = CSV_ENCODINGS
    if b"\x00" in data and encodings != ("utf-16",):
        raise _refuse(file, f"扩展名是 .csv，但内容{_looks_like(file, data[:4096])}，不是文本表格；请确认选对了文件")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _refuse(file, "CSV 文件的编码无法识别（应为 UTF-8 或 GB18030/GBK）；请在 Excel/WPS 中打开它，"
                        "“另存为”Excel 工作簿（.xlsx）或“CSV UTF-8”后再选择新文件")


def _csv_dialect(text: str) -> type[csv.Dialect]:
    first = text.split("\n", 1)[0]
    if "\t" in first and "," not in first:
        return csv.excel_tab
    return csv.excel


class CsvBook:
    """A .csv file read as a workbook of one visible sheet (named after the file), within the same
    ``Limits`` as a workbook: file size, rows, columns, cells and cell text. Every value is text
    (a phone number or a date stays as typed; ``cell_text``/``read_date`` read it)."""

    def __init__(self, file: Path, limits: Limits) -> None:
        self.file = file
        self.limits = limits
        self.sheets = [SheetInfo(name=file.stem or "CSV", state="visible", part="", index=0)]
        self.active = 0

    def __enter__(self) -> CsvBook:
        return self

    def __exit__(self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Nothing is held open (the file is read at once)."""

    @property
    def sheetnames(self) -> list[str]:
        return [s.name for s in self.sheets]

    def read_sheet(self, info: SheetInfo, *, progress: Progress = NO_PROGRESS) -> Sheet:
        file = self.file
        try:
            data = file.read_bytes()
        except OSError as err:
            raise _refuse(file, f"无法读取文件（{err.strerror or err}）") from err
        text = _decode_csv(file, data)
        sheet = Sheet(title=info.name)
        cells = 0
        try:
            reader = csv.reader(io.StringIO(text, newline=""), _csv_dialect(text))
            for number, record in enumerate(reader, start=1):
                if number % 1000 == 0:
                    progress.check()
                    progress.update(number, 0, f"正在读取“{file.name}”：第 {number} 行…")
                values: list[CellValue] = [v if v.strip() else None for v in record]
                while values and values[-1] is None:
                    values.pop()
                sheet.row_count = number
                if not values:
                    continue
                self._check_row(number, values, len(sheet.rows) + 1, cells + len(values))
                cells += len(values)
                sheet.rows[number] = tuple(values)
        except csv.Error as err:
            raise _refuse(file, f"CSV 格式有误（{err}）；请在 Excel/WPS 中打开它，另存为 .xlsx 后再选择新文件") from err
        sheet.cell_count = cells
        return sheet

    def _check_row(self, number: int, values: list[CellValue], rows: int, cells: int) -> None:
        file, limits = self.file, self.limits
        if rows > limits.max_rows or number > limits.max_sheet_rows:
            raise _refuse(file, f"超过了{limits.what}的上限 {limits.max_rows:,} 行。{limits.advice}", row=number)
        if len(values) > limits.max_columns:
            raise _refuse(file, f"第 {number} 行有 {len(values)} 列，超过了{limits.what}的上限 {limits.max_columns} 列。"
                                f"{limits.advice}", row=number)
        if cells > limits.max_cells:
            raise _refuse(file, f"单元格超过了{limits.what}的上限 {limits.max_cells:,} 个。{limits.advice}", row=number)
        for index, value in enumerate(values):
            if isinstance(value, str) and len(value) > limits.max_cell_chars:
                raise _refuse(file, f"单元格有 {len(value):,} 个字符，超过了 Excel 单元格的上限 {limits.max_cell_chars:,} 个",
                              row=number, column=column_letter(index))


def open_table_file(path: str | Path, limits: Limits = PLACE_LIMITS) -> Workbook | CsvBook:
    """``open_workbook``, or for a file named ``*.csv`` a ``CsvBook`` (UTF-8 with or without BOM, or
    GB18030/GBK; comma or tab separated), checked against the same ``limits``."""
    file = Path(path)
    if file.suffix.lower() in CSV_SUFFIXES:
        _check_file(file, limits)
        return CsvBook(file, limits)
    return open_workbook(file, limits)


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


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
_BIDI = re.compile(r"[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CR_TAB = re.compile(r"[\r\t]")
Severity = Literal["error", "warning"]


def text_hazard(value: CellValue) -> tuple[Severity, str] | None:
    """What in a text cannot be stored faithfully (an error) or was changed and should be looked at
    (a warning): control characters, bidi overrides, carriage returns and tabs. None when clean."""
    if not isinstance(value, str):
        return None
    found = _CONTROL.search(value)
    if found:
        return "error", (f"含有不可见的控制字符（U+{ord(found.group()):04X}，文件中写作 _x{ord(found.group()):04X}_），"
                         "无法如实保存；请删除该字符（常见于从网页或其他系统复制的文字）后重新导入")
    found = _BIDI.search(value)
    if found:
        return "error", (f"含有改变文字显示方向的隐藏字符（U+{ord(found.group()):04X}），显示出来的文字与实际内容不同，"
                         "无法如实保存；请删除后重新导入")
    if _CR_TAB.search(value):
        return "warning", "含有回车符或制表符（文件中写作 _x000D_、_x0009_），已换成空格，请核对"
    return None


@dataclass(frozen=True)
class DateReading:
    """A date read from a cell; ``note`` says how it was understood when that is a guess the user
    should check (an Excel serial number, day/month/year order, a time left out)."""

    day: dt.date
    note: str | None = None


_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "O": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}
_CN_DATE = re.compile(r"([〇○零O一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*"
                      r"([一二三四五六七八九十]{1,3})\s*[日号]?")
_TIME = r"(?:[\sT]+(\d{1,2})[:：](\d{2})(?:[:：](\d{2})(?:\.\d+)?)?)?"
_YMD = re.compile(r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*[日号]?" + _TIME)
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})" + _TIME)
_DMY = re.compile(r"(\d{1,2})\s*[-./]\s*(\d{1,2})\s*[-./]\s*(\d{4})" + _TIME)
_SHORT_YEAR = re.compile(r"(\d{2})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*[日号]?")
_NO_DAY = re.compile(r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*月?")
#: Excel serial numbers of 1900-01-01 … 9999-12-31.
_EXCEL_SERIAL_MAX = 2958465
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_HINT = "请写成 2024-03-05 或 2024年3月5日"


def _cn_number(text: str) -> int:
    """一 … 三十一 (month and day numbers written in Chinese)."""
    if "十" not in text:
        return _CN_DIGITS.get(text, -1) if len(text) == 1 else -1
    tens, _, ones = text.partition("十")
    return (_CN_DIGITS.get(tens, -1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, -1) if ones else 0)


def _make_date(text: str, year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"“{text}”不是有效日期（{year}年没有{month}月{day}日）") from None


def _time_note(groups: Sequence[str | None]) -> str | None:
    hour, minute, second = groups
    if hour is None or (int(hour), int(minute or 0), int(second or 0)) == (0, 0, 0):
        return None
    return f"只保存日期，时间“{int(hour):02d}:{minute}”未保存"


def _serial(number: int, shown: str) -> DateReading:
    if not 1 <= number <= _EXCEL_SERIAL_MAX:
        raise ValueError(f"“{shown}”不是日期")
    day = _EXCEL_EPOCH + dt.timedelta(days=number)
    return DateReading(day, f"数字“{shown}”按 Excel 日期序号理解为 {day.isoformat()}"
                            "（单元格可能被设成了“常规”或“文本”格式），请核对")


def read_date(value: CellValue) -> DateReading | None:
    """Read a date however a district wrote it: an Excel date cell; ``2024-03-05``, ``2024-3-5``,
    ``2024.3.5``, ``2024/03/05``, ``2024年3月5日`` (or 号), ``二〇二四年三月五日``, ``20240305`` (text or
    number), each optionally with a time; an Excel serial number (``45356``, with a note); day/month/
    year when the order is certain (``25/3/2024``, with a note).

    Empty → None. Raises ``ValueError`` (Chinese message) for anything that is not one real date:
    impossible ones (``2024-02-30``), ambiguous ones (``3/5/2024``: 3 May or 5 March?), two-digit
    years, a month without a day, words.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        note = None if value.time() == dt.time(0, 0) else f"只保存日期，时间“{value:%H:%M}”未保存"
        return DateReading(value.date(), note)
    if isinstance(value, dt.date):
        return DateReading(value)
    if isinstance(value, dt.time):
        raise ValueError(f"“{cell_text(value)}”是时间，不是日期")
    if isinstance(value, bool):
        raise ValueError(f"“{cell_text(value)}”不是日期")
    if isinstance(value, int | float):
        if isinstance(value, float) and not value.is_integer():
            if 1 <= value <= _EXCEL_SERIAL_MAX:
                reading = _serial(int(value), cell_text(value))
                return DateReading(reading.day, f"{reading.note}；小数部分（时间）未保存")
            raise ValueError(f"“{cell_text(value)}”不是日期")
        number = int(value)
        if 19000101 <= number <= 29991231:
            return read_date(str(number))
        return _serial(number, str(number))
    text = normalize_text(value)
    if not text:
        return None
    return _read_date_text(text)


def _read_date_text(text: str) -> DateReading:
    match = _CN_DATE.fullmatch(text)
    if match:
        year = int("".join(str(_CN_DIGITS[ch]) for ch in match.group(1)))
        month, day = _cn_number(match.group(2)), _cn_number(match.group(3))
        if month < 0 or day < 0:
            raise ValueError(f"“{text}”不是可识别的日期（{_HINT}）")
        return DateReading(_make_date(text, year, month, day))
    for pattern in (_YMD, _COMPACT):
        match = pattern.fullmatch(text)
        if match:
            year, month, day = (int(g) for g in match.groups()[:3])
            return DateReading(_make_date(text, year, month, day), _time_note(match.groups()[3:]))
    match = _DMY.fullmatch(text)
    if match:
        first, second, year = (int(g) for g in match.groups()[:3])
        if first <= 12 and second <= 12 and first != second:
            raise ValueError(f"“{text}”无法确定是{year}年{first}月{second}日还是{year}年{second}月{first}日，{_HINT}")
        day, month = (first, second) if first > 12 else (second, first)
        if first > 12 or first == second:
            found = _make_date(text, year, month, day)
            note = None if first == second else f"按“日/月/年”的顺序理解为 {found.isoformat()}，请核对"
        else:
            found = _make_date(text, year, first, second)
            note = f"按“月/日/年”的顺序理解为 {found.isoformat()}，请核对"
        time_note = _time_note(match.groups()[3:])
        return DateReading(found, "；".join(n for n in (note, time_note) if n) or None)
    if text.isdigit() and len(text) <= 7:
        return _serial(int(text), text)
    if _SHORT_YEAR.fullmatch(text):
        raise ValueError(f"“{text}”的年份只有两位，无法确定是哪一年，请写成四位年份（如 2024-03-05）")
    if _NO_DAY.fullmatch(text):
        raise ValueError(f"“{text}”缺少日，不是完整的日期（{_HINT}）")
    raise ValueError(f"“{text}”不是可识别的日期（{_HINT}）")


def parse_date(value: CellValue) -> dt.date | None:
    """The date of ``read_date`` (notes left out). Empty → None; ``ValueError`` when not a date."""
    reading = read_date(value)
    return reading.day if reading is not None else None


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


def _header_parts(header: str) -> list[str]:
    """The parts of a header text, most specific first ("上级/下级" → 下级, 上级)."""
    return list(reversed([p for p in header.split("/") if p])) if header else []


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
    parts = [_header_parts(h) for h in headers]
    return ColumnMapping(columns=_assign(parts, synonyms), fingerprint=header_fingerprint(headers))


def duplicate_columns(
    headers: Sequence[str], columns: Mapping[str, int], synonyms: Mapping[str, Sequence[str]]
) -> dict[int, str]:
    """Columns left out of ``columns`` whose header names a mapped field exactly (a second 单位名称,
    联系电话 next to 负责人电话): column → the field it repeats. Their values would otherwise be lost
    without a word."""
    used = set(columns.values())
    found: dict[int, str] = {}
    for col, header in enumerate(headers):
        if col in used:
            continue
        parts = _header_parts(header)
        if not parts:
            continue
        key = header_key(parts[0])
        if not key:
            continue
        for fld, mapped in columns.items():
            if mapped != col and fld in synonyms and _match_score(key, synonyms[fld])[0] == _EXACT:
                found[col] = fld
                break
    return found


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


def _padded(sheet: Sheet, number: int, width: int) -> list[CellValue]:
    values = list(sheet.rows.get(number, ())[:width])
    return values + [None] * (width - len(values))


def _header_band_end(first: int, width: int, sheet: Sheet, rows: Mapping[int, list[CellValue]]) -> int:
    """Last row of a header starting at ``first``: a merged cell that starts on that row and spans
    rows down, or a group cell spanning columns with sub-headers below it, makes the header two
    (or more) rows high."""
    end = first
    for min_row, min_col, max_row, max_col in sheet.merged:
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
    ws: Sheet | Worksheet,
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
    sheet = _as_sheet(ws)
    width = sheet.max_column
    last = min(scan_rows + 2, sheet.max_row)
    rows = {number: _padded(sheet, number, width) for number in range(1, last + 1)}
    required = tuple(required)
    best: HeaderMatch | None = None
    for first in range(1, min(scan_rows, len(rows)) + 1):
        if not any(v not in (None, "") for v in rows[first]):
            continue
        end = min(_header_band_end(first, width, sheet, rows), len(rows))
        headers = _band_headers([rows[r] for r in range(first, end + 1)], width)
        mapping = guess_mapping(headers, synonyms)
        if fingerprint is not None and mapping.fingerprint == fingerprint:
            return HeaderMatch(first, end, tuple(headers), mapping)
        if len(mapping.columns) < min_fields or any(f not in mapping.columns for f in required):
            continue
        match = HeaderMatch(first, end, tuple(headers), mapping)
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
    issues: dict[tuple[int, int], str] = field(default_factory=dict)  # see ``Sheet.issues``

    @property
    def fingerprint(self) -> str:
        return self.mapping.fingerprint

    def header_of(self, column: int) -> str:
        return self.headers[column] if column < len(self.headers) else ""

    def issue(self, row: int, column: int | None) -> str | None:
        """Why the cell at an Excel row and 0-based column has no usable value, if it has none."""
        return None if column is None else self.issues.get((row, column))


def _is_blank(values: Sequence[CellValue]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def read_table(
    ws: Sheet | Worksheet,
    synonyms: Mapping[str, Sequence[str]],
    *,
    file: str | Path,
    required: Iterable[str] = (),
    min_fields: int = 2,
    fingerprint: str | None = None,
) -> Table | None:
    """Read a sheet into a ``Table``, or None if no header is found (see ``find_header``). Blank
    rows are left out (the others keep their Excel row numbers); merged cells repeat their value."""
    sheet = _as_sheet(ws)
    header = find_header(sheet, synonyms, required=required, min_fields=min_fields, fingerprint=fingerprint)
    if header is None:
        return None
    width = len(header.headers)
    while width and not header.headers[width - 1]:
        width -= 1
    table = Table(
        file=Path(file),
        sheet=sheet.title,
        header_row=header.first_row,
        last_header_row=header.last_row,
        headers=header.headers[:width],
        mapping=header.mapping,
        issues={k: v for k, v in sheet.issues.items() if k[0] > header.last_row and k[1] < width},
    )
    for number in sorted(n for n in sheet.rows if n > header.last_row):
        row = _padded(sheet, number, width)
        if not _is_blank(row) or any((number, c) in table.issues for c in range(width)):
            table.rows.append(Row(number, tuple(row)))
    return table


def iter_tables(
    book: Workbook,
    synonyms: Mapping[str, Sequence[str]],
    *,
    file: str | Path,
    required: Iterable[str] = (),
    include_hidden: bool = False,
    progress: Progress = NO_PROGRESS,
) -> Iterator[tuple[Sheet, Table | None]]:
    """Each worksheet (hidden ones only if asked) with its table, or None where no header is found."""
    required = tuple(required)
    for info in book.sheets:
        if not include_hidden and not info.visible:
            continue
        sheet = book.read_sheet(info, progress=progress)
        yield sheet, read_table(sheet, synonyms, file=file, required=required)

