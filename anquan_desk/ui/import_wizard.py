"""导入场所清单: a wizard over ``anquan_desk.services.place_import``.

Pages: choose the file → check/correct the column mapping → preview every row with its problems
(red: errors, orange: warnings) → options (all or nothing / only valid rows, create missing
villages and grids) and import → result, with "save problem report".

Reading the workbook (with the preview it makes) and writing the import run as operations with a
progress dialog, off the UI thread. Reading can be cancelled; the import is all or nothing, so
cancelling it rolls it back. A page's 下一步 starts its operation and the wizard moves on when the
operation has succeeded; a problem is shown in the page's error label.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from anquan_desk.core.errors import AnquanError, OperationCancelled, UserInputError
from anquan_desk.core.progress import Progress
from anquan_desk.io.place_import import (
    FIELD_LABELS,
    SECTOR_ORDER,
    PlaceImportPreview,
    PreviewRow,
    Problem,
    write_problem_report,
)
from anquan_desk.io.tabular import ColumnMapping, ImportFileError, column_letter
from anquan_desk.services import place_import
from anquan_desk.services.desk import Desk
from anquan_desk.services.place_import import ImportBlockedError, ImportResult
from anquan_desk.ui import state as window_state
from anquan_desk.ui.operations import Op, QueryOp, WriteOp, show_error

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex

TITLE = "导入场所清单"
#: Fields one column may feed together (a 场所类别 column tells both the kind and the sectors).
SHARED_FIELDS = frozenset({"sector", "nine_small_kind"})
ACKNOWLEDGE_TEXT = "我已核对以上提醒（警告），仍按此导入"
ERROR_BRUSH = QBrush(QColor("#f8d0d0"))
WARNING_BRUSH = QBrush(QColor("#fde3bf"))
ACTION_TEXT = {"new": "新增", "update": "更新", "invalid": "有错误"}

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)


class ImportState:
    """What the pages share: the file, the mapping the user settled on, the preview, the result."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.path: Path | None = None
        self.mapping: ColumnMapping | None = None
        self.create_missing = False
        self.preview: PlaceImportPreview | None = None
        self.result: ImportResult | None = None
        self.blocked: ImportBlockedError | None = None

    def reading(self, create_missing: bool | None = None) -> Callable[[Progress], PlaceImportPreview]:
        """The work that reads and checks the file with the current mapping and options (taken
        now, on the UI thread; run on a worker)."""
        desk, path, mapping = self.desk, self.path, self.mapping
        create_missing = self.create_missing if create_missing is None else create_missing
        assert path is not None

        def read(progress: Progress) -> PlaceImportPreview:
            return _readable(lambda: place_import.preview_place_list(
                desk, path, mapping=mapping, create_missing=create_missing, progress=progress
            ))

        return read


def _readable(work: Callable[[], T]) -> T:
    """A file that cannot be read is the user's problem, shown as such (not logged as a failure)."""
    try:
        return work()
    except ImportFileError as err:
        raise UserInputError(str(err)) from err


@dataclass(frozen=True)
class _Written:
    """What the import operation hands back: the preview it wrote and how it went."""

    preview: PlaceImportPreview
    result: ImportResult | None
    blocked: ImportBlockedError | None


def _error_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet("color: #c00000")
    return label


class _StepPage(QWizardPage):
    """A page whose 下一步 may run an operation first: ``validatePage`` starts it and refuses; the
    operation's success moves the wizard on (``wizard.next()``). Meanwhile 下一步 is disabled."""

    def __init__(self, state: ImportState) -> None:
        super().__init__()
        self.state = state
        self.error_label = _error_label()
        self.op: Op[Any] | None = None  # the running operation
        self._passed = False
        self._validating = False

    # -- what a page defines --------------------------------------------------------------------

    def start(self) -> None:
        """Check the page; then either :meth:`advance` at once, :meth:`refuse`, or :meth:`run` an op."""
        self.advance()

    def ready(self) -> bool:
        """Whether the page's own fields allow 下一步 (besides no operation running)."""
        return True

    # -- the machinery -------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.op is not None

    def isComplete(self) -> bool:
        return not self.busy and self.ready()

    def validatePage(self) -> bool:
        if self._passed:
            self._passed = False
            return True
        if self.busy:
            return False
        self._validating = True
        try:
            self.start()
        finally:
            self._validating = False
        if self._passed:  # decided at once (or the operation ran inline)
            self._passed = False
            return True
        return False

    def advance(self) -> None:
        self.error_label.clear()
        self._passed = True
        if self._validating:
            return  # validatePage returns True
        wizard = self.wizard()
        if wizard is not None and wizard.currentPage() is self:
            wizard.next()
        self._passed = False

    def refuse(self, message: str) -> None:
        self.error_label.setText(message)

    def run(self, op: Op[T], label: str, *, cancellable: bool) -> None:
        self.op = op
        self.completeChanged.emit()
        op.with_progress(label, cancellable=cancellable).run()

    def finished(self) -> None:
        self.op = None
        self.completeChanged.emit()

    def failed(self, error: BaseException, cancelled: str = "") -> None:
        self.finished()
        if isinstance(error, OperationCancelled):
            self.error_label.setText(cancelled)
        elif isinstance(error, AnquanError):
            self.error_label.setText(str(error))
        else:
            show_error(self, TITLE, error)

    def cancel(self) -> None:
        """Ask the running operation, if any, to stop (the wizard is being closed)."""
        if self.op is not None:
            self.op.progress.cancel()


class FilePage(_StepPage):
    def __init__(self, state: ImportState) -> None:
        super().__init__(state)
        self.setTitle("选择场所清单文件")
        self.setSubTitle("支持 .xlsx / .xlsm 和 .csv（UTF-8 或 GBK 编码）。表头可以在标题行下面，"
                         "也可以是合并单元格的两行表头。")
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText("场所清单文件路径")
        browse = QPushButton("浏览…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.error_label)
        layout.addStretch(1)
        self.path_edit.textChanged.connect(self.completeChanged)

    def _browse(self) -> None:
        start = window_state.last_folder(window_state.LAST_FOLDER_IMPORT)
        path, _ = QFileDialog.getOpenFileName(
            self, "选择场所清单", start, "场所清单 (*.xlsx *.xlsm *.csv);;Excel 工作簿 (*.xlsx *.xlsm);;CSV 文件 (*.csv)")
        if path:
            window_state.remember_folder(window_state.LAST_FOLDER_IMPORT, path)
            self.path_edit.setText(path)

    def ready(self) -> bool:
        return bool(self.path_edit.text().strip())

    def start(self) -> None:
        self.state.path = Path(self.path_edit.text().strip())
        self.state.mapping = None
        self.error_label.clear()
        self.run(QueryOp(self, self.state.reading(), success=self._read, failure=self.failed, title=TITLE),
                 "正在读取场所清单…", cancellable=True)

    def _read(self, preview: PlaceImportPreview) -> None:
        self.finished()
        self.state.preview = preview
        if self.state.path is not None:
            window_state.remember_folder(window_state.LAST_FOLDER_IMPORT, self.state.path)
        self.advance()


class MappingPage(_StepPage):
    """One combo per field of ours: which column of the file holds it."""

    def __init__(self, state: ImportState) -> None:
        super().__init__(state)
        self.setTitle("核对列对应关系")
        self.setSubTitle("程序已按表头自动识别各列；如有不对，请为每一项选择文件中对应的列。")
        self.info_label = QLabel()
        self.info_label.setWordWrap(True)
        self.combos: dict[str, QComboBox] = {}
        form_widget = QWidget()
        form = QFormLayout(form_widget)
        for field, label in FIELD_LABELS.items():
            combo = QComboBox()
            combo.setMinimumWidth(320)
            self.combos[field] = combo
            form.addRow(label + "：", combo)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(form_widget)
        self.error_label.setWordWrap(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.info_label)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.error_label)

    def initializePage(self) -> None:
        preview = self.state.preview
        assert preview is not None
        sheet = preview.sheets[0]
        remembered = "（已套用上次保存的对应关系）" if not sheet.guessed else ""
        self.info_label.setText(
            f"工作表“{sheet.sheet}”，表头在第 {sheet.header_row}"
            + (f"～{sheet.last_header_row}" if sheet.last_header_row != sheet.header_row else "")
            + f" 行，共 {sheet.row_count} 行数据{remembered}。"
            + (f" 另有 {len(preview.sheets) - 1} 个工作表按各自表头识别。" if len(preview.sheets) > 1 else "")
        )
        for field, combo in self.combos.items():
            combo.blockSignals(True)
            combo.clear()
            combo.addItem("（不导入）", None)
            for index, header in enumerate(sheet.headers):
                combo.addItem(f"{column_letter(index)}列：{header or '（无表头）'}", index)
            column = sheet.mapping.columns.get(field)
            combo.setCurrentIndex(0 if column is None else column + 1)
            combo.blockSignals(False)

    def chosen(self) -> dict[str, int]:
        return {f: int(c.currentData()) for f, c in self.combos.items() if c.currentData() is not None}

    def set_column(self, field: str, column: int | None) -> None:
        """Select ``column`` (0-based, None: not imported) for ``field`` (what a click does)."""
        combo = self.combos[field]
        combo.setCurrentIndex(0 if column is None else combo.findData(column))

    def start(self) -> None:
        preview = self.state.preview
        assert preview is not None
        columns = self.chosen()
        if "name" not in columns:
            self.refuse("请指定“单位名称”在哪一列")
            return
        used = [c for f, c in columns.items() if f not in SHARED_FIELDS]
        used += list({c for f, c in columns.items() if f in SHARED_FIELDS} - set(used))
        if len(used) != len(set(used)):
            self.refuse("同一列不能对应两项，请检查（只有“行业领域”和“九小场所类别”可以是同一列）")
            return
        sheet = preview.sheets[0]
        if columns == sheet.mapping.columns:
            self.advance()
            return
        self.state.mapping = ColumnMapping(columns=columns, fingerprint=sheet.mapping.fingerprint)
        self.error_label.clear()
        self.run(QueryOp(self, self.state.reading(), success=self._read, failure=self.failed, title=TITLE),
                 "正在按新的列对应关系重新检查…", cancellable=True)

    def _read(self, preview: PlaceImportPreview) -> None:
        self.finished()
        self.state.preview = preview
        self.advance()


def _sector_text(sectors: frozenset[str]) -> str:
    order = {s: i for i, s in enumerate(SECTOR_ORDER)}
    return "、".join(sorted(sectors, key=lambda s: (order.get(s, len(order)), s)))


def _problem_text(row: PreviewRow) -> str:
    parts = []
    for p in sorted(row.problems, key=lambda p: p.severity != "error"):  # errors first
        where = f"{p.column_label}：" if p.column_label else ""
        parts.append(("【错误】" if p.severity == "error" else "【警告】") + where + p.message)
    return "\n".join(parts)


class PreviewTableModel(QAbstractTableModel):
    """The preview's rows (``PreviewRow``), one line per problem in the problem column; rows with
    errors red, with warnings orange."""

    HEADERS = ("工作表", "行", "处理", "问题", "单位名称", "地址", "负责人", "联系电话", "村（社区）/网格",
               "统一社会信用代码", "九小场所类别", "行业领域（含推断）")
    COL_SHEET, COL_ROW, COL_ACTION, COL_PROBLEMS, COL_NAME, COL_ADDRESS, COL_PERSON, COL_PHONE, COL_WHERE, COL_CODE = (
        range(10)
    )
    COL_KIND, COL_SECTORS = 10, 11
    #: "error", "warning" or None: how a row is marked.
    SEVERITY_ROLE = int(Qt.ItemDataRole.UserRole) + 1

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[PreviewRow] = []
        self._cells: list[tuple[str, ...] | None] = []
        self._severity: list[str | None] = []

    def set_rows(self, rows: list[PreviewRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._cells = [None] * len(self._rows)
        self._severity = []
        for row in self._rows:
            severity = {p.severity for p in row.problems}
            self._severity.append("error" if "error" in severity else "warning" if severity else None)
        self.endResetModel()

    def lines(self, row: int) -> int:
        """How many lines the row's problem text has."""
        return max(1, len(self._rows[row].problems))

    def severity(self, row: int) -> str | None:
        return self._severity[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY and 0 <= section < len(self.HEADERS):
            return self.HEADERS[section]
        return None

    def _row_cells(self, r: int) -> tuple[str, ...]:
        cells = self._cells[r]
        if cells is None:
            row = self._rows[r]
            place = row.place
            where = " / ".join(x for x in (place.village, place.grid) if x)
            cells = self._cells[r] = (
                row.sheet, str(row.row), ACTION_TEXT[row.action], _problem_text(row), place.name, place.address,
                place.responsible_person, place.phone, where, place.credit_code or "",
                place.nine_small_kind or "", _sector_text(place.sectors),
            )
        return cells

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        r = index.row()
        if not index.isValid() or not 0 <= r < len(self._rows):
            return None
        if role == _DISPLAY:
            return self._row_cells(r)[index.column()]
        if role == _BACKGROUND:
            severity = self._severity[r]
            return ERROR_BRUSH if severity == "error" else WARNING_BRUSH if severity else None
        if role == _TOOLTIP:
            return self._row_cells(r)[index.column()] if index.column() == self.COL_PROBLEMS else None
        if role == self.SEVERITY_ROLE:
            return self._severity[r]
        return None


class PreviewPage(QWizardPage):
    HEADERS = PreviewTableModel.HEADERS
    PROBLEM_COLUMN = PreviewTableModel.COL_PROBLEMS

    def __init__(self, state: ImportState) -> None:
        super().__init__()
        self.state = state
        self.setTitle("预览")
        self.setSubTitle("每一行的问题写在该行：红色为错误（不能导入），橙色为警告（可以导入，建议核对）。")
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        self.model = PreviewTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(True)
        self.file_problems = QLabel()
        self.file_problems.setWordWrap(True)
        self.file_problems.setStyleSheet("color: #a05000")
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.file_problems)
        layout.addWidget(self.table, 1)

    def initializePage(self) -> None:
        preview = self.state.preview
        assert preview is not None
        self.summary_label.setText(preview.summary())
        general = [str(p) for p in preview.problems if p.row is None]
        self.file_problems.setText("\n".join(general))
        self.file_problems.setVisible(bool(general))
        self.model.set_rows(preview.rows)
        for column, width in enumerate((80, 40, 60, 380, 150, 170, 60, 110, 130, 150, 110)):
            self.table.setColumnWidth(column, width)
        self._fit_rows()

    def _fit_rows(self) -> None:
        """One text line per problem: rows are as tall as their problem list (measuring every cell,
        as ``resizeRowsToContents`` does, takes seconds for a list of thousands of places)."""
        header = self.table.verticalHeader()
        line = self.table.fontMetrics().lineSpacing()
        single = line + 8
        header.setMinimumSectionSize(single)
        header.setDefaultSectionSize(single)
        for row in range(self.model.rowCount()):
            lines = self.model.lines(row)
            if lines > 1:
                header.resizeSection(row, lines * line + 8)

    def row_colour(self, row: int) -> str | None:
        """"error", "warning" or None: how row ``row`` is marked (for tests and screenshots)."""
        value = self.model.index(row, 0).data(PreviewTableModel.SEVERITY_ROLE)
        return value if isinstance(value, str) else None

    def cell(self, row: int, column: int) -> str:
        """The text shown in a cell (for tests and screenshots)."""
        return str(self.model.index(row, column).data() or "")


#: How many warnings the options page lists before "…".
SHOWN_WARNINGS = 8


def _warnings_text(warnings: list[Problem]) -> str:
    if not warnings:
        return ""
    lines = [f"导入前请核对以下 {len(warnings)} 条提醒（上一步预览中标为橙色的行）："]
    lines += [str(p) for p in warnings[:SHOWN_WARNINGS]]
    if len(warnings) > SHOWN_WARNINGS:
        lines.append(f"……另有 {len(warnings) - SHOWN_WARNINGS} 条，见上一步的预览")
    return "\n".join(lines)


class OptionsPage(_StepPage):
    def __init__(self, state: ImportState) -> None:
        super().__init__(state)
        self.setTitle("导入方式")
        self.setButtonText(QWizard.WizardButton.NextButton, "导入")
        self.all_or_nothing = QRadioButton("全部正确才导入：只要有一处错误，就一行也不导入（推荐）")
        self.skip_invalid = QRadioButton("只导入正确的行，跳过有错误的行")
        self.all_or_nothing.setChecked(True)
        self.create_missing = QCheckBox("文件中出现的新村（社区）、新网格自动创建（默认视为错误）")
        self.counts_label = QLabel()
        self.counts_label.setWordWrap(True)
        self.warnings_label = QLabel()
        self.warnings_label.setWordWrap(True)
        self.warnings_label.setStyleSheet("color: #a05000")
        self.warnings_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.acknowledge = QCheckBox(ACKNOWLEDGE_TEXT)
        self.acknowledge.toggled.connect(self.completeChanged)
        layout = QVBoxLayout(self)
        layout.addWidget(self.counts_label)
        layout.addWidget(self.warnings_label)
        layout.addWidget(self.acknowledge)
        layout.addWidget(self.all_or_nothing)
        layout.addWidget(self.skip_invalid)
        layout.addSpacing(8)
        layout.addWidget(self.create_missing)
        layout.addWidget(self.error_label)
        layout.addStretch(1)

    def initializePage(self) -> None:
        preview = self.state.preview
        assert preview is not None
        self.create_missing.setChecked(self.state.create_missing)
        self.counts_label.setText(preview.summary())
        warnings = [p for p in preview.problems if p.severity == "warning"]
        self.warnings_label.setText(_warnings_text(warnings))
        self.warnings_label.setVisible(bool(warnings))
        self.acknowledge.setChecked(False)
        self.acknowledge.setVisible(bool(warnings))
        self.error_label.clear()
        self.completeChanged.emit()

    def ready(self) -> bool:
        """With warnings, 导入 waits until the user says they have looked at them."""
        preview = self.state.preview
        if preview is None or not any(p.severity == "warning" for p in preview.problems):
            return True
        return self.acknowledge.isChecked()

    def start(self) -> None:
        state = self.state
        create_missing = self.create_missing.isChecked()
        reread = create_missing != state.create_missing
        skip_invalid = self.skip_invalid.isChecked()
        preview = state.preview
        assert preview is not None
        desk = state.desk
        read = state.reading(create_missing)

        def work(progress: Progress) -> _Written:
            checked = read(progress) if reread else preview
            try:
                result = place_import.import_place_list(
                    desk, checked, skip_invalid=skip_invalid, create_missing=create_missing, progress=progress
                )
            except ImportBlockedError as err:
                return _Written(checked, None, err)
            return _Written(checked, result, None)

        state.result, state.blocked = None, None
        self.error_label.clear()
        self.run(WriteOp(self, work, success=lambda written: self._written(written, create_missing),
                         failure=self._failed, title=TITLE),
                 "正在导入场所…", cancellable=True)

    def _written(self, written: _Written, create_missing: bool) -> None:
        self.finished()
        self.state.create_missing = create_missing
        self.state.preview, self.state.result, self.state.blocked = written.preview, written.result, written.blocked
        self.advance()

    def _failed(self, error: BaseException) -> None:
        self.failed(error, cancelled="已取消导入，数据库未作任何改动。")


class ProblemTableModel(QAbstractTableModel):
    """Problems (``Problem``) as 工作表 / 行 / 列 / 问题, on the error colour."""

    HEADERS = ("工作表", "行", "列", "问题")
    COL_SHEET, COL_ROW, COL_COLUMN, COL_MESSAGE = range(4)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._problems: list[Problem] = []

    def set_problems(self, problems: list[Problem]) -> None:
        self.beginResetModel()
        self._problems = list(problems)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._problems)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY and 0 <= section < len(self.HEADERS):
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        r = index.row()
        if not index.isValid() or not 0 <= r < len(self._problems):
            return None
        if role == _DISPLAY:
            p = self._problems[r]
            return (p.sheet or "", "" if p.row is None else str(p.row), p.column_label, p.message)[index.column()]
        if role == _BACKGROUND:
            return ERROR_BRUSH
        return None


class ResultPage(QWizardPage):
    def __init__(self, state: ImportState) -> None:
        super().__init__()
        self.state = state
        self.setTitle("导入结果")
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problem_model = ProblemTableModel(self)
        self.problems = QTableView()
        self.problems.setModel(self.problem_model)
        self.problems.verticalHeader().setVisible(False)
        self.problems.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.problems.horizontalHeader().setStretchLastSection(True)
        self.report_button = QPushButton("保存问题清单…")
        self.report_button.clicked.connect(lambda: self.save_report())
        self.saved_label = QLabel()
        row = QHBoxLayout()
        row.addWidget(self.report_button)
        row.addWidget(self.saved_label, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.result_label)
        layout.addWidget(self.problems, 1)
        layout.addLayout(row)

    def initializePage(self) -> None:
        state = self.state
        preview = state.preview
        assert preview is not None
        wizard = self.wizard()
        if wizard is not None:  # back to the options only when nothing was imported
            wizard.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, state.blocked is None)
        if state.blocked is not None:
            errors = state.blocked.problems
            self.result_label.setText(
                f"<b style='color:#c00000'>导入未进行，数据库未作任何改动。</b><br>发现 {len(errors)} 处错误。"
                "请修改文件后重新导入，或点下方的“< 上一步”返回，选择“只导入正确的行”。"
            )
        else:
            assert state.result is not None
            result = state.result
            errors = result.errors
            text = f"<b>导入完成</b>：新增 {result.imported} 个场所，更新 {result.updated} 个，跳过 {result.skipped} 行。"
            if result.created_villages or result.created_grids:
                text += "<br>新建村（社区）：" + ("、".join(result.created_villages) or "无")
                text += "；新建网格：" + ("、".join(result.created_grids) or "无")
            self.result_label.setText(text)
        self.problem_model.set_problems(errors)
        self.problems.setColumnWidth(ProblemTableModel.COL_COLUMN, 200)
        self.report_button.setEnabled(bool(preview.problems))
        self.saved_label.clear()

    def save_report(self, path: str | Path | None = None) -> None:
        """Write the problem report (to ``path``, else where the user chooses) as an operation."""
        preview = self.state.preview
        assert preview is not None
        if path is None:
            suggested = str(preview.file.with_name(f"{preview.file.stem}-问题清单.xlsx"))
            chosen, _ = QFileDialog.getSaveFileName(self, "保存问题清单", suggested, "Excel 工作簿 (*.xlsx)")
            if not chosen:
                return
            path = chosen
        out = Path(path)
        self.report_button.setEnabled(False)
        QueryOp(self, lambda _p: write_problem_report(preview, out), success=self._saved,
                failure=self._not_saved, title="保存问题清单").with_progress("正在保存问题清单…").run()

    def _saved(self, out: Path) -> None:
        self.report_button.setEnabled(True)
        self.saved_label.setText(f"已保存到 {out}")

    def _not_saved(self, error: BaseException) -> None:
        self.report_button.setEnabled(True)
        if isinstance(error, OSError):
            self.saved_label.setText(f"保存失败：{error}")
        else:
            show_error(self, "保存问题清单", error)


class ImportWizard(QWizard):
    """导入场所清单. ``state.result`` / ``state.blocked`` tell the caller what happened."""

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setButtonText(QWizard.WizardButton.NextButton, "下一步 >")
        self.setButtonText(QWizard.WizardButton.BackButton, "< 上一步")
        self.setButtonText(QWizard.WizardButton.CancelButton, "取消")
        self.setButtonText(QWizard.WizardButton.FinishButton, "完成")
        self.resize(1100, 680)
        window_state.restore_geometry(self, window_state.IMPORT_WIZARD_GEOMETRY)
        self.state = ImportState(desk)
        self.file_page = FilePage(self.state)
        self.mapping_page = MappingPage(self.state)
        self.preview_page = PreviewPage(self.state)
        self.options_page = OptionsPage(self.state)
        self.result_page = ResultPage(self.state)
        for page in (self.file_page, self.mapping_page, self.preview_page, self.options_page, self.result_page):
            self.addPage(page)

    def done(self, result: int) -> None:
        for page in (self.file_page, self.mapping_page, self.options_page):
            page.cancel()  # reading stops; an import under way is rolled back
        window_state.remember_geometry(self, window_state.IMPORT_WIZARD_GEOMETRY)
        super().done(result)
