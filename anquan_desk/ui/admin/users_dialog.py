"""用户管理 (administrator): the accounts, add, edit (role, 执法证号, 工作证号), deactivate / restore,
reset a password. Users are never deleted: their records keep their name. And 修改密码, which every
user may do for themselves."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from anquan_desk.core.changes import Changes
from anquan_desk.core.errors import AnquanError
from anquan_desk.services import roles, users
from anquan_desk.services.desk import Desk
from anquan_desk.services.users import UserRow
from anquan_desk.ui.operations import QueryOp, WriteOp, change_hub, show_error
from anquan_desk.ui.row_model import DISPLAY, FOREGROUND, TOOLTIP, RowTableModel
from anquan_desk.ui.widgets import error_label, ok_cancel_buttons, show_in_label

TITLE = "用户管理"
_GREY = QBrush(QColor("#888888"))


class UserTableModel(RowTableModel[UserRow]):
    COLUMNS = ("用户名", "姓名", "角色", "执法证号", "工作证号", "联系电话", "状态")

    def cell(self, row: UserRow, column: int, role: int) -> Any:
        if role == DISPLAY:
            return (row.username, row.name, row.role, row.cert_no, row.work_no, row.phone,
                    "在用" if row.active else "已停用")[column]
        if role == FOREGROUND and not row.active:
            return _GREY
        if role == TOOLTIP and not row.active:
            return "已停用：不能登录；其检查记录和文书保留姓名"
        return None


def _password_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


class UserEditDialog(QDialog):
    """Add an account (with user name and password) or edit one (name, role, numbers, phone)."""

    def __init__(self, desk: Desk, row: UserRow | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.row = row
        self.saved: UserRow | None = None
        self.setWindowTitle("修改用户" if row else "添加用户")
        self.username_edit = QLineEdit(row.username if row else "")
        self.username_edit.setReadOnly(row is not None)
        self.username_edit.setPlaceholderText("字母或数字，如姓名拼音 wangfang")
        self.name_edit = QLineEdit(row.name if row else "")
        self.role_combo = QComboBox()
        self.role_combo.addItems(list(roles.ROLES))
        self.role_combo.setCurrentText(row.role if row else roles.INSPECTOR)
        self.cert_edit = QLineEdit(row.cert_no if row else "")
        self.cert_edit.setPlaceholderText("行政执法证件号，如 32010019001")
        self.work_edit = QLineEdit(row.work_no if row else "")
        self.work_edit.setPlaceholderText("工作证号（网格员等），如 HG-2026-015")
        self.phone_edit = QLineEdit(row.phone if row else "")
        self.password_edit = _password_edit()
        self.repeat_edit = _password_edit()
        form = QFormLayout()
        form.addRow("用户名：", self.username_edit)
        form.addRow("姓名：", self.name_edit)
        form.addRow("角色：", self.role_combo)
        form.addRow("执法证号：", self.cert_edit)
        form.addRow("工作证号：", self.work_edit)
        form.addRow("联系电话：", self.phone_edit)
        if row is None:
            form.addRow("初始密码：", self.password_edit)
            form.addRow("再次输入密码：", self.repeat_edit)
        self.role_hint = QLabel()
        self.role_hint.setWordWrap(True)
        self.role_hint.setStyleSheet("color: #555555;")
        self.error_label = error_label()
        self.buttons = ok_cancel_buttons("保存", "取消", self.save, self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.role_hint)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.role_combo.currentTextChanged.connect(self._role_changed)
        self._role_changed(self.role_combo.currentText())
        (self.name_edit if row is not None else self.username_edit).setFocus()
        self.resize(460, 0)

    def _role_changed(self, role: str) -> None:
        can = [label for action, label in roles.ACTIONS.items() if action in roles.actions_of(role)]
        self.role_hint.setText(f"{role}可以：{'；'.join(can)}。" if can else f"{role}只能查看。")

    def save(self) -> None:
        name, role = self.name_edit.text(), self.role_combo.currentText()
        cert, work, phone = self.cert_edit.text(), self.work_edit.text(), self.phone_edit.text()
        if self.row is not None:
            user_id = self.row.id
            WriteOp(self, lambda _p: users.update_user(
                self.desk, user_id, name=name, role=role, cert_no=cert, work_no=work, phone=phone),
                success=self._saved, failure=self._refused, title=TITLE).run()
            return
        if self.password_edit.text() != self.repeat_edit.text():
            show_in_label(self.error_label, "两次输入的密码不一致。")
            return
        username, password = self.username_edit.text(), self.password_edit.text()
        WriteOp(self, lambda _p: users.add_user(
            self.desk, username=username, name=name, password=password, role=role,
            cert_no=cert, work_no=work, phone=phone),
            success=self._saved, failure=self._refused, title=TITLE).run()

    def _saved(self, row: UserRow) -> None:
        self.saved = row
        self.accept()

    def _refused(self, error: BaseException) -> None:
        if isinstance(error, AnquanError):
            show_in_label(self.error_label, str(error))
        else:
            show_error(self, TITLE, error)


class PasswordDialog(QDialog):
    """A new password: the administrator's reset (``user``) or one's own change (old password asked)."""

    def __init__(self, desk: Desk, user: UserRow | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.user = user
        self.done_ = False
        own = user is None
        self.setWindowTitle(f"重设密码 — {user.name}（{user.username}）" if user is not None else "修改我的密码")
        self.old_edit = _password_edit()
        self.new_edit = _password_edit()
        self.repeat_edit = _password_edit()
        form = QFormLayout()
        if own:
            form.addRow("原密码：", self.old_edit)
        form.addRow("新密码：", self.new_edit)
        form.addRow("再次输入新密码：", self.repeat_edit)
        self.error_label = error_label()
        self.buttons = ok_cancel_buttons("确定", "取消", self.save, self.reject)
        layout = QVBoxLayout(self)
        if not own:
            note = QLabel("重设后请把新密码告诉本人，并提醒其登录后在“管理 → 修改我的密码”中改成自己的密码。")
            note.setWordWrap(True)
            layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.resize(420, 0)

    def save(self) -> None:
        new = self.new_edit.text()
        if new != self.repeat_edit.text():
            show_in_label(self.error_label, "两次输入的新密码不一致。")
            return
        if self.user is None:
            old = self.old_edit.text()
            WriteOp(self, lambda _p: users.change_own_password(self.desk, old, new),
                    success=self._saved, failure=self._refused, title="修改密码").run()
        else:
            user_id = self.user.id
            WriteOp(self, lambda _p: users.reset_password(self.desk, user_id, new),
                    success=self._saved, failure=self._refused, title="重设密码").run()

    def _saved(self, _result: None) -> None:
        self.done_ = True
        self.accept()

    def _refused(self, error: BaseException) -> None:
        if isinstance(error, AnquanError):
            show_in_label(self.error_label, str(error))
        else:
            show_error(self, self.windowTitle(), error)


class UsersDialog(QDialog):
    """The accounts of the township (administrator)."""

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.setWindowTitle(TITLE)
        self.model = UserTableModel(self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((110, 90, 70, 150, 130, 120)):
            self.view.setColumnWidth(column, width)
        self.add_button = QPushButton("添加用户…")
        self.edit_button = QPushButton("修改…")
        self.active_button = QPushButton("停用")
        self.password_button = QPushButton("重设密码…")
        self.close_button = QPushButton("关闭")
        self.error_label = error_label()
        buttons = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.active_button, self.password_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        note = QLabel("用户不能删除：停用后不能登录，其检查记录和文书保留姓名。至少保留一名在用的管理员。")
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)
        for button in (self.add_button, self.edit_button, self.active_button, self.password_button):
            button.setAutoDefault(False)  # Enter never presses an action by surprise
        self.close_button.setDefault(True)
        self.add_button.clicked.connect(lambda: self.open_editor(None))
        self.edit_button.clicked.connect(lambda: self.open_editor(self.selected()))
        self.view.doubleClicked.connect(lambda _i: self.open_editor(self.selected()))
        self.active_button.clicked.connect(self.toggle_active)
        self.password_button.clicked.connect(self.reset_password)
        self.close_button.clicked.connect(self.accept)
        self.view.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        change_hub.subscribe(self, self._changed)
        self.resize(900, 480)
        self.reload()

    def _changed(self, changes: Changes, _initiator: object) -> None:
        if changes.touches("users"):
            self.reload()

    def reload(self) -> None:
        QueryOp(self, lambda _p: users.list_users(self.desk), success=self._show, title=TITLE).run()

    def _show(self, rows: tuple[UserRow, ...]) -> None:
        selected = self.selected()
        self.model.set_rows(rows)
        if selected is not None:
            self.select(selected.username)
        self._update_buttons()

    def select(self, username: str) -> None:
        for number, row in enumerate(self.model.rows):
            if row.username == username:
                self.view.selectRow(number)
                return

    def selected(self) -> UserRow | None:
        indexes = self.view.selectionModel().selectedRows()
        return self.model.row(indexes[0].row()) if indexes else None

    def _update_buttons(self) -> None:
        row = self.selected()
        for button in (self.edit_button, self.active_button, self.password_button):
            button.setEnabled(row is not None)
        self.active_button.setText("恢复" if row is not None and not row.active else "停用")

    def open_editor(self, row: UserRow | None) -> UserEditDialog:
        dialog = UserEditDialog(self.desk, row, self)
        dialog.open()
        return dialog

    def toggle_active(self) -> None:
        row = self.selected()
        if row is None:
            return
        change = users.reactivate_user if not row.active else users.deactivate_user
        WriteOp(self, lambda _p: change(self.desk, row.id), success=lambda _r: self.error_label.hide(),
                failure=self._refused, title=TITLE).run()

    def reset_password(self) -> PasswordDialog | None:
        row = self.selected()
        if row is None:
            return None
        dialog = PasswordDialog(self.desk, row, self)
        dialog.open()
        return dialog

    def _refused(self, error: BaseException) -> None:
        if isinstance(error, AnquanError):
            show_in_label(self.error_label, str(error))
        else:
            show_error(self, TITLE, error)
