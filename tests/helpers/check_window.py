"""The main window as an inspector has it, with a check open: the GUI tests of the inspection screen
start from here (sized, shown, active, the check's view loaded)."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from anquan_desk.core.db import Database
from anquan_desk.ui.inspection.screen import InspectionWidget
from anquan_desk.ui.main_window import MainWindow

from . import desk_for


def open_check(
    qtbot: QtBot, db: Database, inspection_id: str, size: QSize, username: str = "wang"
) -> tuple[MainWindow, InspectionWidget]:
    """The main window of ``username`` at ``size``, active, with the check ``inspection_id`` open."""
    window = MainWindow(desk_for(db, username))
    qtbot.addWidget(window)
    window.resize(size)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    screen = window.open_inspection(inspection_id)
    assert isinstance(screen, InspectionWidget)
    qtbot.waitUntil(lambda: screen.view is not None)
    return window, screen
