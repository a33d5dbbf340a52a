"""Checklist templates to Excel and back: exact round trip, messy sheets, refusals change nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import desk_for
from helpers.corpus.xlsx import (
    build_checklist,
    build_encrypted,
    build_million_rows,
    build_shared_string_bomb,
    build_xfd1048576,
)
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import func, select

from anquan_desk.core.checklists import ChecklistLibrary, load_library
from anquan_desk.core.checklists.store import (
    current_template,
    current_templates,
    raw_item,
    template_detail,
    template_versions,
)
from anquan_desk.core.db import Database
from anquan_desk.core.errors import OperationCancelled, UserInputError
from anquan_desk.core.models import AuditEntry, ChecklistItem, ChecklistTemplate, Setting
from anquan_desk.core.progress import Progress, ProgressState
from anquan_desk.io.checklist_xlsx import ChecklistImportError, export_checklist_xlsx, read_checklist_xlsx
from anquan_desk.services import checklists
from anquan_desk.services.checklists import (
    ExportedChecklist,
    import_checklist_xlsx,
    set_parameter_overrides,
    sync_builtin_library,
)

FIELDS = ("code", "seq", "content", "method", "hazard_text", "basis", "default_grade", "major_conditions",
          "requirement", "deadline_days")
HEADER = ["编号", "检查内容", "检查要点/方法", "隐患描述（标准用语）", "依据", "默认等级", "判定为重大的情形", "整改要求",
          "整改期限（天，0=立即）"]


@pytest.fixture(scope="module")
def library() -> ChecklistLibrary:
    return load_library()


@pytest.fixture
def synced(db: Database, library: ChecklistLibrary) -> Database:
    with db.session("test") as s:
        sync_builtin_library(s, library)
    return db


def _items(row: ChecklistTemplate) -> list[tuple[object, ...]]:
    return [tuple(getattr(it, f) for f in FIELDS) for it in row.items]


def _dump(db: Database) -> tuple[object, ...]:
    """Everything an import could change."""
    with db.reader() as s:
        templates = sorted((t.code, t.version, t.is_current, t.enabled, t.name) for t in s.scalars(
            select(ChecklistTemplate)))
        items = sorted((i.template_id, i.code, i.content, i.deadline_days) for i in s.scalars(select(ChecklistItem)))
        audit = s.scalar(select(func.count()).select_from(AuditEntry))
        settings = sorted((r.key, str(r.value)) for r in s.scalars(select(Setting)))
    return (tuple(templates), tuple(items), audit, tuple(settings))


def test_export_then_import_reproduces_every_builtin_template(
    synced: Database, library: ChecklistLibrary, tmp_path: Path
) -> None:
    with synced.reader() as s:
        originals = {t.code: (t.name, t.sector, t.nine_small_kind, t.version, _items(t)) for t in current_templates(s)}
    assert len(originals) == len(library.templates)
    for code, (name, sector, kind, version, items) in originals.items():
        with synced.reader() as s:
            path = export_checklist_xlsx(template_detail(current_template(s, code)), tmp_path / f"{code}.xlsx")
        parsed = read_checklist_xlsx(path)
        assert (parsed.code, parsed.name, parsed.sector, parsed.kind, parsed.version) == (
            code, name, sector, kind, version)
        assert [(it.code, it.content, it.method, it.hazard_text, it.basis, it.default_grade, it.major_conditions,
                 it.requirement, it.deadline_days) for it in parsed.items] == [i[:1] + i[2:] for i in items]
        with synced.session("test") as s:
            result = import_checklist_xlsx(s, path, library)
            assert not result.created and not result.changed  # identical: no new version
        with synced.reader() as s:
            row = current_template(s, code)
            assert (row.name, row.sector, row.nine_small_kind, row.version) == (name, sector, kind, version)
            assert _items(row) == items


def test_import_of_an_edited_sheet_makes_a_new_version_and_keeps_placeholders(
    synced: Database, library: ChecklistLibrary, tmp_path: Path
) -> None:
    with synced.reader() as s:
        path = export_checklist_xlsx(template_detail(current_template(s, "GAS-LPG")), tmp_path / "lpg.xlsx")
    wb = load_workbook(path)
    ws = wb.active
    assert ws is not None
    header_row = next(r for r in range(1, 20) if ws.cell(row=r, column=1).value == "编号")
    ws.cell(row=header_row + 2, column=4, value="未安装紧急切断装置（本镇措辞）")  # GAS-LPG-02 hazard text
    ws.cell(row=header_row + 2, column=9, value="7日内")
    last = ws.max_row + 1
    for col, value in enumerate(["", "钢瓶间张贴安全警示标识", "查看", "未张贴警示标识", "《城镇燃气管理条例》第二十八条",
                                 "一般", "", "张贴标识", 3], 1):
        ws.cell(row=last, column=col, value=value)
    wb.save(path)
    with synced.session("admin") as s:
        result = import_checklist_xlsx(s, path, library)
        assert result.changed and not result.created and result.template.version == 2
    with synced.reader() as s:
        v1, v2 = template_versions(s, "GAS-LPG")
        assert v2.items[1].hazard_text == "未安装紧急切断装置（本镇措辞）" and v2.items[1].deadline_days == 7
        assert v1.items[1].hazard_text != v2.items[1].hazard_text
        assert (v2.items[-1].code, v2.items[-1].content) == (f"GAS-LPG-{len(v1.items) + 1:02d}", "钢瓶间张贴安全警示标识")
        # An unchanged text still carries its placeholder, so a parameter change re-renders it.
        assert any("{lpg_max_kg}" in raw_item(v2, it.code).content for it in v2.items)
        assert v2.definition["edited"] is True and "lpg.xlsx" in v2.definition["change"]
    with synced.session("admin") as s:
        set_parameter_overrides(s, {"lpg_max_kg": 60}, library=library)
    with synced.reader() as s:
        assert "不超过60千克" in " ".join(it.content for it in current_template(s, "GAS-LPG").items)


def _sheet(tmp_path: Path, header: list[str], rows: list[list[object]], *, title_rows: int = 2,
           meta: dict[str, str] | None = None, name: str = "t.xlsx") -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "检查表"
    r = 1
    ws.cell(row=r, column=1, value="某某镇工贸企业安全检查表")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    r += 1
    for label, value in (meta or {}).items():
        ws.cell(row=r, column=1, value=label)
        ws.cell(row=r, column=2, value=value)
        r += 1
    r = max(r, title_rows + 1)
    for c, h in enumerate(header, 1):
        ws.cell(row=r, column=c, value=h)
    for row in rows:
        r += 1
        for c, v in enumerate(row, 1):
            ws.cell(row=r, column=c, value=v)
    path = tmp_path / name
    wb.save(path)
    return path


def test_new_township_template_from_a_messy_sheet(synced: Database, library: ChecklistLibrary, tmp_path: Path) -> None:
    # Columns in another order, synonyms, a 序号 column, a footer line, deadlines written as text.
    header = ["序号", "检查项目", "隐患等级", "存在问题", "整改措施", "整改时限", "检查依据"]
    rows: list[list[object]] = [
        [1, "有限空间作业前检测、审批", "重大隐患", "有限空间作业未经检测审批", "立即停止作业", "立即",
         "《工贸企业有限空间作业安全规定》第十四条"],
        [2, "除尘系统定期清理", "一般", "除尘系统积尘", "清理积尘", "7天", "《工贸企业粉尘防爆安全规定》第十五条"],
        ["注：本表由镇安监办制定", None, None, None, None, None, None],
    ]
    path = _sheet(tmp_path, header, rows, meta={"检查表名称：": "工贸企业安全检查表（本镇）", "行业领域": "工贸"})
    with synced.session("admin") as s:
        result = import_checklist_xlsx(s, path, library)
        assert result.created and result.template.code == "ZD-01" and result.template.sector == "工贸"
        got = [(it.code, it.content, it.default_grade, it.hazard_text, it.requirement, it.deadline_days, it.method)
               for it in result.template.items]
    assert got == [
        ("ZD-01-01", "有限空间作业前检测、审批", "重大", "有限空间作业未经检测审批", "立即停止作业", 0, ""),
        ("ZD-01-02", "除尘系统定期清理", "一般", "除尘系统积尘", "清理积尘", 7, ""),
    ]


def _refused(db: Database, path: Path, library: ChecklistLibrary) -> ChecklistImportError:
    before = _dump(db)
    with pytest.raises(ChecklistImportError) as info, db.session("admin") as s:
        import_checklist_xlsx(s, path, library)
    assert _dump(db) == before
    return info.value


def test_missing_required_column_is_refused(synced: Database, library: ChecklistLibrary, tmp_path: Path) -> None:
    header = [h for h in HEADER if h != "依据"]
    path = _sheet(tmp_path, header, [["", "内容", "方法", "隐患", "一般", "", "要求", 3]],
                  meta={"检查表名称": "某表", "行业领域": "消防"})
    err = _refused(synced, path, library)
    assert err.location.file == "t.xlsx" and err.location.sheet == "检查表" and err.location.row == 4
    assert err.location.column == "依据"
    assert str(err) == "文件“t.xlsx”，工作表“检查表”，第 4 行，“依据”列：表头缺少必需的列“依据”（第 4 行是表头）"


def test_row_errors_name_the_row_and_nothing_changes(
    synced: Database, library: ChecklistLibrary, tmp_path: Path
) -> None:
    with synced.reader() as s:
        path = export_checklist_xlsx(template_detail(current_template(s, "NINE-SHOP")), tmp_path / "shop.xlsx")
    wb = load_workbook(path)
    ws = wb.active
    assert ws is not None
    header_row = next(r for r in range(1, 20) if ws.cell(row=r, column=1).value == "编号")
    ws.cell(row=header_row + 1, column=1, value="NINE-SHOP-01")
    ws.cell(row=header_row + 2, column=2).value = None  # empty 检查内容
    ws.cell(row=header_row + 3, column=6, value="较大")  # bad grade
    ws.cell(row=header_row + 4, column=9, value="尽快")  # bad deadline
    ws.cell(row=header_row + 1, column=4, value="改动的文字（不应写入）")
    wb.save(path)
    err = _refused(synced, path, library)
    assert [(p.location.row, p.location.column) for p in err.problems] == [
        (header_row + 2, "检查内容"), (header_row + 3, "默认等级"), (header_row + 4, "整改期限（天，0=立即）")]
    assert str(err).startswith(f"文件“shop.xlsx”，工作表“NINE-SHOP”，第 {header_row + 2} 行，“检查内容”列：“检查内容”为空")
    assert str(err).endswith("（另有 2 处问题）")
    assert "默认等级“较大”无效" in str(err.problems[1]) and "整改期限“尽快”无效" in str(err.problems[2])
    with synced.reader() as s:
        assert current_template(s, "NINE-SHOP").version == 1


def test_bad_item_codes_and_unreadable_files(synced: Database, library: ChecklistLibrary, tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["GAS-LPG-01", "内容一", "", "隐患一", "《城镇燃气管理条例》", "一般", "", "要求", 0],
        ["GAS-LPG-01", "内容二", "", "隐患二", "《城镇燃气管理条例》", "一般", "", "要求", 0],
        ["FIRE-GEN-01", "内容三", "", "隐患三", "《城镇燃气管理条例》", "一般", "", "要求", 0],
    ]
    path = _sheet(tmp_path, HEADER, rows, meta={"模板编号": "GAS-LPG"})
    err = _refused(synced, path, library)
    assert [p.location.row for p in err.problems] == [5, 6]
    assert "与第 4 行重复" in str(err.problems[0]) and "应为“GAS-LPG-两位序号" in str(err.problems[1])

    text = tmp_path / "list.xlsx"
    text.write_text("编号,检查内容\n", encoding="utf-8")
    err = _refused(synced, text, library)
    assert err.location.file == "list.xlsx" and "不是 Excel 工作簿" in str(err)

    nothing = _sheet(tmp_path, ["姓名", "电话"], [["张三", "123"]], name="n.xlsx")
    assert "没有找到检查表的表头" in str(_refused(synced, nothing, library))

    sector_change = _sheet(tmp_path, HEADER, rows[:1], meta={"模板编号": "GAS-LPG", "行业领域": "消防"},
                           name="s.xlsx")
    assert "导入不能改变行业领域" in str(_refused(synced, sector_change, library))

    new_without_name = _sheet(tmp_path, HEADER, [["", "内容", "", "隐患", "《某法》", "一般", "", "要求", 1]],
                              name="nn.xlsx")
    assert "须在表头上方写明“检查表名称”" in str(_refused(synced, new_without_name, library))


def test_exported_sheet_looks_like_an_office_form(synced: Database, tmp_path: Path) -> None:
    with synced.reader() as s:
        row = current_template(s, "NINE-FOOD")
        path = export_checklist_xlsx(template_detail(row), tmp_path / "food.xlsx")
    ws = load_workbook(path).active
    assert ws is not None
    assert ws["A1"].value == row.name and ws["A1"].font.bold and "A1:I1" in {str(r) for r in ws.merged_cells.ranges}
    meta = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=2).value for r in range(2, 7)}
    assert meta == {"模板编号": "NINE-FOOD", "检查表名称": row.name, "行业领域": "九小场所", "九小场所类别": "小餐饮场所",
                    "版本": 1}
    header_row = next(r for r in range(1, 20) if ws.cell(row=r, column=1).value == "编号")
    assert [ws.cell(row=header_row, column=c).value for c in range(1, 10)] == [
        "编号", "检查内容", "检查要点/方法", "隐患描述（标准用语）", "依据", "默认等级", "判定为重大的情形", "整改要求",
        "整改期限（天，0=立即）"]
    assert ws.freeze_panes == f"A{header_row + 1}"
    assert ws.page_setup.orientation == "landscape"
    assert ws.cell(row=header_row + 1, column=2).alignment.wrap_text
    assert ws.max_row == header_row + len(row.items)


def test_file_entry_points_show_progress_cancel_and_change_nothing_when_refused(
    synced: Database, library: ChecklistLibrary, tmp_path: Path
) -> None:
    desk = desk_for(synced, "admin")
    n = len(library.template("GAS-LPG").items)
    progress = Progress()
    done = checklists.export_checklist_file(desk, "GAS-LPG", tmp_path / "lpg.xlsx", progress=progress)
    assert done == ExportedChecklist(path=tmp_path / "lpg.xlsx", code="GAS-LPG", name=library.template("GAS-LPG").name,
                                     version=1, items=n)
    assert progress.state()[1] == ProgressState(n + 1, n + 1, "正在导出 GAS-LPG…")
    stopped = Progress()
    stopped.cancel()
    with pytest.raises(OperationCancelled):
        checklists.export_checklist_file(desk, "GAS-LPG", tmp_path / "never.xlsx", progress=stopped)
    assert not (tmp_path / "never.xlsx").exists()
    (tmp_path / "folder.xlsx").mkdir()
    with pytest.raises(UserInputError, match=r"无法写入文件“.*folder\.xlsx”"):
        checklists.export_checklist_file(desk, "GAS-LPG", tmp_path / "folder.xlsx")

    wb = load_workbook(done.path)
    ws = wb.active
    assert ws is not None
    header_row = next(r for r in range(1, 20) if ws.cell(row=r, column=1).value == "编号")
    ws.cell(row=header_row + 1, column=3, value="查看（本镇）")
    wb.save(done.path)
    before = _dump(synced)
    with pytest.raises(OperationCancelled):
        checklists.import_checklist_file(desk, done.path, library=library, progress=stopped)
    assert _dump(synced) == before
    progress = Progress()
    change = checklists.import_checklist_file(desk, done.path, library=library, progress=progress)
    assert (change.code, change.version, change.items, change.changed, change.created) == ("GAS-LPG", 2, n, True, False)
    assert progress.state()[1] == ProgressState(2, 2, "正在保存检查表…")
    again = checklists.import_checklist_file(desk, done.path, library=library)
    assert (again.version, again.changed) == (2, False)

    ws.cell(row=header_row + 2, column=6, value="特大")
    wb.save(done.path)
    before = _dump(synced)
    with pytest.raises(ChecklistImportError) as info:
        checklists.import_checklist_file(desk, done.path, library=library)
    assert (info.value.location.file, info.value.location.row, info.value.location.column) == (
        "lpg.xlsx", header_row + 2, "默认等级")
    assert _dump(synced) == before


# --- hostile and odd files: refused within the limits, with the place named ---------------------


def _refusal(path: Path) -> ChecklistImportError:
    with pytest.raises(ChecklistImportError) as info:
        read_checklist_xlsx(path)
    return info.value


def test_hostile_files_are_refused_before_the_work(tmp_path: Path) -> None:
    bomb = _refusal(build_shared_string_bomb(tmp_path / "炸弹.xlsx"))
    assert bomb.location.file == "炸弹.xlsx" and "压缩炸弹" in bomb.detail
    assert "检查表的上限 128 MB" in bomb.detail
    far = _refusal(build_xfd1048576(tmp_path / "远.xlsx"))
    assert far.location.sheet == "Sheet1"
    assert far.detail.startswith("工作表声明的数据范围是 XFD1048576（1,048,576 行 × 16,384 列），远远超过检查表的上限")
    rows = _refusal(build_million_rows(tmp_path / "行.xlsx", dimension=False, rows=8192))
    assert (rows.location.sheet, rows.location.row) == ("Sheet1", 5001)
    assert rows.detail.startswith("数据超过 5,000 行（读到第 5,001 行时停止）。一张检查表只有几十到几百个条目")
    locked = _refusal(build_encrypted(tmp_path / "密码.xlsx"))
    assert locked.detail.startswith("文件设置了打开密码") and locked.location.file == "密码.xlsx"


def test_cells_that_cannot_be_stored_name_row_and_column(tmp_path: Path) -> None:
    def edit(ws: Worksheet) -> None:
        ws["B5"] = "气瓶\u202e间"
        ws["I6"] = "=3+4"
        ws["D7"] = "第一行\r\n第二行"

    err = _refusal(build_checklist(tmp_path / "坏.xlsx", cell=edit))
    assert [(p.location.row, p.location.column, p.detail[:30]) for p in err.problems] == [
        (5, "检查内容", "含有改变文字显示方向的隐藏字符（U+202E），显示出来的文"),
        (6, "整改期限（天，0=立即）", "单元格是公式（=3+4），但文件中没有保存公式的计算结果（多"),
    ]
    # A Windows line break is a line break.
    ok = read_checklist_xlsx(build_checklist(tmp_path / "好.xlsx", cell=lambda ws: ws.__setitem__("D7", "甲\r\n乙")))
    assert ok.items[2].hazard_text == "甲\n乙"


def test_a_header_without_items(tmp_path: Path) -> None:
    err = _refusal(build_checklist(tmp_path / "空.xlsx", items=0))
    assert str(err) == "文件“空.xlsx”，工作表“检查表”，第 4 行：表头下面没有任何检查条目（只有表头，没有数据行）"
