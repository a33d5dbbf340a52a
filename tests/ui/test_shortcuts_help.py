"""帮助 › 快捷键 lists exactly the keys the inspection screen binds (one table, SCREEN_KEYS), and
each listed key does what the list says: the hazard form's Esc / Enter / Ctrl+Enter back to the
item list, Ctrl+Shift+Enter 完成检查 (real widgets, qtbot)."""

from __future__ import annotations

import pytest
from helpers import desk_as, desk_for
from helpers.major_hazard import major_hazard
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from anquan_desk.core.db import Database
from anquan_desk.core.models import User
from anquan_desk.ui.help import INSPECTION_PLACE, ShortcutsDialog, inspection_keys
from anquan_desk.ui.inspection.screen import (
    FORM_HINT,
    KEYS_FORM,
    KEYS_LIST,
    KEYS_SCREEN,
    KIND_ROLE,
    SCREEN_KEYS,
    InspectionWidget,
)
from anquan_desk.ui.main_window import MainWindow

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


def _screen(qtbot: QtBot, db: Database) -> InspectionWidget:
    inspection_id, _hazard_id = major_hazard(db, finished=False)
    screen = InspectionWidget(desk_for(db, "wang"), inspection_id)
    qtbot.addWidget(screen)
    screen.resize(1366, 740)
    screen.show()
    qtbot.waitExposed(screen)
    screen.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is screen)
    qtbot.waitUntil(lambda: screen.view is not None)
    return screen


def _focus() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def _event(sequence: QKeySequence) -> QKeyEvent:
    combination = sequence[0]
    return QKeyEvent(QEvent.Type.KeyPress, combination.key(), combination.keyboardModifiers())


def test_the_help_lists_the_table_the_screen_binds(qtbot: QtBot, db: Database) -> None:
    listed = [(row.place, row.what, row.keys) for row in inspection_keys()]
    assert listed == [(k.place, k.what, k.shown()) for k in SCREEN_KEYS]
    assert {k.place for k in SCREEN_KEYS} == {KEYS_LIST, KEYS_FORM, KEYS_SCREEN}
    assert all(k.place.startswith(INSPECTION_PLACE) for k in SCREEN_KEYS)
    shown = {row.keys for row in inspection_keys()}
    for key in ("1", "2", "3", "Enter（回车）", "↑", "↓", "Esc", "Ctrl+Enter", "Ctrl+Shift+Enter"):
        assert key in shown, key

    screen = _screen(qtbot, db)
    # Every QShortcut of the screen is a key of the table, and every screen-wide key has one.
    bound = {s.key().toString() for s in screen.findChildren(QShortcut)}
    wide = {q.toString() for k in SCREEN_KEYS if k.place == KEYS_SCREEN for q in k.sequences()}
    assert bound == wide == {"Ctrl+Shift+Return", "Ctrl+Shift+Enter"}
    # Every key of the list and the form runs its command there; keys not in the table run none.
    items = [n for n in screen._items() if n.data(0, KIND_ROLE) == "item"]
    screen.tree.setCurrentItem(items[0])
    qtbot.waitUntil(screen.form.box.isVisible)
    for key in SCREEN_KEYS:
        watched = screen.tree if key.place == KEYS_LIST else screen.form.location
        for sequence in key.sequences():
            expected = key.command if key.place != KEYS_SCREEN else None
            assert screen.key_command(watched, _event(sequence)) == expected, (key.place, sequence.toString())
    for other in ("4", "Ctrl+1", "Esc", "Shift+Return"):
        assert screen.key_command(screen.tree, _event(QKeySequence(other))) is None, other
    assert screen.key_command(screen.form.location, _event(QKeySequence("Ctrl+Esc"))) is None
    # Enter in a text of several lines is a new line there, not the way back.
    assert screen.key_command(screen.form.description, _event(QKeySequence("Return"))) is None
    assert screen.key_command(screen.form.description, _event(QKeySequence("Ctrl+Return"))) == "back-next"

    # The help window made from the main window lists them all, once each.
    with db.reader() as s:
        admin = s.scalars(select(User).where(User.username == "wang")).one()
    window = MainWindow(desk_as(db, admin))
    qtbot.addWidget(window)
    window.show()
    window.shortcuts_action.trigger()
    dialog = window.findChild(ShortcutsDialog)
    assert dialog is not None
    rows = [r for r in dialog.texts() if r[0].startswith(INSPECTION_PLACE)]
    assert rows == listed


def test_the_form_keys_do_what_the_list_says(qtbot: QtBot, db: Database) -> None:
    screen = _screen(qtbot, db)
    finished: list[bool] = []
    screen._finish = lambda: finished.append(True)  # type: ignore[method-assign]
    items = [n for n in screen._items() if n.data(0, KIND_ROLE) == "item"]
    assert screen.form.hint.text() == FORM_HINT == "Esc 或 Enter 返回检查项列表　　Ctrl+Enter 返回并转到下一项"

    def into_form() -> None:
        screen.tree.setCurrentItem(items[0])  # the failed item: its hazard
        qtbot.waitUntil(screen.form.box.isVisible)
        screen.form.location.setFocus()
        qtbot.waitUntil(lambda: _focus() is screen.form.location)

    into_form()
    qtbot.keyClick(_focus(), Qt.Key.Key_Escape)
    assert _focus() is screen.tree and screen.tree.currentItem() is items[0]
    into_form()
    qtbot.keyClick(_focus(), Qt.Key.Key_Return)  # in a one-line field
    assert _focus() is screen.tree and screen.tree.currentItem() is items[0]
    into_form()
    qtbot.keyClick(_focus(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert _focus() is screen.tree and screen.tree.currentItem() is items[1]
    # Enter in the description makes a new line and stays.
    into_form()
    screen.form.description.setFocus()
    qtbot.waitUntil(lambda: _focus() is screen.form.description)
    before = screen.form.description.toPlainText()
    qtbot.keyClick(_focus(), Qt.Key.Key_Return)
    assert _focus() is screen.form.description and screen.form.description.toPlainText().count("\n") == \
        before.count("\n") + 1
    # Ctrl+Shift+Enter: 完成检查, from the form and from the list.
    qtbot.keyClick(_focus(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert finished == [True]
    qtbot.keyClick(screen.tree, Qt.Key.Key_Enter, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert finished == [True, True]
    assert "Ctrl+Shift+Enter" in screen.finish_button.text()
