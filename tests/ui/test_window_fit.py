"""Every window and dialog of the daily loop fits a 1366×768 laptop: opened at that size, each
visible button lies inside the window and is not clipped (the inspection screen with a hazard open,
its photos in view; the start and finish dialogs; the place page; the 复查) (real widgets, qtbot).

The offscreen platform's screen is not 1366×768, so the windows are sized here: the main window to
the screen's working area less a title bar, a dialog at its own size, which must not be larger."""

from __future__ import annotations

import pytest
from helpers import desk_for
from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget
from pytestqt.qtbot import QtBot

from anquan_desk.core.checklists.store import templates_for_place
from anquan_desk.core.db import Database
from anquan_desk.core.models import Place, PlaceSector, Township
from anquan_desk.services import inspections as svc
from anquan_desk.services.checklists import ensure_builtin_library
from anquan_desk.services.desk import Desk
from anquan_desk.services.users import create_user
from anquan_desk.ui.inspection.finish_dialog import FinishDialog
from anquan_desk.ui.inspection.followup import ReinspectionDialog
from anquan_desk.ui.inspection.screen import KIND_ROLE, InspectionWidget
from anquan_desk.ui.inspection.start_dialog import StartInspectionDialog
from anquan_desk.ui.main_window import MainWindow
from anquan_desk.ui.place_page import PlacePage

SCREEN = QSize(1366, 768)
#: What a window may take: the screen less the taskbar (40) and its own title bar (30).
CLIENT = QSize(1366, 768 - 40 - 30)


@pytest.fixture
def ground(db: Database) -> dict[str, str]:
    """A draft with a 不合格 item (its hazard open) at one place; a finished check with an open hazard
    at another (for the 复查)."""
    with db.session("setup") as s:
        s.add(Township(name="红光镇"))
        wang = create_user(s, username="wang", name="王芳", password="12345678", cert_no="A1")
        li = create_user(s, username="li", name="李华", password="12345678", cert_no="A2")
        ids: dict[str, str] = {}
        for key, name in (("draft", "好运来小吃店"), ("done", "张记小馆")):
            place = Place(name=name, address="东湖路5号", responsible_person="刘珺", nine_small_kind="小餐饮场所",
                          gas_supply="瓶装",
                          sector_rows=[PlaceSector(sector="九小场所"), PlaceSector(sector="燃气")])
            s.add(place)
            ensure_builtin_library(s)
            s.flush()
            inspection = svc.start_inspection(s, place_id=place.id, inspector_ids=[wang.id, li.id],
                                              template_ids=[t.id for t in templates_for_place(s, place)])
            ids[key], ids[f"{key}_place"] = inspection.id, place.id
    desk = desk_for(db, "wang")
    for key in ("draft", "done"):
        view = svc.inspection_view(desk, ids[key])
        for n, item in enumerate(view.items):
            svc.save_answer(desk, ids[key], item.item_id, "不合格" if n == 1 else "合格")
    svc.finish_check(desk, ids["done"], signer_name="刘珺", refusal_reason="负责人不在场", refusal_witness="网格员 赵玥")
    return ids


def _button_problems(top: QWidget) -> list[str]:
    """The visible buttons of ``top`` that lie outside it or are clipped (e.g. scrolled away)."""
    problems = []
    inside = top.rect()
    for button in top.findChildren(QAbstractButton):
        if not button.isVisibleTo(top) or button.window() is not top:
            continue
        where = QRect(button.mapTo(top, QPoint(0, 0)), button.size())
        if not inside.contains(where):
            problems.append(f"{button.text() or button.objectName()!r} at {where} outside {inside}")
        elif button.visibleRegion().isEmpty():
            problems.append(f"{button.text() or button.objectName()!r} at {where} is hidden (scrolled or covered)")
    return problems


def _fits(qtbot: QtBot, top: QWidget) -> None:
    """Shown at its own size (or the client area, if larger), it fits and its buttons are there."""
    top.show()
    qtbot.waitExposed(top)
    assert top.width() <= CLIENT.width() and top.height() <= CLIENT.height(), (type(top).__name__, top.size())
    assert top.width() <= SCREEN.width() and top.height() <= SCREEN.height()
    buttons = [b for b in top.findChildren(QAbstractButton) if b.isVisibleTo(top)]
    assert buttons, type(top).__name__
    assert _button_problems(top) == [], type(top).__name__


def test_the_screen_of_this_test_run(qapp: QApplication) -> None:
    """The offscreen screen is not a laptop's: the sizes above are applied by the tests themselves."""
    screen = QApplication.primaryScreen()
    assert screen is not None and not screen.availableGeometry().isEmpty()


def test_main_window_and_inspection_screen_with_a_hazard_open(
    qtbot: QtBot, db: Database, ground: dict[str, str]
) -> None:
    window = MainWindow(desk_for(db, "wang"))
    qtbot.addWidget(window)
    window.resize(CLIENT)
    _fits(qtbot, window)
    assert window.size() == CLIENT
    # The place list: every column, 风险 included, is in view.
    view = window.place_view
    header = view.horizontalHeader()
    for column in range(header.count()):
        right = header.sectionViewportPosition(column) + header.sectionSize(column)
        assert right <= view.viewport().width(), (column, right, view.viewport().width())

    screen = window.open_inspection(ground["draft"])
    assert isinstance(screen, InspectionWidget)
    qtbot.waitUntil(lambda: screen.view is not None)
    failed = next(n for n in screen._items() if n.data(0, KIND_ROLE) == "item" and n.text(1) == "不合格")
    screen.tree.setCurrentItem(failed)
    assert screen.form.box.isVisible()
    assert _button_problems(window) == []
    # The photos (and their buttons) are in view beside the hazard, without scrolling.
    for widget in (screen.photos_box, screen.photo_list, screen.form.location, screen.form.hint,
                   screen.finish_button):
        where = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
        assert window.rect().contains(where) and not widget.visibleRegion().isEmpty(), widget
    assert screen.photo_list.height() >= 130


def test_start_and_finish_dialogs(qtbot: QtBot, db: Database, ground: dict[str, str]) -> None:
    desk: Desk = desk_for(db, "wang")
    start = StartInspectionDialog(desk, ground["done_place"])
    qtbot.addWidget(start)
    _fits(qtbot, start)
    finish = FinishDialog(desk, ground["draft"])
    qtbot.addWidget(finish)
    _fits(qtbot, finish)
    finish.refused_check.setChecked(True)  # the refusal's fields shown: still fits
    assert _button_problems(finish) == []


def test_place_page_and_reinspection(qtbot: QtBot, db: Database, ground: dict[str, str]) -> None:
    desk = desk_for(db, "wang")
    page = PlacePage(desk, ground["done_place"])
    qtbot.addWidget(page)
    _fits(qtbot, page)
    review = ReinspectionDialog(desk, ground["done_place"])
    qtbot.addWidget(review)
    assert len(review.rows) == 1
    _fits(qtbot, review)


def test_place_list_widths_are_the_users_after_a_restart(qtbot: QtBot, db: Database, ground: dict[str, str]) -> None:
    from anquan_desk.ui.place_model import PlaceTableModel

    first = MainWindow(desk_for(db, "wang"))
    qtbot.addWidget(first)
    assert first.place_view.columnWidth(PlaceTableModel.COL_SECTORS) == PlaceTableModel.DEFAULT_WIDTHS[6]
    first.place_view.setColumnWidth(PlaceTableModel.COL_ADDRESS, 260)
    first.close()  # the widths are kept per user (ui.state.PLACE_COLUMNS)
    again = MainWindow(desk_for(db, "wang"))
    qtbot.addWidget(again)
    assert again.place_view.columnWidth(PlaceTableModel.COL_ADDRESS) == 260


def test_document_draft_and_preview_fit_a_laptop(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    """The draft (草稿) window is A4-shaped, 860×960 where there is room; on a 1366×768 laptop it is
    made to fit, with 签发 and 取消 on screen."""
    import io

    from reportlab.pdfgen import canvas

    from anquan_desk.ui import documents as ui_documents

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(100, 700, "draft")
    page.save()
    laptop = QRect(0, 0, SCREEN.width(), SCREEN.height() - 40)  # less the taskbar
    monkeypatch.setattr(ui_documents, "available_area", lambda _window: laptop)
    dialog = ui_documents.DraftDialog(buffer.getvalue(), "安全隐患整改通知书")
    qtbot.addWidget(dialog)
    _fits(qtbot, dialog)
    assert {b.text() for b in dialog.findChildren(QAbstractButton) if b.isVisibleTo(dialog)} >= {"签发", "取消"}
    monkeypatch.setattr(ui_documents, "available_area", lambda _window: QRect(0, 0, 1920, 1160))
    roomy = ui_documents.DraftDialog(buffer.getvalue(), "安全隐患整改通知书")
    qtbot.addWidget(roomy)
    assert (roomy.width(), roomy.height()) == (860, 960)
