from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from helpers.corpus.xlsx import build_shared_string_bomb, build_template, build_xfd1048576, edit_sheet
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from anquan_desk.io.ledger.errors import ExportCancelled, TemplateError
from anquan_desk.io.ledger.template_fill import TemplateMapping, detect_template, fill_template

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
YELLOW = "FFFFFF00"
# Their order and names: 序号, 被检查单位, 具体地点, 存在的问题或隐患, 整改措施, 整改时限, 整改责任人,
# 整改情况 (over 完成时间 | 复查人), 备注.
TOP = [
    "序号",
    "被检查单位",
    "具体地点",
    "存在的问题或隐患",
    "整改措施",
    "整改时限",
    "整改责任人",
    "整改情况",
    None,
    "备注",
]
FOOTER = "填报人：            审核人：            联系电话："


def build_district_template(path: Path, *, sample_rows: int = 2) -> Path:
    """A district-style template: two title rows, merged two-row header, fill colour, 填报人 footer."""
    wb = Workbook()
    ws = wb.active
    ws.title = "隐患整改台账"
    ws["A1"] = "XX区2026年安全隐患排查整治台账"
    ws["A1"].font = Font(name="方正小标宋简体", size=18)
    ws.merge_cells("A1:J1")
    ws["A2"] = "填报单位（盖章）：                      填报时间：    年  月  日"
    ws.merge_cells("A2:J2")
    fill = PatternFill("solid", fgColor=YELLOW)
    for c in range(1, 11):
        for r in (3, 4):
            cell = ws.cell(row=r, column=c)
            cell.border = BOX
            cell.fill = fill
            cell.font = Font(name="黑体", size=12, bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        if TOP[c - 1]:
            ws.cell(row=3, column=c, value=TOP[c - 1])
        if c not in (8, 9):
            ws.merge_cells(start_row=3, end_row=4, start_column=c, end_column=c)
    ws.merge_cells("H3:I3")
    ws["H4"] = "完成时间"
    ws["I4"] = "复查人"
    for r in range(5, 5 + sample_rows):
        for c in range(1, 11):
            cell = ws.cell(row=r, column=c)
            cell.border = BOX
            cell.font = Font(name="仿宋", size=12)
            cell.alignment = Alignment(vertical="center", wrap_text=True)
        ws.row_dimensions[r].height = 30
    footer_row = 5 + sample_rows
    ws.cell(row=footer_row, column=1, value=FOOTER)
    ws.merge_cells(start_row=footer_row, end_row=footer_row, start_column=1, end_column=10)
    ws.row_dimensions[footer_row].height = 40
    ws.column_dimensions["D"].width = 40
    ws.column_dimensions["B"].width = 22
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9
    ws.print_title_rows = "3:4"
    wb.save(path)
    return path


def our_rows(n: int) -> list[dict[str, object]]:
    return [
        {
            "place_name": f"红星饭店{i}",
            "address": f"人民路{i}号",
            "description": "液化石油气钢瓶未设置独立气瓶间",
            "measures": "设置独立气瓶间并安装报警装置",
            "deadline": dt.date(2026, 3, 10) + dt.timedelta(days=i),
            "rectify_person": "王老板",
            "rectified_on": "2026-03-09",
            "reviewer": "李安全",
            "remarks": None,
            "phone": "13812345678",  # no column for it in their template: not written
        }
        for i in range(n)
    ]


def test_detects_two_row_header_and_maps_their_columns(tmp_path: Path) -> None:
    mapping = detect_template(build_district_template(tmp_path / "t.xlsx"))
    assert mapping.sheet == "隐患整改台账"
    assert (mapping.header_first_row, mapping.header_last_row, mapping.data_first_row) == (3, 4, 5)
    assert mapping.headers[7:9] == ("整改情况/完成时间", "整改情况/复查人")
    assert mapping.columns == {
        "seq": 0,
        "place_name": 1,
        "address": 2,
        "description": 3,
        "measures": 4,
        "deadline": 5,
        "rectify_person": 6,
        "rectified_on": 7,
        "reviewer": 8,
        "remarks": 9,
    }


def test_mapping_round_trips_through_json_and_fingerprint_is_stable(tmp_path: Path) -> None:
    first = detect_template(build_district_template(tmp_path / "a.xlsx"))
    again = detect_template(build_district_template(tmp_path / "b.xlsx", sample_rows=5))
    assert first.fingerprint == again.fingerprint  # same header texts → same key
    restored = TemplateMapping.from_json(json.loads(json.dumps(first.to_json(), ensure_ascii=False)))
    assert restored == first
    corrected = first.with_columns({**first.columns, "remarks": 2})
    assert corrected.field_of(2) == "remarks" and corrected.fingerprint == first.fingerprint
    with pytest.raises(ValueError, match="格式不正确"):
        TemplateMapping.from_json({"sheet": "x"})


def test_fill_keeps_their_layout_and_moves_the_footer_down(tmp_path: Path) -> None:
    template = build_district_template(tmp_path / "t.xlsx", sample_rows=2)
    mapping = detect_template(template)
    out = tmp_path / "out.xlsx"
    result = fill_template(template, out, mapping, our_rows(5))
    assert (result.rows_written, result.first_row, result.last_row, result.footer_row) == (5, 5, 9, 10)

    ws = load_workbook(out)["隐患整改台账"]
    # Their title and header texts, merges and fill colours are unchanged.
    assert ws["A1"].value == "XX区2026年安全隐患排查整治台账"
    assert [ws.cell(row=3, column=c).value for c in range(1, 11)] == TOP
    assert (ws["H4"].value, ws["I4"].value) == ("完成时间", "复查人")
    merges = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:J1", "A2:J2", "A3:A4", "D3:D4", "H3:I3", "J3:J4", "A10:J10"} <= merges
    assert ws["D3"].fill.fgColor.rgb == YELLOW and ws["H4"].fill.fgColor.rgb == YELLOW
    # The footer now sits below the data, still merged, with its height.
    assert ws["A10"].value == FOOTER
    assert ws.row_dimensions[10].height == 40
    assert ws.max_row == 10
    # Their widths and print setup.
    assert ws.column_dimensions["D"].width == 40
    assert ws.page_setup.orientation == "landscape"
    assert ws.print_title_rows == "$3:$4"
    # Our data in their columns, styled like their first data row.
    for i in range(5):
        r = 5 + i
        assert [ws.cell(row=r, column=c).value for c in range(1, 11)] == [
            i + 1,
            f"红星饭店{i}",
            f"人民路{i}号",
            "液化石油气钢瓶未设置独立气瓶间",
            "设置独立气瓶间并安装报警装置",
            dt.datetime(2026, 3, 10 + i),
            "王老板",
            dt.datetime(2026, 3, 9),
            "李安全",
            None,
        ]
        assert ws.cell(row=r, column=6).is_date
        assert ws.cell(row=r, column=2).font.name == "仿宋"
        assert ws.cell(row=r, column=10).border.right.style == "thin"
        assert ws.row_dimensions[r].height == 30
    assert "13812345678" not in [c.value for row in ws.iter_rows() for c in row]


def test_fewer_rows_than_the_template_leaves_keep_the_footer_in_place(tmp_path: Path) -> None:
    template = build_district_template(tmp_path / "t.xlsx", sample_rows=4)
    out = tmp_path / "out.xlsx"
    result = fill_template(template, out, detect_template(template), our_rows(1))
    assert result.footer_row == 9
    ws = load_workbook(out).active
    assert ws["B5"].value == "红星饭店0"
    assert all(ws.cell(row=r, column=c).value is None for r in (6, 7, 8) for c in range(1, 11))
    assert ws["B8"].border.left.style == "thin"  # their empty ruled rows stay ruled
    assert ws["A9"].value == FOOTER and "A9:J9" in {str(r) for r in ws.merged_cells.ranges}


def test_template_without_sample_row_takes_header_borders(tmp_path: Path) -> None:
    template = build_district_template(tmp_path / "t.xlsx", sample_rows=0)
    out = tmp_path / "out.xlsx"
    fill_template(template, out, detect_template(template), our_rows(3))
    ws = load_workbook(out).active
    assert ws["A8"].value == FOOTER
    assert ws["D6"].value == "液化石油气钢瓶未设置独立气瓶间"
    assert ws["D6"].border.left.style == "thin"
    assert ws["D6"].font.b is not True  # header alignment and borders, not its bold font
    assert ws["D6"].fill.fgColor.rgb != YELLOW


def test_unreadable_template_names_file_sheet_and_row(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "说明"
    ws["A1"] = "本表用于年度总结"
    ws["B3"] = "随便写点什么"
    path = tmp_path / "乱七八糟.xlsx"
    wb.save(path)
    with pytest.raises(TemplateError) as caught:
        detect_template(path)
    message = str(caught.value)
    assert "乱七八糟.xlsx" in message and "说明" in message and "第 1 行" in message
    assert "无法识别表头" in message


def test_not_an_excel_file(tmp_path: Path) -> None:
    path = tmp_path / "模板.xlsx"
    path.write_text("not a workbook", encoding="utf-8")
    with pytest.raises(TemplateError, match=r"模板\.xlsx"):
        detect_template(path)


def test_changed_header_is_refused(tmp_path: Path) -> None:
    template = build_district_template(tmp_path / "t.xlsx")
    mapping = detect_template(template)
    wb = load_workbook(template)
    wb.active["D3"] = "隐患内容"
    wb.save(template)
    with pytest.raises(TemplateError, match="表头与保存的列对应关系不一致"):
        fill_template(template, tmp_path / "out.xlsx", mapping, our_rows(1))
    assert not (tmp_path / "out.xlsx").exists()


def test_cancel_leaves_no_file(tmp_path: Path) -> None:
    template = build_district_template(tmp_path / "t.xlsx")
    out = tmp_path / "out.xlsx"
    with pytest.raises(ExportCancelled):
        fill_template(template, out, detect_template(template), our_rows(250), cancel=lambda: True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.xlsx"]


def test_merged_cells_in_their_sample_row_do_not_block_the_data(tmp_path: Path) -> None:
    template = build_district_template(tmp_path / "t.xlsx", sample_rows=2)
    wb = load_workbook(template)
    wb.active.merge_cells("E5:F5")  # a sample row someone merged by hand
    wb.save(template)
    out = tmp_path / "out.xlsx"
    fill_template(template, out, detect_template(template), our_rows(3))
    ws = load_workbook(out).active
    assert ws["E5"].value == "设置独立气瓶间并安装报警装置"
    assert ws["F5"].value == dt.datetime(2026, 3, 10)
    assert "E5:F5" not in {str(r) for r in ws.merged_cells.ranges}


# --- templates are read within limits before openpyxl opens them in full ----------------------------


def test_hostile_templates_are_refused_naming_the_place(tmp_path: Path) -> None:
    far = tmp_path / "远.xlsx"
    build_xfd1048576(far)
    with pytest.raises(TemplateError) as caught:
        detect_template(far)
    assert caught.value.location.sheet == "Sheet1" and "XFD1048576" in caught.value.detail

    stray = edit_sheet(build_template, "</sheetData>", '<row r="60000"><c r="A60000" s="1"/></row></sheetData>')(
        tmp_path / "散.xlsx")
    with pytest.raises(TemplateError) as caught:
        detect_template(stray)
    where = caught.value.location
    assert (where.file, where.sheet, where.row, where.column) == ("散.xlsx", "隐患台账", 60000, "A")
    assert caught.value.detail.startswith("这个单元格（即使是只设置了格式的空单元格）超出了台账模板的范围（最多 20,000 行、100 列）")

    block = "".join(f'<row r="{r}">' + "".join(f'<c r="{c}{r}" s="1"/>' for c in ("A", "B", "C", "D", "E")) + "</row>"
                    for r in range(10, 9_000))
    crowded = tmp_path / "满.xlsx"
    edit_sheet(build_template, "</sheetData>", block + "</sheetData>")(crowded)
    wb = load_workbook(crowded)
    wb.copy_worksheet(wb.active)  # two sheets of 45,000 formatted cells each: 90,000 …
    wb.copy_worksheet(wb.active)  # … and 135,000 …
    wb.copy_worksheet(wb.active)  # … and 180,000 in all
    wb.save(crowded)
    with pytest.raises(TemplateError) as caught:
        detect_template(crowded)
    assert caught.value.detail.startswith("单元格过多（所有工作表合计超过 150,000 个，包括只设置了格式的空单元格）")
    assert caught.value.location.sheet == "隐患台账 Copy2"


def test_a_template_changed_into_a_bomb_after_detection_is_refused_when_filled(tmp_path: Path) -> None:
    template = build_district_template(tmp_path / "t.xlsx")
    mapping = detect_template(template)
    build_shared_string_bomb(template)
    with pytest.raises(TemplateError, match="压缩炸弹"):
        fill_template(template, tmp_path / "out.xlsx", mapping, our_rows(1))
    assert not (tmp_path / "out.xlsx").exists()


def test_formatted_empty_rows_within_the_limits_are_fine(tmp_path: Path) -> None:
    """500 formatted empty rows below the footer (as templates prepared for printing have)."""
    rows = "".join(f'<row r="{r}"><c r="A{r}" s="1"/><c r="B{r}" s="1"/></row>' for r in range(10, 510))
    template = edit_sheet(build_template, "</sheetData>", rows + "</sheetData>")(tmp_path / "格式.xlsx")
    out = tmp_path / "out.xlsx"
    result = fill_template(template, out, detect_template(template), our_rows(2))
    assert (result.first_row, result.last_row, result.footer_row) == (3, 4, 6)
    ws = load_workbook(out).active
    assert (ws["B3"].value, ws["B4"].value, ws["A6"].value) == ("红星饭店0", "红星饭店1", "填报人：        审核人：")
