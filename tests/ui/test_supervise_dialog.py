"""挂牌督办 from the inspection screen: ticking the box of a major hazard of a finished check asks
for the 挂牌日期 (default today, not before the check), 督办文号 and 督办单位 and records them
through services.hazards.supervise; cancelling leaves it unticked; what is recorded shows beside
the box (real widgets, qtbot, today pinned)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from helpers import desk_for
from helpers.major_hazard import CHECK_DAY, major_hazard
from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from anquan_desk.core.db import Database
from anquan_desk.services import hazards
from anquan_desk.ui.inspection.screen import KIND_ROLE, InspectionWidget
from anquan_desk.ui.inspection.supervise_dialog import SuperviseDialog

CHINA = ZoneInfo("Asia/Shanghai")
TODAY = date(2027, 3, 12)  # two days after the check
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


def _screen(qtbot: QtBot, db: Database, inspection_id: str, user: str = "wang") -> InspectionWidget:
    screen = InspectionWidget(desk_for(db, user), inspection_id)
    qtbot.addWidget(screen)
    screen.resize(1366, 700)
    screen.show()
    qtbot.waitUntil(lambda: screen.view is not None)
    first = next(n for n in screen._items() if n.data(0, KIND_ROLE) == "item")
    screen.tree.setCurrentItem(first)  # the failed item: its hazard opens
    qtbot.waitUntil(lambda: screen.form.box.isVisible())
    return screen


def _click_then(qtbot: QtBot, screen: InspectionWidget, answer: Callable[[SuperviseDialog], None]) -> None:
    """Click the tick box; ``answer`` fills the dialog it opens (a modal one) and closes it."""
    seen: list[SuperviseDialog] = []

    def handle() -> None:
        dialog = screen.supervise_dialog
        if dialog is None or not dialog.isVisible():
            QTimer.singleShot(20, handle)
            return
        seen.append(dialog)
        answer(dialog)

    QTimer.singleShot(0, handle)
    qtbot.mouseClick(screen.form.supervised, Qt.MouseButton.LeftButton)
    assert seen, "the tick box opened no dialog"


@time_machine.travel(datetime(2027, 3, 12, 10, 0, tzinfo=CHINA), tick=False)
def test_ticking_asks_for_the_listing_and_records_it(qtbot: QtBot, db: Database) -> None:
    inspection_id, hazard_id = major_hazard(db)
    screen = _screen(qtbot, db, inspection_id)
    f = screen.form
    assert f.five_box.isVisible() and f.supervised.isVisible()
    assert f.supervised.isEnabled() and not f.supervised.isChecked()  # the rest of the form is read-only
    assert not f.location.isEnabled()
    assert f.supervision.text() == ""

    # Cancel: nothing recorded, the box stays unticked.
    def cancel(dialog: SuperviseDialog) -> None:
        assert dialog.listed_on.date() == QDate(2027, 3, 12)  # today
        assert dialog.listed_on.minimumDate() == QDate(2027, 3, 10)  # not before the check
        assert dialog.listed_on.maximumDate() == QDate(2027, 3, 12)  # nor after today
        assert not dialog.ok_button.isEnabled()  # no 督办文号 yet
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)

    _click_then(qtbot, screen, cancel)
    assert not f.supervised.isChecked()
    assert not hazards.supervision_of(desk_for(db, "wang"), hazard_id).supervised

    # Tick again and fill in: a date before the check cannot be given; the listing is recorded.
    def fill(dialog: SuperviseDialog) -> None:
        dialog.listed_on.setDate(QDate(2027, 3, 1))
        assert dialog.listed_on.date() == QDate(2027, 3, 10)
        dialog.listed_on.setDate(QDate(2027, 3, 11))
        dialog.number.insert("红安委办督〔2027〕")  # (QTest types only Latin keys)
        assert dialog.ok_button.isEnabled()
        qtbot.keyClicks(dialog.number, "3")
        dialog.number.insert("号")
        dialog.unit.insert("红光镇安全生产委员会办公室")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    _click_then(qtbot, screen, fill)
    qtbot.waitUntil(lambda: "挂牌" in f.supervision.text())
    assert f.supervised.isChecked()
    assert f.supervision.text() == "2027年03月11日挂牌　红安委办督〔2027〕3号（红光镇安全生产委员会办公室）"
    saved = hazards.supervision_of(desk_for(db, "wang"), hazard_id)
    assert (saved.supervised, saved.listed_on, saved.supervision_no, saved.supervising_unit) == (
        True, date(2027, 3, 11), "红安委办督〔2027〕3号", "红光镇安全生产委员会办公室")

    # Opened again later, the screen shows what is recorded beside the ticked box.
    again = _screen(qtbot, db, inspection_id)
    qtbot.waitUntil(lambda: "挂牌" in again.form.supervision.text())
    assert again.form.supervised.isChecked()
    assert again.form.supervision.text() == f.supervision.text()

    # Clicking a ticked box corrects the entry (pre-filled); the box stays ticked.
    def correct(dialog: SuperviseDialog) -> None:
        assert dialog.listed_on.date() == QDate(2027, 3, 11)
        assert dialog.number.text() == "红安委办督〔2027〕3号"
        dialog.unit.clear()  # empty: the township's issuing body
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    _click_then(qtbot, again, correct)
    qtbot.waitUntil(lambda: "红光镇安全生产委员会办公室" not in again.form.supervision.text())
    assert again.form.supervised.isChecked()
    saved = hazards.supervision_of(desk_for(db, "wang"), hazard_id)
    assert saved.supervised and saved.supervising_unit and saved.supervising_unit != "红光镇安全生产委员会办公室"
    assert again.form.supervision.text() == f"2027年03月11日挂牌　红安委办督〔2027〕3号（{saved.supervising_unit}）"


@time_machine.travel(datetime(2027, 3, 10, 10, 0, tzinfo=CHINA), tick=False)
def test_not_in_a_draft(qtbot: QtBot, db: Database) -> None:
    inspection_id, _hazard_id = major_hazard(db, finished=False)
    screen = _screen(qtbot, db, inspection_id)
    assert screen.form.five_box.isVisible()
    assert not screen.form.supervised.isEnabled() and not screen.form.supervised.isChecked()
    assert screen.form.supervision.text() == "检查完成后办理"
    assert screen.form.location.isEnabled()  # the draft's form is editable


def test_the_dialog_on_its_own(qtbot: QtBot) -> None:
    with time_machine.travel(datetime(2027, 3, 10, 10, 0, tzinfo=CHINA), tick=False):
        dialog = SuperviseDialog("YH2027-0001（安监办笔记本1）", CHECK_DAY)
        qtbot.addWidget(dialog)
        assert dialog.listed_on.date() == QDate(2027, 3, 10)  # the check's day is today
        assert dialog.listed_on.minimumDate() == dialog.listed_on.maximumDate()
    dialog.number.setText("  督〔2027〕1号 ")
    values = dialog.values()
    assert (values.listed_on, values.supervision_no, values.supervising_unit) == (CHECK_DAY, "督〔2027〕1号", "")
