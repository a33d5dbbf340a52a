"""The 管理 menu: the administrator's screens (township, villages and grids, users) and 修改我的密码,
which every signed-in user has. For anyone else the administrator's items are hidden (and
disabled); the services refuse them anyway (:mod:`anquan_desk.services.roles`)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QMainWindow, QMenu

from anquan_desk.services import roles
from anquan_desk.services.desk import Desk
from anquan_desk.ui.admin.ground_dialog import GroundDialog
from anquan_desk.ui.admin.township_dialog import TownshipDialog
from anquan_desk.ui.admin.users_dialog import PasswordDialog, UsersDialog

#: Object names of the menu's actions (for tests and for the window that adds the menu).
TOWNSHIP_ACTION = "admin_township"
GROUND_ACTION = "admin_ground"
USERS_ACTION = "admin_users"
PASSWORD_ACTION = "admin_own_password"


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
    return menu
