"""Login, and creating the administrator on first run."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from anquan_desk.core.errors import UserInputError
from anquan_desk.services import users
from anquan_desk.services.desk import Actor, Desk
from anquan_desk.ui import state
from anquan_desk.ui.forms.ui_login_dialog import Ui_LoginDialog
from anquan_desk.ui.operations import WriteOp, show_error
from anquan_desk.ui.widgets import error_label, ok_cancel_buttons, show_in_label


class LoginDialog(QDialog):
    """Asks for user name and password; ``user`` holds the logged-in user after accept."""

    def __init__(self, desk: Desk, *, township: str = "", hint: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._desk = desk
        self.user: Actor | None = None
        self.ui = Ui_LoginDialog()
        self.ui.setupUi(self)
        font = self.ui.titleLabel.font()
        font.setPointSize(font.pointSize() + 6)
        font.setBold(True)
        self.ui.titleLabel.setFont(font)
        self.ui.townshipLabel.setText(township)
        self.ui.hintLabel.setText(hint)
        self.ui.hintLabel.setVisible(bool(hint))
        self.ui.errorLabel.hide()
        self.ui.buttonBox.button(QDialogButtonBox.StandardButton.Ok).setText("登录")
        self.ui.buttonBox.button(QDialogButtonBox.StandardButton.Cancel).setText("退出")
        self.ui.buttonBox.accepted.connect(self._try_login)
        self.ui.buttonBox.rejected.connect(self.reject)
        last = state.load(state.LAST_USERNAME)
        if last:
            self.set_username(last)

    def set_username(self, username: str) -> None:
        self.ui.usernameEdit.setText(username)
        self.ui.passwordEdit.setFocus()

    def _try_login(self) -> None:
        username, password = self.ui.usernameEdit.text(), self.ui.passwordEdit.text()
        self.ui.buttonBox.setEnabled(False)
        WriteOp(self, lambda _p: users.log_in(self._desk, username, password),
                success=self._logged_in, failure=self._refused, title="登录").run()

    def _logged_in(self, actor: Actor) -> None:
        self.user = actor
        state.save(state.LAST_USERNAME, actor.username)
        self.accept()

    def _refused(self, error: BaseException) -> None:
        self.ui.buttonBox.setEnabled(True)
        if not isinstance(error, UserInputError):
            show_error(self, "登录", error)
            return
        self.ui.errorLabel.setText(str(error))
        self.ui.errorLabel.show()
        self.ui.passwordEdit.selectAll()
        self.ui.passwordEdit.setFocus()


class FirstAdminDialog(QDialog):
    """First run: there is no user yet, so the administrator is created here."""

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._desk = desk
        self.user: Actor | None = None
        self.setWindowTitle("首次使用 — 创建管理员")
        layout = QVBoxLayout(self)
        intro = QLabel("数据库中还没有用户。请先创建管理员账号，之后可在“管理 → 用户”中添加检查人员。")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.name_edit = QLineEdit()
        self.username_edit = QLineEdit("admin")
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat_edit = QLineEdit()
        self.repeat_edit.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("姓名：", self.name_edit)
        form.addRow("用户名：", self.username_edit)
        form.addRow("密码：", self.password_edit)
        form.addRow("再次输入密码：", self.repeat_edit)
        layout.addLayout(form)
        self.error_label = error_label()
        layout.addWidget(self.error_label)
        self.buttons = buttons = ok_cancel_buttons("创建并登录", "退出", self._create, self.reject)
        layout.addWidget(buttons)

    def _create(self) -> None:
        if self.password_edit.text() != self.repeat_edit.text():
            self._error("两次输入的密码不一致。")
            return
        username, name, password = self.username_edit.text(), self.name_edit.text(), self.password_edit.text()
        WriteOp(
            self,
            lambda _p: users.create_first_administrator(self._desk, username=username, name=name, password=password),
            success=self._created,
            failure=self._refused,
            title="创建管理员",
        ).run()

    def _created(self, actor: Actor) -> None:
        self.user = actor
        self.accept()

    def _refused(self, error: BaseException) -> None:
        if isinstance(error, UserInputError):
            self._error(str(error))
        else:
            show_error(self, "创建管理员", error)

    def _error(self, message: str) -> None:
        show_in_label(self.error_label, message)
