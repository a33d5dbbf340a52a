"""The place page: a place's details with validated editing, and what happened there
(inspections, open hazards, documents, photos).

Its data comes from ``places.place_editor`` through a query operation; 保存 is a write operation
(``places.edit_place``) whose refusal is shown under the fields. The saved change is announced to
every screen (the place list and the grid tree refresh themselves); the page itself refreshes when
another operation changes this place or its history — the lists at once, the form only when it
holds no unsaved edits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QSize
from PySide6.QtGui import QBrush, QColor, QIcon, QPixmap, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from anquan_desk.core.changes import Changes
from anquan_desk.core.clock import to_local
from anquan_desk.core.errors import AnquanError
from anquan_desk.core.validators import normalize_credit_code
from anquan_desk.core.vocabulary import PlaceStatus, RiskColor, Sector
from anquan_desk.services import places
from anquan_desk.services.desk import Desk
from anquan_desk.services.inspections import shown_hazard_code
from anquan_desk.services.laptops import Laptops, laptops
from anquan_desk.services.places import (
    EDITABLE_FIELDS,
    GAS_SUPPLY_CHOICES,
    HOUSE_USE_CHOICES,
    NINE_SMALL_KIND_NAMES,
    PlaceDetails,
    PlaceEditError,
    PlaceEditor,
    validate_place_fields,
)
from anquan_desk.ui.operations import QueryOp, WriteOp, change_hub, show_error
from anquan_desk.ui.place_model import RISK_COLOURS

ERROR_STYLE = "color: #c00000; font-size: 12px"
OWNER_TEXT = {"place": "场所", "inspection": "检查", "hazard": "隐患"}


def _local(moment: datetime | None) -> str:
    return to_local(moment).strftime("%Y-%m-%d %H:%M") if moment is not None else ""


def _swatch(colour: str) -> QIcon:
    pixmap = QPixmap(14, 14)
    pixmap.fill(QColor(colour))
    return QIcon(pixmap)


class PlacePage(QDialog):
    """Edit one place; see its history."""

    #: Changes to these tables (of this place, or anything for the lists) make the page stale.
    HISTORY_TABLES = ("inspections", "hazards", "documents", "attachment_links", "inspection_participants")
    GROUND_TABLES = ("grids", "villages")

    def __init__(self, desk: Desk, place_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.place_id = place_id
        self.details: PlaceDetails | None = None
        self.laptops: Laptops | None = None  # names of the laptops in hazard numbers (read with the place)
        self._shown_values: dict[str, Any] | None = None  # the form as last filled from the database
        self._stale = False
        self.resize(1200, 680)  # within 1366×768 less the taskbar and the title bar
        self.setWindowTitle("场所")
        self.edits: dict[str, QLineEdit] = {}
        self.errors: dict[str, QLabel] = {}

        form_widget = QWidget()
        form = QFormLayout(form_widget)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for key in ("name", "credit_code", "address", "responsible_person", "responsible_title", "phone"):
            edit = QLineEdit()
            self.edits[key] = edit
            form.addRow(EDITABLE_FIELDS[key] + "：", self._with_error(key, edit))
        self.edits["credit_code"].setPlaceholderText("18位，例如 91320115MA1M9XG2T1；没有可不填")
        self.edits["phone"].setPlaceholderText("手机 13812345678 或固定电话 0571-87654321")
        self.edits["credit_code"].editingFinished.connect(lambda: self._check_live("credit_code"))
        self.edits["credit_code"].textEdited.connect(self._credit_code_typed)
        self.edits["phone"].editingFinished.connect(lambda: self._check_live("phone"))

        self.grid_combo = QComboBox()
        self.grid_combo.addItem("（未分配网格）", None)
        form.addRow("网格：", self._with_error("grid_id", self.grid_combo))

        self.risk_combo = QComboBox()
        for colour in RiskColor:
            self.risk_combo.addItem(_swatch(RISK_COLOURS[colour.value]), colour.value, colour.value)
        self.status_combo = QComboBox()
        for status in PlaceStatus:
            self.status_combo.addItem(status.value, status.value)
        self.kind_combo = self._choice_combo("（不是九小场所）", NINE_SMALL_KIND_NAMES)
        self.gas_combo = self._choice_combo("（不用气/未知）", GAS_SUPPLY_CHOICES)
        self.house_combo = self._choice_combo("（不适用）", HOUSE_USE_CHOICES)
        form.addRow("风险等级：", self._with_error("risk_color", self.risk_combo))
        form.addRow("经营状态：", self._with_error("status", self.status_combo))
        form.addRow("九小场所类别：", self._with_error("nine_small_kind", self.kind_combo))
        form.addRow("用气方式：", self.gas_combo)
        form.addRow("房屋用途：", self.house_combo)

        self.sector_box = QGroupBox()
        self.sector_layout = QGridLayout(self.sector_box)
        self.sector_checks: dict[str, QCheckBox] = {}
        for sector in Sector:
            self._add_sector(sector.value)
        form.addRow("行业领域：", self._with_error("sectors", self.sector_box))
        self.dense_check = QCheckBox(EDITABLE_FIELDS["densely_populated"])
        self.mixed_check = QCheckBox(EDITABLE_FIELDS["mixed_residence"])
        flags = QHBoxLayout()
        flags.addWidget(self.dense_check)
        flags.addWidget(self.mixed_check)
        flags.addStretch(1)
        form.addRow("", flags)
        self.notes_edit = QPlainTextEdit()
        self.notes_edit.setFixedHeight(70)
        form.addRow("备注：", self.notes_edit)

        self.risk_label = QLabel()
        self.risk_label.setMinimumHeight(28)
        self.status_label = QLabel()
        self.save_button = QPushButton("保存")
        self.save_button.setDefault(True)
        self.save_button.setEnabled(False)  # until the place is loaded
        self.save_button.clicked.connect(self.save)
        close = QPushButton("关闭")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status_label, 1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(close)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(form_widget)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.risk_label)
        left_layout.addWidget(scroll, 1)
        left_layout.addLayout(buttons)

        self.inspections = self._table(("检查时间", "方式", "状态", "检查人员", "隐患数"))
        self.hazards = self._table(("隐患编号", "隐患描述", "等级", "状态", "整改期限"))
        self.documents = self._table(("文书", "文号", "状态", "签发时间"))
        self.photos = QListWidget()
        self.photos.setViewMode(QListView.ViewMode.IconMode)
        self.photos.setIconSize(QSize(128, 96))
        self.photos.setResizeMode(QListView.ResizeMode.Adjust)
        self.photos.setMovement(QListView.Movement.Static)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.inspections, "检查记录")
        self.tabs.addTab(self.hazards, "未销号隐患")
        self.tabs.addTab(self.documents, "文书")
        self.tabs.addTab(self.photos, "照片")

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.tabs)
        splitter.setSizes([560, 640])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self.risk_combo.currentIndexChanged.connect(self._show_risk)
        change_hub.subscribe(self, self._changed)
        self.load()

    # --- building blocks ---------------------------------------------------------------------

    def _with_error(self, key: str, widget: QWidget) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        layout.addWidget(widget)
        label = QLabel()
        label.setStyleSheet(ERROR_STYLE)
        label.setWordWrap(True)
        label.hide()
        layout.addWidget(label)
        self.errors[key] = label
        return box

    @staticmethod
    def _choice_combo(empty: str, values: tuple[str, ...]) -> QComboBox:
        combo = QComboBox()
        combo.addItem(empty, None)
        for value in values:
            combo.addItem(value, value)
        return combo

    def _add_sector(self, sector: str) -> None:
        check = QCheckBox(sector)
        n = len(self.sector_checks)
        self.sector_layout.addWidget(check, n // 4, n % 4)
        self.sector_checks[sector] = check

    @staticmethod
    def _table(headers: tuple[str, ...]) -> QTableWidget:
        table = QTableWidget(0, len(headers))
        table.setHorizontalHeaderLabels(list(headers))
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.verticalHeader().setVisible(False)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(True)
        return table

    @staticmethod
    def _select(combo: QComboBox, value: Any) -> None:
        index = combo.findData(value)
        combo.setCurrentIndex(max(index, 0))

    # --- loading -----------------------------------------------------------------------------

    def load(self, *, form: bool = True) -> None:
        """Read the place again: its history, and with ``form`` also the form's values."""
        self._stale = False
        QueryOp(self, lambda _p: (places.place_editor(self.desk, self.place_id), laptops(self.desk)),
                success=lambda read: self._show_editor(*read, form=form), title="场所").run()

    def _show_editor(self, editor: PlaceEditor, known: Laptops, *, form: bool) -> None:
        self.laptops = known
        self._fill_grids(editor.grids)
        if form or self.details is None:
            self._show_details(editor.details)
        else:
            self.details = editor.details
            self._fill_lists(editor.details)

    def _fill_grids(self, grids: tuple[tuple[str, str], ...]) -> None:
        current = self.grid_combo.currentData()
        self.grid_combo.blockSignals(True)
        self.grid_combo.clear()
        self.grid_combo.addItem("（未分配网格）", None)
        for grid_id, label in grids:
            self.grid_combo.addItem(label, grid_id)
        self._select(self.grid_combo, current)
        self.grid_combo.blockSignals(False)

    def _show_details(self, details: PlaceDetails) -> None:
        """Fill the form and the lists with the place as stored."""
        self.details = details
        v = details.values
        self.setWindowTitle(f"场所：{v['name']}")
        for key, edit in self.edits.items():
            edit.setText(v[key] or "")
        self._select(self.grid_combo, v["grid_id"])
        self._select(self.risk_combo, v["risk_color"])
        self._select(self.status_combo, v["status"])
        self._select(self.kind_combo, v["nine_small_kind"])
        self._select(self.gas_combo, v["gas_supply"])
        self._select(self.house_combo, v["house_use"])
        for sector in v["sectors"]:
            if sector not in self.sector_checks:
                self._add_sector(sector)
        for sector, check in self.sector_checks.items():
            check.setChecked(sector in v["sectors"])
        self.dense_check.setChecked(bool(v["densely_populated"]))
        self.mixed_check.setChecked(bool(v["mixed_residence"]))
        self.notes_edit.setPlainText(v["notes"] or "")
        self._show_risk()
        self._clear_errors()
        self._fill_lists(details)
        self._shown_values = self.values()
        self.save_button.setEnabled(True)

    def edited(self) -> bool:
        """Whether the form holds changes not yet saved."""
        return self._shown_values is not None and self.values() != self._shown_values

    def _changed(self, changes: Changes, initiator: object) -> None:
        if initiator is self:
            return  # our own save: already shown
        if not (
            changes.touches_row("places", self.place_id)
            or changes.touches(*self.HISTORY_TABLES, *self.GROUND_TABLES, "place_sectors")
        ):
            return
        self._stale = True
        if self.isVisible():
            self.load(form=not self.edited())

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.load(form=not self.edited())

    def _fill_lists(self, d: PlaceDetails) -> None:
        self._fill(self.inspections, [
            (_local(i.started_at), i.method, i.status, "、".join(i.inspectors), str(i.hazards)) for i in d.inspections
        ])
        self._fill(self.hazards, [
            (shown_hazard_code(h.code, self.laptops), h.description, h.grade, "逾期" if h.overdue else h.status,
             h.deadline.isoformat() if h.deadline else "立即整改") for h in d.open_hazards
        ])
        for row, h in enumerate(d.open_hazards):
            if h.overdue:
                for column in range(self.hazards.columnCount()):
                    item = self.hazards.item(row, column)
                    if item is not None:
                        item.setForeground(QBrush(QColor("#c00000")))
        self._fill(self.documents, [(doc.doc_type, doc.number, doc.status, _local(doc.issued_at)) for doc in d.documents])
        self.photos.clear()
        for photo in d.photos:
            pixmap = QPixmap()
            if photo.thumbnail:
                pixmap.loadFromData(photo.thumbnail)
            if pixmap.isNull():
                pixmap = QPixmap(128, 96)
                pixmap.fill(QColor("#dddddd"))
            caption = f"{OWNER_TEXT.get(photo.owner_type, photo.owner_type)}：{photo.caption}".rstrip("：")
            self.photos.addItem(QListWidgetItem(QIcon(pixmap), caption))
        self.tabs.setTabText(0, f"检查记录（{len(d.inspections)}）")
        self.tabs.setTabText(1, f"未销号隐患（{len(d.open_hazards)}）")
        self.tabs.setTabText(2, f"文书（{len(d.documents)}）")
        self.tabs.setTabText(3, f"照片（{len(d.photos)}）")

    @staticmethod
    def _fill(table: QTableWidget, rows: list[tuple[str, ...]]) -> None:
        table.setRowCount(len(rows))
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                table.setItem(r, c, QTableWidgetItem(value))

    def _show_risk(self) -> None:
        colour = self.risk_combo.currentData() or "蓝"
        self.risk_label.setText(f"  风险等级：{colour}色  ")
        self.risk_label.setStyleSheet(
            f"background: {RISK_COLOURS.get(colour, '#999999')}; color: white; font-weight: bold; border-radius: 4px"
        )

    # --- editing -----------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """The form's values, as ``update_place`` takes them."""
        values: dict[str, Any] = {key: edit.text() for key, edit in self.edits.items()}
        values.update(
            grid_id=self.grid_combo.currentData(),
            risk_color=self.risk_combo.currentData(),
            status=self.status_combo.currentData(),
            nine_small_kind=self.kind_combo.currentData(),
            gas_supply=self.gas_combo.currentData(),
            house_use=self.house_combo.currentData(),
            sectors=[s for s, check in self.sector_checks.items() if check.isChecked()],
            densely_populated=self.dense_check.isChecked(),
            mixed_residence=self.mixed_check.isChecked(),
            notes=self.notes_edit.toPlainText(),
        )
        return values

    def _clear_errors(self) -> None:
        for label in self.errors.values():
            label.clear()
            label.hide()
        for edit in self.edits.values():
            edit.setStyleSheet("")

    def _show_errors(self, errors: dict[str, str]) -> None:
        for key, message in errors.items():
            label = self.errors.get(key)
            if label is not None:
                label.setText(message)
                label.show()
            if key in self.edits:
                self.edits[key].setStyleSheet("border: 1px solid #c00000")

    def _check_live(self, key: str) -> None:
        """Check one field when the user leaves it (without the database)."""
        label = self.errors[key]
        try:
            validate_place_fields(None, self.place_id, {key: self.edits[key].text()})
        except PlaceEditError as err:
            self._show_errors(err.errors)
            return
        label.clear()
        label.hide()
        self.edits[key].setStyleSheet("")

    def _credit_code_typed(self, text: str) -> None:
        """Judge the code as soon as it is complete; while typing, only clear an old error."""
        if len(normalize_credit_code(text)) >= 18:
            self._check_live("credit_code")
        else:
            self.errors["credit_code"].hide()
            self.edits["credit_code"].setStyleSheet("")

    def error_text(self, key: str) -> str:
        """The inline error shown under field ``key`` ("" when none)."""
        label = self.errors.get(key)
        return label.text() if label is not None and not label.isHidden() else ""

    def save(self) -> None:
        """Save the form (a write operation); a refusal is shown under the fields."""
        self._clear_errors()
        values = self.values()
        self.save_button.setEnabled(False)
        self.status_label.setText("正在保存…")
        WriteOp(self, lambda _p: places.edit_place(self.desk, self.place_id, values),
                success=self._saved, failure=self._not_saved, title="保存场所").run()

    def _saved(self, details: PlaceDetails) -> None:
        self._show_details(details)
        self.status_label.setText("<span style='color:#2e7d32'>已保存</span>")

    def _not_saved(self, error: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(error, PlaceEditError):
            self._show_errors(error.errors)
            self.status_label.setText(f"<span style='color:#c00000'>有 {len(error.errors)} 处需要修改，未保存</span>")
        elif isinstance(error, AnquanError):
            self.status_label.setText(f"<span style='color:#c00000'>保存失败：{error}</span>")
        else:
            self.status_label.clear()
            show_error(self, "保存场所", error)


__all__ = ["PlacePage"]
