"""GUI: log in, browse the grid tree, search as you type (real widgets, qtbot)."""

from __future__ import annotations

from helpers import desk_as, desk_for
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from anquan_desk.core.db import Database
from anquan_desk.core.models import Place, User
from anquan_desk.services.demo import DEMO_PASSWORD
from anquan_desk.ui.ground_tree import NODE_KIND_ROLE
from anquan_desk.ui.login import FirstAdminDialog, LoginDialog
from anquan_desk.ui.main_window import MainWindow
from anquan_desk.ui.place_model import PlaceTableModel


def _admin(db: Database) -> User:
    with db.reader() as s:
        return s.scalars(select(User).where(User.username == "admin")).one()


def test_login_dialog_rejects_then_accepts(qtbot: QtBot, demo_db: Database) -> None:
    dialog = LoginDialog(desk_for(demo_db), township="红光镇", hint="演示")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.set_username("admin")
    qtbot.keyClicks(dialog.ui.passwordEdit, "wrong")
    qtbot.mouseClick(dialog.ui.buttonBox.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    assert dialog.user is None
    assert "不正确" in dialog.ui.errorLabel.text()
    dialog.ui.passwordEdit.clear()
    qtbot.keyClicks(dialog.ui.passwordEdit, DEMO_PASSWORD)
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(dialog.ui.passwordEdit, Qt.Key.Key_Return)
    assert dialog.user is not None and dialog.user.username == "admin"


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
    model = PlaceTableModel(desk_for(demo_db))
    qtmodeltester.check(model)  # type: ignore[attr-defined]
