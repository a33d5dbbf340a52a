from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from ledger_samples import expected_cell, sample_rows
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from anquan_desk.io.ledger.columns import (
    HAZARD_COLUMNS,
    LEDGER_KINDS,
    MAJOR_COLUMNS,
    PHOTO_COLUMN,
    PLACE_COLUMNS,
    STATS_BY_GRID_COLUMNS,
    Column,
    statistics_totals,
)
from anquan_desk.io.ledger.errors import ExportCancelled
from anquan_desk.io.ledger.writer import excel_width, write_ledger

MADE_ON = dt.date(2026, 11, 23)


def _write(path: Path, columns: Sequence[Column], rows: object, **kw: object):  # type: ignore[no-untyped-def]
    return write_ledger(
        path,
        title=kw.pop("title", "城关镇隐患排查治理台账"),  # type: ignore[arg-type]
        unit="城关镇人民政府",
        made_by="李安全",
        made_on=MADE_ON,
        columns=columns,
        rows=rows,  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


def _texts(ws: Worksheet) -> list[str]:
    return [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]


@pytest.mark.parametrize("kind", sorted(LEDGER_KINDS))
def test_each_ledger_kind_reads_back_as_an_office_ledger(tmp_path: Path, kind: str) -> None:
    suffix, columns = LEDGER_KINDS[kind]
    rows = sample_rows(columns, 4)
    path = tmp_path / f"{kind}.xlsx"
    result = _write(path, columns, rows, title=f"城关镇{suffix}")
    assert result.rows_written == 4
    ws = load_workbook(path).active
    last = get_column_letter(len(columns))

    # Title: merged across the table, 黑体 16 bold.
    assert ws["A1"].value == f"城关镇{suffix}"
    assert f"A1:{last}1" in {str(r) for r in ws.merged_cells.ranges}
    assert (ws["A1"].font.name, ws["A1"].font.sz, ws["A1"].font.b) == ("黑体", 16, True)
    # 填报单位 / 制表人 / 填报日期 line.
    info = [c.value for c in ws[2] if c.value]
    assert info == ["填报单位：城关镇人民政府", "制表人：李安全", "填报日期：2026年11月23日"]

    # Header: one row, or two when columns are grouped; bold, filled, frozen below.
    first_header, last_header = result.header_rows
    assert first_header == 3
    assert last_header == (4 if any(c.group for c in columns) else 3)
    for i, column in enumerate(columns, start=1):
        cell = ws.cell(row=last_header if column.group else first_header, column=i)
        assert cell.value == column.header
        assert cell.font.b is True
        assert cell.fill.fgColor.rgb == "FFD9E1F2"
    assert ws.freeze_panes == f"A{last_header + 1}"

    # Data, cell by cell; dates are real dates with a date format; 宋体 11 with thin borders.
    for r, row in enumerate(rows, start=last_header + 1):
        for i, column in enumerate(columns, start=1):
            cell = ws.cell(row=r, column=i)
            assert cell.value == expected_cell(column, row[column.key]), (r, column.key)
            assert (cell.font.name, cell.font.sz) == ("宋体", 11)
            assert cell.border.left.style == "thin"
            if column.kind == "date":
                assert cell.is_date and cell.number_format == "yyyy-mm-dd"
    assert ws.max_row == last_header + len(rows)

    # Print: A4 landscape, one page wide, header repeated, page numbers in the footer.
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9
    assert ws.page_setup.fitToWidth in (None, 1)  # absent means 1 (ECMA-376 default)
    assert int(ws.page_setup.fitToHeight) == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws.print_title_rows == f"$3:${last_header}"
    assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"


def test_widths_in_chinese_characters_and_auto(tmp_path: Path) -> None:
    columns = (Column("name", "名称", width=10), Column("note", "说明", width=None))
    path = tmp_path / "w.xlsx"
    _write(path, columns, [{"name": "甲", "note": "一二三四五六七八"}, {"name": "乙", "note": "短"}])
    ws = load_workbook(path).active
    # XlsxWriter stores widths with Excel's cell padding added (< 1 character).
    assert ws.column_dimensions["A"].width == pytest.approx(excel_width(10), abs=1)
    # Fits the longest text of the first rows (8 汉字) plus a little padding.
    assert ws.column_dimensions["B"].width == pytest.approx(excel_width(8.5), abs=1)


def test_grouped_header_merges(tmp_path: Path) -> None:
    path = tmp_path / "major.xlsx"
    _write(path, MAJOR_COLUMNS, sample_rows(MAJOR_COLUMNS, 2))
    ws = load_workbook(path).active
    merges = {str(r) for r in ws.merged_cells.ranges}
    group = [i for i, c in enumerate(MAJOR_COLUMNS, start=1) if c.group == "五落实"]
    group_range = f"{get_column_letter(group[0])}3:{get_column_letter(group[-1])}3"
    assert group_range in merges
    assert ws[group_range.split(":")[0]].value == "五落实"
    for i, column in enumerate(MAJOR_COLUMNS, start=1):
        if column.group is None:
            letter = get_column_letter(i)
            assert f"{letter}3:{letter}4" in merges
            assert ws[f"{letter}3"].value == column.header


def test_sequence_rows_equal_mapping_rows(tmp_path: Path) -> None:
    rows = sample_rows(HAZARD_COLUMNS, 3)
    as_lists = [[row[c.key] for c in HAZARD_COLUMNS] for row in rows]
    _write(tmp_path / "a.xlsx", HAZARD_COLUMNS, rows)
    _write(tmp_path / "b.xlsx", HAZARD_COLUMNS, as_lists)
    a = [[c.value for c in r] for r in load_workbook(tmp_path / "a.xlsx").active.iter_rows()]
    b = [[c.value for c in r] for r in load_workbook(tmp_path / "b.xlsx").active.iter_rows()]
    assert a == b


def test_values_are_typed_and_text_is_never_a_formula(tmp_path: Path) -> None:
    columns = (
        Column("d", "日期", "date"),
        Column("n", "数", "int"),
        Column("p", "率", "percent"),
        Column("t", "文字"),
    )
    rows = [
        {"d": "2026-03-05", "n": "7", "p": 0.5, "t": "=HYPERLINK(1)"},
        {"d": "待定", "n": None, "p": None, "t": 12},
    ]
    path = tmp_path / "v.xlsx"
    _write(path, columns, rows)
    ws = load_workbook(path).active
    assert ws["A4"].value == dt.datetime(2026, 3, 5) and ws["A4"].is_date
    assert ws["B4"].value == 7
    assert ws["C4"].value == 0.5 and ws["C4"].number_format == "0.0%"
    assert ws["D4"].value == "=HYPERLINK(1)" and ws["D4"].data_type == "s"
    assert ws["A5"].value == "待定"  # not a date: kept as the text it was
    assert ws["B5"].value is None and ws["B5"].border.left.style == "thin"
    assert ws["D5"].value == "12"


def test_deidentified_variant_has_no_personal_columns_or_phone_numbers(tmp_path: Path) -> None:
    rows = sample_rows(HAZARD_COLUMNS, 5)
    rows[0]["description"] = "店主电话13912345678，已告知"
    rows[1]["remarks"] = "联系人手机 15000001111"
    path = tmp_path / "d.xlsx"
    result = _write(path, HAZARD_COLUMNS, rows, deidentified=True)
    ws = load_workbook(path).active
    headers = [c.value for c in ws[3]]
    assert headers == [c.header for c in result.columns]
    for personal in ("负责人", "联系电话", "检查人员", "整改责任人", "复查人"):
        assert personal not in headers
    everything = "\n".join(_texts(ws))
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", everything)
    assert "店主电话139****5678，已告知" in everything
    assert "单位名称-4" in everything  # non-personal data is still there


def test_deidentified_sequence_rows_keep_their_columns(tmp_path: Path) -> None:
    rows = sample_rows(PLACE_COLUMNS, 2)
    rows[0]["credit_code"] = "92330100MA2ABCDE1X"
    lists = [[row[c.key] for c in PLACE_COLUMNS] for row in rows]
    path = tmp_path / "p.xlsx"
    result = _write(path, PLACE_COLUMNS, lists, deidentified=True)
    ws = load_workbook(path).active
    keys = [c.key for c in result.columns]
    assert ws.cell(row=4, column=keys.index("place_name") + 1).value == "单位名称-0"
    assert ws.cell(row=4, column=keys.index("credit_code") + 1).value == "923301********DE1X"
    assert ws.cell(row=5, column=keys.index("last_inspected_on") + 1).value == dt.datetime(2026, 3, 2)


def test_totals_row(tmp_path: Path) -> None:
    rows = sample_rows(STATS_BY_GRID_COLUMNS, 3)
    for row in rows:
        row["hazards_total"] = 4
        row["rectified"] = 3
    totals = statistics_totals(rows)
    path = tmp_path / "s.xlsx"
    _write(path, STATS_BY_GRID_COLUMNS, rows, totals=totals)
    ws = load_workbook(path).active
    last = ws.max_row
    assert last == 4 + 1 + 3  # title, info, two header rows, three rows, totals
    assert ws.cell(row=last, column=1).value == "合计"
    assert ws.cell(row=last, column=1).font.b is True
    keys = [c.key for c in STATS_BY_GRID_COLUMNS]
    assert ws.cell(row=last, column=keys.index("hazards_total") + 1).value == 12
    assert ws.cell(row=last, column=keys.index("rectification_rate") + 1).value == pytest.approx(0.75)


def test_progress_reports_counts(tmp_path: Path) -> None:
    seen: list[int] = []
    result = _write(
        tmp_path / "p.xlsx", HAZARD_COLUMNS, sample_rows(HAZARD_COLUMNS, 250), progress=seen.append
    )
    assert result.rows_written == 250
    assert seen == sorted(seen) and seen[-1] == 250 and 100 in seen


def test_cancel_removes_the_partial_file_and_keeps_the_old_one(tmp_path: Path) -> None:
    path = tmp_path / "台账.xlsx"
    path.write_bytes(b"old ledger")
    done: list[int] = []

    def rows() -> Iterator[dict[str, object]]:
        for i, row in enumerate(sample_rows(HAZARD_COLUMNS, 1000)):
            done.append(i)
            yield row

    with pytest.raises(ExportCancelled) as caught:
        _write(path, HAZARD_COLUMNS, rows(), cancel=lambda: len(done) > 300)
    assert caught.value.rows_written >= 300
    assert "已取消导出" in str(caught.value)
    assert len(done) < 1000  # it stopped early
    assert path.read_bytes() == b"old ledger"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["台账.xlsx"]


def test_cancel_with_no_previous_file_leaves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "new.xlsx"
    with pytest.raises(ExportCancelled):
        _write(path, HAZARD_COLUMNS, sample_rows(HAZARD_COLUMNS, 150), cancel=lambda: True)
    assert list(tmp_path.iterdir()) == []


def test_photo_column_embeds_a_thumbnail(tmp_path: Path) -> None:
    from PIL import Image

    photo = tmp_path / "现场.png"
    Image.new("RGB", (1600, 1200), (200, 30, 30)).save(photo)
    broken = tmp_path / "坏.jpg"
    broken.write_bytes(b"not an image")
    columns = (*HAZARD_COLUMNS[:3], PHOTO_COLUMN)
    rows = sample_rows(columns, 3)
    rows[0]["photos"] = [photo, photo]
    rows[1]["photos"] = str(broken)
    rows[2]["photos"] = None
    path = tmp_path / "photos.xlsx"
    _write(path, columns, rows)
    ws = load_workbook(path).active
    images = ws._images
    assert len(images) == 1
    anchor = images[0].anchor._from
    assert (anchor.row, anchor.col) == (3, 3)  # 0-based: row 4, column D
    assert max(images[0].width, images[0].height) <= 140  # a thumbnail, not the 1600 px original
    assert ws["D4"].value == "共2张"
    assert ws["D5"].value == "照片无法读取：坏.jpg"
    assert ws.row_dimensions[4].height >= 72
    # Photos may show people: the 脱敏 variant drops them.
    result = _write(tmp_path / "d.xlsx", columns, rows, deidentified=True)
    assert "photos" not in [c.key for c in result.columns]
    assert load_workbook(tmp_path / "d.xlsx").active._images == []


def test_a_failing_row_source_leaves_no_half_written_ledger(tmp_path: Path) -> None:
    path = tmp_path / "台账.xlsx"

    def rows() -> Iterator[dict[str, object]]:
        yield from sample_rows(HAZARD_COLUMNS, 250)
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError, match="database went away"):
        _write(path, HAZARD_COLUMNS, rows())
    assert list(tmp_path.iterdir()) == []
