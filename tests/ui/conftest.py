"""GUI tests run operations inline, so results are there when the next line checks them; each test
has its own window-state file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from anquan_desk.ui.app import apply_chinese_font
from anquan_desk.ui.operations import OperationRunner, change_hub


@pytest.fixture(autouse=True)
def _program_font(qapp: QApplication) -> None:
    """Every window is measured with the font the program sets (the CJK UI font, at least 10 pt), not
    Qt's default: layouts that fit 1366×768 must fit with what users see. (Before, only tests after
    the first one that started the program got it: a fit test passed alone and failed in the run.)"""
    apply_chinese_font(qapp)


@pytest.fixture(autouse=True)
def _synchronous_operations() -> Iterator[None]:
    OperationRunner.synchronous = True
    yield
    OperationRunner.synchronous = False


@pytest.fixture(autouse=True)
def _screens_forget_their_database() -> Iterator[None]:
    """A test's screens may outlive it (Qt deletes them later); they must not hear of the next test's
    changes and query a database that is gone (a PostgreSQL test's is dropped)."""
    yield
    change_hub.clear()
    app = QApplication.instance()
    if isinstance(app, QApplication):  # and their pending timers (a debounced save, a refresh) never fire
        for window in app.topLevelWidgets():
            if not shiboken6.isValid(window):  # already deleted on the C++ side
                continue
            for timer in window.findChildren(QTimer):
                if shiboken6.isValid(timer):
                    timer.stop()


@pytest.fixture(autouse=True)
def _window_state(tmp_path: Path) -> None:
    """QSettings (window geometry, column widths, last folders) in the test's own folder."""
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qsettings"))


@pytest.fixture(autouse=True)
def _no_internal_error_box(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An internal-error box would block a test forever: record it and fail the test instead
    (a test that expects one patches ``QMessageBox.critical`` itself)."""
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", staticmethod(lambda _p, _t, text, *a, **k: shown.append(text)))
    yield
    assert not shown, f"an internal error was shown: {shown}"
