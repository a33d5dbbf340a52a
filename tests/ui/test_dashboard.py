"""The dashboard shows the service's numbers, and each number opens its list."""

from __future__ import annotations

from helpers import desk_as, desk_for
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from anquan_desk.core.clock import today
from anquan_desk.core.db import Database
from anquan_desk.core.models import User
from anquan_desk.services.demo import DEMO_ADMIN
from anquan_desk.services.statistics import dashboard_numbers
from anquan_desk.ui.main_window import MainWindow


def test_dashboard_numbers_and_drill_down(qtbot: QtBot, demo_db: Database) -> None:
    with demo_db.reader() as s:
        admin = s.scalars(select(User).where(User.username == DEMO_ADMIN)).one()
        expected = dashboard_numbers(s, today())
    window = MainWindow(desk_as(demo_db, admin))
    qtbot.addWidget(window)
    window.show()
    window.tabs.setCurrentWidget(window.dashboard)
    dash = window.dashboard
    assert dash.data is not None
    assert dash.overdue_card.text().endswith(f"\n{expected.overdue}")
    assert dash.week_card.text().endswith(f"\n{expected.due_this_week}")
    assert dash.major_card.text().endswith(f"\n{expected.major_open}")
    assert expected.overdue > 0

    # The grid table has one row per grid plus 合计, and the totals add up.
    by_grid = dash.data.by_grid
    assert dash.grid_table.rowCount() == len(by_grid.rows) + 1
    assert dash.grid_table.item(dash.grid_table.rowCount() - 1, 0).text() == "合计"
    assert sum(r.inspections for r in by_grid.rows) == by_grid.totals.inspections
    assert len(dash.chart.series()) == 1 and dash.chart.series()[0].count() == 2

    # Overdue card → the follow-up list, overdue only.
    qtbot.mouseClick(dash.overdue_card, Qt.MouseButton.LeftButton)
    assert window.tabs.currentWidget() is window.followup
    assert window.followup.model.rowCount() == expected.overdue + _due_today(demo_db)
    # Major card → only major hazards.
    window.tabs.setCurrentWidget(dash)
    qtbot.mouseClick(dash.major_card, Qt.MouseButton.LeftButton)
    grades = {window.followup.model.hazard(r).grade for r in range(window.followup.model.rowCount())}
    assert grades <= {"重大"}

    # A grid's row → that grid's places not inspected this quarter.
    window.tabs.setCurrentWidget(dash)
    row = next(i for i, r in enumerate(by_grid.rows) if r.key)
    dash.grid_table.cellDoubleClicked.emit(row, 0)
    assert window.tabs.currentWidget() is window.places_page
    assert window.uninspected_check.isChecked()
    assert window.place_model.place_filter.grid_id == by_grid.rows[row].key
    uninspected = by_grid.rows[row].places_total - by_grid.rows[row].places_inspected
    assert window.place_model.total >= uninspected  # closed places are listed too, but never inspected ones missing

    # 未完成的检查 → every unfinished check (not only the admin's), listed and not opened.
    window.tabs.setCurrentWidget(dash)
    assert dash.drafts_card.text().endswith(f"\n{expected.drafts}") and expected.drafts == 3
    qtbot.mouseClick(dash.drafts_card, Qt.MouseButton.LeftButton)
    follow = window.followup
    assert window.tabs.currentWidget() is follow and follow.views.currentIndex() == follow.DRAFTS_VIEW
    assert not follow.mine_check.isChecked()
    assert follow.draft_model.rowCount() == expected.drafts
    assert window.tabs.count() == 3  # no inspection tab


def _due_today(db: Database) -> int:
    from anquan_desk.services.inspections import open_hazards_due

    with db.reader() as s:
        return sum(1 for h in open_hazards_due(s, within_days=0, on=today()) if h.deadline == today())


def test_follow_up_model(qtmodeltester: object, demo_db: Database) -> None:
    from anquan_desk.services.inspections import due_hazards
    from anquan_desk.ui.inspection.followup import DueHazardModel

    model = DueHazardModel()
    model.set_rows(due_hazards(desk_for(demo_db, DEMO_ADMIN), within_days=30), today())
    assert model.rowCount() > 0
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    first = model.hazard(0)
    assert model.index(0, DueHazardModel.COL_CODE).data() == first.code
    assert model.index(0, DueHazardModel.COL_GRADE).data() == first.grade
    assert model.index(0, 0).data(DueHazardModel.HAZARD_ID_ROLE) == first.id
    assert model.index(0, 0).data(DueHazardModel.PLACE_ID_ROLE) == first.place_id
