"""连接服务器: point this computer at the township's server (PostgreSQL).

The fields the township's IT person hands out (address, port, database, user, password); 测试连接
says what is on the server without changing anything, 连接 opens it (the first laptop creates the
tables), saves it as this computer's database and, when 记住密码 is ticked, puts the password in
PostgreSQL's own password file (never in the program's files). The work runs as operations
(:mod:`anquan_desk.ui.operations`); what happened is told in the dialog, in Chinese.

Used by the setup wizard's welcome page, 文件 › 连接服务器… and at start-up when the saved server
cannot be opened (then prefilled, with the reason, and 改用本机数据库 to go back to this computer's file).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from anquan_desk.core.errors import AnquanError
from anquan_desk.services.desk import Desk
from anquan_desk.services.server import (
    ServerAddress,
    ServerInfo,
    check_server,
    connect_server,
    passfile_path,
    remembered_password,
)
from anquan_desk.ui.operations import QueryOp, WriteOp, show_error

TITLE = "连接服务器"
REMEMBER_TEXT = "记住密码（保存在本机 PostgreSQL 密码文件中，仅本用户可读）"
OK_STYLE = "color: #1e7b34;"
ERROR_STYLE = "color: #c0392b;"


class ServerDialog(QDialog):
    """``exec()`` returns Accepted with :attr:`desk` open on the server, :data:`LOCAL` (改用本机数据库,
    only when ``offer_local``) or Rejected."""

    LOCAL = 2

    def __init__(self, parent: QWidget | None = None, *, address: ServerAddress | None = None,
                 message: str = "", offer_local: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        self.desk: Desk | None = None
        self.info: ServerInfo | None = None
        self._closed = False
        intro = QLabel("填写管理员给的乡镇服务器信息。连接后，本机使用服务器上的数据库，与全镇其他电脑共用；"
                       "连接之前可以先“测试连接”。")
        intro.setWordWrap(True)
        self.host_edit = QLineEdit()
        self.host_edit.setPlaceholderText("如 192.168.1.10 或 anquan-server")
        self.port_spin = QSpinBox()
        self.port_spin.setRange(1, 65535)
        self.port_spin.setValue(5432)
        self.port_spin.setGroupSeparatorShown(False)
        self.database_edit = QLineEdit("anquan")
        self.user_edit = QLineEdit()
        self.user_edit.setPlaceholderText("如 anquan_user")
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText("已记住密码时可不填")
        self.remember_check = QCheckBox(REMEMBER_TEXT)
        self.remember_check.setToolTip(f"密码文件：{passfile_path()}")
        form = QFormLayout()
        form.addRow("服务器地址：", self.host_edit)
        form.addRow("端口：", self.port_spin)
        form.addRow("数据库名：", self.database_edit)
        form.addRow("用户名：", self.user_edit)
        form.addRow("密码：", self.password_edit)
        form.addRow("", self.remember_check)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result_label.setMinimumHeight(60)
        self.result_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.buttons = QDialogButtonBox()
        self.test_button = QPushButton("测试连接")
        self.connect_button = self.buttons.addButton("连接", QDialogButtonBox.ButtonRole.AcceptRole)
        self.local_button: QPushButton | None = None
        if offer_local:
            self.local_button = self.buttons.addButton("改用本机数据库", QDialogButtonBox.ButtonRole.DestructiveRole)
            self.local_button.setToolTip("不再连接服务器，打开本机的数据库文件（以后可用“文件 › 连接服务器…”再连接）")
            self.local_button.clicked.connect(lambda: self.done(self.LOCAL))
        self.cancel_button = self.buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        self.connect_button.setDefault(True)
        self.test_button.setAutoDefault(False)
        self.test_button.clicked.connect(self.test_connection)
        self.connect_button.clicked.connect(self.connect_to_server)
        self.cancel_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addSpacing(6)
        layout.addLayout(form)
        layout.addWidget(self.result_label, 1)
        row = QHBoxLayout()
        row.addWidget(self.test_button)
        row.addStretch(1)
        row.addWidget(self.buttons)
        layout.addLayout(row)
        self.setMinimumWidth(560)
        if address is not None:
            self.fill(address)
        if message:
            self._say(message, ok=False)
        (self.password_edit if address is not None else self.host_edit).setFocus()

    def fill(self, address: ServerAddress) -> None:
        self.host_edit.setText(address.host)
        self.port_spin.setValue(address.port)
        self.database_edit.setText(address.database)
        self.user_edit.setText(address.user)
        self.remember_check.setChecked(remembered_password(address))

    def address(self) -> ServerAddress:
        return ServerAddress(host=self.host_edit.text(), port=self.port_spin.value(),
                             database=self.database_edit.text(), user=self.user_edit.text())

    def _say(self, text: str, *, ok: bool) -> None:
        self.result_label.setStyleSheet(OK_STYLE if ok else ERROR_STYLE)
        self.result_label.setText(text)

    def _busy(self, busy: bool, text: str = "") -> None:
        for button in (self.test_button, self.connect_button, self.local_button):
            if button is not None:
                button.setEnabled(not busy)
        if busy:
            self.result_label.setStyleSheet("")
            self.result_label.setText(text)

    def _checked_address(self) -> ServerAddress | None:
        try:
            return self.address().cleaned()
        except AnquanError as exc:
            self._say(str(exc), ok=False)
            return None

    def test_connection(self) -> None:
        """测试连接: what is on the server (nothing is changed)."""
        address = self._checked_address()
        if address is None:
            return
        password = self.password_edit.text()
        self._busy(True, "正在测试连接…")
        QueryOp(self, lambda _p: check_server(address, password), success=self._checked,
                failure=self._failed, title=TITLE).run()

    def _checked(self, info: ServerInfo) -> None:
        self.info = info
        self._busy(False)
        self._say(info.summary(), ok=True)

    def connect_to_server(self) -> None:
        """连接: open the server's database and make it this computer's."""
        address = self._checked_address()
        if address is None:
            return
        password, remember = self.password_edit.text(), self.remember_check.isChecked()
        self._busy(True, "正在连接服务器…")
        WriteOp(self, lambda _p: connect_server(address, password, remember), success=self._connected,
                failure=self._failed, title=TITLE).with_progress("正在连接服务器（第一台电脑会建立数据表）…").run()

    def _connected(self, desk: Desk) -> None:
        if self._closed:  # the dialog was closed while connecting: nobody will use it
            desk.close()
            return
        self.desk = desk
        self._busy(False)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self._busy(False)
        if isinstance(error, AnquanError):
            self._say(str(error), ok=False)
        else:
            self._say("", ok=False)
            show_error(self, TITLE, error)

    def done(self, code: int) -> None:
        self._closed = code != QDialog.DialogCode.Accepted
        super().done(code)
