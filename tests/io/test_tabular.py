"""Generic spreadsheet reading: opening, header detection, cell values, column mappings."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest
from helpers.corpus.xlsx import (
    build_bad_crc,
    build_doctype,
    build_encrypted,
    build_long_shared_string,
    build_many_entries,
    build_old_xls,
    build_shared_string_bomb,
    build_sheet_bomb,
    build_truncated,
    build_xfd1048576,
    sheet_xml,
    write_xlsx,
)
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from anquan_desk.core.errors import FileInputError, Location
from anquan_desk.io.place_import import PLACE_SYNONYMS
from anquan_desk.io.tabular import (
    PLACE_LIMITS,
    ColumnMapping,
    DateReading,
    ImportFileError,
    Limits,
    Sheet,
    cell_text,
    column_letter,
    duplicate_columns,
    find_header,
    guess_mapping,
    header_fingerprint,
    iter_tables,
    open_workbook,
    parse_date,
    parse_number,
    read_date,
    read_table,
    text_hazard,
)

DATA = Path(__file__).parent / "data"


def _sheet(rows: Sequence[Sequence[object]], merges: tuple[str, ...] = ()) -> Worksheet:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(list(row))
    for rng in merges:
        ws.merge_cells(rng)
    return ws


# --- header detection -----------------------------------------------------------------------


def test_header_on_first_row() -> None:
    ws = _sheet([["序号", "单位名称", "地址", "负责人", "联系电话"], [1, "XX饭店", "红光路12号", "张三", "138"]])
    header = find_header(ws, PLACE_SYNONYMS)
    assert header is not None
    assert (header.first_row, header.last_row) == (1, 1)
    assert header.headers == ("序号", "单位名称", "地址", "负责人", "联系电话")
    assert header.mapping.columns == {"name": 1, "address": 2, "responsible_person": 3, "phone": 4}


def test_header_below_merged_title_rows() -> None:
    ws = _sheet(
        [
            ["XX镇九小场所排查台账"],
            ["填报单位：XX镇安监办", None, None, "填报日期：2024年3月5日"],
            ["单位名称", "统一社会信用代码", "经营地址", "法定代表人", "手机号"],
            ["XX饭店", "91350100M000100Y43", "红光路12号", "张三", "13812345678"],
        ],
        merges=("A1:E1", "A2:C2"),
    )
    header = find_header(ws, PLACE_SYNONYMS)
    assert header is not None
    assert (header.first_row, header.last_row) == (3, 3)
    assert header.mapping.columns == {
        "name": 0, "credit_code": 1, "address": 2, "responsible_person": 3, "phone": 4,
    }
    # The title is not part of the header: same fingerprint as the bare header row.
    assert header.mapping.fingerprint == header_fingerprint(["单位名称", "统一社会信用代码", "经营地址", "法定代表人", "手机号"])


def test_two_row_header_with_merged_cells() -> None:
    ws = _sheet(
        [
            ["场所清单"],
            ["序号", "场所名称", "地址", "负责人信息", None, "所属村（社区）", "风险等级"],
            [None, None, None, "姓名", "电话", None, None],
            [1, "XX饭店", "红光路12号", "张三", "13812345678", "东风村", "黄"],
        ],
        merges=("A1:G1", "A2:A3", "B2:B3", "C2:C3", "D2:E2", "F2:F3", "G2:G3"),
    )
    header = find_header(ws, PLACE_SYNONYMS)
    assert header is not None
    assert (header.first_row, header.last_row) == (2, 3)
    assert header.headers == ("序号", "场所名称", "地址", "负责人信息/姓名", "负责人信息/电话", "所属村（社区）", "风险等级")
    assert header.mapping.columns == {
        "name": 1, "address": 2, "responsible_person": 3, "phone": 4, "village": 5, "risk_color": 6,
    }
    table = read_table(ws, PLACE_SYNONYMS, file="x.xlsx")
    assert table is not None
    assert [r.number for r in table.rows] == [4]
    assert table.rows[0].values == (1, "XX饭店", "红光路12号", "张三", "13812345678", "东风村", "黄")


def test_vertical_merged_header_counts_for_both_rows() -> None:
    # Header cells merged over rows 1–2 with nothing else: either row reads the full header and
    # the data starts on row 3.
    ws = _sheet(
        [["单位名称", "地址", "联系电话"], [None, None, None], ["XX饭店", "红光路12号", "13812345678"]],
        merges=("A1:A2", "B1:B2", "C1:C2"),
    )
    table = read_table(ws, PLACE_SYNONYMS, file="x.xlsx")
    assert table is not None
    assert table.headers == ("单位名称", "地址", "联系电话")
    assert [(r.number, r.values) for r in table.rows] == [(3, ("XX饭店", "红光路12号", "13812345678"))]


def test_header_variants_are_matched_by_meaning() -> None:
    headers = ["*单位名称（全称）", "负责人电话", "法定代表人(负责人)", "村（社区）名称", "网格名称", "九小场所类别",
               "场所类型", "联系电话（手机）", "成立 日期", "备 注"]
    mapping = guess_mapping(headers, PLACE_SYNONYMS)
    # Two phone columns: 联系电话 is the more usual name, so 负责人电话 stays unmapped.
    assert mapping.columns == {
        "name": 0, "responsible_person": 2, "village": 3, "grid": 4, "nine_small_kind": 5,
        "sector": 6, "phone": 7, "established": 8, "notes": 9,
    }
    assert guess_mapping(["店名", "负责人电话"], PLACE_SYNONYMS).columns == {"name": 0, "phone": 1}
    assert guess_mapping(["店名", "经营者电话"], PLACE_SYNONYMS).columns == {"name": 0, "phone": 1}


def test_each_column_used_once_and_best_synonym_wins() -> None:
    mapping = guess_mapping(["法定代表人", "负责人", "电话", "联系电话"], PLACE_SYNONYMS)
    assert mapping.columns == {"responsible_person": 1, "phone": 3}


def test_no_header_found() -> None:
    ws = _sheet([["填表说明"], ["1. 请按实际填写"], ["2. 电话填手机"]])
    assert find_header(ws, PLACE_SYNONYMS) is None
    assert read_table(ws, PLACE_SYNONYMS, file="x.xlsx") is None


def test_required_field() -> None:
    ws = _sheet([["地址", "联系电话"], ["红光路12号", "138"]])
    assert find_header(ws, PLACE_SYNONYMS) is not None
    assert find_header(ws, PLACE_SYNONYMS, required=["name"]) is None


def test_header_below_scan_window_is_not_found() -> None:
    ws = _sheet([[f"说明第{i}行"] for i in range(1, 32)] + [["单位名称", "地址"], ["XX饭店", "红光路"]])
    assert find_header(ws, PLACE_SYNONYMS) is None
    assert find_header(ws, PLACE_SYNONYMS, scan_rows=40) is not None


def test_data_rows_keep_excel_numbers_and_fill_merged_cells() -> None:
    ws = _sheet(
        [
            ["所属村", "单位名称", "地址"],
            ["东风村", "XX饭店", "红光路12号"],
            [None, "好又多超市", "红光路14号"],
            [None, None, None],
            ["西岭村", "幸福理发店", "西街1号"],
        ],
        merges=("A2:A3",),
    )
    table = read_table(ws, PLACE_SYNONYMS, file="x.xlsx")
    assert table is not None
    assert [(r.number, r.values) for r in table.rows] == [
        (2, ("东风村", "XX饭店", "红光路12号")),
        (3, ("东风村", "好又多超市", "红光路14号")),
        (5, ("西岭村", "幸福理发店", "西街1号")),
    ]
    assert table.header_of(1) == "单位名称"
    assert table.header_of(7) == ""


def test_iter_tables_skips_hidden_sheets(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "场所"
    ws.append(["单位名称", "地址"])
    ws.append(["XX饭店", "红光路12号"])
    hidden = wb.create_sheet("下拉选项")
    hidden.append(["单位名称", "地址"])
    hidden.sheet_state = "hidden"
    empty = wb.create_sheet("说明")
    empty.append(["本表由镇安监办填写"])
    wb.save(tmp_path / "x.xlsx")
    with open_workbook(tmp_path / "x.xlsx") as book:
        found = [(ws.title, t is not None) for ws, t in iter_tables(book, PLACE_SYNONYMS, file="x.xlsx")]
        assert found == [("场所", True), ("说明", False)]
        every = [ws.title for ws, _ in iter_tables(book, PLACE_SYNONYMS, file="x.xlsx", include_hidden=True)]
        assert every == ["场所", "下拉选项", "说明"]


# --- mappings -------------------------------------------------------------------------------


def test_mapping_json_round_trip() -> None:
    mapping = guess_mapping(["单位名称", "地址", "联系电话"], PLACE_SYNONYMS)
    data = json.loads(json.dumps(mapping.to_json()))
    assert data == {"fingerprint": mapping.fingerprint, "columns": {"name": 0, "address": 1, "phone": 2}}
    assert ColumnMapping.from_json(data) == mapping


@pytest.mark.parametrize(
    "data",
    [{}, {"fingerprint": "x"}, {"fingerprint": "x", "columns": {"name": -1}}, {"fingerprint": "x", "columns": {"name": "A"}},
     {"fingerprint": 3, "columns": {}}],
)
def test_mapping_from_bad_json(data: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="列对应关系"):
        ColumnMapping.from_json(data)


def test_fingerprint_ignores_spacing_and_width_but_not_order() -> None:
    a = header_fingerprint(["单位名称", "地址", "联系电话"])
    assert header_fingerprint([" 单位 名称", "地址 ", "联系电话", "", ""]) == a
    assert header_fingerprint(["*单位名称", "地址：", "联系电话"]) == a
    assert header_fingerprint(["地址", "单位名称", "联系电话"]) != a
    assert len(a) == 16


# --- cell values ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (13812345678.0, "13812345678"),
        (1.3812345678e10, "13812345678"),
        (120.5, "120.5"),
        (7, "7"),
        (True, "是"),
        (dt.datetime(2024, 3, 5), "2024-03-05"),
        (dt.datetime(2024, 3, 5, 14, 30), "2024-03-05 14:30"),
        (dt.date(2024, 3, 5), "2024-03-05"),
        (dt.time(8, 5), "08:05"),
        ("  ＸＸ饭店 ", "XX饭店"),
    ],
)
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "value",
    ["2024.3.5", "2024年3月5日", "2024-03-05", "2024/3/5", "20240305", " 2024 年 3 月 5 日 ", "２０２４－０３－０５",
     "2024-03-05 00:00:00", 20240305, 20240305.0, 45356, dt.datetime(2024, 3, 5, 9, 0), dt.date(2024, 3, 5)],
)
def test_parse_date(value: object) -> None:
    assert parse_date(value) == dt.date(2024, 3, 5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2024年13月1日", "“2024年13月1日”不是有效日期（2024年没有13月1日）"),
        ("2023-02-29", "“2023-02-29”不是有效日期（2023年没有2月29日）"),
        ("三月五日", "“三月五日”不是可识别的日期（请写成 2024-03-05 或 2024年3月5日）"),
        ("2024年3月", "“2024年3月”缺少日，不是完整的日期（请写成 2024-03-05 或 2024年3月5日）"),
        (0.5, "“0.5”不是日期"),
        (True, "“是”不是日期"),
    ],
)
def test_parse_date_errors(value: object, message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_date(value)  # type: ignore[arg-type]
    assert str(info.value) == message


def test_parse_date_empty() -> None:
    assert parse_date(None) is None
    assert parse_date("  ") is None


@pytest.mark.parametrize(
    ("value", "number"),
    [("1,200", 1200.0), ("120㎡", 120.0), ("120.5 平方米", 120.5), ("８０平米", 80.0), (35, 35.0), (35.5, 35.5),
     (None, None), ("", None)],
)
def test_parse_number(value: object, number: float | None) -> None:
    assert parse_number(value) == number  # type: ignore[arg-type]


def test_parse_number_error() -> None:
    with pytest.raises(ValueError, match="“约一百平”不是数字"):
        parse_number("约一百平")


def test_column_letter() -> None:
    assert [column_letter(i) for i in (0, 1, 25, 26)] == ["A", "B", "Z", "AA"]


# --- opening files --------------------------------------------------------------------------


def _open_error(path: Path) -> ImportFileError:
    with pytest.raises(ImportFileError) as info:
        open_workbook(path)
    return info.value


def test_missing_file(tmp_path: Path) -> None:
    err = _open_error(tmp_path / "场所.xlsx")
    assert str(err) == "文件“场所.xlsx”：文件不存在"
    assert (err.file, err.sheet, err.row, err.column) == ("场所.xlsx", None, None, None)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "空.xlsx"
    path.write_bytes(b"")
    assert str(_open_error(path)) == "文件“空.xlsx”：文件是空的（0 字节）"


def test_text_file_named_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "清单.xlsx"
    path.write_text("单位名称,地址\nXX饭店,红光路12号\n", encoding="utf-8")
    assert "不是 Excel 工作簿（.xlsx）" in str(_open_error(path))


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "压缩包.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "hello")
    assert str(_open_error(path)) == "文件“压缩包.xlsx”：不是有效的 Excel 工作簿（.xlsx），文件可能已损坏"


def test_truncated_workbook(tmp_path: Path) -> None:
    good = tmp_path / "good.xlsx"
    wb = Workbook()
    wb.active.append(["单位名称"])
    wb.save(good)
    path = tmp_path / "坏.xlsx"
    path.write_bytes(good.read_bytes()[:600])
    message = str(_open_error(path))
    assert message.startswith("文件“坏.xlsx”：")
    assert "损坏" in message or "不是 Excel" in message


def test_workbook_with_extension_openpyxl_warns_about(tmp_path: Path) -> None:
    # Drop-down lists made in Excel/WPS are stored as an x14 extension that openpyxl does not
    # support and warns about; the values must still be read (and no warning must escape).
    plain = tmp_path / "plain.xlsx"
    wb = Workbook()
    wb.active.append(["单位名称", "地址"])
    wb.active.append(["XX饭店", "红光路12号"])
    wb.save(plain)
    ext = (
        b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
        b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
        b'<x14:dataValidations count="0" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"/>'
        b"</ext></extLst></worksheet>"
    )
    path = tmp_path / "wps.xlsx"
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(path, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</worksheet>", ext)
            zout.writestr(info, data)
    with pytest.warns(UserWarning, match="Data Validation extension"):
        load_workbook(path)
    with open_workbook(path) as book:
        assert book.read_sheet(book.sheets[0]).value(2, 1) == "XX饭店"


def test_password_protected_workbook() -> None:
    err = _open_error(DATA / "password_abc.xlsx")
    assert err.file == "password_abc.xlsx"
    assert err.reason.startswith("文件设置了打开密码")


def test_old_xls_workbook() -> None:
    err = _open_error(DATA / "old_format.xls")
    assert err.reason == "是旧版 Excel 97-2003 格式（.xls），请在 Excel/WPS 中“另存为”.xlsx 格式后再导入"


def test_error_message_names_every_location() -> None:
    err = ImportFileError("日期无效", file="/tmp/a/场所.xlsx", sheet="九小", row=7, column="K")
    assert str(err) == "文件“场所.xlsx”，工作表“九小”，第 7 行，“K”列：日期无效"
    assert isinstance(err, FileInputError)
    assert err.location == Location(file="场所.xlsx", sheet="九小", row=7, column="K")
    assert (err.reason, err.file, err.sheet, err.row, err.column) == ("日期无效", "场所.xlsx", "九小", 7, "K")


# --- the streaming reader: values ----------------------------------------------------------------


def _read(path: Path, limits: Limits = PLACE_LIMITS, sheet: int = 0) -> Sheet:
    with open_workbook(path, limits) as book:
        return book.read_sheet(book.sheets[sheet])


def test_values_as_excel_shows_them(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "值"
    ws.append(["文字", 7, 120.5, True, dt.datetime(2024, 3, 5, 14, 30), dt.time(8, 30), "=1+1", None, "末列"])
    ws["E1"].number_format = "yyyy-mm-dd hh:mm"
    ws["F1"].number_format = "h:mm"
    ws.merge_cells("A3:C4")
    ws["A3"] = "合并"
    ws["A5"] = "下面"
    wb.save(tmp_path / "v.xlsx")
    sheet = _read(tmp_path / "v.xlsx")
    assert (sheet.title, sheet.state) == ("值", "visible")
    assert sheet.rows[1] == ("文字", 7, 120.5, True, dt.datetime(2024, 3, 5, 14, 30), dt.time(8, 30), None, None, "末列")
    # A merged area repeats its value on every cell it covers; blank rows are left out.
    assert sheet.rows[3] == ("合并", "合并", "合并") and sheet.rows[4] == ("合并", "合并", "合并")
    assert sorted(sheet.rows) == [1, 3, 4, 5]
    assert sheet.merged == [(3, 1, 4, 3)]
    # openpyxl writes formulas without their results: the cell says so instead of being empty.
    assert sheet.issues == {(1, 6): "单元格是公式（=1+1），但文件中没有保存公式的计算结果（多为程序生成的文件）；"
                                    "请在 Excel/WPS 中打开并保存一次，或把公式“选择性粘贴”为数值后再导入"}
    assert (sheet.max_row, sheet.max_column, sheet.value(5, 1), sheet.value(5, 9), sheet.value(99, 1)) == (
        5, 9, "下面", None, None)


def test_raw_xml_values(tmp_path: Path) -> None:
    """What openpyxl would not write: escapes, the Chinese built-in date formats, rich text with
    phonetic runs, cached formula results, error values, ISO dates, cells without positions."""
    cells = [
        ("raw", '<c r="{ref}" t="inlineStr"><is><t>红光路_x000D_12号_x005F_x0009_</t></is></c>'),
        ("raw", '<c r="{ref}" s="2"><v>45356</v></c>'),  # built-in 31: 2024年3月5日 (WPS)
        ("raw", '<c r="{ref}" s="3"><v>45356.5</v></c>'),  # a custom yyyy"年"m"月"d"日"
        ("raw", '<c r="{ref}" t="inlineStr"><is><r><t>张</t></r><r><t>三</t></r><rPh><t>ちょう</t></rPh></is></c>'),
        ("raw", '<c r="{ref}" t="str"><f>A1&amp;"店"</f><v>XX店</v></c>'),
        ("raw", '<c r="{ref}" t="e"><f>1/0</f><v>#DIV/0!</v></c>'),
        ("raw", '<c r="{ref}" t="d"><v>2024-03-05T00:00:00</v></c>'),
        ("raw", '<c r="{ref}" t="b"><v>0</v></c>'),
    ]
    path = write_xlsx(tmp_path / "raw.xlsx", [("表", sheet_xml([cells], extra_cells=(
        '<row r="3"><c t="inlineStr"><is><t>甲</t></is></c><c><v>2</v></c></row>')))])
    sheet = _read(path)
    assert sheet.rows[1] == ("红光路\r12号_x0009_", dt.datetime(2024, 3, 5), dt.datetime(2024, 3, 5, 12, 0), "张三",
                             "XX店", None, dt.datetime(2024, 3, 5), False)
    assert sheet.issues == {(1, 5): "单元格是错误值“#DIV/0!”（公式出错），请改正后再导入"}
    assert sheet.rows[3] == ("甲", 2)


def test_shared_strings_and_strict_namespaces(tmp_path: Path) -> None:
    strict = tmp_path / "strict.xlsx"
    write_xlsx(strict, [("表", sheet_xml([[("raw", '<c r="{ref}" t="s"><v>1</v></c>'),
                                            ("raw", '<c r="{ref}" t="s"><v>0</v></c>')]]))],
               strings=["乙_x000D_", "甲"])
    data = {}
    with zipfile.ZipFile(strict) as zf:
        for info in zf.infolist():
            data[info.filename] = zf.read(info.filename).replace(
                b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                b"http://purl.oclc.org/ooxml/spreadsheetml/main")
    with zipfile.ZipFile(strict, "w") as zf:
        for name, content in data.items():
            zf.writestr(name, content)
    assert _read(strict).rows[1] == ("甲", "乙\r")


def test_hidden_sheets_and_the_active_one(tmp_path: Path) -> None:
    wb = Workbook()
    wb.create_sheet("隐藏").sheet_state = "hidden"
    wb.create_sheet("很隐藏").sheet_state = "veryHidden"
    wb.active = 0
    wb.save(tmp_path / "h.xlsx")
    with open_workbook(tmp_path / "h.xlsx") as book:
        assert [(s.name, s.state, s.visible) for s in book.sheets] == [
            ("Sheet", "visible", True), ("隐藏", "hidden", False), ("很隐藏", "veryHidden", False)]
        assert (book.sheetnames, book.active) == (["Sheet", "隐藏", "很隐藏"], 0)


def test_progress_and_cancel_while_reading(tmp_path: Path) -> None:
    from anquan_desk.core.errors import OperationCancelled
    from anquan_desk.core.progress import Progress

    rows: list[list[object]] = [["单位名称", "地址"]]
    rows += [[f"店{i}", f"街{i}号" * 10] for i in range(20_000)]
    path = write_xlsx(tmp_path / "p.xlsx", [("名单", sheet_xml(rows))])
    progress = Progress()
    with open_workbook(path) as book:
        assert len(book.read_sheet(book.sheets[0], progress=progress).rows) == 20_001
    serial, state = progress.state()
    assert serial > 2 and state.text == "正在读取工作表“名单”…" and state.done == state.total > 0
    progress.cancel()
    with open_workbook(path) as book, pytest.raises(OperationCancelled):
        book.read_sheet(book.sheets[0], progress=progress)


# --- the streaming reader: limits ------------------------------------------------------------------


def _refused(path: Path, limits: Limits = PLACE_LIMITS) -> ImportFileError:
    with pytest.raises(ImportFileError) as info, open_workbook(path, limits) as book:
        for sheet in book.sheets:
            book.read_sheet(sheet)
    return info.value


SMALL = replace(PLACE_LIMITS, max_rows=5, max_sheet_rows=20, max_columns=4, max_cells=40, max_elements=400,
                max_row_elements=30, max_cell_chars=10, max_sheet_bytes=20_000, max_strings_bytes=2_000,
                max_total_bytes=100_000, max_entries=20, max_file_bytes=50_000, max_sheets=3)


def test_limits_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "大.xlsx"
    big.write_bytes(b"PK\x03\x04" + bytes(60_000))
    assert str(_refused(big, SMALL)).startswith("文件“大.xlsx”：文件有 0.1 MB，超过了场所清单的上限 0.0 MB。")
    err = _refused(build_many_entries(tmp_path / "多.xlsx"))
    assert err.reason.startswith("压缩包中有 20,006 个部件，正常的 Excel 工作簿只有几十个（上限 2,000）")
    err = _refused(build_shared_string_bomb(tmp_path / "炸弹.xlsx"))
    assert "其中“xl/sharedStrings.xml”一项解压后就有 1024 MB，放大了" in err.reason
    assert "压缩炸弹" in err.reason
    err = _refused(build_sheet_bomb(tmp_path / "表炸弹.xlsx"))
    assert err.sheet == "场所"
    assert err.reason.startswith("本工作表解压后有 200 MB（压缩时只有 0.2 MB），超过了场所清单的上限 64 MB，放大了")
    strings = write_xlsx(tmp_path / "字.xlsx", [("表", sheet_xml([["a"]]))], strings=["字" * 1000])
    assert _refused(strings, SMALL).reason.startswith("文字表（sharedStrings.xml）解压后有")
    sheets = write_xlsx(tmp_path / "多表.xlsx", [(f"表{i}", sheet_xml([["a"]])) for i in range(4)])
    assert _refused(sheets, SMALL).reason.startswith("工作簿中的工作表超过 3 个。")


def test_declared_dimension(tmp_path: Path) -> None:
    err = _refused(build_xfd1048576(tmp_path / "x.xlsx"))
    assert (err.file, err.sheet, err.row, err.column) == ("x.xlsx", "Sheet1", None, None)
    assert err.reason.startswith("工作表声明的数据范围是 XFD1048576（1,048,576 行 × 16,384 列），远远超过场所清单的上限"
                                 "（100,000 行、128 列），已拒绝读取。")


def test_limits_while_streaming(tmp_path: Path) -> None:
    def sheet(*rows: Sequence[object], **kw: str) -> Path:
        path: Path = write_xlsx(tmp_path / "s.xlsx", [("表", sheet_xml(list(rows), **kw))])
        return path

    err = _refused(sheet(*[["a"]] * 6), SMALL)
    assert (err.sheet, err.row, err.reason) == ("表", 6, "数据超过 5 行（读到第 6 行时停止）。" + SMALL.advice)
    err = _refused(sheet(["a", "b", "c", "d", "e"]), SMALL)
    assert (err.row, err.column) == (1, "E") and err.reason.startswith("这个单元格有内容，超出了场所清单的范围")
    err = _refused(sheet(["a"], extra_cells='<row r="21"><c r="A21" t="inlineStr"><is><t>x</t></is></c></row>'), SMALL)
    assert (err.row, err.column) == (21, "A")
    # Formatted empty cells beyond the extent are fine for a list, not for a template.
    formatted = sheet(["a"], extra_cells='<row r="21"><c r="A21" s="1"/></row>')
    assert _read(formatted, SMALL).rows == {1: ("a",)}
    err = _refused(formatted, replace(SMALL, every_cell_in_extent=True))
    assert (err.row, err.column) == (21, "A") and "只设置了格式的空单元格" in err.reason
    err = _refused(sheet(["一二三四五六七八九十零"]), SMALL)
    assert (err.row, err.column) == (1, "A") and err.reason.startswith("单元格中的文字有 11 个字符，超过了 Excel 单元格的上限")
    err = _refused(sheet(*[[("raw", '<c r="{ref}" s="1"/>')] * 4] * 11), SMALL)
    assert err.reason.startswith("单元格过多（所有工作表合计超过 40 个，包括只设置了格式的空单元格）")
    err = _refused(sheet(["a"], extra_cells='<row/>' * 31), SMALL)
    assert err.reason.startswith("行数异常多（超过 30 行")
    err = _refused(sheet(["a"], tail="<cols>" + '<col min="1" max="1"/>' * 400 + "</cols>"), SMALL)
    assert err.reason.startswith("内容过多（所有工作表合计超过 400 个 XML 元素）")
    merges = '<mergeCells>' + '<mergeCell ref="A1:D1048576"/>' * 3 + "</mergeCells>"
    err = _refused(sheet(*[["a", "b", "c", "d"]] * 5, tail=merges), SMALL)
    assert err.reason.startswith("合并单元格覆盖的范围过大（超过 40 个单元格）")
    # A merged area is clipped to the filled cells.
    assert _read(sheet(["a", "b"], ["c"], tail='<mergeCells><mergeCell ref="A1:A1048576"/></mergeCells>')).merged == [
        (1, 1, 2, 1)]


def test_long_shared_string_is_refused_at_its_cell(tmp_path: Path) -> None:
    path = build_long_shared_string(tmp_path / "长.xlsx")
    err = _refused(path)
    assert (err.sheet, err.row, err.column) == ("场所", 2, "D")
    assert err.reason == "单元格中的文字有 100,000 个字符，超过了 Excel 单元格的上限 32,767 个，不是 Excel/WPS 能保存的内容，已拒绝读取"


@pytest.mark.parametrize(
    ("build", "reason"),
    [
        (build_truncated, "文件不完整或已损坏（找不到压缩包的目录），可能没有下载或复制完整；请重新获取文件"),
        (build_bad_crc, "本工作表已损坏，无法解压（校验和不符）；文件可能没有下载或复制完整"),
        (build_doctype, "本工作表中含有 DTD 声明，正常的 Excel 文件没有，已拒绝读取"),
        (build_encrypted, None),
        (build_old_xls, "是旧版 Excel 97-2003 格式（.xls），请在 Excel/WPS 中“另存为”.xlsx 格式后再导入"),
    ],
)
def test_broken_and_hostile_packages(tmp_path: Path, build: object, reason: str | None) -> None:
    assert callable(build)
    err = _refused(build(tmp_path / "f.xlsx"))
    assert err.file == "f.xlsx"
    assert err.sheet == ("场所" if reason and reason.startswith("本工作表") else None)
    if reason is None:
        assert err.reason.startswith("文件设置了打开密码，无法读取。")
    else:
        assert err.reason == reason


def test_corrupt_xml_names_the_sheet(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "坏.xlsx", [("场所", "<worksheet><sheetData><row><c>")])
    err = _refused(path)
    assert err.sheet == "场所" and err.reason.startswith("本工作表已损坏，无法读取（XML 第 1 行：")


@pytest.mark.parametrize(
    ("files", "kind"),
    [
        ({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w/>"}, "Word 文档（.docx）"),
        ({"[Content_Types].xml": "<Types/>", "ppt/presentation.xml": "<p/>"}, "PowerPoint 演示文稿（.pptx）"),
        ({"mimetype": "application/vnd.oasis.opendocument.spreadsheet"}, "OpenDocument 文件"),
        ({"[Content_Types].xml": "<Types/>", "xl/workbook.bin": "x"}, "Excel 二进制工作簿（.xlsb）"),
    ],
)
def test_other_office_files(tmp_path: Path, files: dict[str, str], kind: str) -> None:
    path = tmp_path / "f.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    assert _refused(path).reason.startswith(f"不是 Excel 工作簿（.xlsx），而是{kind}")


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (b"%PDF-1.7\n", "PDF 文件"),
        (b"\x89PNG\r\n\x1a\n", "图片"),
        (b"<html><table><tr><td>1</td></tr></table></html>", "网页（HTML）格式的表格"),
        (b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"/>',
         "Excel 2003 XML 表格"),
        ("单位名称\t地址\n".encode("gb18030"), "CSV 或文本文件"),
        (bytes(range(256)), "无法识别的格式"),
    ],
)
def test_files_that_are_no_zip_say_what_they_are(tmp_path: Path, content: bytes, kind: str) -> None:
    path = tmp_path / "f.xlsx"
    path.write_bytes(content)
    assert _refused(path).reason.startswith(f"不是 Excel 工作簿（.xlsx），而是{kind}")


def test_a_folder_is_no_file(tmp_path: Path) -> None:
    assert _refused(tmp_path).reason == "这是一个文件夹，不是 Excel 文件"


# --- dates, text hazards, duplicate columns -------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "day", "note"),
    [
        ("2024-3-5", dt.date(2024, 3, 5), None),
        ("2024.03.05", dt.date(2024, 3, 5), None),
        ("2024年3月5号", dt.date(2024, 3, 5), None),
        ("二〇二四年三月五日", dt.date(2024, 3, 5), None),
        ("二零二四年十二月三十一日", dt.date(2024, 12, 31), None),
        ("二〇二四年十月二十日", dt.date(2024, 10, 20), None),
        ("2024-03-05T00:00:00", dt.date(2024, 3, 5), None),
        ("2024/3/5 14:30", dt.date(2024, 3, 5), "只保存日期，时间“14:30”未保存"),
        (dt.datetime(2024, 3, 5, 9, 15), dt.date(2024, 3, 5), "只保存日期，时间“09:15”未保存"),
        ("5/5/2024", dt.date(2024, 5, 5), None),
        ("25/3/2024", dt.date(2024, 3, 25), "按“日/月/年”的顺序理解为 2024-03-25，请核对"),
        ("3/25/2024", dt.date(2024, 3, 25), "按“月/日/年”的顺序理解为 2024-03-25，请核对"),
        (45356, dt.date(2024, 3, 5),
         "数字“45356”按 Excel 日期序号理解为 2024-03-05（单元格可能被设成了“常规”或“文本”格式），请核对"),
        ("45356", dt.date(2024, 3, 5),
         "数字“45356”按 Excel 日期序号理解为 2024-03-05（单元格可能被设成了“常规”或“文本”格式），请核对"),
        (45356.75, dt.date(2024, 3, 5), "数字“45356.75”按 Excel 日期序号理解为 2024-03-05（单元格可能被设成了“常规”"
                                        "或“文本”格式），请核对；小数部分（时间）未保存"),
    ],
)
def test_read_date(value: object, day: dt.date, note: str | None) -> None:
    assert read_date(value) == DateReading(day, note)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2024-02-30", "“2024-02-30”不是有效日期（2024年没有2月30日）"),
        ("二〇二四年二月三十日", "“二〇二四年二月三十日”不是有效日期（2024年没有2月30日）"),
        ("3/5/2024", "“3/5/2024”无法确定是2024年3月5日还是2024年5月3日，请写成 2024-03-05 或 2024年3月5日"),
        ("24.3.5", "“24.3.5”的年份只有两位，无法确定是哪一年，请写成四位年份（如 2024-03-05）"),
        ("2024.03", "“2024.03”缺少日，不是完整的日期（请写成 2024-03-05 或 2024年3月5日）"),
        (dt.time(8, 30), "“08:30”是时间，不是日期"),
        (0, "“0”不是日期"),
        (-5, "“-5”不是日期"),
    ],
)
def test_read_date_refuses(value: object, message: str) -> None:
    with pytest.raises(ValueError) as info:
        read_date(value)  # type: ignore[arg-type]
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("XX饭店", None),
        (12, None),
        ("第一行\n第二行", None),
        ("XX\x01饭店", ("error", "含有不可见的控制字符（U+0001，文件中写作 _x0001_），无法如实保存；请删除该字符"
                               "（常见于从网页或其他系统复制的文字）后重新导入")),
        ("XX\u202e店饭", ("error", "含有改变文字显示方向的隐藏字符（U+202E），显示出来的文字与实际内容不同，无法如实保存；"
                                  "请删除后重新导入")),
        ("a\u2066b", ("error", "含有改变文字显示方向的隐藏字符（U+2066），显示出来的文字与实际内容不同，无法如实保存；"
                               "请删除后重新导入")),
        ("红光路\r12号", ("warning", "含有回车符或制表符（文件中写作 _x000D_、_x0009_），已换成空格，请核对")),
        ("a\tb", ("warning", "含有回车符或制表符（文件中写作 _x000D_、_x0009_），已换成空格，请核对")),
    ],
)
def test_text_hazard(value: object, expected: tuple[str, str] | None) -> None:
    assert text_hazard(value) == expected  # type: ignore[arg-type]


def test_duplicate_columns() -> None:
    headers = ["序号", "单位名称", "联系电话", "地址", "单位名称", "负责人", "负责人电话", "电话号码（备用）", "经营范围"]
    mapping = guess_mapping(headers, PLACE_SYNONYMS)
    assert mapping.columns == {"name": 1, "phone": 2, "address": 3, "responsible_person": 5}
    # The second 单位名称, and 负责人电话 next to 联系电话, say the same as a mapped column; 经营范围 does not.
    assert duplicate_columns(headers, mapping.columns, PLACE_SYNONYMS) == {4: "name", 6: "phone", 7: "phone"}
    assert duplicate_columns(["单位名称", "地址"], {"name": 0, "address": 1}, PLACE_SYNONYMS) == {}
