"""GUI: 本月任务 — the month's due places of a grid, and starting a check from the list (real widgets, qtbot)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from helpers import desk_as
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QBrush
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMenu
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from anquan_desk.core.db import Database
from anquan_desk.core.models import Inspection, InspectionParticipant, Place, User
from anquan_desk.services import plans
from anquan_desk.services.demo import DEMO_ADMIN
from anquan_desk.services.desk import Desk
from anquan_desk.services.users import inspectors
from anquan_desk.ui.inspection.screen import InspectionWidget
from anquan_desk.ui.inspection.start_dialog import StartInspectionDialog
from anquan_desk.ui.main_window import MainWindow
from anquan_desk.ui.operations import WriteOp
from anquan_desk.ui.place_model import RISK_COLOURS
from anquan_desk.ui.plan_models import TaskTableModel
from anquan_desk.ui.task_list import TaskListDialog


def _admin(db: Database) -> User:
    with db.reader() as s:
        return s.scalars(select(User).where(User.username == DEMO_ADMIN)).one()


def _drafts_at(db: Database, place_id: str) -> list[str]:
    with db.reader() as s:
        return list(s.scalars(select(Inspection.id).where(Inspection.place_id == place_id,
                                                          Inspection.status == "草稿")))


def _menu_action(window: MainWindow, text: str) -> QAction:
    for menu_action in window.menuBar().actions():
        menu = menu_action.menu()
        for action in menu.actions() if isinstance(menu, QMenu) else []:
            if action.text() == text:
                return action
    raise AssertionError(f"no menu action {text}")


def _cell(dialog: TaskListDialog, row: int, column: int, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
    model = dialog.model
    return model.data(model.index(row, column), role)


def _grid_with_tasks(dialog: TaskListDialog) -> None:
    for i in range(dialog.grid_combo.count()):
        dialog.grid_combo.setCurrentIndex(i)
        if dialog.tasks:
            return
    raise AssertionError("the demo has no due place this month")


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # the offscreen platform; real ones raise
def test_start_a_check_from_the_monthly_list(qtbot: QtBot, demo_db: Database) -> None:
    window = MainWindow(desk_as(demo_db, _admin(demo_db)))
    qtbot.addWidget(window)
    window.show()
    _menu_action(window, "本月任务…").trigger()
    dialog = window.findChild(TaskListDialog)
    assert dialog is not None and dialog.isVisible() and not dialog.isModal()
    _grid_with_tasks(dialog)

    # the rows are the service's list for this grid and month, with the risk colour
    today = date.today()
    expected = plans.tasks_for_month(dialog.desk, today.year, today.month, grid_id=str(dialog.grid_combo.currentData()))
    with demo_db.reader() as s:
        pair = [u.id for u in inspectors(s)[:2]]
    places = [p for g in expected.grids for p in g.places]
    assert dialog.table.model() is dialog.model
    assert dialog.model.rowCount() == len(places) > 0
    for row, task in enumerate(places):
        assert str(_cell(dialog, row, TaskTableModel.COL_NAME)).removeprefix("★ ") == task.name
        assert _cell(dialog, row, TaskTableModel.COL_RISK) == f"■ {task.risk_color}"
        brush = _cell(dialog, row, TaskTableModel.COL_RISK, Qt.ItemDataRole.ForegroundRole)
        assert isinstance(brush, QBrush) and brush.color().name() == RISK_COLOURS[task.risk_color]
        assert _cell(dialog, row, TaskTableModel.COL_TASK) == "、".join(task.reasons)
        assert _cell(dialog, row, 0, TaskTableModel.PLACE_ID_ROLE) == task.place_id
    assert f"应检查 {len(places)} 处场所" in dialog.summary_label.text()

    task = places[-1]
    before = _drafts_at(demo_db, task.place_id)
    assert not dialog.start_button.isEnabled()  # nothing selected yet
    assert dialog.select_place(task.place_id)
    assert dialog.start_button.isEnabled()

    seen: list[str] = []

    def accept_start() -> None:
        start = QApplication.activeModalWidget()
        if not isinstance(start, StartInspectionDialog):
            if start is not None:
                start.close()
            return
        seen.append(start.windowTitle())
        start.set_checked(start.people_list, set(pair))
        start.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        if start.isVisible():  # refused: never leave the test hanging in exec()
            seen.append(start.error_label.text())
            start.reject()

    QTimer.singleShot(0, accept_start)
    QTest.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert seen == ["开始现场检查"]

    new = [i for i in _drafts_at(demo_db, task.place_id) if i not in before]
    assert new == [dialog.last_inspection_id]
    with demo_db.reader() as s:
        people = set(s.scalars(select(InspectionParticipant.user_id)
                               .where(InspectionParticipant.inspection_id == new[0])))
    assert people == set(pair)
    # the main window opened the draft in a tab
    current = window.tabs.currentWidget()
    assert isinstance(current, InspectionWidget) and current.inspection_id == new[0]
    assert task.name in window.tabs.tabText(window.tabs.currentIndex())
    assert dialog.message_label.text() == f"已开始检查：{task.name}"

    # the menu brings the open list forward instead of opening a second one
    _menu_action(window, "本月任务…").trigger()
    assert len(window.findChildren(TaskListDialog)) == 1


def test_cancelled_start_creates_nothing(qtbot: QtBot, demo_db: Database) -> None:
    opened: list[str] = []
    dialog = TaskListDialog(desk_as(demo_db, _admin(demo_db)), opened.append)
    qtbot.addWidget(dialog)
    _grid_with_tasks(dialog)
    place_id = dialog.tasks[0].place_id
    before = _drafts_at(demo_db, place_id)
    assert dialog.start_selected() is None
    assert "请先在列表中选择" in dialog.message_label.text()
    dialog.select_place(place_id)

    def cancel() -> None:
        start = QApplication.activeModalWidget()
        if start is not None:
            start.close() if not isinstance(start, StartInspectionDialog) else start.reject()

    QTimer.singleShot(0, cancel)
    assert dialog.start_selected() is None
    assert opened == [] and dialog.last_inspection_id is None
    assert _drafts_at(demo_db, place_id) == before


def test_task_model_with_the_demo_tasks(qtmodeltester: ModelTester, demo_db: Database, demo_today: date) -> None:
    desk = desk_as(demo_db, _admin(demo_db))
    tasks = plans.tasks_for_month(desk, demo_today.year, demo_today.month, today=demo_today)
    rows = [p for g in tasks.grids for p in g.places]
    model = TaskTableModel()
    model.set_tasks(rows)
    assert model.rowCount() == len(rows) > 50 and model.columnCount() == 6
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(6)] == list(TaskTableModel.COLUMNS)
    hazards = next(r for r, t in enumerate(rows) if t.hazards)
    text = model.data(model.index(hazards, TaskTableModel.COL_HAZARDS))
    assert all(h.description in text for h in rows[hazards].hazards)
    assert model.data(model.index(hazards, TaskTableModel.COL_HAZARDS), Qt.ItemDataRole.ToolTipRole) == text
    assert model.row_of(rows[3].place_id) == 3 and model.row_of("nothing") == -1
    qtmodeltester.check(model)  # type: ignore[no-untyped-call]


def _close_place(desk: Desk, place_id: str) -> None:
    with desk.unit() as s:
        place = s.get(Place, place_id)
        assert place is not None
        place.status = "关闭"


def test_the_list_refreshes_itself_on_changes(qtbot: QtBot, demo_db: Database) -> None:
    desk = desk_as(demo_db, _admin(demo_db))
    dialog = TaskListDialog(desk)
    qtbot.addWidget(dialog)
    dialog.show()
    _grid_with_tasks(dialog)
    gone, kept = dialog.tasks[0], dialog.tasks[-1]
    dialog.select_place(kept.place_id)

    # a place is closed elsewhere (any operation): it leaves the list, the selection stays
    WriteOp(None, lambda _p: _close_place(desk, gone.place_id)).run()
    assert gone.place_id not in {t.place_id for t in dialog.tasks}
    assert dialog.selected_place_id() == kept.place_id
    assert f"应检查 {len(dialog.tasks)} 处场所" in dialog.summary_label.text()

    # while hidden it waits; when shown again it reloads (here: every routine visit is yearly now)
    dialog.hide()
    before = dialog.tasks
    WriteOp(None, lambda _p: plans.change_frequency(desk, {"红": 12, "橙": 12, "黄": 12, "蓝": 12})).run()
    assert dialog.tasks == before
    dialog.show()
    today = date.today()
    expected = plans.tasks_for_month(desk, today.year, today.month, grid_id=str(dialog.grid_combo.currentData()))
    assert dialog.tasks == tuple(p for g in expected.grids for p in g.places) != before
