"""The inspection screen: walk the items with the keyboard, record hazards and photos, finish.

Keys on the item list: 1 合格, 2 不合格, 3 不涉及 (then the next item is selected), Enter or
↓ next, ↑ previous. Every answer and every edit is saved at once through the services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QDragEnterEvent, QDropEvent, QIcon, QKeyEvent, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from anquan_desk.core.attachments import AttachmentStore, photos_in_folder
from anquan_desk.core.clock import to_local
from anquan_desk.core.errors import AnquanError
from anquan_desk.core.models import Attachment, ChecklistItem, Hazard, Inspection
from anquan_desk.core.vocabulary import HazardGrade, InspectionStatus, ItemOutcome
from anquan_desk.services import inspections as svc
from anquan_desk.services.desk import Desk

KIND_ROLE = Qt.ItemDataRole.UserRole + 1  # "template" / "item" / "free" / "free-root"
ID_ROLE = Qt.ItemDataRole.UserRole + 2  # item id or hazard id
HAZARD_ROLE = Qt.ItemDataRole.UserRole + 3  # hazard id of an item row
LINK_ROLE = Qt.ItemDataRole.UserRole + 4

OUTCOME_KEYS = {
    Qt.Key.Key_1: ItemOutcome.PASS.value,
    Qt.Key.Key_2: ItemOutcome.FAIL.value,
    Qt.Key.Key_3: ItemOutcome.NOT_APPLICABLE.value,
}
OUTCOME_COLOURS = {"合格": "#1e8449", "不合格": "#c0392b", "不涉及": "#7f8c8d"}


@dataclass
class _HazardForm:
    box: QGroupBox
    description: QPlainTextEdit
    location: QLineEdit
    grade: QComboBox
    basis: QPlainTextEdit
    requirement: QPlainTextEdit
    immediate: QCheckBox
    deadline: QDateEdit
    rectifier: QLineEdit
    five_box: QGroupBox
    fl_responsibility: QLineEdit
    fl_measures: QLineEdit
    fl_funds: QLineEdit
    fl_deadline: QDateEdit
    fl_plan: QLineEdit
    supervised: QCheckBox


class PhotoList(QListWidget):
    """Thumbnails; accepts dropped files and folders. Signals: ``files_dropped(list)``."""

    files_dropped = Signal(list)

    def __init__(self) -> None:
        super().__init__()
        self.setViewMode(QListWidget.ViewMode.IconMode)
        self.setIconSize(QSize(96, 96))
        self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.setMovement(QListWidget.Movement.Static)
        self.setAcceptDrops(True)
        self.setMinimumHeight(130)
        self.setToolTip("把照片或文件夹拖到这里即可添加")

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dragMoveEvent(self, event: Any) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        files: list[Path] = []
        for path in paths:
            files.extend(photos_in_folder(path) if path.is_dir() else [path])
        if files:
            self.files_dropped.emit(files)
        event.acceptProposedAction()


class InspectionWidget(QWidget):
    """One inspection, draft or finished. Signals: ``finished(str)`` when the check is closed."""

    finished = Signal(str)

    def __init__(self, desk: Desk, inspection_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.db = db = desk.db
        self.actor = desk.actor.username
        self.inspection_id = inspection_id
        self.store = AttachmentStore(db.attachments_dir)
        self._loading = False
        self._hazard_id: str | None = None
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(400)
        self._save_timer.timeout.connect(self._save_hazard)

        self.header = QLabel()
        self.header.setWordWrap(True)
        self.progress_bar = QProgressBar()
        self.progress_label = QLabel()

        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["检查项（1 合格　2 不合格　3 不涉及　Enter 下一项）", "结果"])
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(False)
        self.tree.setWordWrap(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.installEventFilter(self)
        self.tree.currentItemChanged.connect(self._current_changed)

        self.item_content = QLabel()
        self.item_content.setWordWrap(True)
        bold = self.item_content.font()
        bold.setBold(True)
        bold.setPointSize(bold.pointSize() + 1)
        self.item_content.setFont(bold)
        self.item_method = QLabel()
        self.item_method.setWordWrap(True)
        self.item_basis = QLabel()
        self.item_basis.setWordWrap(True)
        self.item_basis.setStyleSheet("color: #555;")
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText("备注（可选）")
        self.note_edit.editingFinished.connect(self._save_note)
        buttons = QHBoxLayout()
        self.outcome_buttons: dict[str, QPushButton] = {}
        for key, outcome in zip("123", (o.value for o in ItemOutcome), strict=True):
            button = QPushButton(f"{key} {outcome}")
            button.clicked.connect(lambda _=False, o=outcome: self.answer_current(o))
            buttons.addWidget(button)
            self.outcome_buttons[outcome] = button

        self.form = self._build_hazard_form()
        self.form.box.setVisible(False)

        self.photo_list = PhotoList()
        self.photo_list.files_dropped.connect(self.add_photo_files)
        self.photo_target = QLabel()
        add_photo = QPushButton("添加照片…")
        add_photo.clicked.connect(self._choose_photos)
        add_folder = QPushButton("添加文件夹…")
        add_folder.clicked.connect(self._choose_folder)
        self.add_hazard_button = QPushButton("添加检查表外隐患…")
        self.add_hazard_button.clicked.connect(self._add_free_hazard)
        self.finish_button = QPushButton("完成检查…")
        self.finish_button.setStyleSheet("font-weight: bold;")
        self.finish_button.clicked.connect(self._finish)
        self.discard_button = QPushButton("作废草稿…")
        self.discard_button.clicked.connect(self._discard)
        self.amend_button = QPushButton("更正检查记录…")
        self.amend_button.clicked.connect(self._amend)
        self.documents_button = QPushButton("打印文书…")
        self.documents_button.clicked.connect(self._documents)

        # --- layout --------------------------------------------------------------------------
        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(6, 0, 6, 0)
        detail_layout.addWidget(self.item_content)
        detail_layout.addWidget(self.item_method)
        detail_layout.addWidget(self.item_basis)
        detail_layout.addLayout(buttons)
        detail_layout.addWidget(self.note_edit)
        detail_layout.addWidget(self.form.box)
        photos_box = QGroupBox("照片")
        photos_layout = QVBoxLayout(photos_box)
        row = QHBoxLayout()
        row.addWidget(add_photo)
        row.addWidget(add_folder)
        row.addWidget(self.photo_target, 1)
        photos_layout.addLayout(row)
        photos_layout.addWidget(self.photo_list)
        detail_layout.addWidget(photos_box)
        detail_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(detail)

        splitter = QSplitter()
        splitter.addWidget(self.tree)
        splitter.addWidget(scroll)
        splitter.setSizes([560, 560])

        top = QHBoxLayout()
        top.addWidget(self.header, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.progress_bar, 1)
        bottom.addWidget(self.progress_label)
        bottom.addWidget(self.add_hazard_button)
        bottom.addWidget(self.discard_button)
        bottom.addWidget(self.amend_button)
        bottom.addWidget(self.documents_button)
        bottom.addWidget(self.finish_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addLayout(bottom)

        self.reload()

    # --- building ------------------------------------------------------------------------------

    def _build_hazard_form(self) -> _HazardForm:
        box = QGroupBox("隐患（可修改，自动保存）")
        form = QFormLayout(box)
        description = QPlainTextEdit()
        description.setMaximumHeight(60)
        location = QLineEdit()
        location.setPlaceholderText("具体位置，如：后厨灶台旁")
        grade = QComboBox()
        grade.addItems([g.value for g in HazardGrade])
        basis = QPlainTextEdit()
        basis.setMaximumHeight(64)
        requirement = QPlainTextEdit()
        requirement.setMaximumHeight(48)
        immediate = QCheckBox("立即整改")
        deadline = QDateEdit()
        deadline.setCalendarPopup(True)
        deadline.setDisplayFormat("yyyy年MM月dd日")
        deadline_row = QHBoxLayout()
        deadline_row.addWidget(deadline)
        deadline_row.addWidget(immediate)
        rectifier = QLineEdit()
        form.addRow("隐患描述：", description)
        form.addRow("具体位置：", location)
        form.addRow("隐患等级：", grade)
        form.addRow("判定依据：", basis)
        form.addRow("整改要求：", requirement)
        form.addRow("整改期限：", deadline_row)
        form.addRow("整改责任人：", rectifier)
        five_box = QGroupBox("重大隐患“五落实”（责任、措施、资金、时限、预案）")
        five = QFormLayout(five_box)
        fl_responsibility, fl_measures, fl_funds, fl_plan = QLineEdit(), QLineEdit(), QLineEdit(), QLineEdit()
        fl_deadline = QDateEdit()
        fl_deadline.setCalendarPopup(True)
        fl_deadline.setDisplayFormat("yyyy年MM月dd日")
        supervised = QCheckBox("挂牌督办")
        five.addRow("责任：", fl_responsibility)
        five.addRow("措施：", fl_measures)
        five.addRow("资金：", fl_funds)
        five.addRow("时限：", fl_deadline)
        five.addRow("预案：", fl_plan)
        five.addRow("", supervised)
        form.addRow(five_box)
        result = _HazardForm(box, description, location, grade, basis, requirement, immediate, deadline, rectifier,
                             five_box, fl_responsibility, fl_measures, fl_funds, fl_deadline, fl_plan, supervised)
        for text_edit in (description, basis, requirement):
            text_edit.textChanged.connect(self._schedule_save)
        for line in (location, rectifier, fl_responsibility, fl_measures, fl_funds, fl_plan):
            line.textEdited.connect(self._schedule_save)
        for date_edit in (deadline, fl_deadline):
            date_edit.dateChanged.connect(self._schedule_save)
        grade.currentIndexChanged.connect(self._grade_changed)
        immediate.toggled.connect(lambda on: deadline.setEnabled(not on))
        immediate.toggled.connect(self._schedule_save)
        supervised.toggled.connect(self._schedule_save)
        return result

    def reload(self) -> None:
        """Read the inspection again and rebuild the list, keeping the current position."""
        self._flush_save()
        current = self.tree.currentItem()
        keep = (current.data(0, KIND_ROLE), current.data(0, ID_ROLE)) if current else None
        self._loading = True
        self.tree.clear()
        with self.db.reader() as session:
            inspection = session.get(Inspection, self.inspection_id)
            assert inspection is not None
            self.read_only = inspection.status != InspectionStatus.DRAFT.value
            issuable = inspection.status == InspectionStatus.FINISHED.value
            people = "、".join(f"{p.name}（{p.cert_no}）" if p.cert_no else p.name for p in inspection.participants)
            started = to_local(inspection.started_at).strftime("%Y-%m-%d %H:%M")
            self._start_day = to_local(inspection.started_at).date()
            state = "" if not self.read_only else f"　【{inspection.status}，只读】"
            self.header.setText(
                f"<b>{inspection.place.name}</b>　{inspection.place.address}<br>"
                f"{inspection.method}　{started}　检查人员：{people}　陪同：{inspection.accompanying_person}{state}"
            )
            parents: dict[str, QTreeWidgetItem] = {}
            for entry in svc.checklist_entries(session, self.inspection_id):
                parent = parents.get(entry.template_code)
                if parent is None:
                    parent = QTreeWidgetItem([entry.template_name, ""])
                    parent.setData(0, KIND_ROLE, "template")
                    parent.setFlags(Qt.ItemFlag.ItemIsEnabled)
                    self.tree.addTopLevelItem(parent)
                    parents[entry.template_code] = parent
                node = QTreeWidgetItem([f"{entry.item.seq}. {entry.item.content}", entry.outcome or "—"])
                node.setData(0, KIND_ROLE, "item")
                node.setData(0, ID_ROLE, entry.item.id)
                node.setData(0, HAZARD_ROLE, entry.hazard_id)
                node.setToolTip(0, entry.item.content)
                self._paint_outcome(node, entry.outcome)
                parent.addChild(node)
            free = [h for h in inspection.hazards if h.item_id is None]
            free_root = QTreeWidgetItem(["检查表外发现的隐患", str(len(free))])
            free_root.setData(0, KIND_ROLE, "free-root")
            free_root.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.tree.addTopLevelItem(free_root)
            for hazard in free:
                node = QTreeWidgetItem([hazard.description, hazard.grade])
                node.setData(0, KIND_ROLE, "free")
                node.setData(0, ID_ROLE, hazard.id)
                node.setData(0, HAZARD_ROLE, hazard.id)
                free_root.addChild(node)
        self.tree.expandAll()
        self._loading = False
        for widget in (self.finish_button, self.discard_button, self.add_hazard_button):
            widget.setVisible(not self.read_only)
        self.amend_button.setVisible(self.read_only)
        self.documents_button.setVisible(issuable)
        self._update_progress()
        target = self._find(keep) if keep else None
        self.tree.setCurrentItem(target or self._first_unanswered() or self._items()[0] if self._items() else None)
        self._show_current(self.tree.currentItem())
        self.tree.setFocus()

    def _items(self) -> list[QTreeWidgetItem]:
        found: list[QTreeWidgetItem] = []
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            found.extend(top.child(j) for j in range(top.childCount()))
        return found

    def _find(self, key: tuple[Any, Any]) -> QTreeWidgetItem | None:
        for node in self._items():
            if (node.data(0, KIND_ROLE), node.data(0, ID_ROLE)) == key:
                return node
        return None

    def _first_unanswered(self) -> QTreeWidgetItem | None:
        for node in self._items():
            if node.data(0, KIND_ROLE) == "item" and node.text(1) == "—":
                return node
        return None

    def _paint_outcome(self, node: QTreeWidgetItem, outcome: str | None) -> None:
        node.setText(1, outcome or "—")
        node.setForeground(1, QBrush(QColor(OUTCOME_COLOURS.get(outcome or "", "#999999"))))

    def _update_progress(self) -> None:
        with self.db.reader() as session:
            state = svc.progress(session, self.inspection_id)
        self.progress_bar.setMaximum(max(state.total, 1))
        self.progress_bar.setValue(state.answered)
        self.progress_label.setText(
            f"已检查 {state.answered}/{state.total} 项，还剩 {state.remaining} 项，发现隐患 {state.hazards} 处"
        )

    # --- keyboard ------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.tree and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            if key in OUTCOME_KEYS and not self.read_only:
                self.answer_current(OUTCOME_KEYS[Qt.Key(key)])
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.move(+1)
                return True
        return super().eventFilter(watched, event)

    def move(self, step: int) -> None:
        items = self._items()
        current = self.tree.currentItem()
        if not items:
            return
        index = items.index(current) if current in items else -1
        self.tree.setCurrentItem(items[max(0, min(len(items) - 1, index + step))])

    # --- answering -----------------------------------------------------------------------------

    def answer_current(self, outcome: str) -> None:
        node = self.tree.currentItem()
        if node is None or node.data(0, KIND_ROLE) != "item" or self.read_only:
            return
        self._flush_save()
        try:
            with self.db.session(self.actor) as session:
                hazard = svc.record_answer(session, self.inspection_id, node.data(0, ID_ROLE), outcome,
                                           self.note_edit.text())
                node.setData(0, HAZARD_ROLE, hazard.id if hazard else None)
        except AnquanError as exc:
            QMessageBox.warning(self, "无法保存", str(exc))
            return
        self._paint_outcome(node, outcome)
        self._update_progress()
        if outcome == ItemOutcome.FAIL.value:
            self._show_current(node)  # stay: the hazard form opens, pre-filled
            self.form.location.setFocus()
        else:
            self.move(+1)

    def _save_note(self) -> None:
        node = self.tree.currentItem()
        if node is None or node.data(0, KIND_ROLE) != "item" or self.read_only or node.text(1) == "—":
            return
        with self.db.session(self.actor) as session:
            svc.record_answer(session, self.inspection_id, node.data(0, ID_ROLE), node.text(1), self.note_edit.text())

    def _current_changed(self, current: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        if self._loading:
            return
        self._flush_save()
        self._show_current(current)

    def _show_current(self, node: QTreeWidgetItem | None) -> None:
        kind = node.data(0, KIND_ROLE) if node else None
        hazard_id = node.data(0, HAZARD_ROLE) if node else None
        with self.db.reader() as session:
            if kind == "item" and node is not None:
                item = session.get(ChecklistItem, node.data(0, ID_ROLE))
                assert item is not None
                self.item_content.setText(item.content)
                self.item_method.setText(f"检查要点：{item.method}" if item.method else "")
                self.item_basis.setText(f"依据：{item.basis}")
                result = svc.answer_of(session, self.inspection_id, item.id)
                self.note_edit.setText(result.note if result is not None else "")
            elif kind == "free":
                self.item_content.setText("检查表外发现的隐患")
                self.item_method.setText("")
                self.item_basis.setText("")
            else:
                self.item_content.setText("请在左侧选择检查项")
                self.item_method.setText("")
                self.item_basis.setText("")
            for button in self.outcome_buttons.values():
                button.setEnabled(kind == "item" and not self.read_only)
            self.note_edit.setEnabled(kind == "item" and not self.read_only)
            hazard = session.get(Hazard, hazard_id) if hazard_id else None
            self._fill_hazard(hazard)
            self._show_photos(session)

    # --- hazard form ---------------------------------------------------------------------------

    def _fill_hazard(self, hazard: Hazard | None) -> None:
        self._loading = True
        f = self.form
        self._hazard_id = hazard.id if hazard else None
        f.box.setVisible(hazard is not None)
        if hazard is not None:
            f.box.setTitle(f"隐患 {hazard.code}（可修改，自动保存）")
            f.description.setPlainText(hazard.description)
            f.location.setText(hazard.location)
            f.grade.setCurrentText(hazard.grade)
            f.basis.setPlainText(hazard.basis)
            f.requirement.setPlainText(hazard.requirement)
            start = hazard.deadline or date.today()
            f.deadline.setDate(QDate(start.year, start.month, start.day))
            # 立即整改: due the day of the check itself.
            f.immediate.setChecked(hazard.deadline is None or hazard.deadline == self._start_day)
            f.rectifier.setText(hazard.rectifier)
            f.fl_responsibility.setText(hazard.fl_responsibility)
            f.fl_measures.setText(hazard.fl_measures)
            f.fl_funds.setText(hazard.fl_funds)
            fl = hazard.fl_deadline or start
            f.fl_deadline.setDate(QDate(fl.year, fl.month, fl.day))
            f.fl_plan.setText(hazard.fl_plan)
            f.supervised.setChecked(hazard.supervised)
            f.five_box.setVisible(hazard.grade == HazardGrade.MAJOR.value)
        for widget in f.box.findChildren(QWidget):
            widget.setEnabled(not self.read_only)
        f.deadline.setEnabled(not self.read_only and not f.immediate.isChecked())
        self._loading = False

    def _grade_changed(self) -> None:
        self.form.five_box.setVisible(self.form.grade.currentText() == HazardGrade.MAJOR.value)
        self._schedule_save()

    def _schedule_save(self) -> None:
        if not self._loading and self._hazard_id and not self.read_only:
            self._save_timer.start()

    def _flush_save(self) -> None:
        if self._save_timer.isActive():
            self._save_timer.stop()
            self._save_hazard()

    def _save_hazard(self) -> None:
        if not self._hazard_id or self.read_only:
            return
        f = self.form
        major = f.grade.currentText() == HazardGrade.MAJOR.value
        fields: dict[str, Any] = {
            "description": f.description.toPlainText(),
            "location": f.location.text(),
            "grade": f.grade.currentText(),
            "basis": f.basis.toPlainText(),
            "requirement": f.requirement.toPlainText(),
            "deadline": self._start_day if f.immediate.isChecked() else f.deadline.date().toPython(),
            "rectifier": f.rectifier.text(),
            "fl_responsibility": f.fl_responsibility.text() if major else "",
            "fl_measures": f.fl_measures.text() if major else "",
            "fl_funds": f.fl_funds.text() if major else "",
            "fl_deadline": f.fl_deadline.date().toPython() if major else None,
            "fl_plan": f.fl_plan.text() if major else "",
            "supervised": f.supervised.isChecked() and major,
        }
        if not fields["description"].strip():
            return  # keep typing; an empty description is never saved
        try:
            with self.db.session(self.actor) as session:
                svc.update_hazard(session, self._hazard_id, **fields)
        except AnquanError as exc:
            QMessageBox.warning(self, "无法保存", str(exc))

    def _add_free_hazard(self) -> None:
        text, ok = QInputDialog.getText(self, "添加隐患", "隐患描述：")
        if not ok or not text.strip():
            return
        with self.db.session(self.actor) as session:
            hazard = svc.add_hazard(session, self.inspection_id, description=text)
            hazard_id = hazard.id
        self.reload()
        node = self._find(("free", hazard_id))
        if node is not None:
            self.tree.setCurrentItem(node)
            self.form.location.setFocus()

    # --- photos --------------------------------------------------------------------------------

    def _show_photos(self, session: Any) -> None:
        self.photo_list.clear()
        links = svc.inspection_photos(session, self.inspection_id)
        for link in links:
            if self._hazard_id and link.owner_id != self._hazard_id:
                continue
            attachment = session.get(Attachment, link.attachment_id)
            pixmap = QPixmap()
            if attachment is not None and attachment.thumbnail:
                pixmap.loadFromData(attachment.thumbnail)
            item = QListWidgetItem(QIcon(pixmap), attachment.original_name if attachment else "")
            item.setData(LINK_ROLE, link.id)
            self.photo_list.addItem(item)
        self.photo_target.setText("照片归入：当前隐患" if self._hazard_id else "照片归入：本次检查")

    def _choose_photos(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "选择照片", "", "照片 (*.jpg *.jpeg *.png *.bmp *.webp *.tif *.tiff)")
        self.add_photo_files([Path(f) for f in files])

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "选择照片文件夹（如手机或微信导出的文件夹）")
        if folder:
            self.add_photo_files(photos_in_folder(Path(folder)))

    def add_photo_files(self, files: list[Path]) -> None:
        if not files:
            return
        try:
            with self.db.session(self.actor) as session:
                svc.add_photos(session, self.store, self.inspection_id, files, hazard_id=self._hazard_id)
        except AnquanError as exc:
            QMessageBox.warning(self, "照片未添加", str(exc))
            return
        with self.db.reader() as session:
            self._show_photos(session)

    # --- finishing -----------------------------------------------------------------------------

    def _finish(self) -> None:
        from anquan_desk.ui.inspection.finish_dialog import FinishDialog

        self._flush_save()
        dialog = FinishDialog(self.desk, self.inspection_id, self)
        if dialog.exec() == FinishDialog.DialogCode.Accepted:
            self.reload()
            self.finished.emit(self.inspection_id)

    def _discard(self) -> None:
        reason, ok = QInputDialog.getText(self, "作废草稿", "作废原因（将记入审计日志）：")
        if not ok:
            return
        try:
            with self.db.session(self.actor) as session:
                svc.discard_draft(session, self.inspection_id, reason)
        except AnquanError as exc:
            QMessageBox.warning(self, "未作废", str(exc))
            return
        self.reload()
        self.finished.emit(self.inspection_id)

    def _documents(self) -> None:
        from anquan_desk.ui.documents import documents_menu

        menu = documents_menu(self.desk, self.inspection_id, self)
        menu.exec(self.documents_button.mapToGlobal(self.documents_button.rect().topLeft()))

    def _amend(self) -> None:
        if not self._hazard_id:
            QMessageBox.information(self, "更正", "请先在左侧选择要更正的隐患。")
            return
        reason, ok = QInputDialog.getText(self, "更正检查记录", "更正原因（将记入审计日志）：")
        if not ok:
            return
        location, ok = QInputDialog.getText(self, "更正检查记录", "隐患的具体位置：", text=self.form.location.text())
        if not ok:
            return
        try:
            with self.db.session(self.actor) as session:
                svc.amend_inspection(session, self.inspection_id, reason=reason,
                                     hazards={self._hazard_id: {"location": location}})
        except AnquanError as exc:
            QMessageBox.warning(self, "未更正", str(exc))
            return
        self.reload()
