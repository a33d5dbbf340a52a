"""The kind of place list a district hands over, written as an xlsx for the import tests (io, core)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from openpyxl import Workbook

#: The header the lists share: one-row columns merged over rows 3–4, and 负责人信息 split in two.
HEADER = {"A": "序号", "B": "单位名称", "C": "统一社会信用代码", "D": "地址", "G": "所属村（社区）",
          "H": "网格", "I": "行业类别", "J": "风险等级", "K": "开业日期", "L": "备注"}


def district_list(path: Path, sheet: str, titles: Mapping[str, str], rows: Sequence[Sequence[object]]) -> Path:
    """Title lines (cell → text; A1 is merged across the table), the two-row merged header,
    ``rows`` from row 5 and a signature line merged across row 12."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet
    for cell, text in titles.items():
        ws[cell] = text
    ws.merge_cells("A1:L1")
    for col, text in HEADER.items():
        ws[f"{col}3"] = text
        ws.merge_cells(f"{col}3:{col}4")
    ws["E3"] = "负责人信息"
    ws.merge_cells("E3:F3")
    ws["E4"] = "姓名"
    ws["F4"] = "联系电话"
    for r, values in enumerate(rows, start=5):
        for c, value in enumerate(values, start=1):
            ws.cell(row=r, column=c, value=value)
    ws["A12"] = "填表人：王五      审核人：赵六"
    ws.merge_cells("A12:L12")
    wb.save(path)
    return path
