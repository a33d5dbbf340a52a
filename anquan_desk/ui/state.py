"""Per-user window state, declared in one place: geometry, splitters, column widths, last folders.

This is not township data (that is :mod:`anquan_desk.core.settings`): it belongs to the person at
this computer and lives in ``QSettings`` (an ini file in the user's configuration folder). Every
key is declared below with its type, default and purpose; :func:`load` and :func:`save` take a
declared :class:`UiSetting`, never a bare key, and ``tests/ui/test_state.py`` fails on a key used
anywhere else.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QHeaderView, QSplitter, QWidget

T = TypeVar("T")

ORGANIZATION = "anquan-desk"
APPLICATION = "anquan-desk"


@dataclass(frozen=True)
class UiSetting(Generic[T]):
    key: str
    type: type
    default: T
    description: str


def _geometry(key: str, what: str) -> UiSetting[QByteArray]:
    return UiSetting(f"geometry/{key}", QByteArray, QByteArray(), f"{what}的位置和大小")


MAIN_WINDOW_GEOMETRY = _geometry("main_window", "主窗口")
MAIN_SPLITTER = UiSetting("splitter/main", QByteArray, QByteArray(), "主窗口左侧网格树与右侧页面的分隔位置")
PLACE_COLUMNS = UiSetting("columns/places", QByteArray, QByteArray(), "场所列表的列宽和顺序")
FOLLOWUP_COLUMNS = UiSetting("columns/followup", QByteArray, QByteArray(), "跟踪复查列表的列宽和顺序")
TASK_COLUMNS = UiSetting("columns/tasks", QByteArray, QByteArray(), "本月任务列表的列宽和顺序")
DOCUMENT_COLUMNS = UiSetting("columns/documents", QByteArray, QByteArray(), "文书列表的列宽和顺序")
INSPECTION_SPLITTER = UiSetting("splitter/inspection", QByteArray, QByteArray(), "检查页面检查项与隐患区的分隔位置")
PREVIEW_GEOMETRY = _geometry("document_preview", "文书预览窗口")
IMPORT_WIZARD_GEOMETRY = _geometry("import_wizard", "导入场所清单向导")
PLAN_DIALOG_GEOMETRY = _geometry("plan_dialog", "工作方案窗口")
CHECKLIST_EDITOR_GEOMETRY = _geometry("checklist_editor", "检查表库窗口")
LAST_FOLDER_IMPORT = UiSetting("folders/import", str, "", "上次导入场所清单、检查表所在的文件夹")
LAST_FOLDER_EXPORT = UiSetting("folders/export", str, "", "上次保存台账、文书、报告的文件夹")
LAST_FOLDER_PHOTOS = UiSetting("folders/photos", str, "", "上次添加照片的文件夹")
LAST_FOLDER_PLANS = UiSetting("folders/plans", str, "", "上次打开工作方案的文件夹")
LAST_USERNAME = UiSetting("login/username", str, "", "上次登录的用户名（不保存密码）")

SETTINGS: tuple[UiSetting[Any], ...] = (
    MAIN_WINDOW_GEOMETRY,
    MAIN_SPLITTER,
    PLACE_COLUMNS,
    FOLLOWUP_COLUMNS,
    TASK_COLUMNS,
    DOCUMENT_COLUMNS,
    INSPECTION_SPLITTER,
    PREVIEW_GEOMETRY,
    IMPORT_WIZARD_GEOMETRY,
    PLAN_DIALOG_GEOMETRY,
    CHECKLIST_EDITOR_GEOMETRY,
    LAST_FOLDER_IMPORT,
    LAST_FOLDER_EXPORT,
    LAST_FOLDER_PHOTOS,
    LAST_FOLDER_PLANS,
    LAST_USERNAME,
)
DECLARED_KEYS = frozenset(s.key for s in SETTINGS)


def store() -> QSettings:
    """The user's settings file (ini format on every platform, so it can be read and backed up)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


def _declared(setting: UiSetting[Any]) -> None:
    if setting not in SETTINGS:
        raise KeyError(f"window setting {setting.key!r} is not declared in anquan_desk.ui.state")


def load(setting: UiSetting[T]) -> T:
    _declared(setting)
    value = store().value(setting.key)
    if value is None or not isinstance(value, setting.type):
        return setting.default
    return value  # type: ignore[return-value]


def save(setting: UiSetting[T], value: T) -> None:
    _declared(setting)
    if not isinstance(value, setting.type):
        raise TypeError(f"window setting {setting.key!r} takes {setting.type.__name__}")
    store().setValue(setting.key, value)


# --- helpers for the usual cases -------------------------------------------------------------------


def restore_geometry(widget: QWidget, setting: UiSetting[QByteArray]) -> bool:
    data = load(setting)
    return bool(not data.isEmpty() and widget.restoreGeometry(data))


def remember_geometry(widget: QWidget, setting: UiSetting[QByteArray]) -> None:
    save(setting, widget.saveGeometry())


def restore_header(header: QHeaderView, setting: UiSetting[QByteArray]) -> bool:
    data = load(setting)
    return bool(not data.isEmpty() and header.restoreState(data))


def remember_header(header: QHeaderView, setting: UiSetting[QByteArray]) -> None:
    save(setting, header.saveState())


def restore_splitter(splitter: QSplitter, setting: UiSetting[QByteArray]) -> bool:
    data = load(setting)
    return bool(not data.isEmpty() and splitter.restoreState(data))


def remember_splitter(splitter: QSplitter, setting: UiSetting[QByteArray]) -> None:
    save(setting, splitter.saveState())


def last_folder(setting: UiSetting[str]) -> str:
    """The folder last used for this purpose, if it still exists, else the user's documents."""
    folder = load(setting)
    if folder and Path(folder).is_dir():
        return folder
    documents = Path.home() / "Documents"
    return str(documents if documents.is_dir() else Path.home())


def remember_folder(setting: UiSetting[str], path: str | os.PathLike[str]) -> None:
    """Remember the folder of ``path`` (a file) or ``path`` itself (a folder)."""
    p = Path(path)
    save(setting, str(p if p.is_dir() else p.parent))
