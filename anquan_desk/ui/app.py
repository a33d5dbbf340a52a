"""Starting the GUI: Qt application, fonts, database (demo on first start), login, main window."""

from __future__ import annotations

import logging
import os
import sys

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QMessageBox

from anquan_desk.core.errors import AnquanError
from anquan_desk.services.demo import DEMO_PASSWORD, open_for_window
from anquan_desk.services.ground import township_info
from anquan_desk.services.users import any_users
from anquan_desk.ui.login import FirstAdminDialog, LoginDialog
from anquan_desk.ui.main_window import MainWindow
from anquan_desk.ui.operations import OperationRunner

log = logging.getLogger(__name__)

# fontconfig picks the Japanese cut of Noto CJK for Chinese text unless asked for SC by name.
UI_FONT_FAMILIES = ["Microsoft YaHei UI", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei"]


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv or sys.argv[:1])
    app.setApplicationName("anquan-desk")
    app.setApplicationDisplayName("安全检查工作台")
    apply_chinese_font(app)
    return app


def apply_chinese_font(app: QApplication) -> None:
    available = set(QFontDatabase.families())
    families = [f for f in UI_FONT_FAMILIES if f in available]
    if families:
        font = QFont(app.font())
        font.setFamilies(families)
        font.setPointSize(max(font.pointSize(), 10))
        app.setFont(font)


def run_gui(db: str | None = None) -> int:
    app = make_application()
    try:
        desk = open_for_window(db)
    except AnquanError as exc:
        QMessageBox.critical(None, "无法打开数据库", str(exc))
        return 1
    township = township_info(desk)
    demo = township is not None and township.demo
    if not any_users(desk):
        first = FirstAdminDialog(desk)
        if first.exec() != FirstAdminDialog.DialogCode.Accepted or first.user is None:
            return 0
        user = first.user
    else:
        hint = f"演示数据库：用户名 admin，密码 {DEMO_PASSWORD}" if demo else ""
        login = LoginDialog(desk, township=township.name if township else "", hint=hint)
        if demo:
            login.set_username("admin")
        if os.environ.get("ANQUAN_DEMO_AUTOLOGIN") == "1" and demo:
            # Screenshots and start-up measurements of the demo database skip typing: the dialog
            # logs in as soon as its event loop runs (the login is an operation like any other).
            login.ui.passwordEdit.setText(DEMO_PASSWORD)
            QTimer.singleShot(0, login, login.ui.buttonBox.accepted.emit)
        if login.exec() != LoginDialog.DialogCode.Accepted or login.user is None:
            return 0
        user = login.user
    window = MainWindow(desk.as_actor(user), demo=demo)
    window.show()
    code = app.exec()
    OperationRunner.instance().drain()  # answers still being saved are written before the file closes
    desk.close()
    return int(code)
