"""GUI: the checklist library editor (real widgets, qtbot); every change goes through the service."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import desk_as, desk_for
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from anquan_desk.core.checklists import ChecklistLibrary
from anquan_desk.core.checklists.store import current_template, template_versions
from anquan_desk.core.clock import utcnow
from anquan_desk.core.db import Database
from anquan_desk.core.models import ChecklistTemplate, Inspection, InspectionTemplate, ItemResult, Place
from anquan_desk.core.vocabulary import InspectionStatus, UserRole
from anquan_desk.services import checklists
from anquan_desk.services.demo import DEMO_ADMIN
from anquan_desk.services.desk import Actor, Desk
from anquan_desk.ui import state
from anquan_desk.ui.checklist_editor import (
    CODE_ROLE,
    ITEM_CODE_ROLE,
    ChecklistEditor,
    ItemTableModel,
    TemplateTreeModel,
)
from anquan_desk.ui.operations import OperationRunner, WriteOp


def _finished_inspection_on(db: Database, code: str) -> tuple[str, list[tuple[str, str, str]]]:
    with db.session("inspector") as s:
        template = current_template(s, code)
        place = s.scalars(select(Place).where(Place.nine_small_kind == "小餐饮场所")).first()
        assert place is not None
        now = utcnow()
        insp = Inspection(place_id=place.id, started_at=now, ended_at=now, status=InspectionStatus.FINISHED.value)
        insp.templates.append(InspectionTemplate(template_id=template.id))
        for item in template.items:
            insp.results.append(ItemResult(item_id=item.id, outcome="不合格" if item.code.endswith("-05") else "合格"))
        s.add(insp)
        s.flush()
        return insp.id, [(it.code, it.content, it.hazard_text) for it in template.items]


def _inspection_texts(db: Database, inspection_id: str) -> list[tuple[str, str, str, int]]:
    with db.reader() as s:
        insp = s.get(Inspection, inspection_id)
        assert insp is not None
        items = sorted((r.item for r in insp.results), key=lambda it: it.seq)
        return [(it.code, it.content, it.hazard_text, it.template.version) for it in items]


def _editor(qtbot: QtBot, db: Database) -> ChecklistEditor:
    editor = ChecklistEditor(desk_for(db, "admin"))
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitExposed(editor)
    return editor


def _groups(editor: ChecklistEditor) -> dict[str, list[tuple[str, str]]]:
    """The tree as shown: sector row text → (code, version text) of its template rows."""
    model = editor.tree.model()
    groups = {}
    for i in range(model.rowCount()):
        group = model.index(i, 0)
        groups[group.data()] = [(model.index(j, 0, group).data(CODE_ROLE), model.index(j, 1, group).data())
                                for j in range(model.rowCount(group))]
    return groups


def _current_row_text(editor: ChecklistEditor, column: int) -> str:
    return str(editor.tree.currentIndex().siblingAtColumn(column).data())


def test_tree_groups_templates_by_sector_with_versions(qtbot: QtBot, demo_db: Database) -> None:
    editor = _editor(qtbot, demo_db)
    groups = _groups(editor)
    assert list(groups) == ["九小场所（10）", "消防（3）", "燃气（2）", "自建房（2）"]
    assert groups["燃气（2）"] == [("GAS-LPG", "第1版"), ("GAS-PIPE", "第1版")]
    assert editor.current_code == "NINE-COMMON" and editor.table.model().rowCount() == len(editor.template().items)  # type: ignore[union-attr]
    assert "第 1 版" in editor.info_label.text() and "内置检查表" in editor.info_label.text()


def test_editing_an_item_makes_a_new_version_and_keeps_the_finished_inspection(
    qtbot: QtBot, demo_db: Database
) -> None:
    inspection_id, old = _finished_inspection_on(demo_db, "GAS-LPG")
    before = _inspection_texts(demo_db, inspection_id)
    editor = _editor(qtbot, demo_db)
    editor.select_template("GAS-LPG")
    editor.select_item("GAS-LPG-05")
    assert "{lpg_max_kg}" in editor.edits["content"].toPlainText()  # the raw text is edited
    editor.edits["hazard_text"].setPlainText("钢瓶超量存放（本镇措辞）")  # Chinese arrives via the input method
    editor.deadline_spin.setValue(3)
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)

    assert editor.status_label.text() == "已保存，GAS-LPG 现为第 2 版"
    assert "第 2 版" in editor.info_label.text()
    assert "本版说明：修改条目 GAS-LPG-05（隐患描述（标准用语）、整改期限（天，0=立即））" in editor.info_label.text()
    assert editor.current_item == "GAS-LPG-05"
    assert _current_row_text(editor, 1) == "第2版"
    with demo_db.reader() as s:
        v1, v2 = template_versions(s, "GAS-LPG")
        assert (v1.is_current, v2.is_current) == (False, True)
        assert (v2.items[4].hazard_text, v2.items[4].deadline_days) == ("钢瓶超量存放（本镇措辞）", 3)
        assert [(it.code, it.content, it.hazard_text) for it in v1.items] == old
    # The finished inspection still shows the wording it used.
    assert _inspection_texts(demo_db, inspection_id) == before
    assert before[4][2] == old[4][2] != "钢瓶超量存放（本镇措辞）"
    # Saving again without a change writes nothing.
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert editor.status_label.text() == "内容没有变化，未生成新版本"
    # Reset to the built-in wording: version 3, equal to version 1 again.
    assert editor.reset_button.isEnabled() and "已改动" in editor.modified_label.text()
    qtbot.mouseClick(editor.reset_button, Qt.MouseButton.LeftButton)
    with demo_db.reader() as s:
        v3 = current_template(s, "GAS-LPG")
        assert v3.version == 3 and [(it.code, it.content, it.hazard_text) for it in v3.items] == old
    assert not editor.reset_button.isEnabled() and editor.modified_label.text() == ""


def test_bad_input_shows_a_message_and_changes_nothing(qtbot: QtBot, demo_db: Database) -> None:
    editor = _editor(qtbot, demo_db)
    editor.select_template("NINE-SHOP")
    editor.select_item("NINE-SHOP-02")
    editor.edits["content"].setPlainText("")
    with demo_db.reader() as s:
        count = s.scalar(select(func.count()).select_from(ChecklistTemplate))
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert "“检查内容”不能为空" in editor.status_label.text()
    with demo_db.reader() as s:
        assert s.scalar(select(func.count()).select_from(ChecklistTemplate)) == count


def test_add_item_disable_and_township_template(qtbot: QtBot, demo_db: Database) -> None:
    editor = _editor(qtbot, demo_db)
    editor.select_template("NINE-SHOP")
    qtbot.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)
    assert editor.new_mode and editor.save_button.text() == "保存新条目"
    editor.edits["content"].setPlainText("电动自行车不在店内停放、充电")
    editor.edits["hazard_text"].setPlainText("电动自行车在店内充电")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert editor.current_item == "NINE-SHOP-05" and editor.table.model().rowCount() == 5
    with demo_db.reader() as s:
        assert current_template(s, "NINE-SHOP").items[-1].content == "电动自行车不在店内停放、充电"

    editor.enabled_check.setChecked(False)
    with demo_db.reader() as s:
        assert current_template(s, "NINE-SHOP").enabled is False
    assert _current_row_text(editor, 0) == "【停用】小商店（小商场、市场）"

    editor.create_template("工贸企业安全检查表（本镇）", "工贸")
    assert editor.status_label.text() == "已新建检查表 ZD-01，请新增条目"
    assert editor.current_code == "ZD-01" and editor.new_mode
    editor.edits["content"].setPlainText("有限空间作业前检测、审批")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    with demo_db.reader() as s:
        row = current_template(s, "ZD-01")
        assert (row.version, row.sector, [it.code for it in row.items]) == (2, "工贸", ["ZD-01-01"])
    assert list(_groups(editor))[-1] == "工贸（1）"


def test_export_and_import_from_the_editor(qtbot: QtBot, demo_db: Database, tmp_path: Path) -> None:
    editor = _editor(qtbot, demo_db)
    editor.select_template("HOUSE-RES")
    path = editor.export_to(tmp_path / "house")
    assert path == tmp_path / "house.xlsx" and path.exists()
    assert editor.status_label.text() == f"已导出 HOUSE-RES 第 1 版到 {path}"
    wb = load_workbook(path)
    ws = wb.active
    assert ws is not None
    header_row = next(r for r in range(1, 20) if ws.cell(row=r, column=1).value == "编号")
    ws.cell(row=header_row + 1, column=3, value="入户查看（本镇）")
    wb.save(path)
    editor.import_from(path)
    assert editor.import_problems == []
    assert editor.status_label.text() == "已导入，HOUSE-RES 现为第 2 版"
    ws.cell(row=header_row + 2, column=2).value = None
    wb.save(path)
    editor.import_from(path)
    assert editor.import_problems and f"第 {header_row + 2} 行" in editor.import_problems[0]
    assert f"第 {header_row + 2} 行" in editor.status_label.text() and "检查内容" in editor.status_label.text()
    with demo_db.reader() as s:
        assert current_template(s, "HOUSE-RES").version == 2


def test_main_window_menu_opens_the_editor(qtbot: QtBot, demo_db: Database) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from anquan_desk.core.models import User
    from anquan_desk.ui.main_window import MainWindow

    with demo_db.reader() as s:
        admin = s.scalars(select(User).where(User.username == DEMO_ADMIN)).one()
    window = MainWindow(desk_as(demo_db, admin))
    qtbot.addWidget(window)
    seen: list[tuple[str, str, bool, int]] = []

    def close_editor() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, ChecklistEditor):
            seen.append((dialog.windowTitle(), dialog.desk.actor.username, dialog.read_only,
                         dialog.tree.model().rowCount()))
        if dialog is not None:
            dialog.reject()

    QTimer.singleShot(0, close_editor)
    window.checklist_action.trigger()
    assert seen == [("检查表库", DEMO_ADMIN, False, 4)]


def test_models_pass_the_modeltester(qtmodeltester: object, demo_db: Database, library: ChecklistLibrary) -> None:
    desk = desk_for(demo_db, DEMO_ADMIN)
    tree = TemplateTreeModel()
    tree.set_overview(checklists.checklist_overview(desk, library))
    qtmodeltester.check(tree)  # type: ignore[attr-defined]
    assert tree.sectors() == list(library.sectors)
    lpg = tree.index_of("GAS-LPG")
    assert lpg.isValid() and lpg.parent().data() == "燃气（2）"
    assert not tree.flags(lpg.parent()) & Qt.ItemFlag.ItemIsSelectable and tree.flags(lpg) & Qt.ItemFlag.ItemIsSelectable
    assert tree.template(lpg) is not None and tree.template(lpg.parent()) is None
    assert not tree.index_of("NOPE").isValid()

    items = ItemTableModel()
    items.set_items(checklists.checklist_detail(desk, "GAS-LPG", library).items)
    qtmodeltester.check(items)  # type: ignore[attr-defined]
    row = items.row_of("GAS-LPG-05")
    assert row is not None and items.index(row, ItemTableModel.COL_CODE).data(ITEM_CODE_ROLE) == "GAS-LPG-05"
    assert "100千克" in items.index(row, ItemTableModel.COL_CONTENT).data()
    assert items.index(row, ItemTableModel.COL_GRADE).data(Qt.ItemDataRole.ForegroundRole) is None  # 一般
    items.set_items(checklists.checklist_detail(desk, "HOUSE-RES", library).items)
    qtmodeltester.check(items)  # type: ignore[attr-defined]
    major = next(r for r in range(items.rowCount()) if items.item(r).shown.default_grade == "重大")
    assert items.index(major, ItemTableModel.COL_GRADE).data(Qt.ItemDataRole.ForegroundRole) is not None
    immediate = next(r for r in range(items.rowCount()) if items.item(r).shown.deadline_days == 0)
    assert items.index(immediate, ItemTableModel.COL_DEADLINE).data() == "立即整改"


def test_the_editor_refreshes_itself_when_others_change_the_library(qtbot: QtBot, demo_db: Database) -> None:
    editor = _editor(qtbot, demo_db)
    editor.select_template("NINE-SHOP")
    editor.select_item("NINE-SHOP-02")
    other = QWidget()  # another screen of the program
    qtbot.addWidget(other)
    desk = desk_for(demo_db, DEMO_ADMIN)
    WriteOp(other, lambda _p: checklists.enable_checklist(desk, "NINE-SHOP", False)).run()
    assert _current_row_text(editor, 0) == "【停用】小商店（小商场、市场）"
    assert not editor.enabled_check.isChecked() and editor.current_item == "NINE-SHOP-02"

    editor.hide()  # hidden: it only notes that it is out of date …
    WriteOp(other, lambda _p: checklists.edit_checklist_item(desk, "NINE-SHOP", "NINE-SHOP-02",
                                                             {"method": "查看库存台账"})).run()
    assert "第 1 版" in editor.info_label.text()
    editor.show()  # … and reads the library again when shown
    qtbot.waitExposed(editor)
    assert "第 2 版" in editor.info_label.text() and _current_row_text(editor, 1) == "第2版"
    assert editor.edits["method"].toPlainText() == "查看库存台账" and editor.current_item == "NINE-SHOP-02"


def test_read_only_editor_writes_nothing(qtbot: QtBot, demo_db: Database) -> None:
    editor = ChecklistEditor(Desk(demo_db, Actor(username="guest", name="访客", role=UserRole.VIEWER)))
    qtbot.addWidget(editor)
    assert editor.read_only and editor.template() is not None
    for button in (editor.save_button, editor.add_button, editor.remove_button, editor.reset_button,
                   editor.new_template_button, editor.import_button, editor.enabled_check):
        assert not button.isEnabled()
    assert editor.export_button.isEnabled()


def test_file_dialogs_start_in_the_last_folders(qtbot: QtBot, demo_db: Database, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    editor = _editor(qtbot, demo_db)
    editor.select_template("HOUSE-RES")
    out = tmp_path / "out"
    out.mkdir()
    asked: list[str] = []

    def save_name(_parent: object, _title: str, suggested: str, _filter: str) -> tuple[str, str]:
        asked.append(suggested)
        return str(out / "house.xlsx"), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save_name))
    editor.export_button.click()
    assert (out / "house.xlsx").exists() and state.load(state.LAST_FOLDER_EXPORT) == str(out)
    editor.export_button.click()
    assert Path(asked[1]).parent == out and Path(asked[1]).name.startswith("HOUSE-RES-")

    def open_name(_parent: object, _title: str, folder: str, _filter: str) -> tuple[str, str]:
        asked.append(folder)
        return str(out / "house.xlsx"), ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(open_name))
    editor.import_button.click()
    assert state.load(state.LAST_FOLDER_IMPORT) == str(out)
    assert editor.status_label.text() == "文件与 HOUSE-RES 第 1 版完全相同，未作改动"
    editor.import_button.click()
    assert asked[-1] == str(out)


def test_a_refused_import_lists_its_problems(qtbot: QtBot, demo_db: Database, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    editor = _editor(qtbot, demo_db)
    bad = tmp_path / "bad.xlsx"
    bad.write_text("不是工作簿", encoding="utf-8")
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda _p, title, text, *a: shown.append((title, text))))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *_a: (str(bad), "")))
    editor.import_button.click()
    assert shown == [("导入失败（没有作任何改动）", editor.import_problems[0])]
    assert "bad.xlsx" in editor.import_problems[0] and editor.status_label.text() == editor.import_problems[0]


@pytest.fixture
def threaded() -> Iterator[None]:
    OperationRunner.synchronous = False
    yield
    assert OperationRunner.instance().drain(10)
    OperationRunner.synchronous = True


def test_edits_on_the_worker_threads_end_on_the_edited_item(qtbot: QtBot, demo_db: Database,
                                                            threaded: None) -> None:
    editor = ChecklistEditor(desk_for(demo_db, DEMO_ADMIN))
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitUntil(lambda: editor.current_code == "NINE-COMMON" and editor.current_item is not None, timeout=10000)
    editor.select_template("GAS-LPG", "GAS-LPG-05")
    qtbot.waitUntil(lambda: editor.current_item == "GAS-LPG-05", timeout=10000)
    editor.edits["hazard_text"].setPlainText("钢瓶超量存放（本镇措辞）")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _current_row_text(editor, 1) == "第2版" and "第 2 版" in editor.info_label.text(),
                    timeout=10000)
    assert editor.status_label.text() == "已保存，GAS-LPG 现为第 2 版" and editor.current_item == "GAS-LPG-05"

    editor.create_template("工贸企业安全检查表（本镇）", "工贸")
    qtbot.waitUntil(lambda: editor.current_code == "ZD-01" and editor.new_mode, timeout=10000)
    assert editor.status_label.text() == "已新建检查表 ZD-01，请新增条目" and _current_row_text(editor, 1) == "第1版"
    editor.edits["content"].setPlainText("有限空间作业前检测、审批")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor.current_item == "ZD-01-01", timeout=10000)
    assert list(_groups(editor))[-1] == "工贸（1）" and _current_row_text(editor, 1) == "第2版"
