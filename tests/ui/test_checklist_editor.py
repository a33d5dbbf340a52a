"""GUI: the checklist library editor (real widgets, qtbot); every change goes through the service."""

from __future__ import annotations

from pathlib import Path

from helpers import desk_as, desk_for
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from anquan_desk.core.checklists.store import current_template, template_versions
from anquan_desk.core.clock import utcnow
from anquan_desk.core.db import Database
from anquan_desk.core.models import ChecklistTemplate, Inspection, InspectionTemplate, ItemResult, Place
from anquan_desk.core.vocabulary import InspectionStatus
from anquan_desk.ui.checklist_editor import CODE_ROLE, ChecklistEditor


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


def test_tree_groups_templates_by_sector_with_versions(qtbot: QtBot, demo_db: Database) -> None:
    editor = _editor(qtbot, demo_db)
    groups = {}
    for i in range(editor.tree.topLevelItemCount()):
        group = editor.tree.topLevelItem(i)
        groups[group.text(0)] = [(group.child(j).data(0, CODE_ROLE), group.child(j).text(1))
                                 for j in range(group.childCount())]
    assert list(groups) == ["九小场所（10）", "消防（3）", "燃气（2）", "自建房（2）"]
    assert groups["燃气（2）"] == [("GAS-LPG", "第1版"), ("GAS-PIPE", "第1版")]
    assert editor.current_code == "NINE-COMMON" and editor.table.rowCount() == len(editor.template().items)  # type: ignore[union-attr]
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
    assert editor.tree.currentItem().text(1) == "第2版"
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
    assert editor.current_item == "NINE-SHOP-05" and editor.table.rowCount() == 5
    with demo_db.reader() as s:
        assert current_template(s, "NINE-SHOP").items[-1].content == "电动自行车不在店内停放、充电"

    editor.enabled_check.setChecked(False)
    with demo_db.reader() as s:
        assert current_template(s, "NINE-SHOP").enabled is False
    assert editor.tree.currentItem().text(0) == "【停用】小商店（小商场、市场）"

    code = editor.create_template("工贸企业安全检查表（本镇）", "工贸")
    assert code == "ZD-01" and editor.current_code == "ZD-01" and editor.new_mode
    editor.edits["content"].setPlainText("有限空间作业前检测、审批")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    with demo_db.reader() as s:
        row = current_template(s, "ZD-01")
        assert (row.version, row.sector, [it.code for it in row.items]) == (2, "工贸", ["ZD-01-01"])
    sectors = [editor.tree.topLevelItem(i).text(0) for i in range(editor.tree.topLevelItemCount())]
    assert sectors[-1] == "工贸（1）"


def test_export_and_import_from_the_editor(qtbot: QtBot, demo_db: Database, tmp_path: Path) -> None:
    editor = _editor(qtbot, demo_db)
    editor.select_template("HOUSE-RES")
    path = editor.export_to(tmp_path / "house")
    assert path == tmp_path / "house.xlsx" and path.exists()
    wb = load_workbook(path)
    ws = wb.active
    assert ws is not None
    header_row = next(r for r in range(1, 20) if ws.cell(row=r, column=1).value == "编号")
    ws.cell(row=header_row + 1, column=3, value="入户查看（本镇）")
    wb.save(path)
    assert editor.import_from(path)
    assert editor.status_label.text() == "已导入，HOUSE-RES 现为第 2 版"
    ws.cell(row=header_row + 2, column=2).value = None
    wb.save(path)
    assert not editor.import_from(path)
    assert f"第 {header_row + 2} 行" in editor.status_label.text() and "检查内容" in editor.status_label.text()
    with demo_db.reader() as s:
        assert current_template(s, "HOUSE-RES").version == 2


def test_main_window_menu_opens_the_editor(qtbot: QtBot, demo_db: Database) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from anquan_desk.core.models import User
    from anquan_desk.ui.main_window import MainWindow

    with demo_db.reader() as s:
        admin = s.scalars(select(User).where(User.username == "admin")).one()
    window = MainWindow(desk_as(demo_db, admin))
    qtbot.addWidget(window)
    seen: list[tuple[str, str, bool, int]] = []

    def close_editor() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, ChecklistEditor):
            seen.append((dialog.windowTitle(), dialog.actor, dialog.read_only, dialog.tree.topLevelItemCount()))
        if dialog is not None:
            dialog.reject()

    QTimer.singleShot(0, close_editor)
    window.checklist_action.trigger()
    assert seen == [("检查表库", "admin", False, 4)]
