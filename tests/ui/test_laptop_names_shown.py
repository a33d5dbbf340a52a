"""The 本机文书编号段 dialog names laptops, never by their 4-character code: this laptop by its
name (文件 › 本机名称), the others by the names they recorded (when they made a hazard number, were
renamed or were given their slot), ``其他电脑 1a2b3c4d`` for a laptop that recorded none; a slot given
here records this laptop's name for the others (real widgets, qtbot)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import desk_for, doc_setup
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from anquan_desk.core import settings
from anquan_desk.core.db import Database
from anquan_desk.core.device import Device
from anquan_desk.ui.number_slot import NumberSlotDialog

pytestmark = pytest.mark.gui

THIS = Device(id="cccccccc-this", short="K7PQ", name="安监办笔记本1")
WANG = Device(id="aaaaaaaa-wang", short="7KQM", name="王芳的电脑")


@pytest.fixture(autouse=True)
def _device(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANQUAN_DEVICE_FILE", str(tmp_path / "device.json"))


def _shown(dialog: NumberSlotDialog) -> list[str]:
    """Every text the dialog shows: its labels and the cells of its slot list."""
    labels = [label.text() for label in dialog.findChildren(QLabel)]
    cells = [dialog.table.item(r, c).text() for r in range(dialog.table.rowCount()) for c in range(3)]
    return labels + cells


def test_slot_list_names_the_laptops(qtbot: QtBot, db: Database) -> None:
    doc_setup.township(db, settings={"device_slots": {WANG.id: 1, "bbbbbbbb-unknown": 3}})
    with db.session("setup") as s:
        settings.put(s, settings.LAPTOP_NAMES, {WANG.short: WANG.name})
        settings.put(s, settings.LAPTOP_CODES, {WANG.id: WANG.short})
    dialog = NumberSlotDialog(desk_for(db, "admin"), device=THIS)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.device_label.text() == "安监办笔记本1"
    assert [dialog.table.item(r, 1).text() for r in range(2)] == ["王芳的电脑", "其他电脑 bbbbbbbb"]
    qtbot.mouseClick(dialog.assign_button, Qt.MouseButton.LeftButton)
    assert dialog.slot == 2
    assert [dialog.table.item(r, 1).text() for r in range(3)] == ["王芳的电脑", "本机（安监办笔记本1）", "其他电脑 bbbbbbbb"]
    shown = " ".join(_shown(dialog))
    assert "本机名称：" in shown and "识别码" not in shown
    assert THIS.short not in shown and WANG.short not in shown

    # On 王芳's laptop the slot just given shows this laptop's name (recorded with the slot).
    other = NumberSlotDialog(desk_for(db, "admin"), device=WANG)
    qtbot.addWidget(other)
    other.show()
    assert [other.table.item(r, 1).text() for r in range(3)] == ["本机（王芳的电脑）", "安监办笔记本1", "其他电脑 bbbbbbbb"]
    assert other.device_label.text() == "王芳的电脑"
