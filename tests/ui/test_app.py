"""The program as a new user starts it: a new database becomes the demo, the login (an operation on
the real worker threads) lets the demo administrator in, and the main window opens."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from anquan_desk.ui.app import run_gui
from anquan_desk.ui.main_window import MainWindow
from anquan_desk.ui.operations import OperationRunner

pytestmark = pytest.mark.gui


@pytest.fixture
def threaded() -> Iterator[None]:
    OperationRunner.synchronous = False
    yield
    OperationRunner.synchronous = True


def test_a_new_user_gets_the_demo_and_the_main_window(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threaded: None
) -> None:
    database = tmp_path / "新用户" / "anquan.db"
    monkeypatch.setenv("ANQUAN_DB", str(database))
    monkeypatch.setenv("ANQUAN_DEMO_AUTOLOGIN", "1")
    seen: list[tuple[str, str]] = []
    app = QApplication.instance()
    assert app is not None

    def look() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if not windows:
            QTimer.singleShot(100, look)
            return
        window = windows[0]
        seen.append((window.windowTitle(), window.user_label.text()))
        window.close()  # the last window: the program ends

    QTimer.singleShot(100, look)
    QTimer.singleShot(60_000, app.quit)  # never hang the suite
    assert run_gui(None) == 0
    assert seen == [("安全检查工作台（演示数据库）", "当前用户：周建国（管理员）")]
    assert database.stat().st_size > 0
