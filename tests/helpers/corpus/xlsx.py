"""Corpus cases: spreadsheets (place lists, checklist workbooks, district ledger templates).

Realistic files are built with openpyxl; the hostile ones (zip bombs, a sheet of a million rows, a cell
at XFD1048576, broken packages) are written directly as zip/XML, because no spreadsheet program
would write them. A repeated block of data is deflated once and its compressed form repeated
(``_repeat``), so a 1 GiB part costs about a megabyte on disk and a second to build.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from helpers.corpus import Case, Kind, Outcome

# --- writing a zip by hand -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    name: str
    data: bytes  # as stored in the zip (raw deflate for method 8)
    crc: int
    size: int  # uncompressed
    method: int = 8


def _deflated(name: str, data: bytes | str) -> _Entry:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return _Entry(name, c.compress(raw) + c.flush(), zlib.crc32(raw), len(raw))


def _repeat(name: str, head: bytes, chunk: bytes, times: int, tail: bytes) -> _Entry:
    """``head + chunk * times + tail`` deflated without ever holding it: after a full flush the
    compressor starts afresh, so every copy of ``chunk`` compresses to the same bytes."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    again = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    assert block == again
    last = c.compress(tail) + c.flush()
    crc = zlib.crc32(head)
    for _ in range(times):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    data = first + block * times + last
    return _Entry(name, data, crc, len(head) + len(chunk) * times + len(tail))


def _write_zip(path: Path, entries: Iterable[_Entry]) -> Path:
    """A plain zip (no zip64): local headers, data, central directory, end record."""
    listed = list(entries)
    offsets: list[int] = []
    with path.open("wb") as fh:
        for e in listed:
            offsets.append(fh.tell())
            name = e.name.encode("utf-8")
            fh.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x0800, e.method, 0, 0x21,
                                 e.crc, len(e.data), e.size, len(name), 0))
            fh.write(name)
            fh.write(e.data)
        start = fh.tell()
        for e, offset in zip(listed, offsets, strict=True):
            name = e.name.encode("utf-8")
            fh.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0x0800, e.method, 0, 0x21,
                                 e.crc, len(e.data), e.size, len(name), 0, 0, 0, 0, 0, offset))
            fh.write(name)
        end = fh.tell()
        fh.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(listed), len(listed), end - start, start, 0))
    return path


# --- a minimal xlsx package ---------------------------------------------------------------------

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def _content_types(sheets: int, strings: bool) -> str:
    parts = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_CT}.worksheet+xml"/>'
        for i in range(1, sheets + 1)
    )
    if strings:
        parts += f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_CT}.sharedStrings+xml"/>'
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
        f"{parts}</Types>"
    )


_STYLES = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="{_MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="宋体"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="31" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="176" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="常规" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)


def _package_entries(
    sheets: Sequence[tuple[str, _Entry | str]],
    *,
    strings: _Entry | Sequence[str] | None = None,
    states: Sequence[str] = (),
) -> list[_Entry]:
    """The parts of a workbook: ``sheets`` as (name, sheet XML or a ready entry), shared strings."""
    sheet_tags = "".join(
        f'<sheet name="{escape(name, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"'
        + (f' state="{states[i - 1]}"' if i <= len(states) and states[i - 1] != "visible" else "")
        + "/>"
        for i, (name, _) in enumerate(sheets, start=1)
    )
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
        f"<sheets>{sheet_tags}</sheets></workbook>"
    )
    n = len(sheets)
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, n + 1)
    )
    rels += f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
    if strings is not None:
        rels += f'<Relationship Id="rId{n + 2}" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
    entries = [
        _deflated("[Content_Types].xml", _content_types(n, strings is not None)),
        _deflated("_rels/.rels", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{_PKG_REL}">'
                                 f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
                                 "</Relationships>"),
        _deflated("xl/workbook.xml", workbook),
        _deflated("xl/_rels/workbook.xml.rels", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                                                f'<Relationships xmlns="{_PKG_REL}">{rels}</Relationships>'),
        _deflated("xl/styles.xml", _STYLES),
    ]
    for i, (_, sheet) in enumerate(sheets, start=1):
        part = f"xl/worksheets/sheet{i}.xml"
        if isinstance(sheet, _Entry):
            entries.append(_Entry(part, sheet.data, sheet.crc, sheet.size, sheet.method))
        else:
            entries.append(_deflated(part, sheet))
    if isinstance(strings, _Entry):
        entries.append(_Entry("xl/sharedStrings.xml", strings.data, strings.crc, strings.size, strings.method))
    elif strings is not None:
        body = "".join(f"<si><t xml:space=\"preserve\">{escape(s)}</t></si>" for s in strings)
        entries.append(_deflated("xl/sharedStrings.xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                                                          f'<sst xmlns="{_MAIN}" count="{len(strings)}" '
                                                          f'uniqueCount="{len(strings)}">{body}</sst>'))
    return entries


def _col(index: int) -> str:
    """Excel column letters of a 1-based column number."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cell(ref: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'


def sheet_xml(rows: Sequence[Sequence[object]], *, dimension: str | None = None, first_row: int = 1,
           extra_cells: str = "", tail: str = "") -> str:
    """A sheet's XML with inline strings; a value given as ``("raw", xml)`` is written as is."""
    body = []
    for r, values in enumerate(rows, start=first_row):
        cells = []
        for c, value in enumerate(values, start=1):
            if isinstance(value, tuple) and value and value[0] == "raw":
                cells.append(str(value[1]).replace("{ref}", f"{_col(c)}{r}"))
            else:
                cells.append(_cell(f"{_col(c)}{r}", value))
        body.append(f'<row r="{r}">{"".join(cells)}</row>')
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">'
            f"{dim}<sheetData>{''.join(body)}{extra_cells}</sheetData>{tail}</worksheet>")


def write_xlsx(path: Path, sheets: Sequence[tuple[str, _Entry | str]], *, strings: _Entry | Sequence[str] | None = None,
          states: Sequence[str] = ()) -> Path:
    return _write_zip(path, _package_entries(sheets, strings=strings, states=states))


PLACE_HEADER = ["序号", "单位名称", "统一社会信用代码", "地址", "负责人", "联系电话", "行业类别", "风险等级", "开业日期", "备注"]


def _place(n: int, *, name: str | None = None, established: object = None, phone: object = None) -> list[object]:
    return [n, name or f"平安便利店{n}号", None, f"人民路{n}号", "张三", phone or "13812345678", "商店", "黄",
            established, None]


def _openpyxl(path: Path, fill: Callable[[Workbook], None]) -> Path:
    wb = Workbook()
    fill(wb)
    wb.save(path)
    return path


def _active(wb: Workbook) -> Worksheet:
    ws = wb.active
    assert isinstance(ws, Worksheet)
    return ws


# --- the hostile files -------------------------------------------------------------------------

_GIB = 1 << 30


def build_xfd1048576(path: Path) -> Path:
    """The issue's 1,969-byte workbook: its only cell is the last one Excel has."""
    return write_xlsx(path, [("Sheet1", sheet_xml([], dimension="XFD1048576",
                                           extra_cells='<row r="1048576"><c r="XFD1048576" t="inlineStr">'
                                                       "<is><t>x</t></is></c></row>"))])


def build_shared_string_bomb(path: Path) -> Path:
    """One shared string of 1 GiB (about 1 MB zipped), used by A1."""
    head = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{_MAIN}" count="1" uniqueCount="1"><si><t>'.encode()
    strings = _repeat("xl/sharedStrings.xml", head, b"A" * (1 << 20), _GIB >> 20, b"</t></si></sst>")
    sheet = sheet_xml([[("raw", '<c r="{ref}" t="s"><v>0</v></c>'), "地址"]])
    return write_xlsx(path, [("Sheet1", sheet)], strings=strings)


def _million_rows(name: str, cells: bytes, *, dimension: bool, rows: int = 1 << 20, declared: int | None = None) -> _Entry:
    """A sheet of ``rows`` rows that all look alike (no row numbers: Excel counts them), declaring
    ``declared`` rows (default: as many as it has) in its dimension."""
    dim = f'<dimension ref="A1:C{declared or rows}"/>' if dimension else ""
    head = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}">{dim}<sheetData>'
            '<row><c t="inlineStr"><is><t>单位名称</t></is></c><c t="inlineStr"><is><t>地址</t></is></c></row>').encode()
    return _repeat(name, head, cells * 1024, rows // 1024, b"</sheetData></worksheet>")


def build_million_rows(path: Path, *, dimension: bool, rows: int = 1 << 20, declared: int | None = None) -> Path:
    """1,048,576 filled rows (about 0.5 MB zipped, 112 MB of XML)."""
    row = '<row><c t="inlineStr"><is><t>XX饭店</t></is></c><c t="inlineStr"><is><t>红光路12号</t></is></c></row>'
    sheet = _million_rows("s", row.encode(), dimension=dimension, rows=rows, declared=declared)
    return write_xlsx(path, [("Sheet1", sheet)])


# --- files that are not workbooks ----------------------------------------------------------------


def _cfb(streams: dict[str, bytes]) -> bytes:
    """A compound file (OLE, the container of .xls and of password-protected .xlsx) holding
    ``streams``: version 3, 512-byte sectors, every stream padded to at least 4096 bytes so that no
    mini stream is needed, directory entries chained as right siblings."""
    sector = 512
    end, free, fat_mark = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    names = list(streams)
    bodies = [streams[n].ljust(max(4096, -(-len(streams[n]) // sector) * sector), b"\0") for n in names]
    entries = len(names) + 1
    dir_sectors = -(-entries * 128 // sector)
    data_sectors = sum(len(b) // sector for b in bodies) + dir_sectors
    fat_sectors = 1
    while (data_sectors + fat_sectors) > fat_sectors * (sector // 4):
        fat_sectors += 1
    assert fat_sectors <= 109
    fat: list[int] = [fat_mark] * fat_sectors
    starts: list[int] = []
    for body in bodies:
        count = len(body) // sector
        first = len(fat)
        starts.append(first)
        fat += [first + i + 1 for i in range(count - 1)] + [end]
    dir_start = len(fat)
    fat += [dir_start + i + 1 for i in range(dir_sectors - 1)] + [end]
    fat += [free] * (fat_sectors * (sector // 4) - len(fat))
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIII", header, 40, 0, fat_sectors, dir_start, 0, 4096, end, 0, end)
    struct.pack_into("<I", header, 68, 0)
    difat = list(range(fat_sectors)) + [free] * (109 - fat_sectors)
    struct.pack_into("<109I", header, 76, *difat)

    def entry(name: str, kind: int, start: int, size: int, child: int, right: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        out = bytearray(128)
        out[0:len(raw)] = raw
        struct.pack_into("<HBB", out, 64, len(raw), kind, 1)
        struct.pack_into("<III", out, 68, free, right, child)
        struct.pack_into("<IQ", out, 116, start, size)
        return bytes(out)

    directory = entry("Root Entry", 5, end, 0, 1 if names else free, free)
    for i, name in enumerate(names):
        directory += entry(name, 2, starts[i], len(streams[name]), free, i + 2 if i + 1 < len(names) else free)
    directory = directory.ljust(dir_sectors * sector, b"\0")
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    return bytes(header) + fat_bytes + b"".join(bodies) + directory


def build_encrypted(path: Path) -> Path:
    """What Excel writes for a workbook with an open password: the encrypted package in an OLE file."""
    info = struct.pack("<HHI", 4, 4, 0x40) + b'<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption"/>'
    package = bytes((i * 131 + 7) % 256 for i in range(20_000))
    path.write_bytes(_cfb({"EncryptionInfo": info, "EncryptedPackage": package}))
    return path


def build_old_xls(path: Path) -> Path:
    """An Excel 97-2003 workbook: a BIFF8 "Workbook" stream in an OLE file."""
    bof = struct.pack("<HHHHHHII", 0x0809, 16, 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x0206)
    path.write_bytes(_cfb({"Workbook": bof + struct.pack("<HH", 0x000A, 0)}))
    return path


def _text_file(content: str | bytes) -> Callable[[Path], Path]:
    def build(path: Path) -> Path:
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
        return path

    return build


def _zip_of(files: dict[str, str]) -> Callable[[Path], Path]:
    def build(path: Path) -> Path:
        return _write_zip(path, [_deflated(name, data) for name, data in files.items()])

    return build


# --- place lists -----------------------------------------------------------------------------------


def _good_list(path: Path, rows: int = 3) -> Path:
    return write_xlsx(path, [("场所", sheet_xml([PLACE_HEADER, *(_place(i) for i in range(1, rows + 1))]))])


def _place_list(*rows: Sequence[object], header: Sequence[object] = PLACE_HEADER, title: str = "场所") -> Callable[[Path], Path]:
    """A list written by openpyxl (as Excel/WPS would: shared strings, real date cells)."""

    def build(path: Path) -> Path:
        def fill(wb: Workbook) -> None:
            ws = _active(wb)
            ws.title = title
            ws.append(list(header))
            for row in rows:
                ws.append(list(row))

        return _openpyxl(path, fill)

    return build


def raw_list(*rows: Sequence[object], header: Sequence[object] = PLACE_HEADER, dimension: str | None = None,
              extra_cells: str = "", tail: str = "") -> Callable[[Path], Path]:
    """A list whose sheet XML is written directly (escapes, styles, formulas, odd structures)."""

    def build(path: Path) -> Path:
        sheet = sheet_xml([header, *rows], dimension=dimension, extra_cells=extra_cells, tail=tail)
        return write_xlsx(path, [("场所", sheet)])

    return build


def build_stray_cell(path: Path) -> Path:
    """A real list with one stray value at XFD1048576 and no declared dimension (some programs
    write none): found while streaming, at the cell."""
    stray = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    return write_xlsx(path, [("场所", sheet_xml([PLACE_HEADER, _place(1), _place(2)], extra_cells=stray))])


def build_sheet_bomb(path: Path) -> Path:
    """A sheet whose XML unzips to 200 MiB of blanks (about 200 KB zipped)."""
    head = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}"><sheetData>'.encode()
    sheet = _repeat("s", head, b" " * (1 << 20), 200, b"</sheetData></worksheet>")
    return write_xlsx(path, [("场所", sheet)])


def build_empty_rows(path: Path) -> Path:
    """A header, two places and then 1,048,576 empty rows, no dimension: read, not refused."""
    head = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}"><sheetData>'
            f"{''.join(sheet_xml([PLACE_HEADER, _place(1), _place(2)]).split('<sheetData>')[1].split('</sheetData>')[:1])}"
            ).encode()
    sheet = _repeat("s", head, b'<row spans="1:10"/>' * 1024, 1024, b"</sheetData></worksheet>")
    return write_xlsx(path, [("场所", sheet)])


def build_many_entries(path: Path) -> Path:
    """A workbook plus 20,000 more (empty) parts in its zip."""
    entries = _package_entries([("场所", sheet_xml([PLACE_HEADER, _place(1)]))])
    entries += [_deflated(f"xl/media/pad{i}.bin", b"") for i in range(20_000)]
    return _write_zip(path, entries)


def build_truncated(path: Path) -> Path:
    _good_list(path, 200)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 6 // 10])
    return path


def build_bad_crc(path: Path) -> Path:
    entries = _package_entries([("场所", sheet_xml([PLACE_HEADER, _place(1), _place(2)]))])
    broken = [_Entry(e.name, e.data, e.crc ^ 0xFFFF, e.size) if e.name.endswith("sheet1.xml") else e for e in entries]
    return _write_zip(path, broken)


def build_long_shared_string(path: Path) -> Path:
    sheet = sheet_xml([PLACE_HEADER, [1, "XX饭店", None, ("raw", '<c r="{ref}" t="s"><v>0</v></c>')]])
    return write_xlsx(path, [("场所", sheet)], strings=["东" * 100_000])


def build_strict(path: Path) -> Path:
    """Saved as "Strict Open XML Spreadsheet": other namespaces, same structure."""
    strict_main = "http://purl.oclc.org/ooxml/spreadsheetml/main"
    strict_rel = "http://purl.oclc.org/ooxml/officeDocument/relationships"
    entries = _package_entries([("场所", sheet_xml([PLACE_HEADER, _place(1), _place(2)]))])
    out = []
    for e in entries:
        text = zlib.decompress(e.data, -15).decode("utf-8")
        text = text.replace(_MAIN, strict_main).replace(_REL, strict_rel)
        out.append(_deflated(e.name, text))
    return _write_zip(path, out)


def build_doctype(path: Path) -> Path:
    """A sheet declaring entities (the billion laughs): no Excel file has a DTD."""
    laughs = "".join(f'<!ENTITY l{i} "&l{i - 1};&l{i - 1};&l{i - 1};&l{i - 1};&l{i - 1};">' for i in range(1, 12))
    sheet = sheet_xml([PLACE_HEADER, [1, "&l11;", None, "人民路1号"]]).replace(
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
        f'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE worksheet [<!ENTITY l0 "哈">{laughs}]>')
    sheet = sheet.replace("&amp;l11;", "&l11;")
    return write_xlsx(path, [("场所", sheet)])


def build_wide_row(path: Path) -> Path:
    """A header row of 16,384 filled cells."""
    cells = "".join(f'<c r="{_col(c)}1" t="inlineStr"><is><t>列{c}</t></is></c>' for c in range(1, 16_385))
    sheet = sheet_xml([], extra_cells=f'<row r="1">{cells}</row>')
    return write_xlsx(path, [("场所", sheet)])


def build_huge_merge(path: Path) -> Path:
    """行业类别 merged from row 2 down to row 1,048,576 over three places: clipped to the filled rows."""
    header: list[object] = ["序号", "单位名称", "地址", "行业类别"]
    rows: list[list[object]] = [header, [1, "甲店", "东街1号", "商店"], [2, "乙店", "东街2号"], [3, "丙店", "东街3号"]]
    return write_xlsx(path, [("场所", sheet_xml(rows, tail='<mergeCells count="1"><mergeCell ref="D2:D1048576"/></mergeCells>'))])


def build_hidden_sheet(path: Path, *, visible_rows: int) -> Path:
    visible = sheet_xml([PLACE_HEADER, *(_place(i) for i in range(1, visible_rows + 1))] if visible_rows else [])
    hidden = sheet_xml([PLACE_HEADER, _place(7), _place(8)])
    return write_xlsx(path, [("场所", visible), ("旧名单", hidden)], states=["visible", "hidden"])


def build_two_villages(path: Path) -> Path:
    return write_xlsx(path, [("东风村", sheet_xml([PLACE_HEADER, _place(1), _place(2)])),
                        ("西岭村", sheet_xml([PLACE_HEADER, _place(3), _place(4)]))])


def build_district(path: Path) -> Path:
    """The districts' usual layout: merged title, a two-row merged header, a signature line."""
    from helpers.district_lists import district_list

    rows: list[list[object]] = [[1, "XX饭店", None, "红光路12号", "张三", "13812345678", None, None, "餐饮", "黄", "2019-06-01",
                                 None],
                                [2, "好又多超市", None, "红光路14号", "李四", "13912345678", None, None, "超市", "蓝", None, None]]
    return district_list(path, "九小场所", {"A1": "XX镇九小场所排查台账"}, rows)


_S = '<c r="{ref}" s="%d"><v>%s</v></c>'
DATE_SPELLINGS: list[tuple[object, str]] = [
    ("2024-03-05", ""), ("2024-3-5", ""), ("2024.3.5", ""), ("2024/03/05", ""), ("2024/3/5", ""),
    ("2024年3月5日", ""), ("2024年03月05日", ""), ("2024年3月5号", ""), ("2024 年 3 月 5 日", ""),
    ("二〇二四年三月五日", ""), ("二零二四年十二月三十一日", ""), ("20240305", ""), (20240305, ""),
    ("２０２４－０３－０５", ""), ("2024-03-05 00:00:00", ""),
    (("raw", _S % (1, 45356)), ""),  # a date cell (built-in format 14)
    (("raw", _S % (2, 45356)), ""),  # WPS's 2024年3月5日 (built-in format 31, not in the ECMA list)
    (("raw", _S % (3, 45356)), ""),  # a custom yyyy"年"m"月"d"日" format
    ("2024-03-05 08:30", "时间“08:30”未保存"),
    (45356, "按 Excel 日期序号理解为 2024-03-05"),
    ("45356", "按 Excel 日期序号理解为 2024-03-05"),
    ("25/3/2024", "按“日/月/年”的顺序理解为 2024-03-25"),
]


def build_every_date(path: Path) -> Path:
    rows = [_place(i, established=value) for i, (value, _note) in enumerate(DATE_SPELLINGS, start=1)]
    return raw_list(*rows)(path)


def _one_date(value: object) -> Callable[[Path], Path]:
    return raw_list(_place(1), _place(2, established=value))


def build_formula_cached(path: Path) -> Path:
    name = '<c r="{ref}" t="str"><f>"XX"&amp;"饭店"</f><v>XX饭店</v></c>'
    return raw_list([1, ("raw", name), None, "红光路12号"], _place(2))(path)


def build_checklist(path: Path, *, items: int = 3, cell: Callable[[Worksheet], None] | None = None) -> Path:
    """A township checklist as the program exports it: title, metadata, header, items."""

    def fill(wb: Workbook) -> None:
        ws = _active(wb)
        ws.title = "检查表"
        ws.append(["液化气使用场所检查表（本镇）"])
        ws.append(["检查表名称", "液化气使用场所检查表（本镇）"])
        ws.append(["行业领域", "燃气"])
        ws.append(["编号", "检查内容", "检查要点/方法", "隐患描述（标准用语）", "依据", "默认等级", "判定为重大的情形",
                   "整改要求", "整改期限（天，0=立即）"])
        for i in range(1, items + 1):
            ws.append([None, f"气瓶间第{i}项", "现场查看", f"气瓶间第{i}项不符合要求", "《城镇燃气管理条例》", "一般", None,
                       "立即整改", 7])
        if cell is not None:
            cell(ws)

    return _openpyxl(path, fill)


def build_template(path: Path, *, extra: Callable[[Worksheet], None] | None = None) -> Path:
    """A district ledger template: title, a header, two formatted sample rows, a footer."""
    from openpyxl.styles import Border, Side

    def fill(wb: Workbook) -> None:
        ws = _active(wb)
        ws.title = "隐患台账"
        ws["A1"] = "XX镇安全隐患排查整治台账"
        ws.merge_cells("A1:G1")
        for c, text in enumerate(["序号", "单位名称", "地址", "隐患描述", "整改措施", "整改期限", "备注"], start=1):
            ws.cell(row=2, column=c, value=text)
        thin = Side(style="thin")
        for r in (3, 4):
            for c in range(1, 8):
                ws.cell(row=r, column=c).border = Border(left=thin, right=thin, top=thin, bottom=thin)
        ws["A6"] = "填报人：        审核人："
        if extra is not None:
            extra(ws)

    return _openpyxl(path, fill)


def edit_sheet(build: Callable[[Path], Path], old: str, new: str, *, drop_dimension: bool = True) -> Callable[[Path], Path]:
    """A file built by openpyxl whose first sheet's XML is then edited (``old`` → ``new``): what
    openpyxl itself refuses to write (a cell longer than Excel allows, no dimension)."""

    def rebuilt(path: Path) -> Path:
        build(path)
        with zipfile.ZipFile(path) as zf:
            parts = {i.filename: zf.read(i.filename) for i in zf.infolist()}
        text = parts["xl/worksheets/sheet1.xml"].decode("utf-8")
        if drop_dimension:
            text = re.sub(r"<dimension [^>]*/>", "", text)
        assert old in text
        parts["xl/worksheets/sheet1.xml"] = text.replace(old, new).encode("utf-8")
        return _write_zip(path, [_deflated(name, data) for name, data in parts.items()])

    return rebuilt


def _append_to_sheet(build: Callable[[Path], Path], rows_xml: str) -> Callable[[Path], Path]:
    """A file built by openpyxl, its first sheet's XML extended before </sheetData>."""
    return edit_sheet(build, "</sheetData>", rows_xml + "</sheetData>")


def _formatted_rows(count: int) -> str:
    return "".join(f'<row r="{r}"><c r="A{r}" s="1"/><c r="B{r}" s="1"/></row>' for r in range(10, 10 + count))


def _formatted_block(rows: int, columns: int) -> str:
    letters = [_col(c) for c in range(1, columns + 1)]
    return "".join(f'<row r="{r}">' + "".join(f'<c r="{x}{r}" s="1"/>' for x in letters) + "</row>"
                   for r in range(10, 10 + rows))


def _bomb_strings(path: Path) -> Path:
    return build_shared_string_bomb(path)


def _million(path: Path) -> Path:
    return build_million_rows(path, dimension=True)


def _million_no_dimension(path: Path) -> Path:
    return build_million_rows(path, dimension=False)


def _long_inline(path: Path) -> Path:
    return raw_list(_place(1), [2, "东" * 40_000, None, "人民路2号"])(path)


def _set(ref: str, value: object) -> Callable[[Worksheet], None]:
    def change(ws: Worksheet) -> None:
        ws[ref] = value

    return change


# --- the cases -------------------------------------------------------------------------------------

def _case(name: str, kind: Kind, build: Callable[[Path], Path], expect: Outcome, message: tuple[str, ...] = (),
          why: str = "") -> Case:
    """A case whose ``build`` writes the file at the path given (the runner gives a folder)."""
    return Case(name, kind, lambda folder: build(folder / name), expect, message, why)


_XFD = "XFD1048576"
_BOMB = "压缩炸弹"

CASES: list[Case] = [
    # place lists: what the file is
    _case("places-empty.xlsx", "places", _text_file(b""), "refused", ("0 字节",), "an empty file"),
    _case("places-csv-renamed.xlsx", "places", _text_file("单位名称,地址\nXX饭店,红光路12号\n"), "refused",
         ("CSV 或文本文件",), "a CSV export renamed to .xlsx"),
    _case("places-gbk-text-renamed.xlsx", "places", _text_file("单位名称\t地址\nXX饭店\t红光路\n".encode("gb18030")),
         "refused", ("CSV 或文本文件",), "a tab-separated GBK text"),
    _case("places-html-table.xls", "places",
         _text_file("<html><body><table><tr><td>单位名称</td></tr><tr><td>XX饭店</td></tr></table></body></html>"),
         "refused", ("网页（HTML）",), "a web system's 'Excel' export that is really HTML"),
    _case("places-xml-spreadsheet-2003.xml", "places",
         _text_file('<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"/>'),
         "refused", ("Excel 2003 XML",), "an Excel 2003 XML spreadsheet"),
    _case("places-pdf-renamed.xlsx", "places", _text_file(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n"),
         "refused", ("PDF",), "a PDF renamed to .xlsx"),
    _case("places-random-bytes.xlsx", "places", _text_file(bytes(range(256)) * 64), "refused",
         ("无法识别的格式",), "random bytes"),
    _case("places-xls-renamed.xlsx", "places", build_old_xls, "refused", ("97-2003", ".xls"),
         "an old .xls renamed to .xlsx"),
    _case("places-password.xlsx", "places", build_encrypted, "refused", ("打开密码",),
         "a workbook with an open password (an encrypted package in an OLE file)"),
    _case("places-docx-renamed.xlsx", "places",
         _zip_of({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"}), "refused",
         ("Word 文档",), "a Word document renamed to .xlsx"),
    _case("places-ods-renamed.xlsx", "places",
         _zip_of({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"}),
         "refused", ("OpenDocument",), "an .ods renamed"),
    _case("places-xlsb-renamed.xlsx", "places",
         _zip_of({"[Content_Types].xml": "<Types/>", "xl/workbook.bin": "x"}), "refused", (".xlsb",),
         "a binary workbook renamed"),
    _case("places-plain-zip.xlsx", "places", _zip_of({"readme.txt": "hello"}), "refused", ("文件可能已损坏",),
         "a zip that is no workbook"),
    _case("places-truncated.xlsx", "places", build_truncated, "refused", ("不完整或已损坏",),
         "a download cut off at 60 %"),
    _case("places-bad-crc.xlsx", "places", build_bad_crc, "refused", ("工作表“场所”", "已损坏", "校验和不符"),
         "a sheet whose data does not match its checksum"),
    _case("places-corrupt-xml.xlsx", "places",
         lambda p: write_xlsx(p, [("场所", f'<worksheet xmlns="{_MAIN}"><sheetData><row><c t="inlineStr"><is><t>单位')]),
         "refused", ("工作表“场所”", "已损坏"), "unfinished sheet XML"),
    _case("places-doctype-entities.xlsx", "places", build_doctype, "refused", ("工作表“场所”", "DTD"),
         "a billion-laughs entity bomb in the sheet"),
    # place lists: bombs and sizes
    _case("places-xfd1048576-only.xlsx", "places", build_xfd1048576, "refused", ("Sheet1", _XFD, "16,384 列"),
         "the issue's 1,969-byte file: the only cell is XFD1048576"),
    _case("places-stray-cell-xfd1048576.xlsx", "places", build_stray_cell, "refused",
         ("工作表“场所”", "第 1048576 行", "“XFD”列"), "a real list with one stray value at XFD1048576, no dimension"),
    _case("places-shared-string-1gib.xlsx", "places", _bomb_strings, "refused", ("sharedStrings.xml", "1024 MB", _BOMB),
         "one shared string of 1 GiB (1 MB zipped)"),
    _case("places-sheet-bomb.xlsx", "places", build_sheet_bomb, "refused", ("工作表“场所”", "200 MB", _BOMB),
         "a sheet that unzips to 200 MiB"),
    _case("places-million-rows.xlsx", "places", _million, "refused", ("工作表“Sheet1”", "解压后有 107 MB"),
         "1,048,576 rows (112 MB of XML, 0.5 MB zipped): refused before reading"),
    _case("places-declares-million-rows.xlsx", "places",
          lambda p: build_million_rows(p, dimension=True, rows=1024, declared=1 << 20), "refused",
          ("工作表“Sheet1”", "A1:C1048576", "1,048,576 行"), "1,024 rows declaring 1,048,576 in the dimension"),
    _case("places-65536-rows-no-dimension.xlsx", "places",
          lambda p: build_million_rows(p, dimension=False, rows=65_536), "refused",
          ("工作表“Sheet1”", "第 50001 行", "50,000 行"), "65,536 rows without a dimension: stopped while streaming"),
    _case("places-million-empty-rows.xlsx", "places", build_empty_rows, "accepted", (),
         "two places and then 1,048,576 empty rows: read in bounded time and memory"),
    _case("places-20000-zip-entries.xlsx", "places", build_many_entries, "refused", ("个部件", "上限 2,000"),
         "a workbook padded with 20,000 empty zip entries"),
    _case("places-wide-row.xlsx", "places", build_wide_row, "refused", ("第 1 行", "“DY”列"),
         "a header row of 16,384 filled cells"),
    _case("places-long-inline-cell.xlsx", "places", _long_inline, "refused",
         ("工作表“场所”", "第 3 行", "“B”列", "32,767"), "a cell of 40,000 characters (more than Excel allows)"),
    _case("places-long-shared-string.xlsx", "places", build_long_shared_string, "refused",
         ("工作表“场所”", "第 2 行", "“D”列", "100,000 个字符"), "a shared string of 100,000 characters"),
    _case("places-huge-merge.xlsx", "places", build_huge_merge, "accepted", (),
         "行业类别 merged down to row 1,048,576: clipped to the filled rows"),
    _case("places-dimension-too-small.xlsx", "places",
         raw_list(_place(1), _place(2), _place(3), dimension="A1:B2"), "accepted", (),
         "a declared dimension smaller than the data: the rows are read anyway"),
    # place lists: sheets and headers
    _case("places-header-only.xlsx", "places", _place_list(), "refused", ("工作表“场所”", "没有数据行"),
         "a header and no data rows (used to succeed with 0 places and an audit entry)"),
    _case("places-header-and-footer-only.xlsx", "places", _place_list(["填表人：王五"]), "refused", ("没有数据行",),
         "a header and a signature line"),
    _case("places-no-header.xlsx", "places", _place_list(["请按附件格式填报"], header=["说明"]), "refused",
         ("没有找到场所表头",), "a sheet of notes"),
    _case("places-hidden-sheet.xlsx", "places", lambda p: build_hidden_sheet(p, visible_rows=2), "warned",
         ("隐藏的工作表", "2 行没有导入"), "a hidden sheet with an old list next to the visible one"),
    _case("places-only-hidden-sheet.xlsx", "places", lambda p: build_hidden_sheet(p, visible_rows=0), "refused",
         ("隐藏的工作表“旧名单”",), "the list is in a hidden sheet only"),
    _case("places-two-village-sheets.xlsx", "places", build_two_villages, "accepted", (), "one sheet per village"),
    _case("places-district-merged-header.xlsx", "places", build_district, "accepted", (),
         "merged title, two-row merged header, signature line"),
    _case("places-strict-ooxml.xlsx", "places", build_strict, "accepted", (), "saved as Strict Open XML"),
    _case("places-duplicate-name-column.xlsx", "places",
         _place_list([1, "XX饭店", "91330100799655058B", "红光路12号", "XX大饭店"],
                     header=["序号", "单位名称", "统一社会信用代码", "地址", "单位名称"]), "refused",
         ("E列", "同名的另一列", "XX大饭店"), "a second 单位名称 column with another name"),
    _case("places-duplicate-phone-column.xlsx", "places",
         _place_list([1, "XX饭店", "红光路12号", "13812345678", "0571-87654321"],
                     header=["序号", "单位名称", "地址", "联系电话", "联系电话"]), "warned",
         ("E列", "同为“联系电话”", "已记入备注"), "a second 联系电话 column: kept in the notes"),
    # place lists: values
    _case("places-dates-every-spelling.xlsx", "places", build_every_date, "warned",
         tuple(note for _v, note in DATE_SPELLINGS if note), "every way a district writes 2024-03-05"),
    _case("places-date-feb-30.xlsx", "places", _one_date("2024-02-30"), "refused",
         ("第3行", "I列", "2024年没有2月30日"), "an impossible date"),
    _case("places-date-9999.xlsx", "places", _one_date("9999-12-31"), "refused", ("第3行", "9999-12-31", "晚于今天"),
         "a placeholder date far in the future"),
    _case("places-date-1900.xlsx", "places", _one_date(("raw", _S % (1, 1))), "refused", ("1900-01-01", "早于1949年"),
         "Excel's empty date shown as 1900-01-01"),
    _case("places-date-ambiguous.xlsx", "places", _one_date("3/5/2024"), "refused", ("3/5/2024", "无法确定"),
         "3/5/2024: 3 May or 5 March?"),
    _case("places-date-two-digit-year.xlsx", "places", _one_date("24.3.5"), "refused", ("年份只有两位",),
         "a two-digit year"),
    _case("places-date-words.xlsx", "places", _one_date("去年春天"), "refused", ("不是可识别的日期",), "words"),
    _case("places-date-month-only.xlsx", "places", _one_date("2024年3月"), "refused", ("缺少日",), "a month only"),
    _case("places-control-character.xlsx", "places", raw_list([1, "XX_x0001_饭店", None, "红光路12号"]), "refused",
         ("第2行", "B列", "U+0001"), "a control character written as _x0001_"),
    _case("places-cr-tab-escapes.xlsx", "places",
         raw_list([1, "XX饭店_x0009_", None, "红光路_x000D_12号"], _place(2)), "warned",
         ("第2行", "D列", "_x000D_"), "a carriage return and a tab written as escapes"),
    _case("places-bidi-override.xlsx", "places", raw_list([1, "XX\u202e店饭", None, "红光路12号"]), "refused",
         ("第2行", "U+202E"), "a right-to-left override that makes the name read differently"),
    _case("places-bidi-isolate.xlsx", "places", raw_list(_place(1), [2, "XX饭店", None, "红光路\u206612号"]),
         "refused", ("第3行", "D列", "U+2066"), "a bidi isolate in the address"),
    _case("places-formula-without-result.xlsx", "places", _place_list(_place(1), [2, "=A1&\"店\"", None, "人民路2号"]),
         "refused", ("第3行", "B列", "没有保存公式的计算结果"), "a formula written by a program, never calculated"),
    _case("places-formula-with-result.xlsx", "places", build_formula_cached, "accepted", (),
         "a formula with its saved result (as Excel saves it)"),
    _case("places-error-value.xlsx", "places",
         raw_list(_place(1), [2, ("raw", '<c r="{ref}" t="e"><f>VLOOKUP(A3,X!A:B,2,0)</f><v>#N/A</v></c>'), None,
                               "人民路2号"]), "refused", ("第3行", "B列", "#N/A"), "an error value in the name"),
    # checklist workbooks
    _case("checklist-valid.xlsx", "checklist", build_checklist, "accepted", (), "a township checklist"),
    _case("checklist-header-only.xlsx", "checklist", lambda p: build_checklist(p, items=0), "refused",
         ("工作表“检查表”", "没有任何检查条目"), "a header and no items"),
    _case("checklist-shared-string-1gib.xlsx", "checklist", _bomb_strings, "refused", ("sharedStrings.xml", _BOMB),
         "the 1 GiB shared string"),
    _case("checklist-xfd1048576-only.xlsx", "checklist", build_xfd1048576, "refused", (_XFD,), "the XFD1048576 file"),
    _case("checklist-million-rows.xlsx", "checklist", _million_no_dimension, "refused",
          ("工作表“Sheet1”", "解压后有 107 MB"), "a million rows: the sheet's XML is too big before any is read"),
    _case("checklist-8192-rows.xlsx", "checklist", lambda p: build_million_rows(p, dimension=False, rows=8192),
          "refused", ("工作表“Sheet1”", "5,000 行"), "8,192 rows without a dimension: stopped while streaming"),
    _case("checklist-long-cell.xlsx", "checklist",
          edit_sheet(lambda p: build_checklist(p, cell=_set("B6", "LONG-CELL")), "LONG-CELL", "查" * 40_000),
         "refused", ("工作表“检查表”", "第 6 行", "32,767"), "a cell longer than Excel allows"),
    _case("checklist-password.xlsx", "checklist", build_encrypted, "refused", ("打开密码",), "password protected"),
    _case("checklist-csv-renamed.xlsx", "checklist", _text_file("检查内容,依据\n气瓶,条例\n"), "refused", ("CSV",),
         "a CSV renamed"),
    _case("checklist-bidi.xlsx", "checklist", lambda p: build_checklist(p, cell=_set("B6", "气瓶\u202e间")),
         "refused", ("第 6 行", "检查内容", "U+202E"), "a bidi override in an item"),
    _case("checklist-formula-without-result.xlsx", "checklist",
         lambda p: build_checklist(p, cell=_set("I6", "=3+4")), "refused", ("第 6 行", "没有保存公式的计算结果"),
         "a deadline that is a formula never calculated"),
    # district ledger templates
    _case("template-valid.xlsx", "template", build_template, "accepted", (), "a district ledger template"),
    _case("template-no-header.xlsx", "template", _place_list(["随便写点什么"], header=["本表用于年度总结"]),
         "refused", ("无法识别表头",), "a workbook that is no template"),
    _case("template-xfd1048576-only.xlsx", "template", build_xfd1048576, "refused", (_XFD,), "the XFD1048576 file"),
    _case("template-shared-string-1gib.xlsx", "template", _bomb_strings, "refused", ("sharedStrings.xml", _BOMB),
         "the 1 GiB shared string"),
    _case("template-stray-formatted-cell.xlsx", "template",
         _append_to_sheet(build_template, '<row r="60000"><c r="A60000" s="1"/></row>'), "refused",
         ("工作表“隐患台账”", "第 60000 行", "只设置了格式"), "a template with one formatted cell at row 60,000"),
    _case("template-formatted-rows.xlsx", "template", _append_to_sheet(build_template, _formatted_rows(100_000)),
         "refused", ("第 20001 行", "只设置了格式"), "a template with 100,000 formatted empty rows"),
    _case("template-formatted-cells.xlsx", "template", _append_to_sheet(build_template, _formatted_block(1_600, 100)),
         "refused", ("150,000",), "a template whose first 1,600 rows × 100 columns are formatted"),
    _case("template-truncated.xlsx", "template",
         lambda p: _text_file(build_template(p).read_bytes()[:3000])(p), "refused", ("损坏",), "a cut-off template"),
    _case("template-password.xlsx", "template", build_encrypted, "refused", ("打开密码",), "password protected"),
]
