"""Per-user window state: every QSettings key is declared in ui/state.py; values round-trip."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray
from PySide6.QtWidgets import QHeaderView, QTableView, QWidget
from pytestqt.qtbot import QtBot

import anquan_desk
from anquan_desk.ui import state

PACKAGE = Path(anquan_desk.__file__).parent


def test_no_screen_uses_qsettings_directly() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path == PACKAGE / "ui" / "state.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        offenders += [
            f"{path.relative_to(PACKAGE)} line {n.lineno}"
            for n in ast.walk(tree)
            if isinstance(n, ast.Name) and n.id == "QSettings"
        ]
    assert offenders == []


def test_declared_keys_are_unique_and_described() -> None:
    keys = [s.key for s in state.SETTINGS]
    assert len(keys) == len(set(keys))
    assert all(s.description and isinstance(s.default, s.type) for s in state.SETTINGS)
    with pytest.raises(KeyError, match="not declared"):
        state.load(state.UiSetting("x/y", str, "", "未声明"))


def test_folders_geometry_and_columns_round_trip(qtbot: QtBot, tmp_path: Path) -> None:
    assert state.last_folder(state.LAST_FOLDER_IMPORT) == str(Path.home())
    folder = tmp_path / "清单"
    folder.mkdir()
    state.remember_folder(state.LAST_FOLDER_IMPORT, folder / "镇里的名单.xlsx")
    assert state.last_folder(state.LAST_FOLDER_IMPORT) == str(folder)
    folder.rmdir()  # a folder that is gone falls back to home
    assert state.last_folder(state.LAST_FOLDER_IMPORT) == str(Path.home())

    widget = QWidget()
    qtbot.addWidget(widget)
    widget.setGeometry(40, 50, 640, 480)
    state.remember_geometry(widget, state.MAIN_WINDOW_GEOMETRY)
    assert isinstance(state.load(state.MAIN_WINDOW_GEOMETRY), QByteArray)
    other = QWidget()
    qtbot.addWidget(other)
    assert state.restore_geometry(other, state.MAIN_WINDOW_GEOMETRY)
    assert other.size() == widget.size()

    table = QTableView()
    qtbot.addWidget(table)
    from PySide6.QtGui import QStandardItemModel

    table.setModel(QStandardItemModel(2, 3, table))
    header: QHeaderView = table.horizontalHeader()
    header.resizeSection(1, 222)
    state.remember_header(header, state.PLACE_COLUMNS)
    header.resizeSection(1, 50)
    assert state.restore_header(header, state.PLACE_COLUMNS) and header.sectionSize(1) == 222
    with pytest.raises(TypeError):
        state.save(state.LAST_FOLDER_EXPORT, 3)  # type: ignore[arg-type]
