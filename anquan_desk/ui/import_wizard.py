"""导入场所清单: a wizard over ``anquan_desk.services.place_import``.

Pages: choose the file → check/correct the column mapping → preview every row with its problems
(red: errors, orange: warnings) → options (all or nothing / only valid rows, create missing
villages and grids) and import → result, with "save problem report".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
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
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from anquan_desk.core.db import Database
from anquan_desk.core.errors import AnquanError
from anquan_desk.io.place_import import FIELD_LABELS, PlaceImportPreview, PreviewRow, write_problem_report
from anquan_desk.io.tabular import ColumnMapping, ImportFileError, column_letter
from anquan_desk.services.desk import Desk
from anquan_desk.services.place_import import (
    ImportBlockedError,
    ImportResult,
    import_places,
    preview_places,
)

ERROR_BRUSH = QBrush(QColor("#f8d0d0"))
WARNING_BRUSH = QBrush(QColor("#fde3bf"))
ACTION_TEXT = {"new": "新增", "update": "更新", "invalid": "有错误"}


class ImportState:
    """What the pages share: the file, the mapping the user settled on, the preview, the result."""

    def __init__(self, db: Database, actor: str) -> None:
        self.db = db
        self.actor = actor
        self.path: Path | None = None
        self.mapping: ColumnMapping | None = None
        self.create_missing = False
        self.preview: PlaceImportPreview | None = None
        self.result: ImportResult | None = None
        self.blocked: ImportBlockedError | None = None

    def load_preview(self) -> PlaceImportPreview:
        assert self.path is not None
        with self.db.reader() as session:
            self.preview = preview_places(
                session, self.path, mapping=self.mapping, create_missing=self.create_missing
            )
        return self.preview


class FilePage(QWizardPage):
    def __init__(self, state: ImportState) -> None:
        super().__init__()
        self.state = state
        self.setTitle("选择场所清单文件")
        self.setSubTitle("支持 .xlsx / .xlsm。表头可以在标题行下面，也可以是合并单元格的两行表头。")
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText("场所清单文件路径")
        browse = QPushButton("浏览…")
        browse.clicked.connect(self._browse)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #c00000")
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.error_label)
        layout.addStretch(1)
        self.path_edit.textChanged.connect(self.completeChanged)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "选择场所清单", "", "Excel 工作簿 (*.xlsx *.xlsm)")
        if path:
            self.path_edit.setText(path)

    def isComplete(self) -> bool:
        return bool(self.path_edit.text().strip())

    def validatePage(self) -> bool:
        self.state.path = Path(self.path_edit.text().strip())
        self.state.mapping = None
        try:
            self.state.load_preview()
        except (ImportFileError, AnquanError) as err:
            self.error_label.setText(str(err))
            return False
        self.error_label.clear()
        return True


class MappingPage(QWizardPage):
    """One combo per field of ours: which column of the file holds it."""

    def __init__(self, state: ImportState) -> None:
        super().__init__()
        self.state = state
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
        self.error_label = QLabel()
        self.error_label.setStyleSheet("color: #c00000")
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

    def validatePage(self) -> bool:
        preview = self.state.preview
        assert preview is not None
        columns = self.chosen()
        if "name" not in columns:
            self.error_label.setText("请指定“单位名称”在哪一列")
            return False
        used = [c for c in columns.values()]
        if len(used) != len(set(used)):
            self.error_label.setText("同一列不能对应两项，请检查")
            return False
        sheet = preview.sheets[0]
        if columns != sheet.mapping.columns:
            self.state.mapping = ColumnMapping(columns=columns, fingerprint=sheet.mapping.fingerprint)
            self.state.load_preview()
        self.error_label.clear()
        return True


def _problem_text(row: PreviewRow) -> str:
    parts = []
    for p in sorted(row.problems, key=lambda p: p.severity != "error"):  # errors first
        where = f"{p.column_label}：" if p.column_label else ""
        parts.append(("【错误】" if p.severity == "error" else "【警告】") + where + p.message)
    return "\n".join(parts)


class PreviewPage(QWizardPage):
    HEADERS = ("工作表", "行", "处理", "问题", "单位名称", "地址", "负责人", "联系电话", "村（社区）/网格",
               "统一社会信用代码")
    PROBLEM_COLUMN = 3

    def __init__(self, state: ImportState) -> None:
        super().__init__()
        self.state = state
        self.setTitle("预览")
        self.setSubTitle("每一行的问题写在该行：红色为错误（不能导入），橙色为警告（可以导入，建议核对）。")
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        self.table = QTableWidget(0, len(self.HEADERS))
        self.table.setHorizontalHeaderLabels(list(self.HEADERS))
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
        self.table.setRowCount(len(preview.rows))
        for r, row in enumerate(preview.rows):
            place = row.place
            where = " / ".join(x for x in (place.village, place.grid) if x)
            values = (row.sheet, str(row.row), ACTION_TEXT[row.action], _problem_text(row), place.name,
                      place.address, place.responsible_person, place.phone, where, place.credit_code or "")
            severity = {p.severity for p in row.problems}
            brush = ERROR_BRUSH if "error" in severity else WARNING_BRUSH if severity else None
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                if brush is not None:
                    item.setBackground(brush)
                if c == self.PROBLEM_COLUMN:
                    item.setToolTip(value)
                self.table.setItem(r, c, item)
        for column, width in enumerate((80, 40, 60, 380, 150, 170, 60, 110, 130)):
            self.table.setColumnWidth(column, width)
        self.table.resizeRowsToContents()

    def row_colour(self, row: int) -> str | None:
        """"error", "warning" or None: how row ``row`` is marked (for tests and screenshots)."""
        item = self.table.item(row, 0)
        if item is None or item.background().style() == Qt.BrushStyle.NoBrush:
            return None
        return "error" if item.background().color() == ERROR_BRUSH.color() else "warning"


class OptionsPage(QWizardPage):
    def __init__(self, state: ImportState) -> None:
        super().__init__()
        self.state = state
        self.setTitle("导入方式")
        self.setButtonText(QWizard.WizardButton.NextButton, "导入")
        self.all_or_nothing = QRadioButton("全部正确才导入：只要有一处错误，就一行也不导入（推荐）")
        self.skip_invalid = QRadioButton("只导入正确的行，跳过有错误的行")
        self.all_or_nothing.setChecked(True)
        self.create_missing = QCheckBox("文件中出现的新村（社区）、新网格自动创建（默认视为错误）")
        self.counts_label = QLabel()
        self.counts_label.setWordWrap(True)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #c00000")
        layout = QVBoxLayout(self)
        layout.addWidget(self.counts_label)
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
        self.error_label.clear()

    def validatePage(self) -> bool:
        state = self.state
        try:
            if self.create_missing.isChecked() != state.create_missing:
                state.create_missing = self.create_missing.isChecked()
                state.load_preview()
            assert state.preview is not None
            state.result, state.blocked = None, None
            try:
                with state.db.session(state.actor) as session:
                    state.result = import_places(
                        session, state.preview, skip_invalid=self.skip_invalid.isChecked(),
                        create_missing=state.create_missing,
                    )
            except ImportBlockedError as err:
                state.blocked = err
        except (ImportFileError, AnquanError) as err:
            self.error_label.setText(str(err))
            return False
        return True


class ResultPage(QWizardPage):
    def __init__(self, state: ImportState) -> None:
        super().__init__()
        self.state = state
        self.setTitle("导入结果")
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problems = QTableWidget(0, 4)
        self.problems.setHorizontalHeaderLabels(["工作表", "行", "列", "问题"])
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
        if state.blocked is not None:
            errors = state.blocked.problems
            self.result_label.setText(
                f"<b style='color:#c00000'>导入未进行，数据库未作任何改动。</b><br>发现 {len(errors)} 处错误。"
                "请修改文件后重新导入，或返回上一步选择“只导入正确的行”。"
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
        self.problems.setRowCount(len(errors))
        for r, p in enumerate(errors):
            for c, value in enumerate((p.sheet or "", "" if p.row is None else str(p.row), p.column_label, p.message)):
                item = QTableWidgetItem(value)
                item.setBackground(ERROR_BRUSH)
                self.problems.setItem(r, c, item)
        self.problems.setColumnWidth(2, 200)
        self.report_button.setEnabled(bool(preview.problems))
        self.saved_label.clear()

    def save_report(self, path: str | Path | None = None) -> Path | None:
        preview = self.state.preview
        assert preview is not None
        if path is None:
            suggested = str(preview.file.with_name(f"{preview.file.stem}-问题清单.xlsx"))
            chosen, _ = QFileDialog.getSaveFileName(self, "保存问题清单", suggested, "Excel 工作簿 (*.xlsx)")
            if not chosen:
                return None
            path = chosen
        try:
            out = write_problem_report(preview, path)
        except OSError as err:
            self.saved_label.setText(f"保存失败：{err}")
            return None
        self.saved_label.setText(f"已保存到 {out}")
        return out


class ImportWizard(QWizard):
    """导入场所清单. ``state.result`` / ``state.blocked`` tell the caller what happened."""

    def __init__(self, desk: Desk, parent: Any = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("导入场所清单")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setButtonText(QWizard.WizardButton.NextButton, "下一步 >")
        self.setButtonText(QWizard.WizardButton.BackButton, "< 上一步")
        self.setButtonText(QWizard.WizardButton.CancelButton, "取消")
        self.setButtonText(QWizard.WizardButton.FinishButton, "完成")
        self.resize(1100, 680)
        self.state = ImportState(desk.db, desk.actor.username)
        self.file_page = FilePage(self.state)
        self.mapping_page = MappingPage(self.state)
        self.preview_page = PreviewPage(self.state)
        self.options_page = OptionsPage(self.state)
        self.result_page = ResultPage(self.state)
        for page in (self.file_page, self.mapping_page, self.preview_page, self.options_page, self.result_page):
            self.addPage(page)
