"""The 管理 menu: the administrator's screens (township, villages and grids, users), 修改我的密码,
which every signed-in user has, and the two papers the district keeps (打印审计锚点单 weekly,
打印签名密钥登记表 at the start and after a key was added or replaced), which anyone may print. For
anyone else the administrator's items are hidden (and disabled); the services refuse them anyway
(:mod:`anquan_desk.services.roles`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QFileDialog, QMainWindow, QMenu, QMessageBox, QWidget

from anquan_desk.core.audit_check import AnchorSheet, SheetKind
from anquan_desk.core.clock import to_local, utcnow
from anquan_desk.services import audit, roles
from anquan_desk.services.desk import Desk
from anquan_desk.ui import state
from anquan_desk.ui.admin.ground_dialog import GroundDialog
from anquan_desk.ui.admin.township_dialog import TownshipDialog
from anquan_desk.ui.admin.users_dialog import PasswordDialog, UsersDialog
from anquan_desk.ui.operations import QueryOp, show_error

#: Object names of the menu's actions (for tests and for the window that adds the menu).
TOWNSHIP_ACTION = "admin_township"
GROUND_ACTION = "admin_ground"
USERS_ACTION = "admin_users"
PASSWORD_ACTION = "admin_own_password"
ANCHOR_SHEET_ACTION = "admin_anchor_sheet"
KEY_RECORD_ACTION = "admin_key_record"

#: kind → (menu text, suggested file name, what to do with the paper)
_SHEETS: dict[SheetKind, tuple[str, str, str]] = {
    "anchor": ("打印审计锚点单…", "审计锚点单", "请打印、签字，交区（县）应急管理部门留存（每周一次）。"),
    "keys": ("打印签名密钥登记表…", "签名密钥登记表", "请打印，由管理员和乡镇负责人签字、盖章，交区（县）应急管理部门留存。"),
}


def _opener(make: Callable[[], QDialog]) -> Callable[[], None]:
    def open_dialog() -> None:
        dialog = make()  # a child of the window, modal to it, gone once closed
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    return open_dialog


def add_admin_menu(window: QMainWindow, desk: Desk) -> QMenu:
    """Add 管理(&M) to ``window``'s menu bar and return it."""
    menu = window.menuBar().addMenu("管理(&M)")
    role = desk.actor.role
    system = desk.actor.user_id is None and not role
    items: tuple[tuple[str, str, str, Callable[[], QDialog]], ...] = (
        (TOWNSHIP_ACTION, "乡镇（街道）信息…", "township.edit", lambda: TownshipDialog(desk, window)),
        (GROUND_ACTION, "村（社区）和网格…", "grids.manage", lambda: GroundDialog(desk, window)),
        (USERS_ACTION, "用户…", "users.manage", lambda: UsersDialog(desk, window)),
    )
    for name, text, action, make in items:
        item = QAction(text, window)
        item.setObjectName(name)
        allowed = system or roles.allows(role, action)
        item.setEnabled(allowed)
        item.setVisible(allowed)
        item.triggered.connect(_opener(make))
        menu.addAction(item)
    separator = menu.addSeparator()
    separator.setVisible(any(a.isVisible() for a in menu.actions() if not a.isSeparator()))
    password = QAction("修改我的密码…", window)
    password.setObjectName(PASSWORD_ACTION)
    password.setEnabled(desk.actor.user_id is not None)
    password.triggered.connect(_opener(lambda: PasswordDialog(desk, None, window)))
    menu.addAction(password)
    menu.addSeparator()
    sheets: tuple[tuple[SheetKind, str], ...] = (("anchor", ANCHOR_SHEET_ACTION), ("keys", KEY_RECORD_ACTION))
    for kind, name in sheets:
        sheet = QAction(_SHEETS[kind][0], window)
        sheet.setObjectName(name)
        sheet.triggered.connect(lambda _checked=False, k=kind: save_sheet(window, desk, k))
        menu.addAction(sheet)
    return menu


def save_sheet(window: QWidget, desk: Desk, kind: SheetKind, path: Path | None = None) -> None:
    """Ask where (unless ``path`` is given), write the sheet in an operation, then say where it is."""
    text, stem, then = _SHEETS[kind]
    if path is None:
        today = to_local(utcnow()).date().isoformat()
        suggested = str(Path(state.last_folder(state.LAST_FOLDER_EXPORT)) / f"{stem}-{today}.pdf")
        name, _filter = QFileDialog.getSaveFileName(window, text.rstrip("…"), suggested, "PDF 文件 (*.pdf)")
        if not name:
            return
        path = Path(name) if name.lower().endswith(".pdf") else Path(name + ".pdf")
        state.remember_folder(state.LAST_FOLDER_EXPORT, path)
    target = path

    def written(sheet: AnchorSheet) -> None:
        code = sheet.anchor.code if sheet.anchor is not None else ""
        QMessageBox.information(window, stem, f"{stem}已保存到：\n{target}\n\n审计锚点：{code}\n{then}")

    QueryOp(
        window, lambda _p: audit.write_sheet(desk, target, kind),
        success=written, failure=lambda error: show_error(window, stem, error), title=stem,
    ).with_progress(f"正在生成{stem}…").run()
