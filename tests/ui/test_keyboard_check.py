"""A whole check without the mouse: in the main window at 1366×768, every item answered with 1/2,
two 不合格 items with their hazard's location typed and the way back to the list by key (Esc, then
Enter; Ctrl+Enter), then 完成检查 by its shortcut and the refusal recorded by keys (Tab, Space, typing, Enter) (real widgets, qtbot)."""

from __future__ import annotations

import pytest
from helpers import restaurant
from helpers.check_window import open_check
from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from anquan_desk.core.db import Database
from anquan_desk.core.models import Hazard, Inspection, ItemResult
from anquan_desk.ui.inspection.finish_dialog import FinishDialog
from anquan_desk.ui.inspection.screen import FORM_HINT, KIND_ROLE

PLACE = restaurant.PLACE
FAILED = (1, 4)  # the second and the fifth item fail


@pytest.fixture
def inspection_id(db: Database) -> str:
    return restaurant.draft(db)[0]


def _focus() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def _press(qtbot: QtBot, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """A key where the keyboard is: the widget that has the focus."""
    qtbot.keyClick(_focus(), key, modifier)


def _type(qtbot: QtBot, text: str) -> None:
    qtbot.keyClicks(_focus(), text)


def test_a_whole_check_by_keyboard(qtbot: QtBot, db: Database, inspection_id: str) -> None:
    window, screen = open_check(qtbot, db, inspection_id, QSize(1366, 768))
    items = [n for n in screen._items() if n.data(0, KIND_ROLE) == "item"]
    assert len(items) > 10
    assert _focus() is screen.tree and screen.tree.currentItem() is items[0]

    locations = {FAILED[0]: "zao tai 1", FAILED[1]: "hou chu 2"}
    for index, node in enumerate(items):
        assert _focus() is screen.tree and screen.tree.currentItem() is node, index
        if index not in FAILED:
            _press(qtbot, Qt.Key.Key_1)
            continue
        _press(qtbot, Qt.Key.Key_2)
        # The hazard opens pre-filled, the cursor in 具体位置, the way back written under the form.
        assert screen.form.box.isVisible() and screen.form.description.toPlainText()
        assert _focus() is screen.form.location
        assert screen.form.hint.isVisible() and screen.form.hint.text() == FORM_HINT
        assert screen.photos_box.isVisible()  # the photos beside it
        _type(qtbot, locations[index])
        if index == FAILED[0]:
            _press(qtbot, Qt.Key.Key_Escape)  # back to the list, on the same item …
            assert _focus() is screen.tree and screen.tree.currentItem() is node
            _press(qtbot, Qt.Key.Key_Return)  # … and on to the next
        else:
            _press(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # back and on to the next
        assert node.text(1) == "不合格"
    assert screen.progress_label.text().startswith(f"已检查 {len(items)}/{len(items)} 项，还剩 0 项，发现隐患 2 处")

    # 完成检查 by its shortcut; the dialog is modal, so its keys are pressed from inside its loop.
    seen: list[str] = []

    def refuse_by_keyboard() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, FinishDialog)
        try:
            refuse_in(dialog)
        finally:
            if dialog.isVisible():
                dialog.reject()  # a failed step must not leave the test waiting on the dialog

    def refuse_in(dialog: FinishDialog) -> None:
        qtbot.waitUntil(dialog.isActiveWindow)
        seen.append(dialog.summary.text())
        for _ in range(10):  # Tab to 负责人拒绝签字, Space ticks it
            if _focus() is dialog.refused_check:
                break
            _press(qtbot, Qt.Key.Key_Tab)
        _press(qtbot, Qt.Key.Key_Space)
        assert dialog.refused_check.isChecked() and _focus() is dialog.reason_edit
        _type(qtbot, "absent")
        _press(qtbot, Qt.Key.Key_Tab)
        assert _focus() is dialog.witness_edit
        _type(qtbot, "grid member Zhao")
        _press(qtbot, Qt.Key.Key_Return)  # 完成检查

    QTimer.singleShot(0, refuse_by_keyboard)
    _press(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert seen and f"不合格 {len(FAILED)} 项，发现隐患 {len(FAILED)} 处" in seen[0]

    assert screen.read_only and "【已完成，只读】" in screen.header.text()
    assert window.tabs.tabText(window.tabs.indexOf(screen)) == f"检查：{PLACE}"  # no longer （草稿）
    with db.reader() as s:
        inspection = s.get(Inspection, inspection_id)
        assert inspection is not None
        assert (inspection.status, inspection.refusal_reason, inspection.refusal_witness) == (
            "已完成", "absent", "grid member Zhao")
        outcomes = [r.outcome for r in s.scalars(select(ItemResult))]
        assert len(outcomes) == len(items) and outcomes.count("不合格") == 2
        assert sorted(h.location for h in s.scalars(select(Hazard))) == ["hou chu 2", "zao tai 1"]
