"""The hazard form of a 重大事故隐患 on a 1366×768 laptop (main window at the screen's working area):
the 挂牌督办 row is in view without scrolling, its dialog fits the screen with its buttons in view,
and every field of the form below the fold (the rest of the 五落实) scrolls into view when the
keyboard focus reaches it, by Tab or by a click elsewhere (real widgets, qtbot, today pinned)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from helpers.check_window import open_check
from helpers.major_hazard import major_hazard
from PySide6.QtCore import QPoint, QRect, QSize, Qt, QTimer
from PySide6.QtWidgets import QAbstractButton, QApplication, QDialogButtonBox, QWidget
from pytestqt.qtbot import QtBot

from anquan_desk.core.db import Database
from anquan_desk.ui.inspection.screen import KIND_ROLE, InspectionWidget
from anquan_desk.ui.inspection.supervise_dialog import SuperviseDialog
from anquan_desk.ui.main_window import MainWindow

CHINA = ZoneInfo("Asia/Shanghai")
#: What the main window may take on a 1366×768 screen: less the taskbar (40) and its title bar (30).
CLIENT = QSize(1366, 768 - 40 - 30)
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


def _hazard_open(qtbot: QtBot, db: Database, inspection_id: str) -> tuple[MainWindow, InspectionWidget]:
    """The main window at 1366×768 with the check's major hazard open (its item selected)."""
    window, screen = open_check(qtbot, db, inspection_id, CLIENT)
    failed = next(n for n in screen._items() if n.data(0, KIND_ROLE) == "item" and n.text(1) == "不合格")
    screen.tree.setCurrentItem(failed)
    qtbot.waitUntil(lambda: screen.form.five_box.isVisible())
    assert window.size() == CLIENT
    return window, screen


def _in_view(screen: InspectionWidget, widget: QWidget) -> bool:
    """The whole widget lies inside the visible part of the hazard form's scroll area."""
    viewport = screen.detail_scroll.viewport()
    where = QRect(widget.mapTo(viewport, QPoint(0, 0)), widget.size())
    return viewport.rect().contains(where) and not widget.visibleRegion().isEmpty()


def _in_window(window: QWidget, widget: QWidget) -> bool:
    return window.rect().contains(QRect(widget.mapTo(window, QPoint(0, 0)), widget.size()))


@time_machine.travel(datetime(2027, 3, 12, 10, 0, tzinfo=CHINA), tick=False)
def test_supervise_row_in_view_and_its_dialog_fits(qtbot: QtBot, db: Database) -> None:
    inspection_id, _hazard_id = major_hazard(db)
    window, screen = _hazard_open(qtbot, db, inspection_id)
    f = screen.form
    assert screen.detail_scroll.verticalScrollBar().value() == 0  # nothing scrolled yet
    for widget in (f.supervised, f.supervision, f.location, f.grade, screen.photos_box, screen.photo_list):
        assert _in_view(screen, widget) if screen.detail_scroll.isAncestorOf(widget) else True, widget
        assert _in_window(window, widget) and not widget.visibleRegion().isEmpty(), widget
    assert f.supervised.isEnabled()

    seen: list[tuple[QSize, list[str]]] = []

    def measure() -> None:
        dialog = screen.supervise_dialog
        if dialog is None or not dialog.isVisible():
            QTimer.singleShot(20, measure)
            return
        problems = [
            b.text() for b in dialog.findChildren(QAbstractButton)
            if b.isVisibleTo(dialog) and (not dialog.rect().contains(QRect(b.mapTo(dialog, QPoint(0, 0)), b.size()))
                                          or b.visibleRegion().isEmpty())
        ]
        assert isinstance(dialog, SuperviseDialog)
        seen.append((dialog.size(), problems))
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, measure)
    qtbot.mouseClick(f.supervised, Qt.MouseButton.LeftButton)
    assert len(seen) == 1, "the tick box opened no dialog"
    size, problems = seen[0]
    assert size.width() <= CLIENT.width() and size.height() <= CLIENT.height(), size
    assert problems == []
    assert not f.supervised.isChecked()  # cancelled


@time_machine.travel(datetime(2027, 3, 10, 10, 0, tzinfo=CHINA), tick=False)
def test_every_field_scrolls_into_view_when_the_keyboard_reaches_it(qtbot: QtBot, db: Database) -> None:
    inspection_id, _hazard_id = major_hazard(db, finished=False)  # a draft: every field editable
    window, screen = _hazard_open(qtbot, db, inspection_id)
    f = screen.form
    assert _in_view(screen, f.supervised) and not f.supervised.isEnabled()  # (挂牌督办 once the check is finished)
    fields = [f.description, f.location, f.grade, f.basis, f.requirement, f.deadline, f.immediate, f.rectifier,
              f.fl_responsibility, f.fl_funds, f.fl_measures, f.fl_deadline, f.fl_plan]
    assert not all(_in_view(screen, w) for w in fields)  # at 768 pixels some lie below the fold

    # Tab through the form from 隐患描述: each field is in view when it has the focus.
    f.description.setFocus(Qt.FocusReason.OtherFocusReason)
    reached: list[QWidget] = []
    for _ in range(40):
        focused = QApplication.focusWidget()
        if focused is None or not f.box.isAncestorOf(focused):
            break
        owner = next((w for w in fields if w is focused or w.isAncestorOf(focused)), None)
        if owner is not None and owner not in reached:
            reached.append(owner)
            assert _in_view(screen, owner), owner
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
    assert set(reached) == {w for w in fields if w.isEnabled()}
    assert f.fl_plan in reached and f.supervised.isVisible()

    # Back to the top, then the focus given straight to the last field (as a click or a key would).
    screen.detail_scroll.verticalScrollBar().setValue(0)
    screen.tree.setFocus()
    assert not _in_view(screen, f.fl_plan)
    f.fl_plan.setFocus(Qt.FocusReason.MouseFocusReason)
    assert _in_view(screen, f.fl_plan)
    assert _in_window(window, f.fl_plan)
