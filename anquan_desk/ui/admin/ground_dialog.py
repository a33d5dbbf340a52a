"""村（社区）和网格 (administrator): add and rename villages and grids, move a grid to another village,
merge two grids (the places move), retire a grid (it keeps its history); the people of each grid
with their grid roles, and the list of those roles."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from anquan_desk.core.changes import Changes
from anquan_desk.core.errors import AnquanError
from anquan_desk.services import ground, users
from anquan_desk.services.desk import Desk
from anquan_desk.services.ground import GridRow, MemberRow, MergeResult, VillageRow
from anquan_desk.services.users import UserRow
from anquan_desk.ui.operations import QueryOp, WriteOp, change_hub, show_error
from anquan_desk.ui.row_model import DISPLAY, RowTableModel
from anquan_desk.ui.widgets import error_label, ok_cancel_buttons, show_in_label

TITLE = "村（社区）和网格"
KIND_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2
_GREY = QBrush(QColor("#888888"))


def ask_text(parent: QWidget, title: str, label: str, text: str = "") -> str | None:
    """A line of text, or None when cancelled (Chinese buttons)."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    dialog.setTextValue(text)
    dialog.setOkButtonText("确定")
    dialog.setCancelButtonText("取消")
    return dialog.textValue() if dialog.exec() == QDialog.DialogCode.Accepted else None


def ask_choice(parent: QWidget, title: str, label: str, choices: list[str]) -> int | None:
    """The index of one of ``choices``, or None when cancelled."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    dialog.setComboBoxItems(choices)
    dialog.setComboBoxEditable(False)
    dialog.setOkButtonText("确定")
    dialog.setCancelButtonText("取消")
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    value = dialog.textValue()
    return choices.index(value) if value in choices else None


def confirm(parent: QWidget, title: str, text: str) -> bool:
    """是/否 (Qt's own buttons, in Chinese once the translations are loaded)."""
    answer = QMessageBox.question(parent, title, text)
    return answer == QMessageBox.StandardButton.Yes


class MemberTableModel(RowTableModel[MemberRow]):
    COLUMNS = ("姓名", "网格角色", "联系电话", "登录账号")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.usernames: dict[str, str] = {}

    def cell(self, row: MemberRow, column: int, role: int) -> Any:
        if role == DISPLAY:
            account = self.usernames.get(row.user_id, "") if row.user_id else ""
            return (row.name, row.role, row.phone, account)[column]
        return None


class MemberDialog(QDialog):
    """A person of a grid: name, grid role, phone and (optionally) the user account they log in with."""

    def __init__(self, desk: Desk, grid: GridRow, member: MemberRow | None, role_names: tuple[str, ...],
                 accounts: tuple[UserRow, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk, self.grid, self.member = desk, grid, member
        self.setWindowTitle(f"{'修改' if member else '添加'}网格人员 — {grid.name}")
        self.name_edit = QLineEdit(member.name if member else "")
        self.role_combo = QComboBox()
        self.role_combo.addItems(list(role_names))
        if member is not None:
            self.role_combo.setCurrentText(member.role)
        self.phone_edit = QLineEdit(member.phone if member else "")
        self.user_combo = QComboBox()
        self.user_combo.addItem("（无）", None)
        for account in accounts:
            if account.active:
                self.user_combo.addItem(f"{account.name}（{account.username}，{account.role}）", account.id)
        if member is not None and member.user_id:
            index = self.user_combo.findData(member.user_id)
            self.user_combo.setCurrentIndex(max(index, 0))
        form = QFormLayout()
        form.addRow("姓名：", self.name_edit)
        form.addRow("网格角色：", self.role_combo)
        form.addRow("联系电话：", self.phone_edit)
        form.addRow("登录账号：", self.user_combo)
        self.error_label = error_label()
        self.buttons = ok_cancel_buttons("保存", "取消", self.save, self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.resize(420, 0)

    def save(self) -> None:
        name, role, phone = self.name_edit.text(), self.role_combo.currentText(), self.phone_edit.text()
        user_id = self.user_combo.currentData()
        if self.member is None:
            grid_id = self.grid.id
            work: Callable[[object], object] = lambda _p: ground.add_member(  # noqa: E731
                self.desk, grid_id, name=name, role=role, phone=phone, user_id=user_id)
        else:
            member_id = self.member.id
            work = lambda _p: ground.update_member(  # noqa: E731
                self.desk, member_id, name=name, role=role, phone=phone, user_id=user_id)
        WriteOp(self, work, success=lambda _r: self.accept(), failure=self._refused, title=TITLE).run()

    def _refused(self, error: BaseException) -> None:
        if isinstance(error, AnquanError):
            show_in_label(self.error_label, str(error))
        else:
            show_error(self, TITLE, error)


class RolesDialog(QDialog):
    """The list of grid roles, one a line, in order."""

    def __init__(self, desk: Desk, names: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.setWindowTitle("网格角色")
        self.edit = QPlainTextEdit("\n".join(names))
        self.error_label = error_label()
        self.buttons = ok_cancel_buttons("保存", "取消", self.save, self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("每行一个角色，按显示顺序排列（如 网格长、网格员、安全员）："))
        layout.addWidget(self.edit)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.resize(360, 320)

    def save(self) -> None:
        names = self.edit.toPlainText().splitlines()
        WriteOp(self, lambda _p: ground.set_member_roles(self.desk, names), success=lambda _r: self.accept(),
                failure=self._refused, title="网格角色").run()

    def _refused(self, error: BaseException) -> None:
        if isinstance(error, AnquanError):
            show_in_label(self.error_label, str(error))
        else:
            show_error(self, "网格角色", error)


class GroundDialog(QDialog):
    """Villages and grids on the left, the selected grid's people on the right."""

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.villages: tuple[VillageRow, ...] = ()
        self.role_names: tuple[str, ...] = ()
        self.accounts: tuple[UserRow, ...] = ()
        self.setWindowTitle(TITLE)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["村（社区） / 网格", "场所", "人员"])
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.add_village_button = QPushButton("添加村（社区）…")
        self.add_grid_button = QPushButton("添加网格…")
        self.rename_button = QPushButton("改名…")
        self.move_button = QPushButton("移到其他村…")
        self.merge_button = QPushButton("合并到…")
        self.retire_button = QPushButton("停用网格")
        left_buttons = QVBoxLayout()
        for button in (self.add_village_button, self.add_grid_button, self.rename_button, self.move_button,
                       self.merge_button, self.retire_button):
            left_buttons.addWidget(button)
        left_buttons.addStretch(1)
        left = QWidget()
        left_layout = QHBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.tree, 1)
        left_layout.addLayout(left_buttons)

        self.member_model = MemberTableModel(self)
        self.member_view = QTableView()
        self.member_view.setModel(self.member_model)
        self.member_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.member_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.member_view.verticalHeader().setVisible(False)
        self.member_view.horizontalHeader().setStretchLastSection(True)
        self.add_member_button = QPushButton("添加人员…")
        self.edit_member_button = QPushButton("修改…")
        self.remove_member_button = QPushButton("移除")
        self.roles_button = QPushButton("网格角色…")
        self.members_box = QGroupBox("网格人员")
        member_buttons = QHBoxLayout()
        for button in (self.add_member_button, self.edit_member_button, self.remove_member_button):
            member_buttons.addWidget(button)
        member_buttons.addStretch(1)
        member_buttons.addWidget(self.roles_button)
        box_layout = QVBoxLayout(self.members_box)
        box_layout.addWidget(self.member_view, 1)
        box_layout.addLayout(member_buttons)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.members_box)
        splitter.setSizes([520, 460])
        self.error_label = error_label()
        self.close_button = QPushButton("关闭")
        bottom = QHBoxLayout()
        bottom.addWidget(QLabel("停用的网格保留其历史记录（灰色显示）；合并时场所和人员移入保留的网格。"), 1)
        bottom.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.error_label)
        layout.addLayout(bottom)
        for button in self.findChildren(QPushButton):  # Enter never presses an action by surprise
            button.setAutoDefault(False)
        self.close_button.setDefault(True)

        self.add_village_button.clicked.connect(lambda: self.add_village())
        self.add_grid_button.clicked.connect(lambda: self.add_grid())
        self.rename_button.clicked.connect(lambda: self.rename())
        self.move_button.clicked.connect(lambda: self.move_grid())
        self.merge_button.clicked.connect(lambda: self.merge_grid())
        self.retire_button.clicked.connect(lambda: self.toggle_retired())
        self.add_member_button.clicked.connect(lambda: self.edit_member(None))
        self.edit_member_button.clicked.connect(lambda: self.edit_member(self.selected_member()))
        self.member_view.doubleClicked.connect(lambda _i: self.edit_member(self.selected_member()))
        self.remove_member_button.clicked.connect(self.remove_member)
        self.roles_button.clicked.connect(self.edit_roles)
        self.close_button.clicked.connect(self.accept)
        self.tree.currentItemChanged.connect(lambda *_a: self._selection_changed())
        self.member_view.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        change_hub.subscribe(self, self._changed)
        self.resize(1100, 600)
        self.reload()

    # --- data -----------------------------------------------------------------------------------

    def _changed(self, changes: Changes, _initiator: object) -> None:
        if changes.touches("villages", "grids", "places", "member_roles", "users", "grid_members"):
            self.reload()

    def reload(self) -> None:
        QueryOp(self, lambda _p: (ground.list_ground(self.desk), ground.member_roles(self.desk),
                                  users.list_users(self.desk)),
                success=self._show, title=TITLE).run()

    def _show(self, data: tuple[tuple[VillageRow, ...], tuple[str, ...], tuple[UserRow, ...]]) -> None:
        self.villages, self.role_names, self.accounts = data
        self.member_model.usernames = {u.id: f"{u.name}（{u.username}）" for u in self.accounts}
        kind, node_id = self._current()
        self.tree.clear()
        for village in self.villages:
            item = QTreeWidgetItem([f"{village.name}（{village.kind}）", "", ""])
            item.setData(0, KIND_ROLE, "village")
            item.setData(0, ID_ROLE, village.id)
            for grid in village.grids:
                label = grid.name if grid.active else f"{grid.name}（已停用）"
                child = QTreeWidgetItem([label, str(grid.places), str(grid.members)])
                child.setData(0, KIND_ROLE, "grid")
                child.setData(0, ID_ROLE, grid.id)
                if not grid.active:
                    for column in range(3):
                        child.setForeground(column, _GREY)
                item.addChild(child)
            item.setText(1, str(sum(g.places for g in village.grids)))
            self.tree.addTopLevelItem(item)
            item.setExpanded(True)
        if node_id:
            self.select(kind, node_id)
        self._selection_changed()

    def _current(self) -> tuple[str, str]:
        item = self.tree.currentItem()
        if item is None:
            return "", ""
        return str(item.data(0, KIND_ROLE)), str(item.data(0, ID_ROLE))

    def select(self, kind: str, node_id: str) -> None:
        for i in range(self.tree.topLevelItemCount()):
            village = self.tree.topLevelItem(i)
            assert village is not None
            if kind == "village" and village.data(0, ID_ROLE) == node_id:
                self.tree.setCurrentItem(village)
                return
            for j in range(village.childCount()):
                child = village.child(j)
                if child is not None and child.data(0, ID_ROLE) == node_id:
                    self.tree.setCurrentItem(child)
                    return

    def selected_village(self) -> VillageRow | None:
        kind, node_id = self._current()
        if kind == "village":
            return next((v for v in self.villages if v.id == node_id), None)
        if kind == "grid":
            return next((v for v in self.villages if any(g.id == node_id for g in v.grids)), None)
        return None

    def selected_grid(self) -> GridRow | None:
        kind, node_id = self._current()
        if kind != "grid":
            return None
        return next((g for v in self.villages for g in v.grids if g.id == node_id), None)

    def selected_member(self) -> MemberRow | None:
        rows = self.member_view.selectionModel().selectedRows()
        return self.member_model.row(rows[0].row()) if rows else None

    def _selection_changed(self) -> None:
        grid = self.selected_grid()
        self.members_box.setTitle(f"网格人员 — {grid.name}" if grid else "网格人员（请在左侧选中一个网格）")
        if grid is None:
            self.member_model.set_rows(())
        else:
            grid_id = grid.id
            QueryOp(self, lambda _p: ground.list_members(self.desk, grid_id), success=self.member_model.set_rows,
                    title=TITLE).run()
        self._update_buttons()

    def _update_buttons(self) -> None:
        grid = self.selected_grid()
        village = self.selected_village()
        self.add_grid_button.setEnabled(village is not None)
        self.rename_button.setEnabled(village is not None)
        for button in (self.move_button, self.merge_button, self.retire_button):
            button.setEnabled(grid is not None)
        self.merge_button.setEnabled(grid is not None and grid.active)
        self.retire_button.setText("恢复网格" if grid is not None and not grid.active else "停用网格")
        self.add_member_button.setEnabled(grid is not None and grid.active)
        member = self.selected_member() is not None
        self.edit_member_button.setEnabled(member)
        self.remove_member_button.setEnabled(member)

    # --- changes --------------------------------------------------------------------------------

    def _write(self, work: Callable[[object], object], success: Callable[[Any], None] | None = None) -> None:
        def done(result: object) -> None:
            self.error_label.hide()
            if success is not None:
                success(result)

        WriteOp(self, work, success=done, failure=self._refused, title=TITLE).run()

    def _refused(self, error: BaseException) -> None:
        if isinstance(error, AnquanError):
            show_in_label(self.error_label, str(error))
        else:
            show_error(self, TITLE, error)

    def add_village(self, name: str | None = None) -> None:
        name = name if name is not None else ask_text(self, "添加村（社区）", "村（社区）名称（如 红光村、城东社区）：")
        if name:
            self._write(lambda _p: ground.add_village(self.desk, name),
                        success=lambda village_id: self.select("village", str(village_id)))

    def add_grid(self, name: str | None = None) -> None:
        village = self.selected_village()
        if village is None:
            return
        name = name if name is not None else ask_text(self, "添加网格", f"{village.name}的新网格名称：")
        if name:
            village_id = village.id
            self._write(lambda _p: ground.add_grid(self.desk, village_id, name),
                        success=lambda grid_id: self.select("grid", str(grid_id)))

    def rename(self, name: str | None = None) -> None:
        grid, village = self.selected_grid(), self.selected_village()
        if grid is not None:
            name = name if name is not None else ask_text(self, "网格改名", "新的网格名称：", grid.name)
            if name:
                grid_id, grid_name = grid.id, name
                self._write(lambda _p: ground.rename_grid(self.desk, grid_id, grid_name))
        elif village is not None:
            name = name if name is not None else ask_text(self, "村（社区）改名", "新的村（社区）名称：", village.name)
            if name:
                village_id, village_name = village.id, name
                self._write(lambda _p: ground.rename_village(self.desk, village_id, village_name))

    def move_grid(self, village_id: str | None = None) -> None:
        grid = self.selected_grid()
        if grid is None:
            return
        others = [v for v in self.villages if v.id != grid.village_id]
        if village_id is None:
            index = ask_choice(self, "移动网格", f"把“{grid.name}”（及其场所、人员）移到：", [v.name for v in others])
            if index is None:
                return
            village_id = others[index].id
        target, grid_id = village_id, grid.id
        self._write(lambda _p: ground.move_grid(self.desk, grid_id, target))

    def merge_grid(self, target_id: str | None = None, *, ask: bool = True) -> None:
        grid = self.selected_grid()
        if grid is None:
            return
        candidates = [(v, g) for v in self.villages for g in v.grids if g.active and g.id != grid.id]
        if target_id is None:
            index = ask_choice(self, "合并网格", f"把“{grid.name}”并入：",
                               [ground.grid_label(g.name, v.name) for v, g in candidates])
            if index is None:
                return
            target_id = candidates[index][1].id
        target = next((g for _v, g in candidates if g.id == target_id), None)
        if target is None:
            return
        if ask and not confirm(self, "合并网格", f"把“{grid.name}”的 {grid.places} 个场所和 {grid.members} 名人员移入"
                               f"“{target.name}”，并停用“{grid.name}”（保留其历史记录）。继续吗？"):
            return
        source_id, kept = grid.id, target.id

        def merged(result: MergeResult) -> None:
            self.select("grid", kept)

        self._write(lambda _p: ground.merge_grids(self.desk, source_id, kept), success=merged)

    def toggle_retired(self, *, ask: bool = True) -> None:
        grid = self.selected_grid()
        if grid is None:
            return
        grid_id = grid.id
        if not grid.active:
            self._write(lambda _p: ground.reactivate_grid(self.desk, grid_id))
            return
        if ask and not confirm(self, "停用网格", f"停用“{grid.name}”？停用后不能再把场所划入该网格，其历史记录保留。"):
            return
        self._write(lambda _p: ground.retire_grid(self.desk, grid_id))

    def edit_member(self, member: MemberRow | None) -> MemberDialog | None:
        grid = self.selected_grid()
        if grid is None:
            return None
        dialog = MemberDialog(self.desk, grid, member, self.role_names, self.accounts, self)
        dialog.open()
        return dialog

    def remove_member(self, *, ask: bool = True) -> None:
        member = self.selected_member()
        if member is None:
            return
        if ask and not confirm(self, "移除网格人员", f"把{member.name}（{member.role}）从本网格移除？"):
            return
        member_id = member.id
        self._write(lambda _p: ground.remove_member(self.desk, member_id))

    def edit_roles(self) -> RolesDialog:
        dialog = RolesDialog(self.desk, self.role_names, self)
        dialog.open()
        return dialog
