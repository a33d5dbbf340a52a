"""首次使用: the setup wizard a new, empty database opens with (never the demo).

Pages: welcome (with 打开演示数据库) → the township → authorisation to enforce → document numbers
(with the next number of each type) → villages/communities and grids (typed in, or read from an
.xlsx with the place import's header detection and row checks) → the first administrator and the
other users → summary. 完成 runs :func:`anquan_desk.services.township.setup_township` (one unit of
work); the administrator is then logged in (:attr:`SetupWizard.admin`).

Nothing is written before 完成; each page checks its fields with the same rules the service applies,
so a mistake is shown on its own page.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from anquan_desk.core.clock import today
from anquan_desk.core.errors import AnquanError, UserInputError
from anquan_desk.core.progress import Progress
from anquan_desk.io.ground_import import GroundListPreview, village_kind
from anquan_desk.io.tabular import ImportFileError
from anquan_desk.services import ground, roles, users
from anquan_desk.services import township as township_service
from anquan_desk.services.desk import Actor, Desk
from anquan_desk.services.township import SetupRequest, SetupResult, TownshipProfile, UserSpec, VillageSpec
from anquan_desk.ui import state as window_state
from anquan_desk.ui.admin.profile_forms import EnforcementForm, NumberFormatsForm, TownshipForm
from anquan_desk.ui.operations import QueryOp, WriteOp, show_error
from anquan_desk.ui.server_dialog import ServerDialog
from anquan_desk.ui.widgets import error_label, show_in_label

TITLE = "首次使用 — 设置本乡镇（街道）"


def _wrap(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


class _Page(QWizardPage):
    """A page that checks its fields on 下一步 and shows the problem in its error label."""

    def __init__(self, wizard: SetupWizard, title: str, subtitle: str = "") -> None:
        super().__init__()
        self.setup = wizard
        self.setTitle(title)
        if subtitle:
            self.setSubTitle(subtitle)
        self.error_label = error_label()

    def check(self) -> None:
        """Raise UserInputError when the page cannot be left."""

    def validatePage(self) -> bool:
        try:
            self.check()
        except AnquanError as exc:
            show_in_label(self.error_label, str(exc))
            return False
        self.error_label.hide()
        return True


class WelcomePage(_Page):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard, "欢迎使用安全检查工作台")
        self.demo_button = QPushButton("打开演示数据库")
        self.demo_button.setToolTip("打开一个虚构的演示乡镇（红光镇），先看看程序怎么用；演示数据保存在另一个文件中")
        self.demo_button.setAutoDefault(False)
        self.demo_button.clicked.connect(wizard.open_demo)
        self.server_button = QPushButton("连接乡镇服务器…")
        self.server_button.setToolTip("全镇各台电脑共用乡镇服务器上的数据库时：填写管理员给的服务器地址、用户名和密码")
        self.server_button.setAutoDefault(False)
        self.server_button.clicked.connect(wizard.connect_server)
        where = "数据库文件" if wizard.desk.file_path is not None else "服务器数据库"
        self.location_label = _wrap(f"{where}：{wizard.desk.location}")
        self.location_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(_wrap(
            "这是一个新的数据库。接下来请设置本乡镇（街道）的信息：名称和上级机关、是否受委托或赋权执法、"
            "文书编号格式、村（社区）和网格、管理员和检查人员。之后可由管理员在“管理”菜单中修改。"
        ))
        layout.addSpacing(12)
        layout.addWidget(self.location_label)
        layout.addSpacing(24)
        layout.addWidget(_wrap("只想先看看？演示数据库是一个虚构的乡镇，保存在另一个文件中，不会写入本数据库。"
                               "本镇已有乡镇服务器（全镇电脑共用一个数据库）时，请连接服务器。"))
        row = QHBoxLayout()
        row.addWidget(self.demo_button)
        row.addWidget(self.server_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.error_label)
        layout.addStretch(1)


class TownshipPage(_Page):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard, "本乡镇（街道）", "名称、简称和文书中写明的上级机关。")
        self.form = TownshipForm()
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(self.error_label)
        layout.addStretch(1)

    def check(self) -> None:
        self.setup.profile = self.form.fill(self.setup.profile)
        township_service.check_profile(self.setup.profile)


class EnforcementPage(_Page):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard, "执法授权", "受委托或赋权执法的乡镇（街道）出具《责令限期整改指令书》。")
        self.form = EnforcementForm()
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(self.error_label)

    def check(self) -> None:
        self.setup.profile = self.form.fill(self.setup.profile)
        township_service.check_profile(self.setup.profile)


class NumbersPage(_Page):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard, "文书编号", "每种文书的编号格式；右侧是今年第一份文书将得到的编号。")
        self.form = NumberFormatsForm()
        self.form.changed.connect(self.refresh)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(self.error_label)

    def initializePage(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        profile = self.form.fill(self.setup.profile)
        self.form.mark_issued(profile.issued_types)
        region = profile.short_name.strip() or township_service.default_short_name(profile.name)
        previews = {}
        for doc_type, spec in profile.number_formats.items():
            try:
                previews[doc_type] = township_service.number_preview(spec, region, today().year)
            except AnquanError as exc:
                previews[doc_type] = f"（{exc}）"
        self.form.show_previews(previews)

    def check(self) -> None:
        self.setup.profile = self.form.fill(self.setup.profile)
        township_service.check_profile(self.setup.profile)


# --- villages and grids -------------------------------------------------------------------------------


class _EntryEdit(QLineEdit):
    """A line whose Enter adds what was typed, and does not also press the wizard's 下一步."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.returnPressed.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class GroundEditor(QWidget):
    """Villages (communities) and their grids, typed in or read from an .xlsx; nothing is written."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["村（社区） / 网格", "类型"])
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.village_edit = _EntryEdit()
        self.village_edit.setPlaceholderText("村（社区）名称，如 红光村、城东社区")
        self.add_village_button = QPushButton("添加村（社区）")
        self.grid_edit = _EntryEdit()
        self.grid_edit.setPlaceholderText("网格名称，如 红光一网格（加到选中的村）")
        self.add_grid_button = QPushButton("添加网格")
        self.remove_button = QPushButton("删除选中项")
        self.import_button = QPushButton("从 Excel 导入…")
        self.problems = QListWidget()
        self.problems.setMaximumHeight(110)
        self.problems.hide()
        self.error_label = error_label()
        self.info_label = QLabel()
        self.info_label.setStyleSheet("color: #1e7b34;")
        self.info_label.hide()
        add_row = QHBoxLayout()
        add_row.addWidget(self.village_edit, 1)
        add_row.addWidget(self.add_village_button)
        grid_row = QHBoxLayout()
        grid_row.addWidget(self.grid_edit, 1)
        grid_row.addWidget(self.add_grid_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.import_button)
        buttons.addStretch(1)
        buttons.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(add_row)
        layout.addLayout(grid_row)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.error_label)
        layout.addWidget(self.info_label)
        layout.addWidget(self.problems)
        for button in (self.add_village_button, self.add_grid_button, self.remove_button, self.import_button):
            button.setAutoDefault(False)  # Enter presses the wizard's 下一步, never these
        self.add_village_button.clicked.connect(lambda: self.add_village(self.village_edit.text()))
        self.village_edit.returnPressed.connect(lambda: self.add_village(self.village_edit.text()))
        self.add_grid_button.clicked.connect(lambda: self.add_grid(self.grid_edit.text()))
        self.grid_edit.returnPressed.connect(lambda: self.add_grid(self.grid_edit.text()))
        self.remove_button.clicked.connect(self.remove_selected)
        self.import_button.clicked.connect(self.choose_file)

    # -- reading the tree ------------------------------------------------------------------------

    def villages(self) -> tuple[VillageSpec, ...]:
        out = []
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            assert item is not None
            grids = tuple(item.child(j).text(0) for j in range(item.childCount()))  # type: ignore[union-attr]
            out.append(VillageSpec(item.text(0), item.text(1), grids))
        return tuple(out)

    def _village_item(self, name: str) -> QTreeWidgetItem | None:
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item is not None and item.text(0) == name:
                return item
        return None

    def _selected_village(self) -> QTreeWidgetItem | None:
        item = self.tree.currentItem()
        if item is None:
            return None
        return item.parent() or item

    def _fail(self, message: str) -> None:
        self.info_label.hide()
        show_in_label(self.error_label, message)

    # -- editing ---------------------------------------------------------------------------------

    def add_village(self, name: str, kind: str = "") -> QTreeWidgetItem | None:
        name = " ".join(name.split())
        if not name:
            self._fail("请先填写村（社区）名称。")
            return None
        existing = self._village_item(name)
        if existing is not None:
            self.tree.setCurrentItem(existing)
            self._fail(f"已有“{name}”。")
            return None
        item = QTreeWidgetItem([name, kind or village_kind(name)])
        self.tree.addTopLevelItem(item)
        item.setExpanded(True)
        self.tree.setCurrentItem(item)
        self.village_edit.clear()
        self.error_label.hide()
        return item

    def add_grid(self, name: str, village: str | None = None) -> QTreeWidgetItem | None:
        name = " ".join(name.split())
        parent = self._village_item(village) if village else self._selected_village()
        if parent is None:
            self._fail("请先在列表中选中网格所属的村（社区）。")
            return None
        if not name:
            self._fail("请先填写网格名称。")
            return None
        if any(parent.child(j).text(0) == name for j in range(parent.childCount())):  # type: ignore[union-attr]
            self._fail(f"{parent.text(0)}已有“{name}”。")
            return None
        item = QTreeWidgetItem([name, "网格"])
        parent.addChild(item)
        parent.setExpanded(True)
        self.grid_edit.clear()
        self.error_label.hide()
        return item

    def remove_selected(self) -> None:
        item = self.tree.currentItem()
        if item is None:
            return
        parent = item.parent()
        if parent is None:
            self.tree.takeTopLevelItem(self.tree.indexOfTopLevelItem(item))
        else:
            parent.removeChild(item)

    # -- importing -------------------------------------------------------------------------------

    def choose_file(self) -> None:
        start = window_state.last_folder(window_state.LAST_FOLDER_IMPORT)
        path, _ = QFileDialog.getOpenFileName(self, "选择村（社区）和网格清单", start, "Excel 工作簿 (*.xlsx *.xlsm)")
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> None:
        def read(progress: Progress) -> GroundListPreview:
            try:
                return ground.read_ground_list(path, progress)
            except ImportFileError as exc:  # a file problem, told like any other mistake
                raise UserInputError(str(exc)) from exc

        QueryOp(self, read, success=self._read, failure=self._read_failed, title="导入村（社区）和网格").with_progress(
            "正在读取…"
        ).run()
        window_state.remember_folder(window_state.LAST_FOLDER_IMPORT, path)

    def _read_failed(self, error: BaseException) -> None:
        if isinstance(error, AnquanError):
            self._fail(str(error))
        else:
            show_error(self, "导入村（社区）和网格", error)

    def _read(self, preview: GroundListPreview) -> None:
        self.problems.clear()
        for problem in preview.problems:
            entry = QListWidgetItem(str(problem))
            if problem.severity == "error":
                entry.setForeground(Qt.GlobalColor.red)
            self.problems.addItem(entry)
        self.problems.setVisible(bool(preview.problems))
        if preview.has_errors:
            self._fail(f"文件中有 {preview.error_count} 处错误（见下方列表），没有导入；请修改文件后重新导入。")
            return
        added_villages = added_grids = 0
        for name, kind, grids in preview.villages():
            item = self._village_item(name)
            if item is None:
                item = self.add_village(name, kind)
                added_villages += 1
            for grid in grids:
                if item is not None and not any(item.child(j).text(0) == grid for j in range(item.childCount())):  # type: ignore[union-attr]
                    self.add_grid(grid, village=name)
                    added_grids += 1
        self.error_label.hide()
        show_in_label(self.info_label, f"已从“{preview.file.name}”加入 {added_villages} 个村（社区）、{added_grids} 个网格。")


class GroundPage(_Page):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard, "村（社区）和网格", "逐个添加，或从 Excel 清单导入（需要“村（社区）”和“网格”两列）。")
        self.editor = GroundEditor()
        layout = QVBoxLayout(self)
        layout.addWidget(self.editor)
        layout.addWidget(self.error_label)

    def check(self) -> None:
        villages = self.editor.villages()
        if not villages or not any(v.grids for v in villages):
            raise UserInputError("请至少添加一个村（社区）和它的一个网格。")
        self.setup.villages = villages


# --- users --------------------------------------------------------------------------------------------


class UsersPage(_Page):
    COLUMNS = ("用户名", "姓名", "角色", "执法证号", "工作证号")

    def __init__(self, wizard: SetupWizard, *, with_admin: bool) -> None:
        super().__init__(wizard, "管理员和检查人员", "管理员管理用户、网格和本乡镇（街道）的设置。检查人员也可以以后再添加。")
        self.with_admin = with_admin
        self.admin_name = QLineEdit()
        self.admin_username = QLineEdit("admin")
        self.admin_cert = QLineEdit()
        self.admin_cert.setPlaceholderText("有执法证的填写，如 32010019001")
        self.admin_password = QLineEdit()
        self.admin_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.admin_repeat = QLineEdit()
        self.admin_repeat.setEchoMode(QLineEdit.EchoMode.Password)
        admin_box = QGroupBox("第一位管理员")
        admin_form = QFormLayout(admin_box)
        admin_form.addRow("姓名：", self.admin_name)
        admin_form.addRow("用户名：", self.admin_username)
        admin_form.addRow("执法证号：", self.admin_cert)
        admin_form.addRow("密码：", self.admin_password)
        admin_form.addRow("再次输入密码：", self.admin_repeat)
        admin_box.setVisible(with_admin)

        self.user_username = _EntryEdit()
        self.user_username.setPlaceholderText("用户名，如 wangfang")
        self.user_name = _EntryEdit()
        self.user_name.setPlaceholderText("姓名")
        self.user_role = QComboBox()
        self.user_role.addItems(list(roles.ROLES))
        self.user_role.setCurrentText(roles.INSPECTOR)
        self.user_cert = _EntryEdit()
        self.user_cert.setPlaceholderText("执法证号")
        self.user_work = _EntryEdit()
        self.user_work.setPlaceholderText("工作证号")
        self.user_password = _EntryEdit()
        self.user_password.setPlaceholderText("初始密码（至少 6 位）")
        self.user_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.add_user_button = QPushButton("添加")
        self.remove_user_button = QPushButton("删除选中的用户")
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.passwords: list[str] = []
        others = QGroupBox("其他用户（检查员、网格员、只读）")
        entry = QHBoxLayout()
        for widget in (self.user_username, self.user_name, self.user_role, self.user_cert, self.user_work,
                       self.user_password, self.add_user_button):
            entry.addWidget(widget)
        others_layout = QVBoxLayout(others)
        others_layout.addLayout(entry)
        others_layout.addWidget(self.table)
        remove_row = QHBoxLayout()
        remove_row.addStretch(1)
        remove_row.addWidget(self.remove_user_button)
        others_layout.addLayout(remove_row)
        layout = QVBoxLayout(self)
        layout.addWidget(admin_box)
        layout.addWidget(others, 1)
        layout.addWidget(self.error_label)
        self.add_user_button.setAutoDefault(False)
        self.remove_user_button.setAutoDefault(False)
        self.add_user_button.clicked.connect(self.add_user_from_fields)
        for edit in (self.user_username, self.user_name, self.user_cert, self.user_work, self.user_password):
            edit.returnPressed.connect(self.add_user_from_fields)
        self.remove_user_button.clicked.connect(self.remove_selected_user)

    def _specs(self) -> list[UserSpec]:
        out = []
        for row in range(self.table.rowCount()):
            cells = [self.table.item(row, c).text() for c in range(len(self.COLUMNS))]  # type: ignore[union-attr]
            out.append(UserSpec(cells[0], cells[1], self.passwords[row], cells[2], cells[3], cells[4]))
        return out

    def _check_user(self, spec: UserSpec) -> UserSpec:
        username = users.check_username(spec.username)
        taken = {s.username for s in self._specs()}
        if self.with_admin:
            taken.add(self.admin_username.text().strip())
        if username in taken:
            raise UserInputError(f"用户名“{username}”已用过。")
        users.check_password(spec.password)
        return replace(
            spec,
            username=username,
            name=users.check_person_name(spec.name),
            role=users.check_role(spec.role),
            cert_no=users.check_cert(spec.cert_no, "执法证号"),
            work_no=users.check_cert(spec.work_no, "工作证号"),
        )

    def add_user_from_fields(self) -> None:
        spec = UserSpec(self.user_username.text(), self.user_name.text(), self.user_password.text(),
                        self.user_role.currentText(), self.user_cert.text(), self.user_work.text())
        try:
            self.add_user(spec)
        except AnquanError as exc:
            show_in_label(self.error_label, str(exc))
            return
        for edit in (self.user_username, self.user_name, self.user_cert, self.user_work, self.user_password):
            edit.clear()
        self.error_label.hide()

    def add_user(self, spec: UserSpec) -> None:
        spec = self._check_user(spec)
        row = self.table.rowCount()
        self.table.insertRow(row)
        for column, value in enumerate((spec.username, spec.name, spec.role, spec.cert_no, spec.work_no)):
            self.table.setItem(row, column, QTableWidgetItem(value))
        self.passwords.append(spec.password)

    def remove_selected_user(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)
            del self.passwords[row]

    def admin_spec(self) -> UserSpec:
        if self.admin_password.text() != self.admin_repeat.text():
            raise UserInputError("管理员的两次密码输入不一致。")
        spec = UserSpec(self.admin_username.text(), self.admin_name.text(), self.admin_password.text(),
                        roles.ADMIN, self.admin_cert.text())
        return replace(
            spec,
            username=users.check_username(spec.username),
            name=users.check_person_name(spec.name),
            password=users.check_password(spec.password),
            cert_no=users.check_cert(spec.cert_no, "执法证号"),
        )

    def check(self) -> None:
        admin = self.admin_spec() if self.with_admin else None
        others = self._specs()
        if admin is not None and admin.username in {s.username for s in others}:
            raise UserInputError(f"用户名“{admin.username}”已用于其他用户。")
        certs = [c for c in [admin.cert_no if admin else "", *(s.cert_no for s in others)] if c]
        if len(certs) != len(set(certs)):
            raise UserInputError("有两个用户的执法证号相同，每人的证号不能相同。")
        self.setup.admin_spec = admin
        self.setup.other_users = tuple(others)


class SummaryPage(_Page):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard, "确认", "点“完成”后写入数据库；管理员随即登录。")
        self.summary = _wrap("")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary, 1)
        layout.addWidget(self.error_label)

    def initializePage(self) -> None:
        request = self.setup.request()
        try:
            profile = township_service.check_profile(request.profile)
        except AnquanError as exc:
            show_in_label(self.error_label, str(exc))
            return
        grids = sum(len(v.grids) for v in request.villages)
        people = [request.admin] if request.admin else []
        people += list(request.users)
        doc = "责令限期整改指令书" if profile.enforcement_authorised else "安全隐患整改通知书"
        mode = (f"{profile.authorisation}执法（{profile.authorisation_document}）" if profile.enforcement_authorised
                else "未受委托或赋权")
        rows = [
            ("乡镇（街道）", f"{profile.name}（简称 {profile.short_name}）"),
            ("发文机关", profile.issuer),
            ("所属县（区）", f"{profile.county}；复议机关：{'、'.join(profile.reconsideration_bodies)}；法院：{profile.court}"),
            ("执法授权", f"{mode}，隐患整改出具《{doc}》"),
            ("村（社区）和网格", f"{len(request.villages)} 个村（社区），{grids} 个网格："
             + "；".join(f"{v.name}（{'、'.join(v.grids) or '无网格'}）" for v in request.villages)),
            ("用户", "、".join(f"{p.name}（{p.username}，{p.role}）" for p in people) or "无"),
        ]
        html = "".join(f"<tr><td style='padding:4px 16px 4px 0'><b>{k}</b></td><td style='padding:4px'>{v}</td></tr>"
                       for k, v in rows)
        self.summary.setText(f"<table>{html}</table>")
        self.error_label.hide()


class SetupWizard(QWizard):
    """The first-run setup. ``exec()`` returns Accepted (set up; :attr:`admin` is logged in),
    :data:`DEMO` (the demo was asked for and opened: :attr:`demo_desk`), :data:`SERVER` (the
    township's server was connected: :attr:`server_desk`) or Rejected."""

    DEMO = 2
    SERVER = 3

    def __init__(self, desk: Desk, *, with_admin: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.profile = TownshipProfile(name="")
        self.villages: tuple[VillageSpec, ...] = ()
        self.admin_spec: UserSpec | None = None
        self.other_users: tuple[UserSpec, ...] = ()
        self.result_: SetupResult | None = None
        self.demo_desk: Desk | None = None
        self.server_desk: Desk | None = None
        self._done = False
        self.setWindowTitle(TITLE)
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setButtonText(QWizard.WizardButton.NextButton, "下一步 >")
        self.setButtonText(QWizard.WizardButton.BackButton, "< 上一步")
        self.setButtonText(QWizard.WizardButton.CancelButton, "退出")
        self.setButtonText(QWizard.WizardButton.FinishButton, "完成")
        self.welcome_page = WelcomePage(self)
        self.township_page = TownshipPage(self)
        self.enforcement_page = EnforcementPage(self)
        self.numbers_page = NumbersPage(self)
        self.ground_page = GroundPage(self)
        self.users_page = UsersPage(self, with_admin=with_admin)
        self.summary_page = SummaryPage(self)
        if with_admin:
            self.addPage(self.welcome_page)
        for page in (self.township_page, self.enforcement_page, self.numbers_page, self.ground_page,
                     self.users_page, self.summary_page):
            self.addPage(page)
        self.resize(980, 660)

    @property
    def admin(self) -> Actor | None:
        return self.result_.admin if self.result_ is not None else None

    def request(self) -> SetupRequest:
        return SetupRequest(profile=self.profile, villages=self.villages, admin=self.admin_spec, users=self.other_users)

    def accept(self) -> None:
        """完成: write everything in one operation; the dialog closes when it has succeeded."""
        if self._done:
            super().accept()
            return
        request = self.request()
        self.button(QWizard.WizardButton.FinishButton).setEnabled(False)
        WriteOp(self, lambda _p: township_service.setup_township(self.desk, request),
                success=self._set_up, failure=self._refused, title=TITLE).with_progress("正在写入设置…").run()

    def _set_up(self, result: SetupResult) -> None:
        self.result_ = result
        self._done = True
        self.accept()

    def _refused(self, error: BaseException) -> None:
        self.button(QWizard.WizardButton.FinishButton).setEnabled(True)
        if isinstance(error, AnquanError):
            show_in_label(self.summary_page.error_label, str(error))
        else:
            show_error(self, TITLE, error)

    def open_demo(self) -> None:
        """打开演示数据库: open (or first create) the demo beside the real database, then close."""
        location = self.desk.db.url
        self.welcome_page.demo_button.setEnabled(False)
        WriteOp(self, lambda _p: township_service.open_demo(location), success=self._demo_opened,
                failure=self._demo_failed, title="打开演示数据库").with_progress("正在准备演示数据库…").run()

    def _demo_opened(self, desk: Desk) -> None:
        self.demo_desk = desk
        self.done(self.DEMO)

    def _demo_failed(self, error: BaseException) -> None:
        self.welcome_page.demo_button.setEnabled(True)
        if isinstance(error, AnquanError):
            show_in_label(self.welcome_page.error_label, str(error))
        else:
            show_error(self, "打开演示数据库", error)


    def connect_server(self) -> ServerDialog:
        """连接乡镇服务器…: the 连接服务器 dialog; once connected the wizard ends with :data:`SERVER`."""
        dialog = ServerDialog(self)
        dialog.accepted.connect(lambda: self._server_connected(dialog))
        dialog.open()
        return dialog

    def _server_connected(self, dialog: ServerDialog) -> None:
        if dialog.desk is not None:
            self.server_desk = dialog.desk
            self.done(self.SERVER)
