"""检查表库: browse the township's checklist templates by sector, edit items (every edit is a new
version through the service), add township templates, enable/disable, Excel export/import.

Everything is read and written through :mod:`anquan_desk.services.checklists` in operations: the
editor holds plain data only (:class:`TemplateSummary`, :class:`TemplateDetail`). It refreshes
itself when an operation — its own, the 本地参数 dialog's or anyone else's — changes the checklist
templates or the parameter values; after its own edits it then moves to the template and item the
edit concerned.

The templates (grouped by sector) and the items are models over those plain rows:
:class:`TemplateTreeModel` and :class:`ItemTableModel`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, overload

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont, QShowEvent
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
    QTableView,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from anquan_desk.core.changes import Changes
from anquan_desk.core.checklists import ChecklistLibrary
from anquan_desk.core.checklists.store import (
    FIELD_LABELS,
    ITEM_FIELDS,
    ItemFields,
    ItemView,
    TemplateDetail,
    TemplateSummary,
    default_library,
)
from anquan_desk.core.errors import AnquanError, OperationCancelled
from anquan_desk.core.vocabulary import HazardGrade, UserRole
from anquan_desk.io.checklist_xlsx import ChecklistImportError
from anquan_desk.services import checklists
from anquan_desk.services.checklists import ExportedChecklist, LibraryOverview, TemplateChange
from anquan_desk.services.desk import Desk
from anquan_desk.ui import state
from anquan_desk.ui.operations import QueryOp, WriteOp, change_hub, show_error
from anquan_desk.ui.row_model import RowTableModel

Index = QModelIndex | QPersistentModelIndex

#: A template row's code (in every column of the template tree).
CODE_ROLE = int(Qt.ItemDataRole.UserRole) + 1
#: An item row's code (in every column of the item table).
ITEM_CODE_ROLE = int(Qt.ItemDataRole.UserRole) + 2

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_FONT = int(Qt.ItemDataRole.FontRole)

_TEXT_FIELDS = ("content", "method", "hazard_text", "basis", "major_conditions", "requirement")
_TITLE = "检查表库"
_MAX_PROBLEMS = 12


def short_name(name: str) -> str:
    """The tree is grouped by sector, so "九小场所专用检查表：小商店（…）" shows as "小商店（…）"."""
    head, sep, tail = name.partition("：")
    return tail if sep and tail and "专用" in head else name


def deadline_text(days: int) -> str:
    return "立即整改" if days == 0 else f"{days}日内"


# --- models ---------------------------------------------------------------------------------------


class TemplateTreeModel(QAbstractItemModel):
    """The current templates grouped by sector: a sector row ("燃气（2）", not selectable) with its
    templates under it, in library order. ``CODE_ROLE`` gives a template row's code.

    A tree of two levels: a sector row has internal id 0, a template row the number of its
    sector row plus one.
    """

    COLUMNS = ("检查表", "版本", "条目")
    COL_NAME, COL_VERSION, COL_ITEMS = range(3)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._groups: list[tuple[str, tuple[TemplateSummary, ...]]] = []
        self._bold = QFont()
        self._bold.setBold(True)
        self._grey = QBrush(QColor("#999999"))

    def set_overview(self, overview: LibraryOverview) -> None:
        groups: list[tuple[str, tuple[TemplateSummary, ...]]] = []
        for sector in overview.sectors:
            members = tuple(t for t in overview.templates if t.sector == sector)
            if members:
                groups.append((sector, members))
        self.beginResetModel()
        self._groups = groups
        self.endResetModel()

    # --- lookups -------------------------------------------------------------------------------

    def template(self, index: Index) -> TemplateSummary | None:
        """The template of a template row (None for a sector row)."""
        if not index.isValid() or index.internalId() == 0:
            return None
        group = index.internalId() - 1
        if group >= len(self._groups):
            return None
        members = self._groups[group][1]
        return members[index.row()] if 0 <= index.row() < len(members) else None

    def index_of(self, code: str | None) -> QModelIndex:
        """The (first column) index of the template ``code``; invalid when there is none."""
        for g, (_sector, members) in enumerate(self._groups):
            for r, t in enumerate(members):
                if t.code == code:
                    return self.createIndex(r, 0, g + 1)
        return QModelIndex()

    def first_code(self) -> str | None:
        return self._groups[0][1][0].code if self._groups else None

    def sectors(self) -> list[str]:
        return [sector for sector, _members in self._groups]

    # --- Qt model interface --------------------------------------------------------------------

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0)
        if parent.internalId() == 0:
            return self.createIndex(row, column, parent.row() + 1)
        return QModelIndex()

    @overload
    def parent(self) -> QObject | None: ...

    @overload
    def parent(self, child: Index) -> QModelIndex: ...

    def parent(self, child: Index | None = None) -> QObject | QModelIndex | None:
        if child is None:
            return super().parent()
        if not child.isValid() or child.internalId() == 0:
            return QModelIndex()
        return self.createIndex(child.internalId() - 1, 0, 0)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self._groups)
        if parent.internalId() == 0 and parent.column() == 0 and parent.row() < len(self._groups):
            return len(self._groups[parent.row()][1])
        return 0

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(self.COLUMNS)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if index.internalId() == 0:
            return Qt.ItemFlag.ItemIsEnabled
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY and 0 <= section < len(self.COLUMNS):
            return self.COLUMNS[section]
        return None

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        column = index.column()
        if index.internalId() == 0:
            if not 0 <= index.row() < len(self._groups) or column != self.COL_NAME:
                return None
            if role == _DISPLAY:
                sector, members = self._groups[index.row()]
                return f"{sector}（{len(members)}）"
            return self._bold if role == _FONT else None
        t = self.template(index)
        if t is None:
            return None
        if role == _DISPLAY:
            if column == self.COL_NAME:
                return short_name(t.name) if t.enabled else f"【停用】{short_name(t.name)}"
            return f"第{t.version}版" if column == self.COL_VERSION else str(t.item_count)
        if role == CODE_ROLE:
            return t.code
        if role == _FOREGROUND:
            return None if t.enabled else self._grey
        if role == _TOOLTIP and column == self.COL_NAME:
            return f"{t.code}  {t.name}"
        return None


class ItemTableModel(RowTableModel[ItemView]):
    """The items of one template version (their texts as the inspector sees them).
    ``ITEM_CODE_ROLE`` gives a row's item code."""

    #: (item field, header, initial width) of each column.
    FIELDS: tuple[tuple[str, str, int], ...] = (
        ("code", "编号", 110),
        ("content", "检查内容", 330),
        ("hazard_text", "隐患描述（标准用语）", 250),
        ("default_grade", "等级", 48),
        ("deadline_days", "期限", 70),
    )
    COLUMNS = tuple(header for _field, header, _width in FIELDS)
    COL_CODE, COL_CONTENT, COL_HAZARD, COL_GRADE, COL_DEADLINE = range(5)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._major = QBrush(QColor("#c00000"))

    def set_items(self, items: tuple[ItemView, ...]) -> None:
        self.set_rows(items)

    def item(self, row: int) -> ItemView:
        return self.row(row)

    def row_of(self, item_code: str | None) -> int | None:
        return next((r for r, it in enumerate(self.rows) if it.code == item_code), None)

    def cell(self, row: ItemView, column: int, role: int) -> Any:
        name = self.FIELDS[column][0]
        if role == _DISPLAY:
            return deadline_text(row.shown.deadline_days) if column == self.COL_DEADLINE else str(
                getattr(row.shown, name))
        if role == ITEM_CODE_ROLE:
            return row.code
        if role == _TOOLTIP:
            return str(getattr(row.shown, name)) if name in _TEXT_FIELDS else None
        if role == _FOREGROUND:
            return self._major if column == self.COL_GRADE and row.shown.default_grade == HazardGrade.MAJOR else None
        return None


# --- dialogs --------------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class _Target:
    """Where to go once the library has been read again: a template, an item, then what to do."""

    code: str | None
    item: str | None = None
    then: Callable[[], None] | None = None


class ChecklistEditor(QDialog):
    """The checklist library of the township. All changes go through ``services.checklists``."""

    def __init__(self, desk: Desk, *, library: ChecklistLibrary | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.read_only = desk.actor.role == UserRole.VIEWER
        self.library = library if library is not None else default_library()
        self.overview: LibraryOverview | None = None
        self.detail: TemplateDetail | None = None  # the template shown on the right
        self.current_code: str | None = None
        self.current_item: str | None = None  # None with new_mode = a new item is being written
        self.new_mode = False
        self.import_problems: list[str] = []  # the problems of the last refused import
        self._want: _Target | None = None  # where to go after the reload under way
        self._overview_loads = 0  # library reads under way (only the last one is shown)
        self._detail_serial = 0  # only the answer to the last template read is shown
        self._quiet = False  # selection changes made by the editor itself
        self._stale = False
        self.setWindowTitle(_TITLE)
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        if not state.restore_geometry(self, state.CHECKLIST_EDITOR_GEOMETRY):
            screen = self.screen().availableGeometry() if self.screen() is not None else None
            if screen is not None:  # a 1366×768 laptop with a taskbar leaves about 1366×728
                self.resize(min(1320, screen.width() - 30), min(720, screen.height() - 40))
            else:
                self.resize(1320, 680)

        # --- left: templates by sector
        self.tree_model = TemplateTreeModel(self)
        self.tree = QTreeView()
        self.tree.setModel(self.tree_model)
        self.tree.setRootIsDecorated(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(TemplateTreeModel.COL_NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(TemplateTreeModel.COL_VERSION, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(TemplateTreeModel.COL_ITEMS, QHeaderView.ResizeMode.ResizeToContents)
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
        self.items_model = ItemTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.items_model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setWordWrap(False)
        for col, (_f, _label, width) in enumerate(ItemTableModel.FIELDS):
            self.table.setColumnWidth(col, width)
        self.table.horizontalHeader().setSectionResizeMode(ItemTableModel.COL_CONTENT, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(ItemTableModel.COL_HAZARD, QHeaderView.ResizeMode.Stretch)

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
        self.grade_combo.addItems([grade.value for grade in HazardGrade])
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

        self.tree.selectionModel().currentChanged.connect(self._tree_changed)
        self.table.selectionModel().selectionChanged.connect(self._item_selected)
        self.enabled_check.toggled.connect(self._toggle_enabled)
        self.save_button.clicked.connect(self.save_item)
        self.add_button.clicked.connect(self.start_new_item)
        self.remove_button.clicked.connect(self._confirm_remove)
        self.reset_button.clicked.connect(self.reset_item)
        self.new_template_button.clicked.connect(self._new_template)
        self.export_button.clicked.connect(self._export_clicked)
        self.import_button.clicked.connect(self._import_clicked)

        change_hub.subscribe(self, self._changed)
        self._update_buttons()
        if not self.read_only:  # install the shipped templates (and newer built-in versions)
            WriteOp(self, lambda _p: checklists.install_builtin_library(self.desk, self.library),
                    failure=self._failed, title=_TITLE).run()
        self.reload()

    # --- reading -----------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the library again and show it, keeping the selection (or moving to the one an edit
        asked for)."""
        self._stale = False
        self._overview_loads += 1
        QueryOp(self, lambda _p: checklists.checklist_overview(self.desk, self.library),
                success=self._overview_loaded, failure=self._overview_failed, title=_TITLE).run()

    def _overview_failed(self, error: BaseException) -> None:
        self._overview_loads -= 1
        show_error(self, _TITLE, error)

    def _overview_loaded(self, overview: LibraryOverview) -> None:
        self._overview_loads -= 1
        if self._overview_loads:
            return  # a newer reading is on its way
        target = self._want or _Target(self.current_code, self.current_item)
        self._want = None
        self.overview = overview
        self._quiet = True
        try:
            self.tree_model.set_overview(overview)
            self.tree.expandAll()
        finally:
            self._quiet = False
        code = target.code if self.tree_model.index_of(target.code).isValid() else self.tree_model.first_code()
        if code is None:
            self.show_template(None, then=target.then)
        else:
            self.select_template(code, target.item, target.then)

    def _changed(self, changes: Changes, _initiator: object) -> None:
        if not checklists.library_changed(changes):
            return
        self._stale = True
        if self.isVisible():
            self.reload()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()

    def _go_to(self, code: str, item: str | None = None, then: Callable[[], None] | None = None) -> None:
        """Show template ``code`` (and ``item``) as it is after the edit that just finished."""
        self._want = _Target(code, item, then)
        if self._stale:
            self.reload()
        elif not self._overview_loads:  # the library shown is current: only the template is read again
            self._want = None
            if self.tree_model.index_of(code).isValid():
                self.select_template(code, item, then)
            else:
                self._want = _Target(code, item, then)
                self.reload()
        # else: the reading under way goes there

    def template(self) -> TemplateDetail | None:
        """The template shown on the right."""
        return self.detail

    def _tree_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._quiet:
            return
        code = current.data(CODE_ROLE)
        if code:
            self.show_template(str(code))

    def select_template(self, code: str, item: str | None = None, then: Callable[[], None] | None = None) -> None:
        """Select template ``code`` in the tree and show it (then ``item``); KeyError when unknown."""
        index = self.tree_model.index_of(code)
        if not index.isValid():
            raise KeyError(code)
        self._quiet = True
        try:
            self.tree.setCurrentIndex(index)
        finally:
            self._quiet = False
        self.show_template(code, item, then)

    def show_template(self, code: str | None, select_item: str | None = None,
                      then: Callable[[], None] | None = None) -> None:
        """Read template ``code`` and show it with its items (selecting ``select_item`` or the first)."""
        self.current_code = code
        self._detail_serial += 1
        serial = self._detail_serial
        if code is None:
            self._show_detail(None, None, then)
            return
        template_code = code
        QueryOp(self, lambda _p: checklists.checklist_detail(self.desk, template_code, self.library),
                success=lambda detail: self._detail_loaded(serial, detail, select_item, then),
                title=_TITLE).run()

    def _detail_loaded(self, serial: int, detail: TemplateDetail, select_item: str | None,
                       then: Callable[[], None] | None) -> None:
        if serial == self._detail_serial:
            self._show_detail(detail, select_item, then)

    def _show_detail(self, detail: TemplateDetail | None, select_item: str | None,
                     then: Callable[[], None] | None) -> None:
        self.detail = detail
        self.items_model.set_items(detail.items if detail is not None else ())
        if detail is None:
            self.title_label.setText("（没有检查表）")
            self.info_label.setText("")
            self._show_item(None)
        else:
            t = detail.summary
            self.title_label.setText(t.name)
            if t.builtin:
                origin = "内置检查表（本乡镇已修改）" if t.edited else "内置检查表"
            else:
                origin = "本乡镇自定检查表"
            parts = [f"编号 {t.code}", f"第 {t.version} 版", origin, f"行业领域：{t.sector}"]
            if t.nine_small_kind:
                parts.append(f"九小场所类别：{t.nine_small_kind}")
            parts.append(f"{len(detail.items)} 个条目")
            self.info_label.setText(" · ".join(parts) + (f"\n本版说明：{t.change}" if t.change else ""))
            self.enabled_check.blockSignals(True)
            self.enabled_check.setChecked(t.enabled)
            self.enabled_check.blockSignals(False)
            if detail.items:
                self._select_row(self.items_model.row_of(select_item) or 0)
            else:
                self._show_item(None)
        self._update_buttons()
        if then is not None:
            then()

    def _select_row(self, row: int) -> None:
        self._quiet = True
        try:
            self.table.selectRow(row)
        finally:
            self._quiet = False
        self._show_item(self.items_model.item(row).code)

    def _item_selected(self) -> None:
        if self._quiet or self.detail is None:
            return
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= self.items_model.rowCount():
            return
        self._show_item(self.items_model.item(rows[0].row()).code)

    def select_item(self, item_code: str) -> None:
        row = self.items_model.row_of(item_code)
        if row is None:
            raise KeyError(item_code)
        self._select_row(row)

    def _current_view(self) -> ItemView | None:
        if self.detail is None or self.current_item is None:
            return None
        row = self.items_model.row_of(self.current_item)
        return self.items_model.item(row) if row is not None else None

    def _show_item(self, item_code: str | None) -> None:
        self.new_mode = False
        self.current_item = item_code
        view = self._current_view()
        self.form_box.setTitle("编辑条目")
        if view is None:
            self.current_item = None
            self.code_label.setText("—")
            self.modified_label.setText("")
            for edit in self.edits.values():
                edit.setPlainText("")
            self._update_buttons()
            return
        self.code_label.setText(view.code)
        self.modified_label.setText("已改动（与内置文字不同）" if view.modified else "")
        self._fill_form(view.raw)
        self._update_buttons()

    def _fill_form(self, raw: ItemFields) -> None:
        for name, edit in self.edits.items():
            edit.setPlainText(getattr(raw, name))
        self.grade_combo.setCurrentText(raw.default_grade)
        self.deadline_spin.setValue(raw.deadline_days)

    def form_fields(self) -> ItemFields:
        """The item as written in the form (texts stripped)."""
        text = {name: edit.toPlainText().strip() for name, edit in self.edits.items()}
        return ItemFields(
            content=text["content"], method=text["method"], hazard_text=text["hazard_text"], basis=text["basis"],
            default_grade=self.grade_combo.currentText(), major_conditions=text["major_conditions"],
            requirement=text["requirement"], deadline_days=self.deadline_spin.value(),
        )

    def form_values(self) -> dict[str, str | int]:
        fields = self.form_fields()
        return {name: getattr(fields, name) for name in ITEM_FIELDS}

    def _update_buttons(self) -> None:
        t = self.detail
        editable = not self.read_only and t is not None
        writing = editable and (self.current_item is not None or self.new_mode)
        for w in (*self.edits.values(), self.grade_combo, self.deadline_spin):
            w.setEnabled(writing)
        self.save_button.setEnabled(writing)
        self.save_button.setText("保存新条目" if self.new_mode else "保存修改")
        self.add_button.setEnabled(editable and not self.new_mode)
        self.remove_button.setEnabled(editable and self.current_item is not None and t is not None
                                      and len(t.items) > 1)
        view = self._current_view()
        self.reset_button.setEnabled(editable and t is not None and t.summary.builtin and view is not None
                                     and view.modified)
        self.enabled_check.setEnabled(editable)
        self.new_template_button.setEnabled(not self.read_only)
        self.import_button.setEnabled(not self.read_only)
        self.export_button.setEnabled(t is not None)

    # --- edits -----------------------------------------------------------------------------

    def _write(self, work: Callable[[], TemplateChange], done: Callable[[TemplateChange], None]) -> None:
        """Run one service call as a write operation; a refusal is shown in the status line."""
        WriteOp(self, lambda _p: work(), success=done, failure=self._failed, title=_TITLE).run()

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, AnquanError):
            self._message(str(error), error=True)
        else:
            show_error(self, _TITLE, error)

    def save_item(self) -> None:
        t = self.detail
        if t is None or self.read_only:
            return
        code = t.code
        if self.new_mode:
            fields = self.form_fields()
            self._write(lambda: checklists.add_checklist_item(self.desk, code, fields, library=self.library),
                        self._item_added)
            return
        item_code = self.current_item
        if item_code is None:
            return
        values = self.form_values()
        self._write(lambda: checklists.edit_checklist_item(self.desk, code, item_code, values, library=self.library),
                    lambda change: self._item_saved(change, item_code))

    def _item_added(self, change: TemplateChange) -> None:
        self._message(f"已新增条目，{change.code} 现为第 {change.version} 版")
        self._go_to(change.code, change.item_code)

    def _item_saved(self, change: TemplateChange, item_code: str) -> None:
        if change.changed:
            self._message(f"已保存，{change.code} 现为第 {change.version} 版")
        else:
            self._message("内容没有变化，未生成新版本")
        self._go_to(change.code, item_code)

    def start_new_item(self) -> None:
        if self.detail is None or self.read_only:
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
        t, item_code = self.detail, self.current_item
        if t is None or item_code is None:
            return
        code = t.code

        def removed(change: TemplateChange) -> None:
            self._message(f"已删除条目 {item_code}，{change.code} 现为第 {change.version} 版")
            self._go_to(change.code)

        self._write(lambda: checklists.remove_checklist_item(self.desk, code, item_code, library=self.library),
                    removed)

    def reset_item(self) -> None:
        t, item_code = self.detail, self.current_item
        if t is None or item_code is None:
            return
        code = t.code

        def reset(change: TemplateChange) -> None:
            self._message(f"条目 {item_code} 已恢复内置文字，{change.code} 现为第 {change.version} 版")
            self._go_to(change.code, item_code)

        self._write(lambda: checklists.reset_checklist_item(self.desk, code, item_code, library=self.library),
                    reset)

    def _toggle_enabled(self, checked: bool) -> None:
        t = self.detail
        if t is None:
            return
        code, item_code = t.code, self.current_item
        word = "启用" if checked else "停用"

        def switched(change: TemplateChange) -> None:
            self._message(f"已{word} {change.code}")
            self._go_to(change.code, item_code)

        self._write(lambda: checklists.enable_checklist(self.desk, code, checked), switched)

    def _new_template(self) -> None:
        sectors = list(self.overview.sectors) if self.overview is not None else list(self.library.sectors)
        dialog = NewTemplateDialog(self.library, sectors, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.create_template(dialog.name_edit.text(), dialog.sector_combo.currentText(),
                             dialog.kind_combo.currentData())

    def create_template(self, name: str, sector: str, kind: str | None = None) -> None:
        """Create a township template; when it is there, show it and start its first item."""

        def created(change: TemplateChange) -> None:
            self._message(f"已新建检查表 {change.code}，请新增条目")
            self._go_to(change.code, then=self.start_new_item)

        self._write(lambda: checklists.create_checklist(self.desk, name=name, sector=sector, nine_small_kind=kind,
                                                        library=self.library), created)

    # --- Excel -----------------------------------------------------------------------------

    def _export_clicked(self) -> None:
        t = self.detail
        if t is None:
            return
        s = t.summary
        suggested = str(Path(state.last_folder(state.LAST_FOLDER_EXPORT)) / f"{s.code}-{s.name}-第{s.version}版.xlsx")
        target, _ = QFileDialog.getSaveFileName(self, "导出检查表", suggested, "Excel 工作簿 (*.xlsx)")
        if target:
            state.remember_folder(state.LAST_FOLDER_EXPORT, target)
            self.export_to(Path(target))

    def export_to(self, path: Path) -> Path | None:
        """Export the template shown to ``path`` (``.xlsx`` added when missing) in an operation;
        returns the file it writes (None without a template)."""
        t = self.detail
        if t is None:
            return None
        if path.suffix.lower() != ".xlsx":
            path = path.with_name(path.name + ".xlsx")
        code, target = t.code, path

        def exported(done: ExportedChecklist) -> None:
            self._message(f"已导出 {done.code} 第 {done.version} 版到 {done.path}")

        QueryOp(self, lambda p: checklists.export_checklist_file(self.desk, code, target, progress=p),
                success=exported, failure=self._failed, title="导出检查表") \
            .with_progress("正在导出检查表…", cancellable=True).run()
        return target

    def _import_clicked(self) -> None:
        source, _ = QFileDialog.getOpenFileName(self, "导入检查表", state.last_folder(state.LAST_FOLDER_IMPORT),
                                                "Excel 工作簿 (*.xlsx *.xlsm)")
        if source:
            state.remember_folder(state.LAST_FOLDER_IMPORT, source)
            self.import_from(Path(source), report=True)

    def import_from(self, path: Path, *, report: bool = False) -> None:
        """Import a workbook in an operation. A refused file changes nothing: its problems (file,
        sheet, row, column) are kept in :attr:`import_problems`, the first is shown in the status
        line and, with ``report``, all of them in a message box."""
        self.import_problems = []
        WriteOp(self, lambda p: checklists.import_checklist_file(self.desk, path, library=self.library, progress=p),
                success=self._imported, failure=lambda error: self._import_failed(error, report),
                title="导入检查表").with_progress("正在导入检查表…", cancellable=True).run()

    def _imported(self, change: TemplateChange) -> None:
        if change.created:
            self._message(f"已新建本乡镇检查表 {change.code}（{change.name}）")
        elif change.changed:
            self._message(f"已导入，{change.code} 现为第 {change.version} 版")
        else:
            self._message(f"文件与 {change.code} 第 {change.version} 版完全相同，未作改动")
        self._go_to(change.code)

    def _import_failed(self, error: BaseException, report: bool) -> None:
        if isinstance(error, OperationCancelled):
            self._message("已取消导入，没有作任何改动")
            return
        if isinstance(error, ChecklistImportError):
            self.import_problems = [str(p) for p in error.problems[:_MAX_PROBLEMS]]
            if len(error.problems) > _MAX_PROBLEMS:
                self.import_problems.append(f"……另有 {len(error.problems) - _MAX_PROBLEMS} 处问题")
        elif isinstance(error, AnquanError):
            self.import_problems = [str(error)]
        else:
            show_error(self, "导入检查表", error)
            return
        self._message(str(error), error=True)
        if report:
            QMessageBox.warning(self, "导入失败（没有作任何改动）", "\n".join(self.import_problems))

    def open_parameters(self) -> None:
        from anquan_desk.ui.checklist_parameters import ParametersDialog

        dialog = ParametersDialog(self.desk, read_only=self.read_only, library=self.library, parent=self)
        if dialog.exec() == QDialog.DialogCode.Accepted:  # the editor has refreshed itself meanwhile
            self._message(f"本地参数已保存，{len(dialog.new_versions)} 张检查表生成了新版本")

    # --- messages and window ---------------------------------------------------------------

    def _message(self, text: str, *, error: bool = False) -> None:
        self.status_label.setStyleSheet("color: #c00000;" if error else "color: #1d6b2c;")
        self.status_label.setText(text)

    def done(self, result: int) -> None:
        state.remember_geometry(self, state.CHECKLIST_EDITOR_GEOMETRY)
        super().done(result)
