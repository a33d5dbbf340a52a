"""Follow-up: hazards due this week and overdue (逾期 in red), and the 复查 of a place's hazards."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QPersistentModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
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
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from anquan_desk.core.attachments import AttachmentStore, attachments_of
from anquan_desk.core.clock import to_local, today
from anquan_desk.core.errors import AnquanError
from anquan_desk.core.models import Attachment, Hazard
from anquan_desk.core.vocabulary import HazardGrade, ReviewOutcome
from anquan_desk.services import reinspections as rein
from anquan_desk.services.desk import Desk
from anquan_desk.services.inspections import DueHazard, due_hazard_rows
from anquan_desk.services.users import inspectors


def _thumbs(session: Session, hazard_id: str, role: str) -> QListWidget:
    widget = QListWidget()
    widget.setViewMode(QListWidget.ViewMode.IconMode)
    widget.setIconSize(QSize(88, 88))
    widget.setMaximumHeight(118)
    widget.setMovement(QListWidget.Movement.Static)
    for link in attachments_of(session, "hazard", hazard_id, role):
        attachment = session.get(Attachment, link.attachment_id)
        pixmap = QPixmap()
        if attachment is not None and attachment.thumbnail:
            pixmap.loadFromData(attachment.thumbnail)
        widget.addItem(QListWidgetItem(QIcon(pixmap), ""))
    return widget


class DueHazardModel(QAbstractTableModel):
    """The follow-up list: overdue rows in red. ``hazard(row)`` gives the row's record."""

    COLUMNS = ("隐患编号", "场所", "隐患描述", "等级", "状态", "整改期限", "逾期天数", "挂牌督办")
    COL_GRADE = 3

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[DueHazard] = []
        self._day = today()

    def set_rows(self, rows: list[DueHazard], day: date) -> None:
        self.beginResetModel()
        self._rows = rows
        self._day = day
        self.endResetModel()

    def hazard(self, row: int) -> DueHazard:
        return self._rows[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        h = self._rows[index.row()]
        late = h.days_overdue(self._day)
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                h.code,
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
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 2:
            return h.description
        return None


class FollowUpWidget(QWidget):
    """The list of hazards to follow up. Signals: ``reinspected()`` after a 复查 is finished."""

    reinspected = Signal()

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.db = desk.db
        self.user = desk.actor
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
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
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
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.table)
        # Filled by refresh() when shown (the main window calls it when its tab opens).

    def refresh(self) -> None:
        day = today()
        only = self.only_combo.currentData()
        with self.db.reader() as session:
            rows = due_hazard_rows(
                session,
                within_days=self.days_spin.value(),
                on=day,
                grade=HazardGrade.MAJOR.value if only == "major" else None,
                supervised_only=only == "supervised",
            )
        self.model.set_rows(rows, day)
        overdue = sum(1 for r in rows if r.days_overdue(day))
        self.summary.setText(f"共 {len(rows)} 条，其中逾期 {overdue} 条")

    def set_view(self, kind: str) -> None:
        """overdue / week / major / supervised — the dashboard's numbers."""
        self.only_combo.setCurrentIndex(max(0, self.only_combo.findData(kind)))
        self.days_spin.setValue({"overdue": 0, "week": 7}.get(kind, 3650 if kind in ("major", "supervised") else 7))
        self.refresh()

    def history_text(self, hazard_id: str) -> str:
        with self.db.reader() as session:
            events = rein.hazard_history(session, hazard_id)
        return "\n".join(f"{to_local(e.at):%Y-%m-%d %H:%M}　{e.what}" for e in events)

    def show_history(self) -> None:
        index = self.table.currentIndex()
        if not index.isValid():
            QMessageBox.information(self, "隐患履历", "请先选择一条隐患。")
            return
        hazard = self.model.hazard(index.row())
        box = QMessageBox(QMessageBox.Icon.NoIcon, f"隐患履历 — {hazard.code}", self.history_text(hazard.id),
                          QMessageBox.StandardButton.Close, self)
        box.setInformativeText(f"{hazard.place_name}：{hazard.description}")
        box.exec()

    def review_selected(self) -> None:
        index = self.table.currentIndex()
        if not index.isValid():
            QMessageBox.information(self, "复查", "请先选择一条隐患。")
            return
        place_id = self.model.hazard(index.row()).place_id
        try:
            dialog = ReinspectionDialog(self.desk, place_id, self)
        except AnquanError as exc:
            QMessageBox.information(self, "复查", str(exc))
            return
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.refresh()
            self.reinspected.emit()


class _ReviewRow:
    def __init__(self, session: Session, hazard: Hazard) -> None:
        self.hazard_id = hazard.id
        self.box = QGroupBox(f"{hazard.code}　{hazard.description}（{hazard.grade}，期限 "
                             f"{hazard.deadline.isoformat() if hazard.deadline else '立即'}）")
        grid = QGridLayout(self.box)
        grid.addWidget(QLabel("整改前"), 0, 0)
        grid.addWidget(QLabel("整改后"), 0, 1)
        self.before = _thumbs(session, hazard.id, "photo")
        self.after = _thumbs(session, hazard.id, "after")
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
        nd = today() + timedelta(days=7)
        self.new_deadline.setDate(QDate(nd.year, nd.month, nd.day))
        row = QHBoxLayout()
        row.addWidget(QLabel("结论："))
        row.addWidget(self.outcome)
        row.addWidget(self.note, 1)
        self.deadline_label = QLabel("新期限：")
        row.addWidget(self.deadline_label)
        row.addWidget(self.new_deadline)
        grid.addLayout(row, 3, 0, 1, 2)
        self.outcome.currentTextChanged.connect(self._outcome_changed)
        self._outcome_changed(self.outcome.currentText())

    def _outcome_changed(self, outcome: str) -> None:
        needs = outcome != ReviewOutcome.RECTIFIED.value
        self.new_deadline.setVisible(needs)
        self.deadline_label.setVisible(needs)


class ReinspectionDialog(QDialog):
    """复查 of the open hazards of one place: outcome per hazard, after-photos, then 销号 or new deadline."""

    def __init__(self, desk: Desk, place_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.db = db = desk.db
        self.user = user = desk.actor
        self.store = AttachmentStore(db.attachments_dir)
        self.setWindowTitle("整改复查")
        self.resize(900, 680)
        layout = QVBoxLayout(self)
        with db.session(user.username) as session:
            others = [u.id for u in inspectors(session) if u.id != user.user_id][:1]
            reinspection = rein.resume_or_start_reinspection(
                session, place_id=place_id, inspector_ids=[str(user.user_id), *others]
            )
            self.reinspection_id = reinspection.id
            hazards = [r.hazard for r in sorted(reinspection.results, key=lambda r: r.hazard.code)]
            place_name = hazards[0].place.name
            self.rows = [_ReviewRow(session, h) for h in hazards]
            for row, result in zip(self.rows, sorted(reinspection.results, key=lambda r: r.hazard.code), strict=True):
                row.outcome.setCurrentText(result.outcome)
                row.note.setText(result.note)
            who = "、".join(str(p["name"]) for p in reinspection.inspectors)
        layout.addWidget(QLabel(f"<b>{place_name}</b>　复查人员：{who}　复查日期：{date.today():%Y年%m月%d日}"))
        body = QWidget()
        body_layout = QVBoxLayout(body)
        for row in self.rows:
            body_layout.addWidget(row.box)
            row.add_after.clicked.connect(lambda _=False, r=row: self._add_after(r))
        body_layout.addStretch(1)
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
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("完成复查")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("稍后继续")
        self.buttons.accepted.connect(self.finish)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def _add_after(self, row: _ReviewRow) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "整改后照片", "", "照片 (*.jpg *.jpeg *.png *.bmp *.webp)")
        self.add_after_photos(row, [Path(f) for f in files])

    def add_after_photos(self, row: _ReviewRow, files: list[Path]) -> None:
        if not files:
            return
        try:
            with self.db.session(self.user.username) as session:
                rein.add_after_photos(session, self.store, self.reinspection_id, row.hazard_id, files)
        except AnquanError as exc:
            QMessageBox.warning(self, "照片未添加", str(exc))
            return
        with self.db.reader() as session:
            fresh = _thumbs(session, row.hazard_id, "after")
        row.after.clear()
        for i in range(fresh.count()):
            row.after.addItem(fresh.item(i).clone())

    def finish(self) -> None:
        try:
            with self.db.session(self.user.username) as session:
                for row in self.rows:
                    outcome = row.outcome.currentText()
                    rein.record_review(
                        session, self.reinspection_id, row.hazard_id, outcome=outcome, note=row.note.text(),
                        new_deadline=None if outcome == ReviewOutcome.RECTIFIED.value
                        else row.new_deadline.date().toPython(),
                    )
                rein.finish_reinspection(
                    session, self.reinspection_id, opinion=self.opinion.toPlainText(), signer_name=self.signer.text()
                )
        except AnquanError as exc:
            QMessageBox.warning(self, "复查未完成", str(exc))
            return
        self.accept()
