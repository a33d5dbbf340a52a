"""GUI: export a ledger (台账) — the export dialog and the template column-mapping dialog.

The export is a query operation (:class:`~anquan_desk.ui.operations.QueryOp`): it runs
:func:`anquan_desk.services.ledgers.export_ledger` on the reader worker, shows its progress in the
operation's progress dialog, and that dialog's 取消 button stops it; nothing is left at the target
path then. Reading the template's header and remembering a corrected column mapping are
operations too.

The worker keeps the window responsive while it runs (see
:func:`anquan_desk.ui.operations.window_stays_responsive`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from anquan_desk.core.clock import today
from anquan_desk.core.errors import AnquanError
from anquan_desk.core.progress import Progress, ProgressState
from anquan_desk.io.ledger import FIELD_LABELS, ExportCancelled, TemplateMapping
from anquan_desk.services import ledgers
from anquan_desk.services.desk import Desk
from anquan_desk.services.ledgers import (
    KIND_LABELS,
    KINDS,
    STATUS_CHOICES,
    ExportOptions,
    ExportResult,
    LedgerFilters,
)
from anquan_desk.ui import state
from anquan_desk.ui.operations import QueryOp, WriteOp


def default_output(kind: str, township: str, on: dt.date) -> Path:
    """Where a ledger goes unless the user chooses: the folder last exported to (else Documents)."""
    folder = Path(state.last_folder(state.LAST_FOLDER_EXPORT))
    return folder / f"{township}{KIND_LABELS[kind]}-{on:%Y%m%d}.xlsx"


class LedgerExportDialog(QDialog):
    """导出台账: kind, date range, village/grid, sector, status, 脱敏, template, output file."""

    def __init__(self, desk: Desk, parent: QWidget | None = None, made_by: str = "") -> None:
        super().__init__(parent)
        self.desk = desk
        self.made_by = made_by or desk.actor.display_name
        self.result_: ExportResult | None = None
        self.error: BaseException | None = None
        self.progress_values: list[int] = []
        self.op: QueryOp[ExportResult] | None = None
        self.mapping_dialog: TemplateMappingDialog | None = None
        self.setWindowTitle("导出台账")
        self.setMinimumWidth(560)

        choices = ledgers.export_choices(desk)  # a small, bounded read: villages, grids, sectors
        self.township = choices.township

        self.kind_combo = QComboBox()
        for kind in KINDS:
            self.kind_combo.addItem(KIND_LABELS[kind], kind)
        self.date_check = QCheckBox("按检查日期筛选")
        self.date_check.setChecked(True)
        day = today()
        quarter_first = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        self.from_edit = QDateEdit(QDate(quarter_first.year, quarter_first.month, quarter_first.day))
        self.to_edit = QDateEdit(QDate(day.year, day.month, day.day))
        for edit in (self.from_edit, self.to_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.year_spin = QSpinBox()
        self.year_spin.setRange(2000, 2100)
        self.year_spin.setValue(day.year)
        self.year_spin.setSuffix(" 年")

        self.ground_combo = QComboBox()
        self.ground_combo.addItem("全部村（社区）和网格", None)
        for place in choices.ground:
            label = place.name if place.kind == "village" else f"　　{place.name}"
            self.ground_combo.addItem(label, (place.kind, place.id))
        self.sector_combo = QComboBox()
        self.sector_combo.addItem("全部行业领域", None)
        for sector in choices.sectors:
            self.sector_combo.addItem(sector, sector)
        self.status_combo = QComboBox()
        self.deidentified_check = QCheckBox("脱敏（不含姓名、电话，个体工商户信用代码打码；用于上报或公开）")
        self.photos_combo = QComboBox()
        self.photos_combo.addItem("不导出照片", "none")
        self.photos_combo.addItem("照片另存到台账旁的文件夹（按隐患编号命名）", "folder")
        self.photos_combo.addItem("表内缩略图", "column")

        self.template_edit = QLineEdit()
        self.template_edit.setPlaceholderText("可选：区里下发的台账模板（.xlsx），数据按其表头填入")
        template_browse = QPushButton("选择…")
        template_browse.clicked.connect(self._browse_template)
        self.mapping_button = QPushButton("列对应…")
        self.mapping_button.clicked.connect(self.edit_mapping)
        template_row = QHBoxLayout()
        template_row.addWidget(self.template_edit, 1)
        template_row.addWidget(template_browse)
        template_row.addWidget(self.mapping_button)

        self.out_edit = QLineEdit()
        out_browse = QPushButton("另存为…")
        out_browse.clicked.connect(self._browse_out)
        out_row = QHBoxLayout()
        out_row.addWidget(self.out_edit, 1)
        out_row.addWidget(out_browse)

        dates = QHBoxLayout()
        dates.addWidget(self.date_check)
        dates.addWidget(self.from_edit)
        dates.addWidget(QLabel("至"))
        dates.addWidget(self.to_edit)
        dates.addStretch(1)

        form = QFormLayout()
        form.addRow("台账类型：", self.kind_combo)
        form.addRow("检查日期：", dates)
        form.addRow("统计年度：", self.year_spin)
        form.addRow("村（社区）/网格：", self.ground_combo)
        form.addRow("行业领域：", self.sector_combo)
        form.addRow("状态：", self.status_combo)
        form.addRow("", self.deidentified_check)
        form.addRow("现场照片：", self.photos_combo)
        form.addRow("模板：", template_row)
        form.addRow("保存到：", out_row)
        self.form = form

        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox()
        self.export_button = buttons.addButton("导出", QDialogButtonBox.ButtonRole.AcceptRole)
        close = buttons.addButton("关闭", QDialogButtonBox.ButtonRole.RejectRole)
        self.export_button.clicked.connect(self.start_export)
        close.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status_label)
        layout.addWidget(buttons)

        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        self.date_check.toggled.connect(self._kind_changed)
        self._kind_changed()

    # -- state ---------------------------------------------------------------------------------
    @property
    def kind(self) -> str:
        return str(self.kind_combo.currentData())

    def _kind_changed(self) -> None:
        kind = self.kind
        stats = kind in ("quarterly", "annual")
        self.year_spin.setEnabled(kind == "annual")
        self.from_edit.setEnabled(self.date_check.isChecked() and kind != "annual")
        self.to_edit.setEnabled(self.date_check.isChecked() and not stats)
        self.date_check.setEnabled(kind != "annual")
        for widget in (self.ground_combo, self.sector_combo, self.photos_combo):
            widget.setEnabled(not stats and (widget is not self.photos_combo or kind in ("hazards", "major")))
        previous = self.status_combo.currentData()
        self.status_combo.clear()
        self.status_combo.addItem("全部", None)
        if kind in ("hazards", "major", "overdue"):
            for status in STATUS_CHOICES:
                self.status_combo.addItem(status, status)
        elif kind == "places":
            for status in ("在营", "停业", "关闭"):
                self.status_combo.addItem(status, status)
        index = self.status_combo.findData(previous)
        self.status_combo.setCurrentIndex(max(index, 0))
        self.status_combo.setEnabled(self.status_combo.count() > 1)
        self.out_edit.setText(str(default_output(kind, self.township, today())))

    def options(self) -> ExportOptions:
        """The export the form describes (raises AnquanError-free ValueError on a bad form)."""
        kind = self.kind
        start: dt.date | None = None
        end: dt.date | None = None
        if self.date_check.isChecked() and kind != "annual":
            start = _day(self.from_edit.date())
            end = _day(self.to_edit.date()) if kind != "quarterly" else None
            if end is not None and end < start:
                raise ValueError("结束日期早于开始日期")
        ground = self.ground_combo.currentData() if self.ground_combo.isEnabled() else None
        out_text = self.out_edit.text().strip()
        if not out_text:
            raise ValueError("请选择保存位置")
        template = self.template_edit.text().strip()
        return ExportOptions(
            kind=kind,
            out=Path(out_text),
            filters=LedgerFilters(
                start=start,
                end=end,
                village_id=ground[1] if ground and ground[0] == "village" else None,
                grid_id=ground[1] if ground and ground[0] == "grid" else None,
                sector=self.sector_combo.currentData() if self.sector_combo.isEnabled() else None,
                status=self.status_combo.currentData(),
            ),
            deidentified=self.deidentified_check.isChecked(),
            template=Path(template) if template else None,
            made_by=self.made_by,
            year=self.year_spin.value() if kind == "annual" else None,
            photos=self.photos_combo.currentData() if self.photos_combo.isEnabled() else "none",
        )

    # -- file choosers -------------------------------------------------------------------------
    def _browse_template(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "选择台账模板", str(Path.home()), "Excel 工作簿 (*.xlsx)")
        if path:
            self.template_edit.setText(path)

    def _browse_out(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "保存台账", self.out_edit.text(), "Excel 工作簿 (*.xlsx)")
        if path:
            if not path.lower().endswith(".xlsx"):
                path += ".xlsx"
            self.out_edit.setText(path)

    def edit_mapping(self) -> None:
        """Read the template's header (an operation: it parses the workbook), then show the mapping."""
        template = self.template_edit.text().strip()
        if not template:
            self._show_error("请先选择模板文件")
            return
        path = Path(template)
        desk = self.desk
        QueryOp(
            self,
            lambda _p: ledgers.template_mapping(desk, path),
            success=lambda mapping: self._show_mapping(path, mapping),
            failure=self._mapping_failed,
            title="模板列对应",
        ).with_progress("正在读取模板…").run()

    def _show_mapping(self, template: Path, mapping: TemplateMapping) -> None:
        dialog = TemplateMappingDialog(self.desk, template, mapping, self)
        self.mapping_dialog = dialog
        dialog.open()

    def _mapping_failed(self, error: BaseException) -> None:
        if isinstance(error, AnquanError):
            self._show_error(str(error))
        else:
            self._show_error(f"无法读取模板：{error}")

    # -- export --------------------------------------------------------------------------------
    def start_export(self) -> None:
        try:
            options = self.options()
        except ValueError as err:
            self._show_error(str(err))
            return
        self.result_ = None
        self.error = None
        self.progress_values = []
        self.export_button.setEnabled(False)
        self.status_label.setStyleSheet("")
        self.status_label.setText("正在导出…")
        desk = self.desk

        def work(progress: Progress) -> ExportResult:
            return ledgers.export_ledger(desk, options, progress=progress)

        self.op = QueryOp(self, work, success=self._on_done, failure=self._on_error, title="导出台账")
        self.op.with_progress("正在导出台账…", cancellable=True, on_progress=self._on_progress)
        self.op.run()

    def _on_progress(self, progress: ProgressState) -> None:
        self.progress_values.append(progress.percent or 0)

    def _on_done(self, result: ExportResult) -> None:
        self.progress_values.append(100)
        self.export_button.setEnabled(True)
        self.result_ = result
        if result.paths:
            state.remember_folder(state.LAST_FOLDER_EXPORT, result.paths[0])
        lines = [f"已导出 {result.rows} 行："] + [
            f"{p}（{len(titles)}个工作表：{'、'.join(titles)}）" if len(titles) > 1 else str(p)
            for p, titles in result.titles_by_path()
        ]
        if result.photo_folder is not None:
            lines.append(f"照片 {result.photos_copied} 张：{result.photo_folder}")
        self.status_label.setStyleSheet("")
        self.status_label.setText("\n".join(lines))

    def _on_error(self, exc: BaseException) -> None:
        self.export_button.setEnabled(True)
        self.error = exc
        if isinstance(exc, ExportCancelled):
            self.status_label.setStyleSheet("")
            self.status_label.setText(str(exc))
        elif isinstance(exc, AnquanError):
            self._show_error(str(exc))
        else:
            self._show_error(f"导出失败：{exc}")

    def _show_error(self, text: str) -> None:
        self.status_label.setStyleSheet("color: #b00020;")
        self.status_label.setText(text)


NO_FIELD = "（不填）"


class TemplateMappingDialog(QDialog):
    """模板列对应: their headers, and per header a combo of our fields (guessed or remembered).

    Saved per template fingerprint (Setting ``ledger.template_mappings``), so the next export with the
    same template uses it without asking.
    """

    def __init__(
        self, desk: Desk, template: Path, mapping: TemplateMapping, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.desk = desk
        self.template = template
        self.mapping = mapping
        self.setWindowTitle("模板列对应")
        self.resize(560, 520)
        first, last = self.mapping.header_first_row, self.mapping.header_last_row
        rows = f"第 {first} 行" if first == last else f"第 {first}–{last} 行"
        info = QLabel(
            f"模板“{template.name}”，工作表“{self.mapping.sheet}”，表头在{rows}。"
            "请为模板的每一列选择要填入的内容；保存后，同样表头的模板将自动使用这一设置。"
        )
        info.setWordWrap(True)
        self.table = QTableWidget(len(self.mapping.headers), 2)
        self.table.setHorizontalHeaderLabels(["模板的列", "填入"])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.combos: list[QComboBox] = []
        for i, header in enumerate(self.mapping.headers):
            letter = _column_letter(i)
            item = QTableWidgetItem(f"{letter}　{header}" if header else f"{letter}　（空）")
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.table.setItem(i, 0, item)
            combo = QComboBox()
            combo.addItem(NO_FIELD, None)
            for key, label in FIELD_LABELS.items():
                combo.addItem(label, key)
            field = self.mapping.field_of(i)
            combo.setCurrentIndex(max(combo.findData(field), 0) if field else 0)
            self.table.setCellWidget(i, 1, combo)
            self.combos.append(combo)
        self.error_label = QLabel()
        self.error_label.setStyleSheet("color: #b00020;")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("保存")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(info)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)

    def chosen(self) -> dict[str, int]:
        columns: dict[str, int] = {}
        for i, combo in enumerate(self.combos):
            key = combo.currentData()
            if key is None:
                continue
            if key in columns:
                raise ValueError(
                    f"“{FIELD_LABELS[key]}”同时选给了第 {_column_letter(columns[key])} 列和第 {_column_letter(i)} 列"
                )
            columns[key] = i
        if not columns:
            raise ValueError("至少要为一列选择填入的内容")
        return columns

    def save(self) -> None:
        try:
            columns = self.chosen()
        except ValueError as err:
            self.error_label.setText(str(err))
            return
        self.mapping = mapping = self.mapping.with_columns(columns)
        desk = self.desk
        WriteOp(self, lambda _p: ledgers.save_template_mapping(desk, mapping), success=lambda _r: self.accept(),
                title="模板列对应").run()


def _day(date: QDate) -> dt.date:
    return dt.date(date.year(), date.month(), date.day())


def _column_letter(index: int) -> str:
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
