"""连接服务器, clicked as a user does, against real throwaway PostgreSQL clusters: the dialog itself,
the setup wizard's 连接乡镇服务器…, 文件 › 连接服务器…, and the start-up when the saved server cannot
be opened."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale, QTimer, QTranslator
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from anquan_desk.core.db import Database
from anquan_desk.core.workplace import remember_password, remembered_password, save_server, saved_server
from anquan_desk.migrations import SCHEMA_HEAD
from anquan_desk.services.desk import Actor, Desk
from anquan_desk.services.server import ServerAddress
from anquan_desk.ui.app import run_gui
from anquan_desk.ui.main_window import MainWindow
from anquan_desk.ui.server_dialog import REMEMBER_TEXT, ServerDialog
from anquan_desk.ui.setup_wizard import SetupWizard
from tests.helpers.pg_roles import CLERK_PASSWORD
from tests.helpers.pg_server import PgCluster

pytestmark = [pytest.mark.gui, pytest.mark.server_only]

SHOTS = Path(os.environ.get("ANQUAN_SHOTS", "/tmp/helper-e"))


@pytest.fixture(autouse=True)
def _leave_qt_as_found() -> Iterator[None]:
    """run_gui installs the Chinese translations and locale for the process: take them away again."""
    locale = QLocale()
    yield
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    for translator in app.findChildren(QTranslator):
        app.removeTranslator(translator)
        translator.setParent(None)
    QLocale.setDefault(locale)


def _address(db: Database) -> ServerAddress:
    address = ServerAddress.from_url(db.url)
    assert address is not None
    return address


def _fill(dialog: ServerDialog, address: ServerAddress, password: str = "") -> None:
    dialog.host_edit.setText(address.host)
    dialog.port_spin.setValue(address.port)
    dialog.database_edit.setText(address.database)
    dialog.user_edit.setText(address.user)
    dialog.password_edit.setText(password)


def _shot(widget: QWidget, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(SHOTS / name))


def test_test_then_connect(qtbot: QtBot, backend: str, db: Database) -> None:
    dialog = ServerDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    assert [dialog.test_button.text(), dialog.connect_button.text(), dialog.cancel_button.text()] == [
        "测试连接", "连接", "取消"]
    assert dialog.remember_check.text() == REMEMBER_TEXT and not dialog.remember_check.isChecked()
    assert dialog.local_button is None
    dialog.test_button.click()
    assert dialog.result_label.text() == "请填写服务器地址。"
    _fill(dialog, _address(db))
    dialog.test_button.click()
    said = dialog.result_label.text()
    assert said.startswith("连接成功：PostgreSQL ") and f"数据库版本 {SCHEMA_HEAD}，与本程序一致" in said
    assert "尚未设置乡镇（街道）" in said and "#1e7b34" in dialog.result_label.styleSheet()
    assert saved_server() is None  # testing changes nothing
    hint = dialog.sizeHint()
    assert hint.width() <= 1366 and hint.height() <= 700
    dialog.resize(hint)
    _shot(dialog, "server-dialog-tested.png")
    dialog.connect_button.click()
    assert dialog.result() == ServerDialog.DialogCode.Accepted and dialog.desk is not None
    assert ServerAddress.from_url(dialog.desk.db.url) == _address(db)
    dialog.desk.close()
    assert saved_server() == _address(db)


def test_what_went_wrong_is_said_in_the_dialog(qtbot: QtBot, backend: str, pg_cluster: PgCluster,
                                                tmp_path: Path) -> None:
    dialog = ServerDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    _fill(dialog, ServerAddress(host=str(pg_cluster.socket_dir), database="no_such_db", user="anquan"))
    dialog.connect_button.click()
    assert dialog.isVisible() and dialog.desk is None
    assert dialog.result_label.text().startswith("服务器上没有数据库“no_such_db”")
    assert "#c0392b" in dialog.result_label.styleSheet()
    assert dialog.connect_button.isEnabled() and dialog.test_button.isEnabled()
    dialog.host_edit.setText(str(tmp_path))
    dialog.test_button.click()
    assert "没有运行" in dialog.result_label.text()
    _shot(dialog, "server-dialog-error.png")
    assert saved_server() is None


def test_a_password_is_remembered_in_the_passfile_when_ticked(
    qtbot: QtBot, backend: str, clerk_cluster: PgCluster, passfile: Path
) -> None:
    address = ServerAddress(host=str(clerk_cluster.socket_dir), database="township", user="clerk")
    dialog = ServerDialog()
    qtbot.addWidget(dialog)
    _fill(dialog, address, "wrong")
    dialog.test_button.click()
    assert dialog.result_label.text() == "用户名或密码不对（用户“clerk”）。请核对后再试，密码区分大小写。"
    dialog.password_edit.setText(CLERK_PASSWORD)
    dialog.remember_check.click()
    dialog.connect_button.click()
    assert dialog.desk is not None
    dialog.desk.close()
    assert remembered_password(address) and CLERK_PASSWORD.replace(":", "\\:")[:6] in passfile.read_text()
    # Prefilled later (start-up, 文件 › 连接服务器…), the box shows the password is remembered.
    again = ServerDialog(address=address)
    qtbot.addWidget(again)
    assert again.remember_check.isChecked() and again.user_edit.text() == "clerk"


def test_the_wizard_connects_the_township_server(qtbot: QtBot, backend: str, db: Database, tmp_path: Path) -> None:
    from anquan_desk.core.db import open_database

    local = open_database(tmp_path / "new" / "anquan.db")
    wizard = SetupWizard(Desk(local, Actor.system("start")))
    qtbot.addWidget(wizard)
    wizard.show()
    page = wizard.welcome_page
    assert page.server_button.text() == "连接乡镇服务器…"
    assert page.server_button.parentWidget() is page.demo_button.parentWidget()
    _shot(wizard, "wizard-welcome.png")
    page.server_button.click()
    dialog = wizard.findChild(ServerDialog)
    assert isinstance(dialog, ServerDialog) and dialog.isVisible()
    _fill(dialog, _address(db))
    dialog.connect_button.click()
    assert wizard.result() == SetupWizard.SERVER
    assert wizard.server_desk is not None and ServerAddress.from_url(wizard.server_desk.db.url) == _address(db)
    wizard.server_desk.close()
    local.dispose()
    assert saved_server() == _address(db)


def test_file_menu_saves_the_server_for_the_next_start(
    qtbot: QtBot, backend: str, db: Database, demo_db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from anquan_desk.core.db import open_database

    local = open_database(demo_db_path)
    window = MainWindow(Desk(local, Actor.system("t")))
    qtbot.addWidget(window)
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda _p, _t, text, *a: said.append(text)))
    action = window.server_action
    assert action.text() == "连接服务器…" and action in window.menuBar().actions()[0].menu().actions()
    action.trigger()
    dialog = window.findChild(ServerDialog)
    assert isinstance(dialog, ServerDialog) and dialog.host_edit.text() == ""
    _fill(dialog, _address(db))
    dialog.connect_button.click()
    assert len(said) == 1 and "下次启动程序时将使用服务器上的数据库" in said[0] and str(demo_db_path) in said[0]
    assert saved_server() == _address(db)
    assert window.desk.db is local  # this window stays on its file
    window.close()
    local.dispose()


def _when(find: Callable[[], QWidget | None], then: Callable[[QWidget], None]) -> None:
    def look() -> None:
        widget = find()
        if widget is None:
            QTimer.singleShot(50, look)
            return
        then(widget)

    QTimer.singleShot(50, look)


def _visible(kind: type[QWidget]) -> QWidget | None:
    return next((w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()), None)


def test_start_up_asks_for_the_password_of_the_saved_server(
    qtbot: QtBot, backend: str, clerk_cluster: PgCluster, passfile: Path
) -> None:
    address = ServerAddress(host=str(clerk_cluster.socket_dir), database="township", user="clerk")
    save_server(address)  # connected earlier without 记住密码
    seen: list[object] = []
    app = QApplication.instance()
    assert app is not None

    def in_dialog(widget: QWidget) -> None:
        assert isinstance(widget, ServerDialog)
        seen.append((widget.host_edit.text(), widget.database_edit.text(), widget.user_edit.text(),
                     widget.result_label.text(), widget.local_button is not None))
        widget.resize(widget.sizeHint())
        _shot(widget, "server-dialog-start-up.png")
        widget.password_edit.setText(CLERK_PASSWORD)
        widget.connect_button.click()

    def in_wizard(widget: QWidget) -> None:
        assert isinstance(widget, SetupWizard)
        seen.append(widget.welcome_page.location_label.text())
        widget.reject()  # the first laptop would set up the township now

    _when(lambda: _visible(ServerDialog), in_dialog)
    _when(lambda: _visible(SetupWizard), in_wizard)
    QTimer.singleShot(60_000, app.quit)
    assert run_gui(None) == 0
    assert seen == [
        (str(clerk_cluster.socket_dir), "township", "clerk", "服务器要求输入密码：请填写用户“clerk”的密码。", True),
        f"服务器数据库：{address.url}",
    ]
    assert not passfile.exists()


def test_start_up_can_go_back_to_this_computer_s_file(
    qtbot: QtBot, backend: str, tmp_path: Path, passfile: Path
) -> None:
    gone = ServerAddress(host=str(tmp_path / "gone"), database="anquan", user="anquan")
    other = ServerAddress(host="192.168.1.20", database="anquan", user="anquan")
    save_server(gone)
    remember_password(other, "other-pw")  # another server's line stays
    remember_password(gone, "gone:pw")
    assert remembered_password(gone)
    seen: list[str] = []
    app = QApplication.instance()
    assert app is not None

    def in_dialog(widget: QWidget) -> None:
        assert isinstance(widget, ServerDialog) and widget.local_button is not None
        seen.append(widget.result_label.text())
        widget.local_button.click()

    def in_wizard(widget: QWidget) -> None:
        assert isinstance(widget, SetupWizard)
        seen.append(widget.welcome_page.location_label.text())
        widget.reject()

    _when(lambda: _visible(ServerDialog), in_dialog)
    _when(lambda: _visible(SetupWizard), in_wizard)
    QTimer.singleShot(60_000, app.quit)
    assert run_gui(None) == 0
    assert seen[0].endswith("没有运行。") and seen[1].startswith("数据库文件：") and seen[1].endswith("anquan.db")
    assert saved_server() is None
    # 改用本机数据库 also forgets the password remembered for that server, and only that one.
    assert not remembered_password(gone) and remembered_password(other)
    assert "gone" not in passfile.read_text() and "other-pw" in passfile.read_text()
