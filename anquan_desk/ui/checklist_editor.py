"""检查表库: browse the township's checklist templates by sector, edit items (every edit is a new
version through the service), add township templates, enable/disable, Excel export/import."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from anquan_desk.core.checklists import ChecklistLibrary
from anquan_desk.core.checklists.library import GRADES
from anquan_desk.core.checklists.store import (
    FIELD_LABELS,
    ItemFields,
    current_templates,
    default_library,
    is_item_modified,
    raw_item,
)
from anquan_desk.core.errors import AnquanError
from anquan_desk.core.models import ChecklistTemplate
from anquan_desk.services.checklists import (
    add_item,
    add_template,
    edit_item,
    remove_item,
    reset_item_to_builtin,
    set_enabled,
    sync_builtin_library,
)
from anquan_desk.services.desk import Desk

CODE_ROLE = Qt.ItemDataRole.UserRole + 1
_TEXT_FIELDS = ("content", "method", "hazard_text", "basis", "major_conditions", "requirement")
_TABLE_COLUMNS = (("code", "编号", 110), ("content", "检查内容", 330), ("hazard_text", "隐患描述（标准用语）", 250),
                  ("default_grade", "等级", 48), ("deadline_days", "期限", 70))


def short_name(name: str) -> str:
    """The tree is grouped by sector, so "九小场所专用检查表：小商店（…）" shows as "小商店（…）"."""
    head, sep, tail = name.partition("：")
    return tail if sep and tail and "专用" in head else name


def deadline_text(days: int) -> str:
    return "立即整改" if days == 0 else f"{days}日内"


class NewTemplateDialog(QDialog):
    """Name, sector and (optional) 九小 kind of a township's own template."""

    def __init__(self, library: ChecklistLibrary, sectors: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("新建本乡镇检查表")
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("如：工贸企业安全生产检查表（本镇）")
        self.sector_combo = QComboBox()
        self.sector_combo.setEditable(True)
        self.sector_combo.addItems(sectors)
        self.sector_combo.setCurrentText("")
        line = self.sector_combo.lineEdit()
        if line is not None:
            line.setPlaceholderText("选择或输入行业领域，如 工贸")
        self.kind_combo = QComboBox()
        self.kind_combo.addItem("不限", None)
        for kind in library.kinds:
            self.kind_combo.addItem(kind.name, kind.name)
        form = QFormLayout()
        form.addRow("检查表名称：", self.name_edit)
        form.addRow("行业领域：", self.sector_combo)
        form.addRow("九小场所类别：", self.kind_combo)
        hint = QLabel("建好后在右侧“新增条目”逐条填写检查内容；也可以用“导入 Excel”一次导入。")
        hint.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("新建")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(buttons)
        self.resize(460, 200)


class ChecklistEditor(QDialog):
    """The checklist library of the township. All changes go through ``core.checklists.store``."""

    def __init__(self, desk: Desk, *, library: ChecklistLibrary | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.db = desk.db
        self.actor = desk.actor.username
        self.read_only = desk.actor.role == "只读"
        self.library = library if library is not None else default_library()
        self.templates: dict[str, ChecklistTemplate] = {}
        self.current_code: str | None = None
        self.current_item: str | None = None  # None with new_mode = a new item is being written
        self.new_mode = False
        self.import_problems: list[str] = []  # the problems of the last refused import
        self.setWindowTitle("检查表库")
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        screen = self.screen().availableGeometry() if self.screen() is not None else None
        if screen is not None:  # a 1366×768 laptop with a taskbar leaves about 1366×728
            self.resize(min(1320, screen.width() - 30), min(720, screen.height() - 40))
        else:
            self.resize(1320, 680)

        # --- left: templates by sector
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["检查表", "版本", "条目"])
        self.tree.setRootIsDecorated(True)
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.setMinimumWidth(330)
        self.new_template_button = QPushButton("新建本乡镇检查表…")
        self.export_button = QPushButton("导出 Excel…")
        self.import_button = QPushButton("导入 Excel…")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.tree, 1)
        row = QHBoxLayout()
        row.addWidget(self.new_template_button)
        self.parameters_button = QPushButton("本地参数…")
        self.parameters_button.clicked.connect(self.open_parameters)
        row.addWidget(self.parameters_button)
        left_layout.addLayout(row)
        row = QHBoxLayout()
        row.addWidget(self.export_button)
        row.addWidget(self.import_button)
        left_layout.addLayout(row)

        # --- right top: the template and its items
        self.title_label = QLabel()
        font = QFont(self.title_label.font())
        font.setPointSize(font.pointSize() + 3)
        font.setBold(True)
        self.title_label.setFont(font)
        self.title_label.setWordWrap(True)
        self.info_label = QLabel()
        self.info_label.setWordWrap(True)
        self.info_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.enabled_check = QCheckBox("启用（新检查时选用此表）")
        self.table = QTableWidget(0, len(_TABLE_COLUMNS))
        self.table.setHorizontalHeaderLabels([c[1] for c in _TABLE_COLUMNS])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setWordWrap(False)
        for col, (_f, _label, width) in enumerate(_TABLE_COLUMNS):
            self.table.setColumnWidth(col, width)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        head.addWidget(self.title_label, 1)
        head.addWidget(self.enabled_check, 0, Qt.AlignmentFlag.AlignTop)
        top_layout.addLayout(head)
        top_layout.addWidget(self.info_label)
        top_layout.addWidget(self.table, 1)

        # --- right bottom: the item form
        self.form_box = QGroupBox("编辑条目")
        self.code_label = QLabel()
        self.modified_label = QLabel()
        self.modified_label.setStyleSheet("color: #b35900;")
        self.edits: dict[str, QPlainTextEdit] = {}
        for name in _TEXT_FIELDS:
            edit = QPlainTextEdit()
            edit.setTabChangesFocus(True)
            edit.setFixedHeight(64)
            self.edits[name] = edit
        self.grade_combo = QComboBox()
        self.grade_combo.addItems(list(GRADES))
        self.deadline_spin = QSpinBox()
        self.deadline_spin.setRange(0, 365)
        self.deadline_spin.setSuffix(" 天")
        self.deadline_spin.setSpecialValueText("立即整改")
        self.save_button = QPushButton("保存修改")
        self.save_button.setDefault(True)
        self.reset_button = QPushButton("恢复内置文字")
        self.add_button = QPushButton("新增条目")
        self.remove_button = QPushButton("删除条目")
        grid = QGridLayout(self.form_box)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(4)
        code_row = QHBoxLayout()
        code_row.addWidget(QLabel("编号："))
        code_row.addWidget(self.code_label)
        code_row.addSpacing(16)
        code_row.addWidget(self.modified_label)
        code_row.addStretch(1)
        code_row.addWidget(QLabel(f"{FIELD_LABELS['default_grade']}："))
        code_row.addWidget(self.grade_combo)
        code_row.addSpacing(12)
        code_row.addWidget(QLabel("整改期限："))
        code_row.addWidget(self.deadline_spin)
        grid.addLayout(code_row, 0, 0, 1, 4)
        for i, name in enumerate(_TEXT_FIELDS):
            r, c = 1 + i % 3, (i // 3) * 2
            label = QLabel(FIELD_LABELS[name] + "：")
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            grid.addWidget(label, r, c)
            grid.addWidget(self.edits[name], r, c + 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        hint = QLabel("文字中的 {参数名}（如 {lpg_max_kg}）出表时填入本乡镇的取值。每次保存生成新版本，已完成的检查仍保留原文字。")
        hint.setStyleSheet("color: #666;")
        hint.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(hint, 1)
        for b in (self.add_button, self.remove_button, self.reset_button, self.save_button):
            buttons.addWidget(b)
        grid.addLayout(buttons, 4, 0, 1, 4)

        right_split = QSplitter(Qt.Orientation.Vertical)
        right_split.addWidget(top)
        right_split.addWidget(self.form_box)
        right_split.setStretchFactor(0, 1)
        right_split.setStretchFactor(1, 0)
        right_split.setChildrenCollapsible(False)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right_split)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([360, 960])

        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        close.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status_label, 1)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addLayout(bottom)

        self.tree.currentItemChanged.connect(self._tree_changed)
        self.table.itemSelectionChanged.connect(self._item_selected)
        self.enabled_check.toggled.connect(self._toggle_enabled)
        self.save_button.clicked.connect(self.save_item)
        self.add_button.clicked.connect(self.start_new_item)
        self.remove_button.clicked.connect(self._confirm_remove)
        self.reset_button.clicked.connect(self.reset_item)
        self.new_template_button.clicked.connect(self._new_template)
        self.export_button.clicked.connect(self._export_clicked)
        self.import_button.clicked.connect(self._import_clicked)

        self._ensure_library()
        self.refresh()

    # --- data ------------------------------------------------------------------------------

    def _ensure_library(self) -> None:
        if self.read_only:
            return
        try:
            with self.db.session(self.actor) as session:
                sync_builtin_library(session, self.library)
        except AnquanError as exc:
            self._message(str(exc), error=True)

    def refresh(self, select_code: str | None = None, select_item: str | None = None) -> None:
        """Reload the templates and rebuild the tree, keeping (or moving to) a selection."""
        select_code = select_code or self.current_code
        with self.db.reader() as session:
            rows = current_templates(session)
        self.templates = {t.code: t for t in rows}
        order = list(self.library.sectors) + sorted({t.sector for t in rows} - set(self.library.sectors))
        self.tree.blockSignals(True)
        self.tree.clear()
        selected: QTreeWidgetItem | None = None
        for sector in order:
            members = [t for t in rows if t.sector == sector]
            if not members:
                continue
            group = QTreeWidgetItem([f"{sector}（{len(members)}）", "", ""])
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            gfont = group.font(0)
            gfont.setBold(True)
            group.setFont(0, gfont)
            self.tree.addTopLevelItem(group)
            for t in members:
                label = short_name(t.name) if t.enabled else f"【停用】{short_name(t.name)}"
                node = QTreeWidgetItem([label, f"第{t.version}版", str(len(t.items))])
                node.setData(0, CODE_ROLE, t.code)
                node.setToolTip(0, f"{t.code}  {t.name}")
                if not t.enabled:
                    for col in range(3):
                        node.setForeground(col, QBrush(QColor("#999999")))
                group.addChild(node)
                if t.code == select_code:
                    selected = node
            group.setExpanded(True)
        self.tree.blockSignals(False)
        first = self.tree.topLevelItem(0)
        if selected is None and first is not None and first.childCount():
            selected = first.child(0)
        if selected is not None:
            self.tree.setCurrentItem(selected)
        self.show_template(selected.data(0, CODE_ROLE) if selected is not None else None, select_item)
        self._update_buttons()

    def template(self) -> ChecklistTemplate | None:
        return self.templates.get(self.current_code or "")

    def _tree_changed(self, current: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        code = current.data(0, CODE_ROLE) if current is not None else None
        if code:
            self.show_template(code)

    def select_template(self, code: str) -> None:
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            for j in range(group.childCount() if group is not None else 0):
                node = group.child(j) if group is not None else None
                if node is not None and node.data(0, CODE_ROLE) == code:
                    self.tree.setCurrentItem(node)
                    return
        raise KeyError(code)

    def show_template(self, code: str | None, select_item: str | None = None) -> None:
        self.current_code = code
        t = self.template()
        self.table.blockSignals(True)
        self.table.setRowCount(0)
        if t is None:
            self.title_label.setText("（没有检查表）")
            self.info_label.setText("")
            self.table.blockSignals(False)
            self._show_item(None)
            return
        self.title_label.setText(t.name)
        if t.builtin:
            origin = "内置检查表（本乡镇已修改）" if t.definition.get("edited") else "内置检查表"
        else:
            origin = "本乡镇自定检查表"
        parts = [f"编号 {t.code}", f"第 {t.version} 版", origin, f"行业领域：{t.sector}"]
        if t.nine_small_kind:
            parts.append(f"九小场所类别：{t.nine_small_kind}")
        parts.append(f"{len(t.items)} 个条目")
        change = t.definition.get("change")
        info = " · ".join(parts) + (f"\n本版说明：{change}" if change else "")
        self.info_label.setText(info)
        self.enabled_check.blockSignals(True)
        self.enabled_check.setChecked(t.enabled)
        self.enabled_check.blockSignals(False)
        self.table.setRowCount(len(t.items))
        target_row = 0
        for r, item in enumerate(t.items):
            for c, (name, _label, _w) in enumerate(_TABLE_COLUMNS):
                value = getattr(item, name)
                text = deadline_text(value) if name == "deadline_days" else str(value)
                cell = QTableWidgetItem(text)
                cell.setToolTip(str(value) if name in _TEXT_FIELDS else "")
                if name == "default_grade" and value == "重大":
                    cell.setForeground(QBrush(QColor("#c00000")))
                self.table.setItem(r, c, cell)
            if item.code == select_item:
                target_row = r
        self.table.blockSignals(False)
        if t.items:
            self.table.selectRow(target_row)
            self._item_selected()
        else:
            self._show_item(None)
        self._update_buttons()

    def _item_selected(self) -> None:
        t = self.template()
        rows = self.table.selectionModel().selectedRows()
        if t is None or not rows or rows[0].row() >= len(t.items):
            return
        self._show_item(t.items[rows[0].row()].code)

    def select_item(self, item_code: str) -> None:
        t = self.template()
        assert t is not None
        for r, item in enumerate(t.items):
            if item.code == item_code:
                self.table.selectRow(r)
                self._show_item(item_code)
                return
        raise KeyError(item_code)

    def _show_item(self, item_code: str | None) -> None:
        self.new_mode = False
        self.current_item = item_code
        t = self.template()
        if t is None or item_code is None:
            self.form_box.setTitle("编辑条目")
            self.code_label.setText("—")
            self.modified_label.setText("")
            for edit in self.edits.values():
                edit.setPlainText("")
            self._update_buttons()
            return
        raw = raw_item(t, item_code)
        self.form_box.setTitle("编辑条目")
        self.code_label.setText(item_code)
        modified = is_item_modified(t, item_code, self.library)
        self.modified_label.setText("已改动（与内置文字不同）" if modified else "")
        self._fill_form(raw)
        self._update_buttons()

    def _fill_form(self, raw: ItemFields) -> None:
        for name, edit in self.edits.items():
            edit.setPlainText(getattr(raw, name))
        self.grade_combo.setCurrentText(raw.default_grade)
        self.deadline_spin.setValue(raw.deadline_days)

    def form_values(self) -> dict[str, str | int]:
        values: dict[str, str | int] = {name: edit.toPlainText().strip() for name, edit in self.edits.items()}
        values["default_grade"] = self.grade_combo.currentText()
        values["deadline_days"] = self.deadline_spin.value()
        return values

    def _update_buttons(self) -> None:
        t = self.template()
        editable = not self.read_only and t is not None
        for w in (*self.edits.values(), self.grade_combo, self.deadline_spin):
            w.setEnabled(editable and (self.current_item is not None or self.new_mode))
        self.save_button.setEnabled(editable and (self.current_item is not None or self.new_mode))
        self.save_button.setText("保存新条目" if self.new_mode else "保存修改")
        self.add_button.setEnabled(editable and not self.new_mode)
        self.remove_button.setEnabled(editable and self.current_item is not None and t is not None
                                      and len(t.items) > 1)
        self.reset_button.setEnabled(editable and t is not None and t.builtin and self.current_item is not None
                                     and is_item_modified(t, self.current_item, self.library))
        self.enabled_check.setEnabled(editable)
        self.new_template_button.setEnabled(not self.read_only)
        self.import_button.setEnabled(not self.read_only)
        self.export_button.setEnabled(t is not None)

    # --- edits -----------------------------------------------------------------------------

    def _run(self, action: Callable[[Session], ChecklistTemplate], done: str) -> bool:
        """Run one service call in a unit of work; show the result or the error."""
        try:
            with self.db.session(self.actor) as session:
                row = action(session)
                code, version = row.code, row.version
        except AnquanError as exc:
            self._message(str(exc), error=True)
            return False
        self._message(done.format(code=code, version=version))
        return True

    def save_item(self) -> None:
        t = self.template()
        if t is None or self.read_only:
            return
        values = self.form_values()
        if self.new_mode:
            fields = ItemFields(**values)  # type: ignore[arg-type]
            if self._run(lambda s: add_item(s, t.code, fields, library=self.library),
                         "已新增条目，{code} 现为第 {version} 版"):
                self.refresh(t.code, select_item=None)
                self.select_item(self.template().items[-1].code)  # type: ignore[union-attr]
            return
        item_code = self.current_item
        if item_code is None:
            return
        before = t.version
        if self._run(lambda s: edit_item(s, t.code, item_code, library=self.library, **values),
                     "已保存，{code} 现为第 {version} 版"):
            self.refresh(t.code, select_item=item_code)
            now = self.template()
            if now is not None and now.version == before:
                self._message("内容没有变化，未生成新版本")

    def start_new_item(self) -> None:
        if self.template() is None or self.read_only:
            return
        self.table.clearSelection()
        self.current_item = None
        self.new_mode = True
        self.form_box.setTitle("新条目（保存时自动编号）")
        self.code_label.setText("（自动编号）")
        self.modified_label.setText("")
        self._fill_form(ItemFields(content=""))
        self._update_buttons()
        self.edits["content"].setFocus()

    def _confirm_remove(self) -> None:
        if self.current_item is None:
            return
        answer = QMessageBox.question(
            self, "删除条目", f"从检查表中删除条目 {self.current_item}？\n（生成新版本；以前的检查记录不受影响）")
        if answer == QMessageBox.StandardButton.Yes:
            self.remove_current_item()

    def remove_current_item(self) -> None:
        t, item_code = self.template(), self.current_item
        if t is None or item_code is None:
            return
        if self._run(lambda s: remove_item(s, t.code, item_code, library=self.library),
                     f"已删除条目 {item_code}，{{code}} 现为第 {{version}} 版"):
            self.refresh(t.code)

    def reset_item(self) -> None:
        t, item_code = self.template(), self.current_item
        if t is None or item_code is None:
            return
        if self._run(lambda s: reset_item_to_builtin(s, t.code, item_code, library=self.library),
                     f"条目 {item_code} 已恢复内置文字，{{code}} 现为第 {{version}} 版"):
            self.refresh(t.code, select_item=item_code)

    def _toggle_enabled(self, checked: bool) -> None:
        t = self.template()
        if t is None:
            return
        state = "启用" if checked else "停用"
        if self._run(lambda s: set_enabled(s, t.code, checked), f"已{state} {{code}}"):
            self.refresh(t.code, select_item=self.current_item)

    def _new_template(self) -> None:
        sectors = list(self.library.sectors) + sorted({t.sector for t in self.templates.values()}
                                                      - set(self.library.sectors))
        dialog = NewTemplateDialog(self.library, sectors, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.create_template(dialog.name_edit.text(), dialog.sector_combo.currentText(),
                             dialog.kind_combo.currentData())

    def create_template(self, name: str, sector: str, kind: str | None = None) -> str | None:
        created: list[str] = []

        def action(s: Session) -> ChecklistTemplate:
            row = add_template(s, name=name, sector=sector, nine_small_kind=kind, library=self.library)
            created.append(row.code)
            return row

        if not self._run(action, "已新建检查表 {code}，请新增条目"):
            return None
        self.refresh(created[0])
        self.start_new_item()
        return created[0]

    # --- Excel -----------------------------------------------------------------------------

    def _export_clicked(self) -> None:
        t = self.template()
        if t is None:
            return
        suggested = str(Path.home() / f"{t.code}-{t.name}-第{t.version}版.xlsx")
        target, _ = QFileDialog.getSaveFileName(self, "导出检查表", suggested, "Excel 工作簿 (*.xlsx)")
        if target:
            self.export_to(Path(target))

    def export_to(self, path: Path) -> Path | None:
        from anquan_desk.io.checklist_xlsx import export_checklist_xlsx

        t = self.template()
        if t is None:
            return None
        if path.suffix.lower() != ".xlsx":
            path = path.with_name(path.name + ".xlsx")
        try:
            written = export_checklist_xlsx(t, path)
        except OSError as exc:
            self._message(f"无法写入文件“{path}”：{exc.strerror or exc}", error=True)
            return None
        self._message(f"已导出 {t.code} 第 {t.version} 版到 {written}")
        return written

    def _import_clicked(self) -> None:
        source, _ = QFileDialog.getOpenFileName(self, "导入检查表", str(Path.home()), "Excel 工作簿 (*.xlsx *.xlsm)")
        if source and not self.import_from(Path(source)) and self.import_problems:
            QMessageBox.warning(self, "导入失败（没有作任何改动）", "\n".join(self.import_problems))

    def import_from(self, path: Path) -> bool:
        from anquan_desk.io.checklist_xlsx import ChecklistImportError
        from anquan_desk.services.checklists import import_checklist_xlsx

        self.import_problems = []
        try:
            with self.db.session(self.actor) as session:
                result = import_checklist_xlsx(session, path, self.library)
                code, version, name = result.template.code, result.template.version, result.template.name
        except ChecklistImportError as exc:
            self.import_problems = [str(p) for p in exc.problems[:12]]
            if len(exc.problems) > 12:
                self.import_problems.append(f"……另有 {len(exc.problems) - 12} 处问题")
            self._message(str(exc), error=True)
            return False
        except AnquanError as exc:
            self.import_problems = [str(exc)]
            self._message(str(exc), error=True)
            return False
        if result.created:
            self._message(f"已新建本乡镇检查表 {code}（{name}）")
        elif result.changed:
            self._message(f"已导入，{code} 现为第 {version} 版")
        else:
            self._message(f"文件与 {code} 第 {version} 版完全相同，未作改动")
        self.refresh(code)
        return True

    def open_parameters(self) -> None:
        from anquan_desk.ui.checklist_parameters import ParametersDialog

        dialog = ParametersDialog(self.desk, read_only=self.read_only, library=self.library,
                                  parent=self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.refresh()
            self._message(f"本地参数已保存，{len(dialog.new_versions)} 张检查表生成了新版本")

    # --- messages --------------------------------------------------------------------------

    def _message(self, text: str, *, error: bool = False) -> None:
        self.status_label.setStyleSheet("color: #c00000;" if error else "color: #1d6b2c;")
        self.status_label.setText(text)
