"""Starting the GUI: Qt application, fonts, database (demo on first start), login, main window."""

from __future__ import annotations

import logging
import os
import sys

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QMessageBox

from anquan_desk.core.db import Database, open_database, resolve_db_url, sqlite_path
from anquan_desk.core.errors import AnquanError
from anquan_desk.services.demo import DEMO_PASSWORD, create_demo
from anquan_desk.services.ground import current_township
from anquan_desk.services.users import has_users
from anquan_desk.ui.login import FirstAdminDialog, LoginDialog
from anquan_desk.ui.main_window import MainWindow

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


def prepare_database(db_arg: str | None) -> tuple[Database, bool]:
    """Open the database; create the demo township when the file does not exist yet.

    Returns the database and whether it is a demo database.
    """
    url = resolve_db_url(db_arg)
    path = sqlite_path(url)
    fresh = path is not None and (not path.exists() or path.stat().st_size == 0)
    db = open_database(db_arg)
    with db.session("demo") as session:
        if fresh and not has_users(session):
            create_demo(session, scale="small")
        township = current_township(session)
        demo = bool(township and township.settings.get("demo"))
    return db, demo


def run_gui(db: str | None = None) -> int:
    app = make_application()
    try:
        database, demo = prepare_database(db)
    except AnquanError as exc:
        QMessageBox.critical(None, "无法打开数据库", str(exc))
        return 1
    with database.reader() as session:
        township = current_township(session)
        need_admin = not has_users(session)
    if need_admin:
        first = FirstAdminDialog(database)
        if first.exec() != FirstAdminDialog.DialogCode.Accepted or first.user is None:
            return 0
        user = first.user
    else:
        hint = f"演示数据库：用户名 admin，密码 {DEMO_PASSWORD}" if demo else ""
        login = LoginDialog(database, township=township.name if township else "", hint=hint)
        if demo:
            login.set_username("admin")
        if os.environ.get("ANQUAN_DEMO_AUTOLOGIN") == "1" and demo:
            # Screenshots and start-up measurements of the demo database skip typing.
            login.ui.passwordEdit.setText(DEMO_PASSWORD)
            login.ui.buttonBox.accepted.emit()
        elif login.exec() != LoginDialog.DialogCode.Accepted:
            return 0
        if login.user is None:
            return 0
        user = login.user
    window = MainWindow(database, user)
    window.show()
    code = app.exec()
    database.dispose()
    return int(code)
