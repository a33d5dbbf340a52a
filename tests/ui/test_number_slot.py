"""The 本机文书编号段 dialog and its 文件 menu entry (real widgets, qtbot)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import desk_as, desk_for, doc_setup
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from anquan_desk.core.db import Database
from anquan_desk.core.device import Device, this_device
from anquan_desk.core.models import Township, User
from anquan_desk.services.ground import current_township
from anquan_desk.services.numbering import device_slots
from anquan_desk.ui.number_slot import NumberSlotDialog

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def _device(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANQUAN_DEVICE_FILE", str(tmp_path / "device.json"))


def _slots(db: Database) -> dict[str, int]:
    with db.reader() as s:
        township = current_township(s)
        assert township is not None
        return device_slots(township)


def test_assigns_slot_one_on_a_fresh_township(qtbot: QtBot, db: Database) -> None:
    doc_setup.township(db)
    device = this_device()
    dialog = NumberSlotDialog(desk_for(db, "admin"))
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.device_label.text() == device.name  # the laptop's name, not its code
    assert dialog.slot_label.text() == "未分配"
    assert dialog.layout_label.text() == "共 10 个段位，每段 50 个编号"
    assert dialog.table.rowCount() == 0 and dialog.assign_button.isEnabled()
    qtbot.mouseClick(dialog.assign_button, Qt.MouseButton.LeftButton)
    assert _slots(db) == {device.id: 1}
    assert dialog.slot == 1
    assert dialog.slot_label.text() == "第 1 段位（编号 1–50、501–550 …）"
    assert dialog.table.rowCount() == 1
    assert [dialog.table.item(0, c).text() for c in range(3)] == ["1", f"本机（{device.name}）", "1–50、501–550 …"]
    assert not dialog.assign_button.isEnabled()


def test_next_free_slot_after_other_laptops(qtbot: QtBot, db: Database) -> None:
    doc_setup.township(db, settings={"device_slots": {"aaaaaaaa-other-1": 1, "bbbbbbbb-other-3": 3}})
    device = Device(id="cccccccc-this", short="K7PQ", name="安监办笔记本1")
    dialog = NumberSlotDialog(desk_for(db, "admin"), device=device)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 2
    assert [dialog.table.item(r, 1).text() for r in range(2)] == ["其他电脑 aaaaaaaa", "其他电脑 bbbbbbbb"]
    dialog.assign()
    assert dialog.slot == 2
    assert _slots(db)["cccccccc-this"] == 2
    assert [dialog.table.item(r, 0).text() for r in range(3)] == ["1", "2", "3"]
    assert dialog.table.item(1, 1).text() == "本机（安监办笔记本1）"
    assert dialog.slot_label.text() == "第 2 段位（编号 51–100、551–600 …）"


def test_without_township_nothing_to_assign(qtbot: QtBot, db: Database) -> None:
    dialog = NumberSlotDialog(desk_for(db, "admin"), device=Device(id="x", short="ABCD"))
    qtbot.addWidget(dialog)
    assert dialog.slot_label.text() == "尚未设置乡镇（街道）信息"
    assert not dialog.assign_button.isEnabled()
    with db.reader() as s:
        assert s.query(Township).count() == 0


@pytest.mark.parametrize(("role", "enabled"), [("管理员", True), ("检查员", False), ("只读", False)])
def test_menu_entry_only_for_administrators(qtbot: QtBot, db: Database, role: str, enabled: bool) -> None:
    from anquan_desk.ui.main_window import MainWindow

    doc_setup.township(db)
    user = User(username="u", name="测试", role=role, password_hash="x")
    window = MainWindow(desk_as(db, user))
    qtbot.addWidget(window)
    file_menu = window.menuBar().actions()[0].menu()
    texts = [a.text() for a in file_menu.actions()]
    assert "本机文书编号段…" in texts
    assert window.number_slot_action.isEnabled() is enabled
    inspect_menu = window.menuBar().actions()[1].menu()
    assert "核验PDF文件…" in [a.text() for a in inspect_menu.actions()]
