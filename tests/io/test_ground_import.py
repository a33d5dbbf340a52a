"""Reading a villages-and-grids list: the header below a title, merged village cells, 村委会 spellings,
numbered grids, and each problem named by sheet, row and column."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.township_setup import grid_list
from openpyxl import Workbook

from anquan_desk.io.ground_import import parse_ground_list, village_kind, village_name
from anquan_desk.io.tabular import ImportFileError


def test_reads_a_list_with_a_title_and_merged_villages(tmp_path: Path) -> None:
    path = grid_list(tmp_path / "网格.xlsx", [
        (1, "红光村民委员会", "红光一网格", None),
        (2, None, "红光二网格", None),
        (3, "城东社区居民委员会", 1, "社区"),
        (4, None, 2, None),
        (5, "白沙村", None, None),
    ])
    preview = parse_ground_list(path)
    assert preview.problems == []
    assert preview.villages() == [
        ("红光村", "村", ["红光一网格", "红光二网格"]),
        ("城东社区", "社区", ["第1网格", "第2网格"]),
        ("白沙村", "村", []),
    ]
    assert [(r.sheet, r.row) for r in preview.rows][:2] == [("网格", 4), ("网格", 5)]
    assert preview.summary() == "共 3 个村（社区）、4 个网格；错误 0 条，警告 0 条"


def test_row_errors_name_sheet_row_and_column(tmp_path: Path) -> None:
    path = grid_list(tmp_path / "网格.xlsx", [
        (1, "红光村", "红光一网格", None),
        (2, "", "无主网格", None),
        (3, "红光村", "红光一网格", None),
        (4, "长" * 101, "网格", None),
    ])
    preview = parse_ground_list(path)
    assert [str(p) for p in preview.problems] == [
        "【错误】文件“网格.xlsx”工作表“网格”第5行B列（所属村（社区））：网格“无主网格”没有填写所属村（社区）",
        "【警告】文件“网格.xlsx”工作表“网格”第6行C列（网格名称）：与第 4 行重复，已略去",
        "【错误】文件“网格.xlsx”工作表“网格”第7行B列（所属村（社区））：村（社区）名称太长（101 个字，最多 100 个）",
    ]
    assert preview.has_errors and preview.error_count == 2 and preview.warning_count == 1
    assert preview.villages() == [("红光村", "村", ["红光一网格"])]


def test_a_file_without_the_columns_is_refused(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["单位名称", "地址"])
    ws.append(["某饭店", "某路1号"])
    wb.save(tmp_path / "场所.xlsx")
    with pytest.raises(ImportFileError, match="没有找到村（社区）和网格的表头"):
        parse_ground_list(tmp_path / "场所.xlsx")
    (tmp_path / "空.xlsx").write_bytes(b"")
    with pytest.raises(ImportFileError, match="文件是空的"):
        parse_ground_list(tmp_path / "空.xlsx")


def test_names() -> None:
    assert village_name("红光村民委员会") == "红光村" and village_name("城东居委会") == "城东社区"
    assert village_name("村委会") == "村委会"  # nothing before the suffix: kept
    assert village_kind("城东社区") == "社区" and village_kind("红光村") == "村"
    assert village_kind("红光", "社区") == "社区" and village_kind("城东社区", "村") == "村"
