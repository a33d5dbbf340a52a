"""GUI: the place page (validated editing, history lists) and searching from the main window."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from helpers import desk_as, desk_for
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QTableView, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import func, insert, select

from anquan_desk.core.changes import Changes
from anquan_desk.core.db import Database
from anquan_desk.core.models import Hazard, Inspection, Place, User
from anquan_desk.core.validators import credit_code_check_char
from anquan_desk.services import places
from anquan_desk.services.demo import DEMO_ADMIN
from anquan_desk.services.desk import Desk
from anquan_desk.services.places import update_place
from anquan_desk.ui.main_window import MainWindow
from anquan_desk.ui.operations import WriteOp, change_hub
from anquan_desk.ui.place_model import PlaceTableModel
from anquan_desk.ui.place_page import PlacePage

GOOD_CODE = "91320115MA1M9XG2T" + credit_code_check_char("91320115MA1M9XG2T")
BAD_CODE = GOOD_CODE[:-1] + ("0" if GOOD_CODE[-1] != "0" else "1")


def _busy_place(db: Database) -> str:
    """The demo place with the most open hazards."""
    with db.reader() as s:
        return s.scalars(
            select(Hazard.place_id).where(Hazard.status != "已销号").group_by(Hazard.place_id)
            .order_by(func.count().desc(), Hazard.place_id).limit(1)
        ).one()


def _place(db: Database, pid: str) -> Place:
    with db.reader() as s:
        place = s.get(Place, pid)
        assert place is not None
        _ = place.sectors
        return place


def _announcements(owner: QWidget) -> list[tuple[Changes, object]]:
    """What operations announce from now on (while ``owner`` lives)."""
    listener = QObject(owner)
    heard: list[tuple[Changes, object]] = []
    change_hub.subscribe(listener, lambda changes, initiator: heard.append((changes, initiator)))
    return heard


def test_invalid_credit_code_is_shown_and_nothing_saved(qtbot: QtBot, demo_db: Database) -> None:
    pid = _busy_place(demo_db)
    before = _place(demo_db, pid)
    page = PlacePage(desk_for(demo_db, "tester"), pid)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitExposed(page)
    edit = page.edits["credit_code"]
    edit.clear()
    qtbot.keyClicks(edit, BAD_CODE[:10].lower())
    assert page.error_text("credit_code") == ""  # not judged while still typing
    qtbot.keyClicks(edit, BAD_CODE[10:].lower())  # the 18th character: checked at once
    assert page.error_text("credit_code") == f"统一社会信用代码“{BAD_CODE}”校验位错误（应为 {GOOD_CODE[-1]}）"
    page.edits["name"].setText("改过的名字")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert page.error_text("credit_code").endswith(f"校验位错误（应为 {GOOD_CODE[-1]}）")
    assert "未保存" in page.status_label.text()
    after = _place(demo_db, pid)
    assert (after.name, after.credit_code, after.updated_at) == (before.name, before.credit_code, before.updated_at)


def test_valid_edit_saves(qtbot: QtBot, demo_db: Database) -> None:
    pid = _busy_place(demo_db)
    page = PlacePage(desk_for(demo_db, "tester"), pid)
    qtbot.addWidget(page)
    page.show()
    announced = _announcements(page)
    page.edits["credit_code"].setText(GOOD_CODE)
    page.edits["phone"].setText("0571 8765 4321")
    page.risk_combo.setCurrentIndex(page.risk_combo.findData("红"))
    page.sector_checks["燃气"].setChecked(True)
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    # The save was announced (what the ``saved`` signal told the main window before).
    assert [initiator for changes, initiator in announced if changes.touches_row("places", pid)] == [page]
    assert page.status_label.text().endswith("已保存</span>")
    assert page.error_text("credit_code") == "" and page.error_text("phone") == ""
    place = _place(demo_db, pid)
    assert (place.credit_code, place.phone, place.risk_color) == (GOOD_CODE, "0571-87654321", "红")
    assert "燃气" in place.sectors
    assert page.edits["phone"].text() == "0571-87654321"  # the page shows what was stored
    assert page.risk_label.text().strip() == "风险等级：红色"


def test_history_lists(qtbot: QtBot, demo_db: Database) -> None:
    pid = _busy_place(demo_db)
    with demo_db.reader() as s:
        inspections = s.scalar(select(func.count()).select_from(Inspection).where(Inspection.place_id == pid))
        codes = set(s.scalars(select(Hazard.code).where(Hazard.place_id == pid, Hazard.status != "已销号")))
    page = PlacePage(desk_for(demo_db, "tester"), pid)
    qtbot.addWidget(page)
    assert page.inspections.rowCount() == inspections
    assert {page.hazards.item(r, 0).text() for r in range(page.hazards.rowCount())} == codes
    assert page.tabs.tabText(1) == f"未销号隐患（{len(codes)}）"


def _admin(db: Database) -> User:
    with db.reader() as s:
        return s.scalars(select(User).where(User.username == DEMO_ADMIN)).one()


def test_search_box_narrows_to_the_expected_places(qtbot: QtBot, demo_db: Database) -> None:
    with demo_db.reader() as s:
        expected = sorted(s.scalars(select(Place.name).where(Place.name.contains("饭店"))))
        kept = s.scalars(select(Place.name).where(Place.name.contains("饭店")).limit(1)).one()
    assert len(expected) >= 2
    window = MainWindow(desk_as(demo_db, _admin(demo_db)))
    qtbot.addWidget(window)
    window.show()
    window.search_edit.setText("饭店")  # Chinese arrives through the input method
    qtbot.waitUntil(lambda: window.place_model.total == len(expected))
    model = window.place_model
    assert sorted(model.index(r, PlaceTableModel.COL_NAME).data() for r in range(model.rowCount())) == expected
    assert window.count_label.text() == f"共 {len(expected)} 个场所"
    # Narrow further by typing the pinyin initials of one of them.
    window.search_edit.clear()
    from anquan_desk.core.search import pinyin_forms

    initials = pinyin_forms(kept)[1]
    qtbot.keyClicks(window.search_edit, initials)
    with demo_db.reader() as s:
        same = sorted(n for n in s.scalars(select(Place.name)) if initials in pinyin_forms(n)[1])
    qtbot.waitUntil(lambda: window.place_model.total == len(same))
    assert sorted(model.index(r, PlaceTableModel.COL_NAME).data() for r in range(model.rowCount())) == same


def test_double_click_opens_the_place_page(qtbot: QtBot, demo_db: Database) -> None:
    window = MainWindow(desk_as(demo_db, _admin(demo_db)))
    qtbot.addWidget(window)
    window.show()
    window.tabs.setCurrentIndex(0)  # the 场所 tab (open inspections may have tabs of their own)
    qtbot.waitExposed(window)
    rect = window.place_view.visualRect(window.place_model.index(0, PlaceTableModel.COL_NAME))
    viewport = window.place_view.viewport()
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())  # a real double click
    qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())  # starts with a press
    pages = [w for w in window.findChildren(PlacePage)]
    assert len(pages) == 1
    assert pages[0].edits["name"].text() == window.place_model.index(0, PlaceTableModel.COL_NAME).data()


@pytest.mark.parametrize("status", [None, "在营"])
def test_model_scrolls_to_the_end_of_a_common_query(qtbot: QtBot, db: Database, status: str | None) -> None:
    """A query alone is counted exactly (the search copy); with another filter a common query
    stops counting at the cap. Either way scrolling reaches every row, in name order."""
    n = PlaceTableModel.COUNT_CAP + 250
    with db.session("t") as s:
        s.execute(insert(Place), [{"id": f"p{i:05d}", "name": f"红光超市{i:05d}", "author": "t",
                                   "search_text": f"红光超市{i:05d}\x1fhgcs"} for i in range(n)])
    model = PlaceTableModel(desk_for(db))
    model.set_filter(replace(model.place_filter, query="h", status=status))
    if status is None:
        assert model.total_exact and model.total_text() == f"共 {n} 个场所"
    else:
        assert not model.total_exact and model.total_text() == f"超过 {PlaceTableModel.COUNT_CAP} 个场所"
    assert model.rowCount() == PlaceTableModel.PAGE and model.canFetchMore()
    while model.canFetchMore():
        model.fetchMore()
    assert model.rowCount() == n and model.total == n and model.total_exact
    assert model.total_text() == f"共 {n} 个场所"
    assert model.index(n - 1, PlaceTableModel.COL_NAME).data() == f"红光超市{n - 1:05d}"


def test_model_cells_and_roles(qtbot: QtBot, db: Database) -> None:
    with db.session("t") as s:
        s.add_all([
            Place(name="红光小馆", address="红光路1号", risk_color="红", status="停业"),
            Place(name="安心饭店", address="石桥村", risk_color="蓝", nine_small_kind="小餐饮场所"),
        ])
    with db.session("t") as s:
        place = s.scalars(select(Place).where(Place.name == "安心饭店")).one()
        update_place(s, place.id, sectors=["燃气", "九小场所"])
    model = PlaceTableModel(desk_for(db))
    first, second = model.index(0, 0), model.index(1, 0)
    assert (first.data(), second.data()) == ("安心饭店", "红光小馆")  # pinyin order: an < hong
    assert model.index(0, PlaceTableModel.COL_SECTORS).data() == "九小场所、燃气"
    assert model.index(0, PlaceTableModel.COL_KIND).data() == "小餐饮场所"
    assert model.index(1, PlaceTableModel.COL_KIND).data() == ""
    risk = model.index(1, PlaceTableModel.COL_RISK)
    assert risk.data() == "红" and risk.data(Qt.ItemDataRole.DecorationRole).name() == "#e74c3c"
    assert model.index(1, PlaceTableModel.COL_NAME).data(Qt.ItemDataRole.DecorationRole) is None
    assert model.index(1, PlaceTableModel.COL_STATUS).data(Qt.ItemDataRole.ForegroundRole) is not None
    assert model.index(0, PlaceTableModel.COL_STATUS).data(Qt.ItemDataRole.ForegroundRole) is None
    assert model.index(1, PlaceTableModel.COL_ADDRESS).data(Qt.ItemDataRole.ToolTipRole) == "红光路1号"
    assert model.index(1, PlaceTableModel.COL_NAME).data(Qt.ItemDataRole.ToolTipRole) is None
    with db.reader() as s:
        ids = dict(s.execute(select(Place.name, Place.id)).tuples().all())
    assert model.index(1, 3).data(PlaceTableModel.PLACE_ID_ROLE) == ids["红光小馆"] == model.place_id(1)
    assert model.data(model.index(5, 0)) is None and model.data(first, Qt.ItemDataRole.FontRole) is None


# --- refreshing from the change announcements ----------------------------------------------------


def _write(desk: Desk, work: Callable[[], object]) -> None:
    """A write operation started by another screen."""
    other = QWidget()
    try:
        WriteOp(other, lambda _p: work()).run()
    finally:
        other.deleteLater()


def test_page_refreshes_from_other_screens_but_keeps_unsaved_edits(qtbot: QtBot, demo_db: Database) -> None:
    pid = _busy_place(demo_db)
    desk = desk_for(demo_db, "tester")
    page = PlacePage(desk, pid)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitExposed(page)
    _write(desk, lambda: places.edit_place(desk, pid, {"phone": "13900000000"}))
    assert page.edits["phone"].text() == "13900000000"  # an untouched form shows what is stored

    page.edits["name"].setText("还没保存的名字")
    _write(desk, lambda: places.edit_place(desk, pid, {"phone": "13900000001"}))
    assert page.edits["name"].text() == "还没保存的名字" and page.edits["phone"].text() == "13900000000"
    assert page.details is not None and page.details.values["phone"] == "13900000001"

    open_hazards = page.hazards.rowCount()
    code = page.hazards.item(0, 0).text()

    def close_hazard() -> None:
        with desk.unit() as s:
            hazard = s.scalars(select(Hazard).where(Hazard.place_id == pid, Hazard.code == code)).one()
            hazard.status = "已销号"

    _write(desk, close_hazard)
    assert page.hazards.rowCount() == open_hazards - 1
    assert page.tabs.tabText(1) == f"未销号隐患（{open_hazards - 1}）"
    assert page.edits["name"].text() == "还没保存的名字"


def test_a_hidden_page_refreshes_when_shown_again(qtbot: QtBot, demo_db: Database) -> None:
    pid = _busy_place(demo_db)
    desk = desk_for(demo_db, "tester")
    page = PlacePage(desk, pid)
    qtbot.addWidget(page)
    _write(desk, lambda: places.edit_place(desk, pid, {"responsible_person": "王五"}))
    assert page.edits["responsible_person"].text() != "王五"  # not shown: nothing read yet
    page.show()
    assert page.edits["responsible_person"].text() == "王五"


def test_place_list_refreshes_itself_after_a_save(qtbot: QtBot, demo_db: Database) -> None:
    desk = desk_for(demo_db, "tester")
    model = PlaceTableModel(desk)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.selectRow(3)
    pid = model.place_id(3)
    page = PlacePage(desk, pid)
    qtbot.addWidget(page)
    page.edits["phone"].setText("13700000007")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    # Same places in the same order: the cells change, the selection stays.
    assert model.index(3, PlaceTableModel.COL_PHONE).data() == "13700000007"
    assert view.selectionModel().selectedRows()[0].row() == 3

    total = model.total
    page.edits["name"].setText("阿达饭店")  # first in pinyin order
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert model.index(0, PlaceTableModel.COL_NAME).data() == "阿达饭店" and model.place_id(0) == pid
    assert model.total == total


def test_place_list_rereads_for_hazards_only_when_its_filter_asks(qtbot: QtBot, demo_db: Database,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    desk = desk_for(demo_db, "tester")
    model = PlaceTableModel(desk)
    reads: list[places.PlaceFilter] = []
    real = places.list_places

    def counted(desk_: Desk, f: places.PlaceFilter, **kwargs: Any) -> places.PlaceListPage:
        if desk_ is desk:  # this model's reads (other tests' models may still be alive)
            reads.append(f)
        return real(desk_, f, **kwargs)

    monkeypatch.setattr(places, "list_places", counted)
    pid = _busy_place(demo_db)

    def close_hazards() -> None:
        with desk.unit() as s:
            for hazard in s.scalars(select(Hazard).where(Hazard.place_id == pid, Hazard.status != "已销号")):
                hazard.status = "已销号"

    with demo_db.reader() as s:
        today = s.scalar(select(func.max(Hazard.deadline)))
    model.set_filter(replace(model.place_filter, has_overdue=True, today=today))
    overdue = model.total
    assert pid in [model.place_id(r) for r in range(model.rowCount())]
    model.set_filter(replace(model.place_filter, has_overdue=False))
    reads.clear()
    _write(desk, lambda: None)  # nothing written: nothing announced
    _write(desk, close_hazards)
    assert reads == []  # hazards do not change the plain list
    model.set_filter(replace(model.place_filter, has_overdue=True))
    assert model.total == overdue - 1
    reads.clear()
    _write(desk, lambda: places.edit_place(desk, pid, {"phone": "13600000000"}))
    assert len(reads) == 1
