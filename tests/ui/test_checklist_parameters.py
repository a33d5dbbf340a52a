"""GUI: 本地参数 — the township's values for checklist parameters (real widgets, qtbot)."""

from __future__ import annotations

from helpers import desk_for
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QWidget
from pytestqt.qtbot import QtBot

from anquan_desk.core.checklists.store import current_template, parameter_overrides, template_versions
from anquan_desk.core.db import Database
from anquan_desk.services import checklists
from anquan_desk.services.demo import DEMO_ADMIN
from anquan_desk.ui.checklist_editor import ChecklistEditor
from anquan_desk.ui.checklist_parameters import (
    COL_BUILTIN,
    COL_DESCRIPTION,
    COL_UNIT,
    COL_VALUE,
    ParametersDialog,
)
from anquan_desk.ui.operations import WriteOp

CONTENT_COLUMN = 1  # "检查内容" in the editor's item table


def _versions(db: Database, code: str) -> list[int]:
    with db.reader() as s:
        return [t.version for t in template_versions(s, code)]


def _item_content(db: Database, code: str, item_code: str) -> str:
    with db.reader() as s:
        return next(it.content for it in current_template(s, code).items if it.code == item_code)


def test_township_value_rerenders_the_template_as_a_new_version(qtbot: QtBot, demo_db: Database) -> None:
    editor = ChecklistEditor(desk_for(demo_db, DEMO_ADMIN))
    qtbot.addWidget(editor)
    editor.show()  # the parameters button is on the open editor, which refreshes itself when they change
    qtbot.waitExposed(editor)
    editor.select_template("GAS-LPG")
    editor.select_item("GAS-LPG-05")
    before = _versions(demo_db, "GAS-LPG")
    assert "不超过100千克" in _item_content(demo_db, "GAS-LPG", "GAS-LPG-05")

    seen: list[tuple[str, str, str, str]] = []

    def change_and_save() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ParametersDialog):
            if dialog is not None:
                dialog.close()
            return
        row = dialog.row_of("lpg_max_kg")
        seen.append((dialog.windowTitle(), dialog.table.item(row, COL_DESCRIPTION).text(),
                     dialog.table.item(row, COL_UNIT).text(), dialog.table.item(row, COL_BUILTIN).text()))
        dialog.set_value("lpg_max_kg", "80")
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
        if dialog.isVisible():  # refused: never leave the test hanging in exec()
            seen.append(("error", dialog.error_label.text(), "", ""))
            dialog.reject()

    QTimer.singleShot(0, change_and_save)
    qtbot.mouseClick(editor.parameters_button, Qt.MouseButton.LeftButton)
    assert seen == [("本地参数", "用气场所内液化石油气（使用+备用）存放总量上限", "千克", "100")]

    with demo_db.reader() as s:
        assert parameter_overrides(s) == {"lpg_max_kg": 80}
    assert _versions(demo_db, "GAS-LPG") == [*before, before[-1] + 1]
    content = _item_content(demo_db, "GAS-LPG", "GAS-LPG-05")
    assert "不超过80千克" in content and "100千克" not in content
    # the editor shows the new version and the new text
    items = editor.table.model()
    row = next(r for r in range(items.rowCount()) if items.index(r, 0).data() == "GAS-LPG-05")
    assert "不超过80千克" in items.index(row, CONTENT_COLUMN).data()
    assert f"第 {before[-1] + 1} 版" in editor.info_label.text()
    assert "本乡镇参数调整" in editor.info_label.text()
    assert "本地参数已保存" in editor.status_label.text()

    # reopening shows the stored township value; emptying it goes back to the built-in text
    dialog = ParametersDialog(desk_for(demo_db, DEMO_ADMIN))
    qtbot.addWidget(dialog)
    assert dialog.table.item(dialog.row_of("lpg_max_kg"), 4).text() == "80"
    dialog.set_value("lpg_max_kg", "")
    dialog.save()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert ("GAS-LPG", before[-1] + 2) in dialog.new_versions
    assert "不超过100千克" in _item_content(demo_db, "GAS-LPG", "GAS-LPG-05")


def test_invalid_values_are_refused_and_change_nothing(qtbot: QtBot, demo_db: Database) -> None:
    dialog = ParametersDialog(desk_for(demo_db, DEMO_ADMIN))
    qtbot.addWidget(dialog)
    dialog.show()
    with demo_db.reader() as s:
        overrides = parameter_overrides(s)
    before = _versions(demo_db, "GAS-LPG")
    content = _item_content(demo_db, "GAS-LPG", "GAS-LPG-05")

    for text, message in (("-5", "不能为负数"), ("一百", "不是数字"), ("abc", "不是数字")):
        dialog.set_value("gas_hose_max_m", "3")  # a valid change in the same save is not stored either
        dialog.set_value("lpg_max_kg", text)
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
        assert dialog.error_label.isVisible()
        assert message in dialog.error_label.text() and "lpg_max_kg" in dialog.error_label.text()
        assert dialog.result() != QDialog.DialogCode.Accepted
        with demo_db.reader() as s:
            assert parameter_overrides(s) == overrides
        assert _versions(demo_db, "GAS-LPG") == before
        assert _item_content(demo_db, "GAS-LPG", "GAS-LPG-05") == content


def test_read_only_user_cannot_save(qtbot: QtBot, demo_db: Database) -> None:
    dialog = ParametersDialog(desk_for(demo_db, "viewer"), read_only=True)
    qtbot.addWidget(dialog)
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Save).isEnabled()
    dialog.set_value("lpg_max_kg", "80")
    dialog.save()
    assert dialog.result() != QDialog.DialogCode.Accepted
    with demo_db.reader() as s:
        assert "lpg_max_kg" not in parameter_overrides(s)


def test_values_stored_elsewhere_appear_without_losing_what_was_typed(qtbot: QtBot, demo_db: Database) -> None:
    dialog = ParametersDialog(desk_for(demo_db, DEMO_ADMIN))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.set_value("gas_hose_max_m", "1.5")  # being typed, not saved yet
    other = QWidget()  # another window stores the township's values
    qtbot.addWidget(other)
    desk = desk_for(demo_db, DEMO_ADMIN)
    WriteOp(other, lambda _p: checklists.save_parameter_values(desk, {"lpg_max_kg": 60, "gas_hose_max_m": 3})).run()
    assert dialog.table.item(dialog.row_of("lpg_max_kg"), COL_VALUE).text() == "60"
    assert dialog.table.item(dialog.row_of("gas_hose_max_m"), COL_VALUE).text() == "1.5"
    dialog.save()
    assert dialog.result() == QDialog.DialogCode.Accepted
    with demo_db.reader() as s:
        assert parameter_overrides(s) == {"lpg_max_kg": 60, "gas_hose_max_m": 1.5}
