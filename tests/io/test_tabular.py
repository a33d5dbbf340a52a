"""Generic spreadsheet reading: opening, header detection, cell values, column mappings."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from anquan_desk.io.place_import import PLACE_SYNONYMS
from anquan_desk.io.tabular import (
    ColumnMapping,
    ImportFileError,
    cell_text,
    column_letter,
    find_header,
    guess_mapping,
    header_fingerprint,
    iter_tables,
    open_workbook,
    parse_date,
    parse_number,
    read_table,
)

DATA = Path(__file__).parent / "data"


def _sheet(rows: list[list[object]], merges: tuple[str, ...] = ()) -> Worksheet:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
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


def test_iter_tables_skips_hidden_sheets() -> None:
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
    found = [(ws.title, t is not None) for ws, t in iter_tables(wb, PLACE_SYNONYMS, file="x.xlsx")]
    assert found == [("场所", True), ("说明", False)]
    every = [ws.title for ws, _ in iter_tables(wb, PLACE_SYNONYMS, file="x.xlsx", include_hidden=True)]
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
        ("2024年3月", "“2024年3月”不是可识别的日期（请写成 2024-03-05 或 2024年3月5日）"),
        (12.5, "“12.5”不是日期"),
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
    wb.active.append(["单位名称"])  # type: ignore[union-attr]
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
    wb.active.append(["单位名称", "地址"])  # type: ignore[union-attr]
    wb.active.append(["XX饭店", "红光路12号"])  # type: ignore[union-attr]
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
    assert open_workbook(path).active["A2"].value == "XX饭店"  # type: ignore[index]


def test_password_protected_workbook() -> None:
    err = _open_error(DATA / "password_abc.xlsx")
    assert err.file == "password_abc.xlsx"
    assert err.reason.startswith("文件设置了打开密码")


def test_old_xls_workbook() -> None:
    err = _open_error(DATA / "old_format.xls")
    assert err.reason == "是旧版 Excel 97-2003 格式（.xls），请在 Excel/WPS 中“另存为”.xlsx 格式后再导入"


def test_error_message_names_every_location() -> None:
    err = ImportFileError("日期无效", file="/tmp/a/场所.xlsx", sheet="九小", row=7, column="K")
    assert str(err) == "文件“场所.xlsx”工作表“九小”第7行K列：日期无效"
