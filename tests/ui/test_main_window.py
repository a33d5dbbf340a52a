"""GUI: log in, browse the grid tree, search as you type (real widgets, qtbot)."""

from __future__ import annotations

from helpers import desk_as, desk_for
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from anquan_desk.core.db import Database
from anquan_desk.core.models import Grid, Place, User, Village
from anquan_desk.services import ground
from anquan_desk.services.demo import DEMO_ADMIN, DEMO_PASSWORD
from anquan_desk.ui.ground_tree import NODE_KIND_ROLE, build_ground_model
from anquan_desk.ui.login import FirstAdminDialog, LoginDialog
from anquan_desk.ui.main_window import MainWindow
from anquan_desk.ui.place_model import PlaceTableModel
from anquan_desk.ui.place_page import PlacePage


def _admin(db: Database) -> User:
    with db.reader() as s:
        return s.scalars(select(User).where(User.username == DEMO_ADMIN)).one()


def test_login_dialog_rejects_then_accepts(qtbot: QtBot, demo_db: Database) -> None:
    dialog = LoginDialog(desk_for(demo_db), township="红光镇", hint="演示")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.set_username(DEMO_ADMIN)
    qtbot.keyClicks(dialog.ui.passwordEdit, "wrong")
    qtbot.mouseClick(dialog.ui.buttonBox.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    assert dialog.user is None
    assert "不正确" in dialog.ui.errorLabel.text()
    dialog.ui.passwordEdit.clear()
    qtbot.keyClicks(dialog.ui.passwordEdit, DEMO_PASSWORD)
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(dialog.ui.passwordEdit, Qt.Key.Key_Return)
    assert dialog.user is not None and dialog.user.username == DEMO_ADMIN
    # The next login starts with the last user name (never the password).
    again = LoginDialog(desk_for(demo_db), township="红光镇")
    qtbot.addWidget(again)
    assert again.ui.usernameEdit.text() == DEMO_ADMIN and again.ui.passwordEdit.text() == ""


def test_first_admin_dialog_creates_the_administrator(qtbot: QtBot, db: Database) -> None:
    dialog = FirstAdminDialog(desk_for(db))
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    dialog.name_edit.setText("周建国")  # Chinese arrives through the input method, not key events
    qtbot.keyClicks(dialog.password_edit, "abc12345")
    qtbot.keyClicks(dialog.repeat_edit, "abc12345x")
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert dialog.user is None and "不一致" in dialog.error_label.text()
    qtbot.keyClick(dialog.repeat_edit, Qt.Key.Key_Backspace)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert dialog.user is not None and dialog.user.role == "管理员"


def _find(model: object, text: str) -> QModelIndex:
    from PySide6.QtGui import QStandardItemModel

    assert isinstance(model, QStandardItemModel)
    matches = model.match(model.index(0, 0), Qt.ItemDataRole.DisplayRole, text, 1, Qt.MatchFlag.MatchRecursive)
    assert matches, text
    return matches[0]


def test_tree_click_narrows_the_list(qtbot: QtBot, demo_db: Database) -> None:
    window = MainWindow(desk_as(demo_db, _admin(demo_db)))
    qtbot.addWidget(window)
    window.show()
    with demo_db.reader() as s:
        total = len(s.scalars(select(Place.id)).all())
    assert window.place_model.total == total
    assert window.count_label.text() == f"共 {total} 个场所"

    grid_index = _find(window.ground_model, "东湖社区第一网格")
    window.ground_view.expandAll()
    rect = window.ground_view.visualRect(grid_index)
    qtbot.mouseClick(window.ground_view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    expected_count = int(grid_index.siblingAtColumn(1).data())
    assert expected_count > 0
    assert window.place_model.total == expected_count
    model = window.place_model
    for row in range(model.rowCount()):
        assert model.index(row, PlaceTableModel.COL_GRID).data() == "东湖社区第一网格"
    assert grid_index.data(NODE_KIND_ROLE) == "grid"


def test_search_box_narrows_the_list(qtbot: QtBot, demo_db: Database) -> None:
    with demo_db.session("t") as s:
        place = s.scalars(select(Place).order_by(Place.name).limit(1)).one()
        place.name = "张记红光小馆"
    window = MainWindow(desk_as(demo_db, _admin(demo_db)))
    qtbot.addWidget(window)
    window.show()
    qtbot.keyClicks(window.search_edit, "zjhgxg")
    qtbot.waitUntil(lambda: window.place_model.total == 1)
    assert window.place_model.index(0, PlaceTableModel.COL_NAME).data() == "张记红光小馆"
    assert window.count_label.text() == "共 1 个场所"
    window.search_edit.clear()
    qtbot.waitUntil(lambda: window.place_model.total > 1)


def test_window_loads_the_search_copy_after_start_up(qtbot: QtBot, demo_db: Database) -> None:
    cache = demo_db.search_cache
    assert cache is not None
    window = MainWindow(desk_as(demo_db, _admin(demo_db)))
    qtbot.addWidget(window)
    window.show()
    assert not cache.loaded  # not while the window is being built
    qtbot.waitUntil(lambda: cache.loaded)
    assert cache.loads == 1 and len(cache) == 300
    with demo_db.reader() as s:
        shops = s.scalar(select(func.count()).select_from(Place).where(Place.search_text.contains("店")))
    window.search_edit.setText("店")  # Chinese arrives through the input method, not key events
    qtbot.waitUntil(lambda: window.count_label.text() == f"共 {shops} 个场所")
    assert cache.loads == 1


def test_lazy_model_fetches_pages(qtbot: QtBot, demo_db: Database) -> None:
    model = PlaceTableModel(desk_for(demo_db))
    assert model.total == 300
    assert model.rowCount() == PlaceTableModel.PAGE
    assert model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == 300 and not model.canFetchMore()


def test_place_model_passes_modeltester(qtmodeltester: object, demo_db: Database) -> None:
    desk = desk_for(demo_db)
    model = PlaceTableModel(desk)
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    # The tester keeps watching while the model refreshes itself: cells only, then a new order.
    from PySide6.QtWidgets import QWidget

    from anquan_desk.services import places
    from anquan_desk.ui.operations import WriteOp

    other = QWidget()
    pid = model.place_id(5)
    WriteOp(other, lambda _p: places.edit_place(desk, pid, {"phone": "13500000000"})).run()
    assert model.index(5, PlaceTableModel.COL_PHONE).data() == "13500000000"
    WriteOp(other, lambda _p: places.edit_place(desk, pid, {"name": "阿达商店"})).run()
    assert model.place_id(0) == pid
    model.fetchMore()
    WriteOp(other, lambda _p: places.edit_place(desk, pid, {"name": "最后一家商店"})).run()
    assert model.rowCount() == 300 and model.place_id(299) == pid


def test_tree_and_list_follow_a_moved_place_and_keep_the_selection(qtbot: QtBot, demo_db: Database) -> None:
    window = MainWindow(desk_as(demo_db, _admin(demo_db)))
    qtbot.addWidget(window)
    window.show()
    window.ground_view.expandAll()
    first = _find(window.ground_model, "东湖社区第一网格")
    second = _find(window.ground_model, "东湖社区第二网格")
    counts = int(first.siblingAtColumn(1).data()), int(second.siblingAtColumn(1).data())
    rect = window.ground_view.visualRect(first)
    qtbot.mouseClick(window.ground_view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.place_model.total == counts[0]
    moved = window.place_model.place_id(0)
    with demo_db.reader() as s:
        target = s.scalars(select(Grid.id).where(Grid.name == "东湖社区第二网格")).one()
    page = window.open_place_page(moved)
    assert isinstance(page, PlacePage)
    page.grid_combo.setCurrentIndex(page.grid_combo.findData(target))
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    # The tree's counts changed in place: the same item is still selected.
    assert (int(first.siblingAtColumn(1).data()), int(second.siblingAtColumn(1).data())) == (
        counts[0] - 1, counts[1] + 1,
    )
    assert window.ground_view.selectionModel().selectedRows()[0] == first
    # The list of the selected grid no longer has the place, and the count says so.
    assert window.place_model.total == counts[0] - 1
    assert moved not in [window.place_model.place_id(r) for r in range(window.place_model.rowCount())]
    assert window.count_label.text() == f"共 {counts[0] - 1} 个场所"


def test_ground_model_is_rebuilt_when_a_grid_is_added(qtbot: QtBot, qtmodeltester: object, demo_db: Database) -> None:
    from PySide6.QtGui import QStandardItemModel

    desk = desk_for(demo_db)
    model = QStandardItemModel()
    qtmodeltester.check(model)  # type: ignore[attr-defined]  # watches every change below
    assert build_ground_model(ground.load_ground_tree(desk), model)  # built
    villages = model.item(0, 0).rowCount()
    first = _find(model, "东湖社区第一网格")
    assert not build_ground_model(ground.load_ground_tree(desk), model)  # the same: updated in place
    assert first.isValid()
    with demo_db.session("t") as s:
        village = s.scalars(select(Village).where(Village.name == "东湖社区")).one()
        s.add(Grid(village_id=village.id, name="东湖社区新网格", sort_order=99))
    assert build_ground_model(ground.load_ground_tree(desk), model)  # another shape: built again
    assert model.item(0, 0).rowCount() == villages
    new = _find(model, "东湖社区新网格")
    assert new.data(NODE_KIND_ROLE) == "grid" and new.siblingAtColumn(1).data() == "0"


def test_a_dropped_place_model_stops_listening(demo_db: Database) -> None:
    import gc

    from anquan_desk.ui.operations import change_hub

    gc.collect()
    before = len(change_hub)
    model = PlaceTableModel(desk_for(demo_db))
    assert len(change_hub) == before + 1
    del model
    gc.collect()
    assert len(change_hub) == before


def test_after_login_the_window_opens_on_the_place_list_and_opens_no_draft(qtbot: QtBot, demo_db: Database) -> None:
    from anquan_desk.core.models import Inspection, InspectionParticipant
    from anquan_desk.services.users import log_in
    from anquan_desk.ui.inspection.screen import InspectionWidget

    admin = _admin(demo_db)
    with demo_db.reader() as s:
        drafts = s.scalars(select(Inspection.id).where(Inspection.status == "草稿")).all()
        mine = s.scalar(
            select(func.count()).select_from(InspectionParticipant)
            .join(Inspection, Inspection.id == InspectionParticipant.inspection_id)
            .where(Inspection.status == "草稿", InspectionParticipant.user_id == admin.id)
        )
    assert len(drafts) == 3 and mine == 1  # the demo's unfinished checks, one of them the admin's
    desk = desk_for(demo_db)
    window = MainWindow(desk.as_actor(log_in(desk, DEMO_ADMIN, DEMO_PASSWORD)), demo=True)  # as the program does
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.tabs.currentWidget() is window.places_page
    assert window.tabs.count() == 3 and not window.findChildren(InspectionWidget)
    assert window.ground_view.isVisible()
    # The status bar says how many are the user's own; a click lists them, none is opened.
    assert window.drafts_notice.isVisible()
    assert window.drafts_notice.text() == "有 1 个未完成的检查（跟踪复查 › 未完成的检查）"
    qtbot.mouseClick(window.drafts_notice, Qt.MouseButton.LeftButton)
    assert window.tabs.currentWidget() is window.followup
    followup = window.followup
    assert followup.views.currentIndex() == followup.DRAFTS_VIEW and followup.mine_check.isChecked()
    assert [followup.draft_model.draft(r).mine for r in range(followup.draft_model.rowCount())] == [True]
    assert window.tabs.count() == 3 and not window.findChildren(InspectionWidget)


def test_the_overdue_notice_and_ctrl_f(qtbot: QtBot, demo_db: Database) -> None:
    from anquan_desk.core.clock import today
    from anquan_desk.services.statistics import dashboard_numbers

    with demo_db.reader() as s:
        overdue = dashboard_numbers(s, today()).overdue
    assert overdue > 0
    window = MainWindow(desk_as(demo_db, _admin(demo_db)))
    qtbot.addWidget(window)
    window.show()
    assert window.overdue_notice.isVisible()
    assert window.overdue_notice.text() == f"逾期未整改隐患 {overdue} 条（跟踪复查）"
    qtbot.mouseClick(window.overdue_notice, Qt.MouseButton.LeftButton)
    assert window.tabs.currentWidget() is window.followup
    assert window.followup.views.currentIndex() == window.followup.HAZARDS_VIEW
    late = [window.followup.model.hazard(r) for r in range(window.followup.model.rowCount())]
    assert sum(1 for h in late if h.days_overdue(today())) == overdue
    # Ctrl+F finds a place from any tab: back to the list, in its search box.
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.places_page
    assert window.search_edit.hasFocus()


def test_a_user_without_drafts_sees_no_draft_notice(qtbot: QtBot, demo_db: Database) -> None:
    with demo_db.reader() as s:
        zhang = s.scalars(select(User).where(User.username == "demo-zhangkun")).one()
    window = MainWindow(desk_as(demo_db, zhang))
    qtbot.addWidget(window)
    window.show()
    assert not window.drafts_notice.isVisible() and window.overdue_notice.isVisible()
    assert window.tabs.currentWidget() is window.places_page
