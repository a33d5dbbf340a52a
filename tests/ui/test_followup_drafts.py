"""跟踪复查 › 未完成的检查: the list of drafts, opening one in its tab through the main window, and
the list and the status bar following the changes (real widgets, qtbot)."""

from __future__ import annotations

from helpers import desk_as, desk_for
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from anquan_desk.core.db import Database
from anquan_desk.core.models import Inspection, ItemResult, Place, User
from anquan_desk.services import inspections as svc
from anquan_desk.services.demo import DEMO_ADMIN
from anquan_desk.ui.inspection.followup import DraftModel, FollowUpWidget
from anquan_desk.ui.inspection.screen import InspectionWidget
from anquan_desk.ui.main_window import MainWindow
from anquan_desk.ui.operations import WriteOp


def _admin(db: Database) -> User:
    with db.reader() as s:
        return s.scalars(select(User).where(User.username == DEMO_ADMIN)).one()


def _cells(model: DraftModel, row: int) -> list[str]:
    return [str(model.index(row, c).data()) for c in range(model.columnCount())]


def test_draft_model(qtmodeltester: object, demo_db: Database) -> None:
    admin = _admin(demo_db)
    rows = svc.draft_rows(desk_as(demo_db, admin))
    model = DraftModel()
    qtmodeltester.check(model)  # type: ignore[attr-defined]  # watches the resets below
    model.set_rows(rows)
    assert model.rowCount() == 3
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    for r, row in enumerate(rows):
        cells = _cells(model, r)
        assert cells[DraftModel.COL_PLACE] == row.place_name
        assert cells[DraftModel.COL_INSPECTORS] == "、".join(row.inspectors)
        assert cells[DraftModel.COL_PROGRESS] == f"{row.answered}/{row.total}"
        assert cells[DraftModel.COL_STARTED] == f"{row.started_at:%Y-%m-%d %H:%M}"
        assert model.index(r, 0).data(DraftModel.INSPECTION_ID_ROLE) == row.id
        font = model.index(r, 0).data(Qt.ItemDataRole.FontRole)
        assert (isinstance(font, QFont) and font.bold()) == row.mine
    model.set_rows(rows[:1])
    assert model.rowCount() == 1 and model.row_of(rows[0].id) == 0 and model.row_of(rows[1].id) is None


def test_the_list_shows_the_demo_drafts_and_opens_one(qtbot: QtBot, demo_db: Database) -> None:
    with demo_db.reader() as s:
        expected = [
            (name, int(s.scalar(select(func.count()).select_from(ItemResult)
                                .where(ItemResult.inspection_id == iid)) or 0), iid)
            for iid, name in s.execute(
                select(Inspection.id, Place.name).join(Place, Place.id == Inspection.place_id)
                .where(Inspection.status == "草稿").order_by(Inspection.started_at.desc())
            )
        ]
    assert [e[2] for e in expected] == svc.draft_ids(desk_for(demo_db), mine_only=False)  # and the service agrees
    window = MainWindow(desk_as(demo_db, _admin(demo_db)))
    qtbot.addWidget(window)
    window.show()
    window.show_drafts(mine_only=False)
    follow = window.followup
    model = follow.draft_model
    shown = [(model.draft(r).place_name, model.draft(r).answered, model.draft(r).id) for r in range(model.rowCount())]
    assert shown == expected
    assert follow.views.tabText(follow.DRAFTS_VIEW) == "未完成的检查（3）"
    assert follow.drafts_summary.text() == "共 3 个未完成的检查"

    # Double-click: the draft opens in its own tab (asked through the signal, opened by the window).
    target = expected[1][2]
    row = model.row_of(target)
    assert row is not None
    rect = follow.draft_table.visualRect(model.index(row, DraftModel.COL_PLACE))
    qtbot.mouseClick(follow.draft_table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(follow.open_inspection, timeout=1000) as asked:
        qtbot.mouseDClick(follow.draft_table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert asked.args == [target]
    current = window.tabs.currentWidget()
    assert isinstance(current, InspectionWidget) and current.inspection_id == target
    assert window.tabs.tabText(window.tabs.currentIndex()) == f"检查：{expected[1][0]}（草稿）"
    # The button opens the selected one; an open draft is brought forward, not opened twice.
    window.tabs.setCurrentWidget(follow)
    follow.draft_table.selectRow(row)
    qtbot.mouseClick(follow.open_draft_button, Qt.MouseButton.LeftButton)
    assert window.tabs.currentWidget() is current and len(window.findChildren(InspectionWidget)) == 1


def test_the_list_and_the_notice_follow_the_changes(qtbot: QtBot, demo_db: Database) -> None:
    admin = _admin(demo_db)
    desk = desk_as(demo_db, admin)
    window = MainWindow(desk)
    qtbot.addWidget(window)
    window.show()
    window.show_drafts(mine_only=True)
    follow = window.followup
    (mine,) = [follow.draft_model.draft(r) for r in range(follow.draft_model.rowCount())]
    assert follow.drafts_summary.text() == "共 1 个未完成的检查（我参加的）"
    # Answered elsewhere (the inspection tab): the shown list updates its count.
    item = next(i for i in svc.inspection_view(desk, mine.id).items if i.outcome is None)
    WriteOp(window, lambda _p: svc.save_answer(desk, mine.id, item.item_id, "合格")).run()
    assert follow.draft_model.draft(0).answered == mine.answered + 1
    # All drafts, then the admin's is discarded: gone from the list and from the status bar.
    follow.mine_check.setChecked(False)
    assert follow.draft_model.rowCount() == 3
    WriteOp(window, lambda _p: svc.discard_inspection(desk, mine.id, "重复建立")).run()
    assert follow.draft_model.rowCount() == 2 and follow.draft_model.row_of(mine.id) is None
    qtbot.waitUntil(lambda: not window.drafts_notice.isVisible())  # the notice waits for a quiet moment
    # A new check shows in the notice.
    choices = svc.start_choices(desk, mine.place_id)
    WriteOp(window, lambda _p: svc.start_draft(desk, place_id=mine.place_id,
                                               inspector_ids=[admin.id, choices.inspectors[0].id],
                                               template_ids=sorted(choices.preselected))).run()
    qtbot.waitUntil(window.drafts_notice.isVisible)
    assert window.drafts_notice.text().startswith("有 1 个未完成的检查")
    assert follow.draft_model.rowCount() == 3


def test_an_empty_list_says_so(qtbot: QtBot, db: Database) -> None:
    follow = FollowUpWidget(desk_for(db))
    qtbot.addWidget(follow)
    follow.show()
    follow.show_drafts(mine_only=False)
    assert follow.draft_model.rowCount() == 0 and not follow.open_draft_button.isEnabled()
    assert follow.drafts_summary.text() == "共 0 个未完成的检查"
    assert follow.views.tabText(follow.DRAFTS_VIEW) == "未完成的检查"
