"""Starting the GUI: Qt application (Chinese translations and fonts), the database, the first-run setup
or the login, the main window.

A new, empty database opens the setup wizard, never the demo; the demo (a file of its own beside
the real database) opens only from the wizard's 打开演示数据库; 连接乡镇服务器… there opens the township's
server instead (and the wizard again when nobody has set the township up on it yet). When the server
saved on this computer cannot be opened, the 连接服务器 dialog asks, prefilled, with the reason.
"""

from __future__ import annotations

import logging
import os
import sys

from PySide6.QtCore import QLibraryInfo, QLocale, QTimer, QTranslator
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QMessageBox

from anquan_desk.core.errors import AnquanError
from anquan_desk.services import roles, server, township
from anquan_desk.services.demo import DEMO_ADMIN, DEMO_PASSWORD
from anquan_desk.services.desk import Actor, Desk
from anquan_desk.services.server import ServerConnectError
from anquan_desk.services.township import StartState
from anquan_desk.ui.login import FirstAdminDialog, LoginDialog
from anquan_desk.ui.main_window import MainWindow
from anquan_desk.ui.operations import OperationRunner
from anquan_desk.ui.server_dialog import ServerDialog
from anquan_desk.ui.setup_wizard import SetupWizard

log = logging.getLogger(__name__)

# fontconfig picks the Japanese cut of Noto CJK for Chinese text unless asked for SC by name.
UI_FONT_FAMILIES = ["Microsoft YaHei UI", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei"]
#: Qt's own translations of its standard dialogs and widgets (file dialogs, message box buttons,
#: context menus, the calendar popup …), shipped with PySide6.
QT_TRANSLATIONS = ("qtbase_zh_CN",)
CHINA = QLocale(QLocale.Language.Chinese, QLocale.Script.SimplifiedChineseScript, QLocale.Country.China)
#: Texts of Qt's standard dialogs that its zh_CN catalogue leaves in English (Qt 6.11), found by asking
#: the catalogue for every text the file, print and message dialogs, input and progress dialogs, the
#: calendar and the context menus look up: (context, source, disambiguation) → Chinese.
QT_GAPS: dict[tuple[str, str, str | None], str] = {
    ("QFileDialog", "&Look in:", None): "查找范围(&L)：",
    ("QFileDialog", "Files of &type:", None): "文件类型(&T)：",
    ("QPrintSettingsOutput", "Page &Set:", None): "打印页面(&S)：",
    ("QAbstractFileIconProvider", "Drive", None): "驱动器",
    ("QAbstractFileIconProvider", "Folder", "All other platforms"): "文件夹",
    ("QAbstractFileIconProvider", "File Folder", "Match Windows Explorer"): "文件夹",
    ("QAbstractFileIconProvider", "File", "All other platforms"): "文件",
    ("QAbstractFileIconProvider", "%1 File", None): "%1 文件",
}
GAPS_NAME = "anquan_qt_gaps"


class _QtGaps(QTranslator):
    """Fills :data:`QT_GAPS` (installed after Qt's catalogue, so it is asked first; anything else it
    leaves to the catalogue by answering None)."""

    def translate(
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str | None:
        return QT_GAPS.get((context, source, disambiguation or None))

    def isEmpty(self) -> bool:
        return False


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv or sys.argv[:1])
    app.setApplicationName("anquan-desk")
    app.setApplicationDisplayName("安全检查工作台")
    install_chinese_translations(app)
    apply_chinese_font(app)
    return app


def install_chinese_translations(app: QApplication) -> list[str]:
    """Load Qt's zh_CN catalogues once (kept alive as children of ``app``) and make Chinese (China) the
    default locale, so standard dialogs, buttons, context menus and dates are Chinese whatever the
    computer's language. Returns the catalogues loaded."""
    QLocale.setDefault(CHINA)
    installed = {t.objectName() for t in app.findChildren(QTranslator)}
    loaded = [name for name in QT_TRANSLATIONS if name in installed]
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for name in QT_TRANSLATIONS:
        if name in loaded:
            continue
        translator = QTranslator(app)
        translator.setObjectName(name)
        if translator.load(name, folder) and app.installTranslator(translator):
            loaded.append(name)
        else:
            log.warning("Qt translation %s not found in %s: standard dialogs stay in English", name, folder)
            translator.deleteLater()
    if GAPS_NAME not in installed:
        gaps = _QtGaps(app)
        gaps.setObjectName(GAPS_NAME)
        app.installTranslator(gaps)  # the last installed is asked first
    return loaded


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
    desk = _open_workplace(db)
    if desk is None:
        return 1
    state = township.start_state(desk)
    user: Actor | None = None
    while state.needs_setup:
        wizard = SetupWizard(desk)
        code = wizard.exec()
        if code == SetupWizard.DEMO and wizard.demo_desk is not None:
            desk.close()
            desk = wizard.demo_desk
        elif code == SetupWizard.SERVER and wizard.server_desk is not None:
            # The township's server: set up already by another laptop, or set up now (the wizard again).
            desk.close()
            desk = wizard.server_desk
        elif code != SetupWizard.DialogCode.Accepted or wizard.admin is None:
            desk.close()
            return 0
        else:
            user = wizard.admin
        state = township.start_state(desk)
        if user is not None:
            break
    if user is None:
        user = _log_in(desk, state)
        if user is None:
            desk.close()
            return 0
        if state.township is None and roles.allows(user.role, "township.edit"):
            # Users but no township (an older database): the administrator sets it up now.
            SetupWizard(desk.as_actor(user), with_admin=False).exec()
            state = township.start_state(desk)
    window = MainWindow(desk.as_actor(user), demo=state.demo)
    window.show()
    code = app.exec()
    OperationRunner.instance().drain()  # answers still being saved are written before the file closes
    desk.close()
    return int(code)


def _open_workplace(db: str | None) -> Desk | None:
    """The database of this start. When the township's server saved on this computer cannot be opened
    (no or a wrong password, the server unreachable), the 连接服务器 dialog asks, prefilled, with the
    reason; 改用本机数据库 goes back to this computer's own file."""
    try:
        return server.open_workplace(db)
    except ServerConnectError as exc:
        if not exc.saved:
            QMessageBox.critical(None, "无法打开数据库", str(exc))
            return None
        dialog = ServerDialog(address=exc.address, message=str(exc), offer_local=True)
        code = dialog.exec()
        if code == ServerDialog.DialogCode.Accepted and dialog.desk is not None:
            return dialog.desk
        if code != ServerDialog.LOCAL:
            return None
        server.use_own_file()
        return _open_workplace(db)
    except AnquanError as exc:
        QMessageBox.critical(None, "无法打开数据库", str(exc))
        return None


def _log_in(desk: Desk, state: StartState) -> Actor | None:
    if not state.has_users:
        first = FirstAdminDialog(desk)
        if first.exec() != FirstAdminDialog.DialogCode.Accepted:
            return None
        return first.user
    hint = f"演示数据库：用户名 {DEMO_ADMIN}，密码 {DEMO_PASSWORD}" if state.demo else ""
    login = LoginDialog(desk, township=state.township or "", hint=hint)
    if state.demo:
        login.set_username(DEMO_ADMIN)
    if os.environ.get("ANQUAN_DEMO_AUTOLOGIN") == "1" and state.demo:
        # Screenshots and start-up measurements of the demo database skip typing: the dialog
        # logs in as soon as its event loop runs (the login is an operation like any other).
        login.ui.passwordEdit.setText(DEMO_PASSWORD)
        QTimer.singleShot(0, login, login.ui.buttonBox.accepted.emit)
    if login.exec() != LoginDialog.DialogCode.Accepted:
        return None
    return login.user
