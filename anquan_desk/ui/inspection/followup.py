"""Follow-up: hazards due this week and overdue (逾期 in red), the 复查 of a place's hazards, and
the unfinished checks (草稿) waiting to be resumed.

Each list is a query operation's rows in a table model; it refreshes itself when an operation
changes what it shows — at once when it is showing, else when it is next shown. The 复查 dialog
reads and writes through operations too. A draft is opened by the main window: the widget only
asks for it (:attr:`FollowUpWidget.open_inspection`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from anquan_desk.core.changes import Changes
from anquan_desk.core.clock import to_local, today
from anquan_desk.core.errors import AnquanError
from anquan_desk.core.vocabulary import HazardGrade, ReviewOutcome
from anquan_desk.services import inspections as svc
from anquan_desk.services import reinspections as rein
from anquan_desk.services.desk import Desk
from anquan_desk.services.inspections import DraftRow, DueHazard, PhotoView, PreparedPhoto, shown_hazard_code
from anquan_desk.services.laptops import Laptops, laptops
from anquan_desk.services.reinspections import HazardEvent, ReinspectionView, ReviewInput, ReviewItem
from anquan_desk.ui import state
from anquan_desk.ui.inspection.screen import PHOTO_FILTER, pydate, qdate, thumbnail_icon
from anquan_desk.ui.operations import QueryOp, WriteOp, change_hub, show_error
from anquan_desk.ui.row_model import ALIGNMENT, DISPLAY, FONT, ROLE_BASE, TOOLTIP, RowTableModel

Index = QModelIndex | QPersistentModelIndex

#: What the list shows: a change to any of these may change its rows.
FOLLOWED_TABLES = ("hazards", "inspections", "reinspections", "reinspection_results", "places")
#: What the list of unfinished checks shows: answers, inspectors, checklists, hazards, the place.
DRAFT_TABLES = ("inspections", "item_results", "inspection_participants", "inspection_templates", "hazards",
                "places")


def history_text(events: Sequence[HazardEvent]) -> str:
    """A hazard's history, one line per event: local time and what happened."""
    return "\n".join(f"{to_local(e.at):%Y-%m-%d %H:%M}　{e.what}" for e in events)


def _thumbs() -> QListWidget:
    widget = QListWidget()
    widget.setViewMode(QListWidget.ViewMode.IconMode)
    widget.setIconSize(QSize(88, 88))
    widget.setMaximumHeight(118)
    widget.setMovement(QListWidget.Movement.Static)
    return widget


def _fill_thumbs(widget: QListWidget, photos: Sequence[PhotoView]) -> None:
    widget.clear()
    for photo in photos:
        widget.addItem(QListWidgetItem(thumbnail_icon(photo), ""))


class DueHazardModel(QAbstractTableModel):
    """The follow-up list: overdue rows in red. ``hazard(row)`` gives the row's record;
    ``HAZARD_ID_ROLE`` / ``PLACE_ID_ROLE`` give its hazard's and place's ids."""

    COLUMNS = ("隐患编号", "场所", "隐患描述", "等级", "状态", "整改期限", "逾期天数", "挂牌督办")
    COL_CODE, COL_PLACE, COL_DESCRIPTION, COL_GRADE, COL_STATUS, COL_DEADLINE, COL_OVERDUE, COL_SUPERVISED = range(8)
    HAZARD_ID_ROLE = Qt.ItemDataRole.UserRole + 1
    PLACE_ID_ROLE = Qt.ItemDataRole.UserRole + 2

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: tuple[DueHazard, ...] = ()
        self._day = today()
        self.laptops: Laptops | None = None  # the laptops' names, for the hazard numbers

    def set_rows(self, rows: Sequence[DueHazard], day: date, known: Laptops | None = None) -> None:
        self.beginResetModel()
        self._rows = tuple(rows)
        self._day = day
        self.laptops = known or self.laptops or Laptops.local()
        self.endResetModel()

    def hazard(self, row: int) -> DueHazard:
        return self._rows[row]

    def row_of(self, hazard_id: str) -> int | None:
        return next((r for r, h in enumerate(self._rows) if h.id == hazard_id), None)

    def overdue_count(self) -> int:
        return sum(1 for h in self._rows if h.days_overdue(self._day))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        h = self._rows[index.row()]
        late = h.days_overdue(self._day)
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                shown_hazard_code(h.code, self.laptops),
                h.place_name,
                h.description,
                h.grade,
                "逾期" if late else h.status,
                h.deadline.isoformat() if h.deadline else "立即",
                str(late) if late else "",
                "是" if h.supervised else "",
            )[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and late:
            return QBrush(QColor("#c0392b"))
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == self.COL_DESCRIPTION:
            return h.description
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == self.COL_CODE:
            return f"文书和台账上的隐患编号：{h.code}"
        if role == self.HAZARD_ID_ROLE:
            return h.id
        if role == self.PLACE_ID_ROLE:
            return h.place_id
        return None


class DraftModel(RowTableModel[DraftRow]):
    """The unfinished checks, newest first; the user's own in bold. ``draft(row)`` gives the row's
    record, ``INSPECTION_ID_ROLE`` its inspection's id."""

    COLUMNS = ("场所", "地址", "检查方式", "开始时间", "检查人员", "已填/总项", "隐患")
    COL_PLACE, COL_ADDRESS, COL_METHOD, COL_STARTED, COL_INSPECTORS, COL_PROGRESS, COL_HAZARDS = range(7)
    INSPECTION_ID_ROLE = ROLE_BASE + 1

    def draft(self, row: int) -> DraftRow:
        return self.row(row)

    def row_of(self, inspection_id: str) -> int | None:
        return next((r for r, d in enumerate(self.rows) if d.id == inspection_id), None)

    def cell(self, d: DraftRow, column: int, role: int) -> Any:
        if role == DISPLAY:
            return (
                d.place_name,
                d.place_address,
                d.method,
                f"{d.started_at:%Y-%m-%d %H:%M}",
                "、".join(d.inspectors),
                f"{d.answered}/{d.total}",
                str(d.hazards) if d.hazards else "",
            )[column]
        if role == FONT and d.mine:
            font = QFont()
            font.setBold(True)
            return font
        if role == ALIGNMENT and column in (self.COL_PROGRESS, self.COL_HAZARDS):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == TOOLTIP:
            return f"{d.place_name}　{d.place_address}\n还剩 {d.total - d.answered} 项未填写" + (
                "\n（我参加的检查）" if d.mine else "")
        if role == self.INSPECTION_ID_ROLE:
            return d.id
        return None


class FollowUpWidget(QWidget):
    """Two views: the hazards to follow up (复查 and 隐患履历 of the selected one) and the unfinished
    checks. ``open_inspection(str)`` asks for a draft to be opened (the main window opens it in
    its tab)."""

    open_inspection = Signal(str)

    HAZARDS_VIEW, DRAFTS_VIEW = range(2)

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self._stale = True
        self._drafts_stale = True
        self.history_box: QMessageBox | None = None
        self.review_dialog: ReinspectionDialog | None = None
        self.days_spin = QSpinBox()
        self.days_spin.setRange(0, 3650)
        self.days_spin.setValue(7)
        self.days_spin.setSuffix(" 天内到期")
        self.days_spin.valueChanged.connect(self.refresh)
        self.only_combo = QComboBox()
        for label, value in (("全部等级", ""), ("仅重大隐患", "major"), ("仅挂牌督办", "supervised")):
            self.only_combo.addItem(label, value)
        self.only_combo.currentIndexChanged.connect(self.refresh)
        self.summary = QLabel()
        self.review_button = QPushButton("复查所选场所的隐患…")
        self.review_button.clicked.connect(self.review_selected)
        self.history_button = QPushButton("隐患履历…")
        self.history_button.clicked.connect(self.show_history)
        self.model = DueHazardModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        for column, width in enumerate((150, 180, 420, 50, 60, 100, 70, 70)):
            self.table.setColumnWidth(column, width)
        header.setSectionResizeMode(DueHazardModel.COL_DESCRIPTION, QHeaderView.ResizeMode.Stretch)
        state.restore_header(header, state.FOLLOWUP_COLUMNS)
        self.table.doubleClicked.connect(lambda _i: self.review_selected())
        top = QHBoxLayout()
        top.addWidget(QLabel("显示已逾期和"))
        top.addWidget(self.days_spin)
        top.addWidget(QLabel("的未销号隐患"))
        top.addWidget(self.only_combo)
        top.addStretch(1)
        top.addWidget(self.summary)
        top.addWidget(self.history_button)
        top.addWidget(self.review_button)
        hazards_page = QWidget()
        hazards_layout = QVBoxLayout(hazards_page)
        hazards_layout.setContentsMargins(0, 4, 0, 0)
        hazards_layout.addLayout(top)
        hazards_layout.addWidget(self.table)

        # --- the unfinished checks ------------------------------------------------------------------
        self.mine_check = QCheckBox("只显示我参加的")
        self.mine_check.toggled.connect(self.refresh_drafts)
        self.drafts_summary = QLabel()
        self.open_draft_button = QPushButton("继续检查")
        self.open_draft_button.clicked.connect(self.open_selected_draft)
        self.draft_model = DraftModel(self)
        self.draft_table = QTableView()
        self.draft_table.setModel(self.draft_model)
        self.draft_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.draft_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.draft_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.draft_table.setWordWrap(False)
        self.draft_table.verticalHeader().setVisible(False)
        self.draft_table.verticalHeader().setDefaultSectionSize(24)
        for column, width in enumerate((180, 240, 80, 130, 160, 80, 50)):
            self.draft_table.setColumnWidth(column, width)
        self.draft_table.horizontalHeader().setSectionResizeMode(
            DraftModel.COL_ADDRESS, QHeaderView.ResizeMode.Stretch
        )
        self.draft_table.doubleClicked.connect(lambda _i: self.open_selected_draft())
        drafts_top = QHBoxLayout()
        drafts_top.addWidget(QLabel("检查中断（程序关闭、断电）后，从这里继续；双击打开。"))
        drafts_top.addWidget(self.mine_check)
        drafts_top.addStretch(1)
        drafts_top.addWidget(self.drafts_summary)
        drafts_top.addWidget(self.open_draft_button)
        drafts_page = QWidget()
        drafts_layout = QVBoxLayout(drafts_page)
        drafts_layout.setContentsMargins(0, 4, 0, 0)
        drafts_layout.addLayout(drafts_top)
        drafts_layout.addWidget(self.draft_table)

        self.views = QTabWidget()
        self.views.setDocumentMode(True)
        self.views.addTab(hazards_page, "待整改、待复查的隐患")
        self.views.addTab(drafts_page, "未完成的检查")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.views)
        change_hub.subscribe(self, self._changed)
        # Filled by refresh() / refresh_drafts() when first shown (or when a view is chosen).

    # --- the list ------------------------------------------------------------------------------

    def refresh(self) -> None:
        self._stale = False
        day = today()
        only = self.only_combo.currentData()
        within = self.days_spin.value()
        QueryOp(
            self,
            lambda _p: (
                svc.due_hazards(
                    self.desk,
                    within_days=within,
                    on=day,
                    grade=HazardGrade.MAJOR.value if only == "major" else None,
                    supervised_only=only == "supervised",
                ),
                laptops(self.desk),
            ),
            success=lambda read: self._show_rows(*read, day),
            title="跟踪复查",
        ).run()

    def _show_rows(self, rows: tuple[DueHazard, ...], known: Laptops, day: date) -> None:
        selected = self._selected()
        self.model.set_rows(rows, day, known)
        row = self.model.row_of(selected.id) if selected is not None else None
        if row is not None:
            self.table.selectRow(row)
        self.summary.setText(f"共 {len(rows)} 条，其中逾期 {self.model.overdue_count()} 条")

    def _changed(self, changes: Changes, _initiator: object) -> None:
        if changes.touches(*FOLLOWED_TABLES):
            self._stale = True
        if changes.touches(*DRAFT_TABLES):
            self._drafts_stale = True
        if self.isVisible():
            self._refresh_stale()

    def _refresh_stale(self) -> None:
        if self._stale:
            self.refresh()
        if self._drafts_stale:
            self.refresh_drafts()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._refresh_stale()

    def hideEvent(self, event: QHideEvent) -> None:
        state.remember_header(self.table.horizontalHeader(), state.FOLLOWUP_COLUMNS)
        super().hideEvent(event)

    def set_view(self, kind: str) -> None:
        """overdue / week / major / supervised — the dashboard's numbers."""
        self.views.setCurrentIndex(self.HAZARDS_VIEW)
        for widget in (self.only_combo, self.days_spin):
            widget.blockSignals(True)
        self.only_combo.setCurrentIndex(max(0, self.only_combo.findData(kind)))
        self.days_spin.setValue({"overdue": 0, "week": 7}.get(kind, 3650 if kind in ("major", "supervised") else 7))
        for widget in (self.only_combo, self.days_spin):
            widget.blockSignals(False)
        self.refresh()

    def _selected(self) -> DueHazard | None:
        index = self.table.currentIndex()
        return self.model.hazard(index.row()) if index.isValid() else None

    # --- the unfinished checks -------------------------------------------------------------------

    def show_drafts(self, *, mine_only: bool) -> None:
        """Show the unfinished checks (only the user's own with ``mine_only``)."""
        self.views.setCurrentIndex(self.DRAFTS_VIEW)
        self.mine_check.blockSignals(True)
        self.mine_check.setChecked(mine_only)
        self.mine_check.blockSignals(False)
        self.refresh_drafts()

    def refresh_drafts(self) -> None:
        self._drafts_stale = False
        mine_only = self.mine_check.isChecked()
        QueryOp(self, lambda _p: svc.draft_rows(self.desk, mine_only=mine_only), success=self._show_drafts,
                title="未完成的检查").run()

    def _show_drafts(self, rows: tuple[DraftRow, ...]) -> None:
        selected = self.selected_draft()
        self.draft_model.set_rows(rows)
        row = self.draft_model.row_of(selected.id) if selected is not None else None
        if row is None and rows:
            row = 0
        if row is not None:
            self.draft_table.selectRow(row)
        self.open_draft_button.setEnabled(bool(rows))
        mine = "（我参加的）" if self.mine_check.isChecked() else ""
        self.drafts_summary.setText(f"共 {len(rows)} 个未完成的检查{mine}")
        self.views.setTabText(self.DRAFTS_VIEW, f"未完成的检查（{len(rows)}）" if rows else "未完成的检查")

    def selected_draft(self) -> DraftRow | None:
        index = self.draft_table.currentIndex()
        return self.draft_model.draft(index.row()) if index.isValid() else None

    def open_selected_draft(self) -> None:
        draft = self.selected_draft()
        if draft is None:
            QMessageBox.information(self, "继续检查", "请先选择一个未完成的检查。")
            return
        self.open_inspection.emit(draft.id)

    # --- history and 复查 ------------------------------------------------------------------------

    def show_history(self) -> None:
        hazard = self._selected()
        if hazard is None:
            QMessageBox.information(self, "隐患履历", "请先选择一条隐患。")
            return
        QueryOp(self, lambda _p: rein.hazard_events(self.desk, hazard.id),
                success=lambda events: self._show_history(hazard, events), title="隐患履历").run()

    def _show_history(self, hazard: DueHazard, events: tuple[HazardEvent, ...]) -> None:
        box = QMessageBox(QMessageBox.Icon.NoIcon, f"隐患履历 — {shown_hazard_code(hazard.code, self.model.laptops)}", history_text(events),
                          QMessageBox.StandardButton.Close, self)
        box.setInformativeText(f"{hazard.place_name}：{hazard.description}")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.history_box = box
        box.open()

    def review_selected(self) -> None:
        hazard = self._selected()
        if hazard is None:
            QMessageBox.information(self, "复查", "请先选择一条隐患。")
            return
        dialog = ReinspectionDialog(self.desk, hazard.place_id, self)
        if dialog.load_failed:
            dialog.deleteLater()
            return
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.review_dialog = dialog
        dialog.open()  # the list refreshes itself when the 复查 is finished


class _ReviewRow:
    def __init__(self, item: ReviewItem, known: Laptops | None = None) -> None:
        self.hazard_id = item.hazard_id
        self.code = shown_hazard_code(item.code, known)
        self.description = item.description
        self.box = QGroupBox(f"{self.code}　{item.description}（{item.grade}，期限 "
                             f"{item.deadline.isoformat() if item.deadline else '立即'}）")
        grid = QGridLayout(self.box)
        grid.addWidget(QLabel("整改前"), 0, 0)
        grid.addWidget(QLabel("整改后"), 0, 1)
        self.before = _thumbs()
        self.after = _thumbs()
        _fill_thumbs(self.before, item.before)
        _fill_thumbs(self.after, item.after)
        grid.addWidget(self.before, 1, 0)
        grid.addWidget(self.after, 1, 1)
        self.add_after = QPushButton("添加整改后照片…")
        grid.addWidget(self.add_after, 2, 1)
        self.outcome = QComboBox()
        self.outcome.addItems([o.value for o in ReviewOutcome])
        self.note = QLineEdit()
        self.note.setPlaceholderText("复查情况")
        self.new_deadline = QDateEdit()
        self.new_deadline.setCalendarPopup(True)
        self.new_deadline.setDisplayFormat("yyyy年MM月dd日")
        self.new_deadline.setDate(qdate(item.new_deadline or today() + timedelta(days=7)))
        row = QHBoxLayout()
        row.addWidget(QLabel("结论："))
        row.addWidget(self.outcome)
        row.addWidget(self.note, 1)
        self.deadline_label = QLabel("新期限：")
        row.addWidget(self.deadline_label)
        row.addWidget(self.new_deadline)
        grid.addLayout(row, 3, 0, 1, 2)
        self.outcome.currentTextChanged.connect(self._outcome_changed)
        self.outcome.setCurrentText(item.outcome)
        self.note.setText(item.note)
        self._outcome_changed(self.outcome.currentText())

    def _outcome_changed(self, outcome: str) -> None:
        needs = outcome != ReviewOutcome.RECTIFIED.value
        self.new_deadline.setVisible(needs)
        self.deadline_label.setVisible(needs)

    def review(self) -> ReviewInput:
        outcome = self.outcome.currentText()
        return ReviewInput(
            self.hazard_id,
            outcome,
            self.note.text(),
            None if outcome == ReviewOutcome.RECTIFIED.value else pydate(self.new_deadline.date()),
        )


class ReinspectionDialog(QDialog):
    """复查 of the open hazards of one place: outcome per hazard, after-photos, then 销号 or new deadline.

    Opening it resumes the place's unfinished 复查 or starts one (a write operation); when that is
    refused (no open hazard) the dialog says so, rejects itself and ``load_failed`` is set.
    """

    def __init__(self, desk: Desk, place_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.reinspection_id: str | None = None
        self.rows: list[_ReviewRow] = []
        self.load_failed = False
        self.place_name = ""
        self.summary_dialog: ReviewSummaryDialog | None = None
        self.setWindowTitle("整改复查")
        self.resize(900, 680)
        layout = QVBoxLayout(self)
        self.title = QLabel()
        layout.addWidget(self.title)
        body = QWidget()
        self._body_layout = QVBoxLayout(body)
        self._body_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        layout.addWidget(scroll, 1)
        self.opinion = QPlainTextEdit()
        self.opinion.setPlaceholderText("复查意见（不填则按各项结论自动生成）")
        self.opinion.setMaximumHeight(70)
        layout.addWidget(self.opinion)
        self.signer = QLineEdit()
        self.signer.setPlaceholderText("被复查单位负责人")
        layout.addWidget(self.signer)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self._ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self._ok.setText("完成复查")
        self._ok.setEnabled(False)  # until the hazards are there
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("稍后继续")
        self.buttons.accepted.connect(self.finish)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        WriteOp(self, lambda _p: (rein.open_reinspection(desk, place_id), laptops(desk)),
                success=lambda read: self._show(*read), failure=self._not_opened, title="复查").run()

    def _show(self, view: ReinspectionView, known: Laptops | None = None) -> None:
        self.reinspection_id = view.id
        self.place_name = view.place_name
        self.title.setText(f"<b>{view.place_name}</b>　复查人员：{'、'.join(view.inspectors)}　"
                           f"复查日期：{date.today():%Y年%m月%d日}")
        for item in view.items:
            row = _ReviewRow(item, known)
            row.add_after.clicked.connect(lambda _=False, r=row: self._add_after(r))
            self._body_layout.insertWidget(self._body_layout.count() - 1, row.box)
            self.rows.append(row)
        self._ok.setEnabled(True)

    def _not_opened(self, error: BaseException) -> None:
        self.load_failed = True
        if isinstance(error, AnquanError):
            QMessageBox.information(self.parentWidget(), "复查", str(error))
        else:
            show_error(self.parentWidget(), "复查", error)
        self.reject()

    def _add_after(self, row: _ReviewRow) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "整改后照片", state.last_folder(state.LAST_FOLDER_PHOTOS),
                                                PHOTO_FILTER)
        if files:
            state.remember_folder(state.LAST_FOLDER_PHOTOS, files[0])
        self.add_after_photos(row, [Path(f) for f in files])

    def add_after_photos(self, row: _ReviewRow, files: Sequence[Path]) -> None:
        """Read and reduce the photos (a cancellable query operation), then store them as the
        hazard's after-photos."""
        if not files or self.reinspection_id is None:
            return
        paths = list(files)
        QueryOp(self, lambda p: svc.prepare_photos(paths, p),
                success=lambda prepared: self._attach_after(row, prepared),
                title="照片未添加").with_progress("正在处理照片…", cancellable=True).run()

    def _attach_after(self, row: _ReviewRow, prepared: tuple[PreparedPhoto, ...]) -> None:
        reinspection_id = self.reinspection_id
        if not prepared or reinspection_id is None:
            return
        WriteOp(self, lambda _p: rein.attach_after_photos(self.desk, reinspection_id, row.hazard_id, prepared),
                success=lambda photos: _fill_thumbs(row.after, photos), title="照片未添加").run()

    def finish(self) -> None:
        reinspection_id = self.reinspection_id
        if reinspection_id is None:
            return
        reviews = [row.review() for row in self.rows]
        opinion, signer = self.opinion.toPlainText(), self.signer.text()
        self._ok.setEnabled(False)
        WriteOp(
            self,
            lambda _p: rein.complete_reinspection(self.desk, reinspection_id, reviews, opinion=opinion,
                                                  signer_name=signer),
            success=lambda _r: self._finished(reinspection_id, reviews),
            failure=self._not_finished,
            title="复查未完成",
        ).run()

    def _finished(self, reinspection_id: str, reviews: Sequence[ReviewInput]) -> None:
        """The 复查 is recorded: what changed is shown, with the 整改复查意见书 a click away."""
        lines = [ReviewLine(row.code, row.description, review.outcome, review.new_deadline)
                 for row, review in zip(self.rows, reviews, strict=True)]
        summary = ReviewSummaryDialog(self.desk, reinspection_id, self.place_name, lines, self.parentWidget())
        summary.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.summary_dialog = summary
        self.accept()
        summary.open()

    def _not_finished(self, error: BaseException) -> None:
        self._ok.setEnabled(True)
        show_error(self, "复查未完成", error)


@dataclass(frozen=True)
class ReviewLine:
    """One hazard's conclusion, as shown after the 复查."""

    code: str
    description: str
    outcome: str
    new_deadline: date | None

    def text(self) -> str:
        if self.outcome == ReviewOutcome.RECTIFIED.value:
            then = "予以销号"
        else:
            then = f"新整改期限 {self.new_deadline:%Y年%m月%d日}" if self.new_deadline else "须重新确定整改期限"
        return f"{self.code}　{self.description}：{self.outcome}，{then}"


class ReviewSummaryDialog(QDialog):
    """What a finished 复查 changed, hazard by hazard (销号 or the new deadline), and the button
    that issues the 整改复查意见书 (through :func:`anquan_desk.ui.documents.open_document`)."""

    def __init__(self, desk: Desk, reinspection_id: str, place_name: str, lines: Sequence[ReviewLine],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.reinspection_id = reinspection_id
        self.setWindowTitle("复查完成")
        closed = sum(1 for line in lines if line.outcome == ReviewOutcome.RECTIFIED.value)
        layout = QVBoxLayout(self)
        self.heading = QLabel(f"<b>{place_name}</b>　复查 {len(lines)} 处隐患：{closed} 处已整改并销号，"
                              f"{len(lines) - closed} 处限期整改。")
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        self.changes = QListWidget()
        for line in lines:
            item = QListWidgetItem(line.text())
            if line.outcome != ReviewOutcome.RECTIFIED.value:
                item.setForeground(QBrush(QColor("#c0392b")))
            self.changes.addItem(item)
        self.changes.setMaximumHeight(260)
        layout.addWidget(self.changes)
        layout.addWidget(QLabel("请出具《整改复查意见书》，交被复查单位签收。"))
        self.buttons = QDialogButtonBox()
        self.document_button = self.buttons.addButton("出具整改复查意见书…", QDialogButtonBox.ButtonRole.AcceptRole)
        self.document_button.setDefault(True)
        self.close_button = self.buttons.addButton("关闭", QDialogButtonBox.ButtonRole.RejectRole)
        self.document_button.clicked.connect(self.issue_document)
        self.close_button.clicked.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(640, 320)

    def issue_document(self) -> None:
        """The 整改复查意见书 of this 复查: its draft first, then 签发 (or the issued one again)."""
        from anquan_desk.ui.documents import open_document

        parent = self.parentWidget()
        if parent is not None:
            self.accept()  # the document's windows belong to the screen the 复查 was started from
        open_document(self.desk, "review", "", parent or self, reinspection_id=self.reinspection_id)
