"""The inspection screen: walk the items with the keyboard, record hazards and photos, finish.

Keys (one table, :data:`SCREEN_KEYS`, binds them and is what 帮助 › 快捷键 lists): on the item list
1 合格, 2 不合格, 3 不涉及 (then the next item is selected), Enter or ↓ next, ↑ previous; in the
hazard form (focus on 具体位置 after a 不合格) Esc, or Enter in a one-line field, goes back to the
item list, Ctrl+Enter back and on to the next item (:data:`FORM_HINT`, shown under the form);
Ctrl+Shift+Enter 完成检查 anywhere in the screen. The photos have a column of their own, so they are
in view at 1366×768. A major hazard of a finished check is 挂牌督办 from its tick box, which asks for
the 挂牌日期, 督办文号 and 督办单位 (:mod:`anquan_desk.ui.inspection.supervise_dialog`).
Every answer and every edit is saved at once through the services, each as a
write operation: the single writer saves them in the order given, so the keyboard never waits for
the database. An answer shows grey until its save is confirmed, then in its colour; a 不合格 opens
its hazard, pre-filled, once the hazard exists.

The screen reads the inspection through a query operation and refreshes itself when an operation
started elsewhere (finishing, a 复查, an amendment) changes this inspection or its hazards; its tab
title follows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QDate, QEvent, QKeyCombination, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QHideEvent,
    QIcon,
    QKeyEvent,
    QKeySequence,
    QPixmap,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QGridLayout,
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
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from anquan_desk.core.changes import Changes
from anquan_desk.core.progress import Progress as WorkProgress
from anquan_desk.core.vocabulary import HazardGrade, HazardStatus, ItemOutcome
from anquan_desk.services import hazards as hazards_svc
from anquan_desk.services import inspections as svc
from anquan_desk.services import roles
from anquan_desk.services.desk import Desk
from anquan_desk.services.hazards import SupervisionView
from anquan_desk.services.inspections import (
    AnswerSaved,
    CheckItem,
    HazardView,
    InspectionView,
    PhotoView,
    PreparedPhoto,
    shown_hazard_code,
)
from anquan_desk.services.laptops import Laptops, laptops
from anquan_desk.ui import state
from anquan_desk.ui.inspection.supervise_dialog import SuperviseDialog, SupervisionInput, supervision_text
from anquan_desk.ui.operations import QueryOp, WriteOp, change_hub, show_error

T = TypeVar("T")

KIND_ROLE = Qt.ItemDataRole.UserRole + 1  # "template" / "item" / "free" / "free-root"
ID_ROLE = Qt.ItemDataRole.UserRole + 2  # item id or hazard id
HAZARD_ROLE = Qt.ItemDataRole.UserRole + 3  # hazard id of an item row
LINK_ROLE = Qt.ItemDataRole.UserRole + 4
SAVED_ROLE = Qt.ItemDataRole.UserRole + 5  # an item row: its shown answer is in the database

OUTCOME_COLOURS = {"合格": "#1e8449", "不合格": "#c0392b", "不涉及": "#7f8c8d"}
UNSAVED_COLOUR = "#999999"
PHOTO_FILTER = "照片 (*.jpg *.jpeg *.png *.bmp *.webp *.tif *.tiff)"

#: Where a key of the screen works.
KEYS_LIST = "检查界面（检查项列表）"
KEYS_FORM = "检查界面（隐患表单）"
KEYS_SCREEN = "检查界面"


@dataclass(frozen=True)
class ScreenKey:
    """A key of the inspection screen: where it works, its key sequences (portable text), what it
    does, and the screen's command it runs (``None``: the list's own key, which Qt handles).
    :data:`SCREEN_KEYS` binds the keys and is what 帮助 › 快捷键 lists, so the two cannot drift."""

    place: str
    keys: tuple[str, ...]
    what: str
    command: str | None

    def sequences(self) -> tuple[QKeySequence, ...]:
        return tuple(QKeySequence(k) for k in self.keys)

    def shown(self) -> str:
        """The keys as written on screen and in the help: Enter（回车）, Ctrl+Enter, ↑ …"""
        names: list[str] = []
        for key in self.keys:
            text = QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText).replace("Return", "Enter")
            text = {"Up": "↑", "Down": "↓", "Enter": "Enter（回车）"}.get(text, text)
            if text not in names:
                names.append(text)
        return "，".join(names)


SCREEN_KEYS: tuple[ScreenKey, ...] = (
    ScreenKey(KEYS_LIST, ("1",), "记为“合格”，转到下一项", ItemOutcome.PASS.value),
    ScreenKey(KEYS_LIST, ("2",), "记为“不合格”，打开已预填的隐患（光标在“具体位置”）", ItemOutcome.FAIL.value),
    ScreenKey(KEYS_LIST, ("3",), "记为“不涉及”，转到下一项", ItemOutcome.NOT_APPLICABLE.value),
    ScreenKey(KEYS_LIST, ("Return", "Enter"), "转到下一项", "next"),
    ScreenKey(KEYS_LIST, ("Down",), "转到下一项", None),
    ScreenKey(KEYS_LIST, ("Up",), "回到上一项", None),
    ScreenKey(KEYS_FORM, ("Esc",), "返回检查项列表（停在本项）", "back"),
    ScreenKey(KEYS_FORM, ("Return", "Enter"), "在单行输入框中：返回检查项列表（停在本项）", "back"),
    ScreenKey(KEYS_FORM, ("Ctrl+Return", "Ctrl+Enter"), "返回检查项列表并转到下一项", "back-next"),
    ScreenKey(KEYS_SCREEN, ("Ctrl+Shift+Return", "Ctrl+Shift+Enter"), "完成检查…（签字或记录拒签）", "finish"),
)
#: The answers' keys on the item list (1 合格, 2 不合格, 3 不涉及).
OUTCOME_KEYS = {
    Qt.Key(ord(key.keys[0])): str(key.command)  # a digit's key code is its character's
    for key in SCREEN_KEYS
    if key.place == KEYS_LIST and key.command in {o.value for o in ItemOutcome}
}


def _form_hint() -> str:
    back = [k for k in SCREEN_KEYS if k.place == KEYS_FORM and k.command == "back"]
    ahead = [k for k in SCREEN_KEYS if k.place == KEYS_FORM and k.command == "back-next"]
    back_keys = " 或 ".join(k.shown().replace("（回车）", "") for k in back)
    ahead_keys = " ".join(k.shown().split("，")[0] for k in ahead)
    return f"{back_keys} 返回检查项列表　　{ahead_keys} 返回并转到下一项"


#: Written under the hazard form: the way back to the list.
FORM_HINT = _form_hint()
FINISH_SHOWN = next(k for k in SCREEN_KEYS if k.command == "finish").shown().split("，")[-1]
#: The splitter's default widths: items, item and hazard, photos.
SPLITTER_SIZES = (400, 470, 240)


def qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def pydate(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


def thumbnail_icon(photo: PhotoView) -> QIcon:
    pixmap = QPixmap()
    if photo.thumbnail:
        pixmap.loadFromData(photo.thumbnail)
    return QIcon(pixmap)


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
    hint: QLabel
    fl_responsibility: QLineEdit
    fl_measures: QLineEdit
    fl_funds: QLineEdit
    fl_deadline: QDateEdit
    fl_plan: QLineEdit
    supervised: QCheckBox
    supervision: QLabel  # the 挂牌日期 and 督办文号 beside the tick box


class PhotoList(QListWidget):
    """Thumbnails; accepts dropped files and folders. Signals: ``files_dropped(list)`` with the
    dropped paths (folders are searched for photos by the operation that adds them)."""

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

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            self.files_dropped.emit(paths)
        event.acceptProposedAction()


class InspectionWidget(QWidget):
    """One inspection, draft or finished.

    Signals: ``finished(str)`` when the check is closed (finished or discarded here);
    ``loaded()`` after the inspection was (re)read and shown; ``answer_saved(item_id, outcome)``
    once an answer is in the database.
    """

    finished = Signal(str)
    loaded = Signal()
    answer_saved = Signal(str, str)

    def __init__(self, desk: Desk, inspection_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.inspection_id = inspection_id
        self.view: InspectionView | None = None
        self.read_only = True
        self._start_day = date.today()
        self._items_by_id: dict[str, CheckItem] = {}
        self._hazards: dict[str, HazardView] = {}
        self._photos: tuple[PhotoView, ...] = ()
        self._pending_answers: dict[str, int] = {}  # item id → answers not yet confirmed
        self._pending_edits: dict[str, int] = {}  # hazard id → saves not yet confirmed
        self._writes = 0  # writes started: a read started before the last of them is out of date
        self._stale = False
        self._select_after_load: tuple[str, str] | None = None
        self._after_load: list[Callable[[], None]] = []
        self._filling = False
        self._hazard_id: str | None = None
        self._supervisions: dict[str, SupervisionView] = {}  # hazard id → its 挂牌督办, as read
        self.supervise_dialog: SuperviseDialog | None = None
        self.laptops = Laptops.local()  # which laptop made a hazard number (names read with the inspection)
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
        self.finish_button = QPushButton(f"完成检查…（{FINISH_SHOWN}）")
        self.finish_button.setToolTip("检查结束，由负责人签字或记录拒签")
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
        detail_layout.addStretch(1)
        self.detail_scroll = scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(detail)
        # The photos in a column of their own: in view beside the hazard, however long its form.
        self.photos_box = photos_box = QGroupBox("照片")
        photos_layout = QVBoxLayout(photos_box)
        row = QHBoxLayout()
        row.addWidget(add_photo)
        row.addWidget(add_folder)
        photos_layout.addLayout(row)
        self.photo_target.setWordWrap(True)
        photos_layout.addWidget(self.photo_target)
        photos_layout.addWidget(self.photo_list, 1)

        self.splitter = splitter = QSplitter()
        splitter.addWidget(self.tree)
        splitter.addWidget(scroll)
        splitter.addWidget(photos_box)
        splitter.setChildrenCollapsible(False)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes(list(SPLITTER_SIZES))
        if not state.restore_splitter(splitter, state.INSPECTION_SPLITTER) or min(splitter.sizes()) <= 0:
            splitter.setSizes(list(SPLITTER_SIZES))  # nothing kept, or kept from the two-column layout
        self.shortcuts: list[QShortcut] = []  # the screen-wide keys of SCREEN_KEYS
        for screen_key in SCREEN_KEYS:
            if screen_key.place == KEYS_SCREEN and screen_key.command is not None:
                for sequence in screen_key.sequences():
                    shortcut = QShortcut(sequence, self)
                    shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                    shortcut.activated.connect(lambda c=screen_key.command: self.run_command(c))
                    self.shortcuts.append(shortcut)

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

        for widget in (self.finish_button, self.discard_button, self.add_hazard_button, self.amend_button,
                       self.documents_button):
            widget.setVisible(False)  # until the inspection is read
        for button in self.outcome_buttons.values():
            button.setEnabled(False)
        self.note_edit.setEnabled(False)
        change_hub.subscribe(self, self._changed)
        self.reload()

    # --- building ------------------------------------------------------------------------------

    def _build_hazard_form(self) -> _HazardForm:
        box = QGroupBox("隐患（可修改，自动保存）")
        form = QFormLayout(box)
        description = QPlainTextEdit()
        description.setMaximumHeight(56)
        description.setTabChangesFocus(True)
        location = QLineEdit()
        location.setPlaceholderText("具体位置，如：后厨灶台旁")
        grade = QComboBox()
        grade.addItems([g.value for g in HazardGrade])
        basis = QPlainTextEdit()
        basis.setMaximumHeight(56)
        basis.setTabChangesFocus(True)
        requirement = QPlainTextEdit()
        requirement.setMaximumHeight(44)
        requirement.setTabChangesFocus(True)
        immediate = QCheckBox("立即整改")
        deadline = QDateEdit()
        deadline.setCalendarPopup(True)
        deadline.setDisplayFormat("yyyy年MM月dd日")
        deadline_row = QHBoxLayout()
        deadline_row.addWidget(deadline)
        deadline_row.addWidget(immediate)
        rectifier = QLineEdit()
        # 挂牌督办 beside the grade it belongs to: on a 768-pixel screen it is in view without
        # scrolling, whatever the font (below the 五落实 it was not, with the program's CJK font).
        supervised = QCheckBox("挂牌督办")
        supervised.setToolTip("勾选后填写挂牌日期、督办文号和督办单位（检查完成后办理）")
        supervision = QLabel()
        supervision.setWordWrap(True)
        supervision.setStyleSheet("color: #8e44ad;")
        grade_row = QHBoxLayout()
        grade_row.addWidget(grade)
        grade_row.addWidget(supervised)
        grade_row.addWidget(supervision, 1)
        form.addRow("隐患描述：", description)
        form.addRow("具体位置：", location)
        form.addRow("隐患等级：", grade_row)
        form.addRow("判定依据：", basis)
        form.addRow("整改要求：", requirement)
        form.addRow("整改期限：", deadline_row)
        form.addRow("整改责任人：", rectifier)
        five_box = QGroupBox("重大事故隐患“五落实”")
        five_box.setToolTip("“五落实”：责任、措施、资金、时限、预案落实到位")
        # Two fields a row; the fields below the fold are scrolled to when they get the focus.
        five = QGridLayout(five_box)
        five.setColumnStretch(1, 1)
        five.setColumnStretch(3, 1)
        fl_responsibility, fl_measures, fl_funds, fl_plan = QLineEdit(), QLineEdit(), QLineEdit(), QLineEdit()
        fl_deadline = QDateEdit()
        fl_deadline.setCalendarPopup(True)
        fl_deadline.setDisplayFormat("yyyy年MM月dd日")
        for row, column, label, field in (
            (0, 0, "责任：", fl_responsibility), (0, 2, "资金：", fl_funds),
            (1, 0, "措施：", fl_measures),
            (2, 0, "时限：", fl_deadline), (2, 2, "预案：", fl_plan),
        ):
            five.addWidget(QLabel(label), row, column)
            five.addWidget(field, row, column + 1, 1, 3 if field is fl_measures else 1)
        form.addRow(five_box)
        hint = QLabel(FORM_HINT)
        hint.setStyleSheet("color: #555;")
        form.addRow(hint)
        result = _HazardForm(box, description, location, grade, basis, requirement, immediate, deadline, rectifier,
                             five_box, hint, fl_responsibility, fl_measures, fl_funds, fl_deadline, fl_plan,
                             supervised, supervision)
        for child in box.findChildren(QWidget):
            child.installEventFilter(self)
        for text_edit in (description, basis, requirement):
            text_edit.textChanged.connect(self._schedule_save)
        for line in (location, rectifier, fl_responsibility, fl_measures, fl_funds, fl_plan):
            line.textEdited.connect(self._schedule_save)
        for date_edit in (deadline, fl_deadline):
            date_edit.dateChanged.connect(self._schedule_save)
        grade.currentIndexChanged.connect(self._grade_changed)
        immediate.toggled.connect(lambda on: deadline.setEnabled(not on))
        immediate.toggled.connect(self._schedule_save)
        supervised.clicked.connect(self._supervise_clicked)
        return result

    # --- operations ----------------------------------------------------------------------------

    def _write(
        self,
        work: Callable[[WorkProgress], T],
        *,
        success: Callable[[T], None] | None = None,
        failure: Callable[[BaseException], None] | None = None,
        title: str = "无法保存",
    ) -> None:
        """A write of this screen: counted, so that a read started before it is not shown."""
        self._writes += 1
        WriteOp(self, work, success=success, failure=failure, title=title).run()

    # --- loading -------------------------------------------------------------------------------

    def reload(self, select: tuple[str, str] | None = None, then: Callable[[], None] | None = None) -> None:
        """Read the inspection again and rebuild the list, keeping the current position (or moving
        to ``select``, a (kind, id) pair); ``then`` runs once it is shown."""
        self._flush_save()
        if select is not None:
            self._select_after_load = select
        if then is not None:
            self._after_load.append(then)
        self._stale = False
        writes = self._writes
        QueryOp(self, lambda _p: (svc.inspection_view(self.desk, self.inspection_id), laptops(self.desk)),
                success=lambda read: self._loaded(*read, writes), title="检查").run()

    def _loaded(self, view: InspectionView, known: Laptops, writes: int) -> None:
        if writes != self._writes or self._save_timer.isActive():
            self.reload()  # an answer or an edit was given meanwhile: this reading misses it
            return
        self.laptops = known
        self._supervisions.clear()  # read again when shown
        self._show_view(view)
        after, self._after_load = self._after_load, []
        for action in after:
            action()
        self.loaded.emit()

    def _changed(self, changes: Changes, initiator: object) -> None:
        if initiator is self:
            return  # this screen's own writes are shown as they are confirmed
        concerns = changes.touches_row("inspections", self.inspection_id) or any(
            changes.touches_row("hazards", hazard_id) for hazard_id in self._hazards
        )
        if not concerns:
            return
        if self.isVisible():
            self.reload()
        else:
            self._stale = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()

    def hideEvent(self, event: QHideEvent) -> None:
        state.remember_splitter(self.splitter, state.INSPECTION_SPLITTER)
        super().hideEvent(event)

    def _show_view(self, view: InspectionView) -> None:
        current = self.tree.currentItem()
        keep = self._select_after_load or (
            (current.data(0, KIND_ROLE), current.data(0, ID_ROLE)) if current is not None else None
        )
        self._select_after_load = None
        self.view = view
        self.read_only = view.read_only
        self._start_day = view.start_day
        self._items_by_id = {item.item_id: item for item in view.items}
        self._hazards = {h.id: h for h in view.hazards}
        self._photos = view.photos
        people = "、".join(f"{p.name}（{p.cert_no}）" if p.cert_no else p.name for p in view.participants)
        status = "" if not view.read_only else f"　【{view.status}，只读】"
        self.header.setText(
            f"<b>{view.place_name}</b>　{view.place_address}<br>"
            f"{view.method}　{view.started_at:%Y-%m-%d %H:%M}　检查人员：{people}　陪同：{view.accompanying_person}{status}"
        )
        self._filling = True
        self.tree.clear()
        parents: dict[str, QTreeWidgetItem] = {}
        for item in view.items:
            parent = parents.get(item.template_code)
            if parent is None:
                parent = QTreeWidgetItem([item.template_name, ""])
                parent.setData(0, KIND_ROLE, "template")
                parent.setFlags(Qt.ItemFlag.ItemIsEnabled)
                self.tree.addTopLevelItem(parent)
                parents[item.template_code] = parent
            node = QTreeWidgetItem([f"{item.seq}. {item.content}", ""])
            node.setData(0, KIND_ROLE, "item")
            node.setData(0, ID_ROLE, item.item_id)
            node.setData(0, HAZARD_ROLE, item.hazard_id)
            node.setToolTip(0, item.content)
            self._paint_outcome(node, item.outcome, saved=True)
            parent.addChild(node)
        free = [h for h in view.hazards if h.item_id is None]
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
        self._filling = False
        for widget in (self.finish_button, self.discard_button, self.add_hazard_button):
            widget.setVisible(not self.read_only)
        self.amend_button.setVisible(self.read_only)
        self.documents_button.setVisible(view.issuable)
        self._show_progress(view.progress)
        items = self._items()
        target = (self._find(keep) if keep else None) or self._first_unanswered() or (items[0] if items else None)
        if target is not None:
            self.tree.setCurrentItem(target)
        self._show_current(self.tree.currentItem())
        self.tree.setFocus()
        self._retitle(view.title)

    def _retitle(self, title: str) -> None:
        """The tab that shows this screen takes the inspection's title (检查：<place>（草稿）)."""
        self.setWindowTitle(title)
        ancestor = self.parentWidget()
        while ancestor is not None:
            if isinstance(ancestor, QTabWidget):
                index = ancestor.indexOf(self)
                if index >= 0:
                    ancestor.setTabText(index, title)
                return
            ancestor = ancestor.parentWidget()

    def _items(self) -> list[QTreeWidgetItem]:
        found: list[QTreeWidgetItem] = []
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            if top is not None:
                found.extend(child for j in range(top.childCount()) if (child := top.child(j)) is not None)
        return found

    def _find(self, key: tuple[Any, Any]) -> QTreeWidgetItem | None:
        for node in self._items():
            if (node.data(0, KIND_ROLE), node.data(0, ID_ROLE)) == key:
                return node
        return None

    def _item_node(self, item_id: str) -> QTreeWidgetItem | None:
        return self._find(("item", item_id))

    def _first_unanswered(self) -> QTreeWidgetItem | None:
        for node in self._items():
            if node.data(0, KIND_ROLE) == "item" and node.text(1) == "—":
                return node
        return None

    def _paint_outcome(self, node: QTreeWidgetItem, outcome: str | None, *, saved: bool) -> None:
        """An answer in its colour once saved; grey and italic while its save is under way."""
        node.setText(1, outcome or "—")
        node.setData(0, SAVED_ROLE, saved)
        colour = OUTCOME_COLOURS.get(outcome or "", UNSAVED_COLOUR) if saved else UNSAVED_COLOUR
        node.setForeground(1, QBrush(QColor(colour)))
        font = node.font(1)
        font.setItalic(not saved)
        node.setFont(1, font)
        node.setToolTip(1, "" if saved else "正在保存…")

    def _show_progress(self, progress: svc.Progress) -> None:
        self.progress_bar.setMaximum(max(progress.total, 1))
        self.progress_bar.setValue(progress.answered)
        self.progress_label.setText(
            f"已检查 {progress.answered}/{progress.total} 项，还剩 {progress.remaining} 项，"
            f"发现隐患 {progress.hazards} 处"
        )

    # --- keyboard ------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusIn and isinstance(watched, QWidget) and self.form.box.isAncestorOf(watched):
            # However the focus came (Tab from the item list, a click, a key of the screen), the
            # field that has it is scrolled into view: on a 768-pixel screen the lower rows of a
            # major hazard's 五落实 lie below the fold.
            self.detail_scroll.ensureWidgetVisible(watched)
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            command = self.key_command(watched, event)
            if command is not None:
                self.run_command(command)
                return True
        return super().eventFilter(watched, event)

    def key_command(self, watched: QObject, event: QKeyEvent) -> str | None:
        """The command of :data:`SCREEN_KEYS` a key pressed in the item list or the hazard form runs."""
        if watched is self.tree:
            place = KEYS_LIST
        elif isinstance(watched, QWidget) and self.form.box.isAncestorOf(watched):
            place = KEYS_FORM
        else:
            return None
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        pressed = QKeySequence(QKeyCombination(modifiers, Qt.Key(event.key())))
        for key in SCREEN_KEYS:
            if key.place == place and key.command is not None and pressed in key.sequences():
                if place == KEYS_FORM and isinstance(watched, QPlainTextEdit) and not modifiers:
                    return None  # Enter makes a new line in a text of several lines
                if place == KEYS_LIST and key.command in OUTCOME_KEYS.values() and self.read_only:
                    return None
                return key.command
        return None

    def run_command(self, command: str) -> None:
        """Do what a key of :data:`SCREEN_KEYS` does."""
        if command in OUTCOME_KEYS.values():
            self.answer_current(command)
        elif command == "next":
            self.step(+1)
        elif command in ("back", "back-next"):
            self.back_to_items(next_item=command == "back-next")
        elif command == "finish":
            self._finish_by_key()

    def back_to_items(self, *, next_item: bool) -> None:
        """Leave the hazard form (its edits are saved) for the item list, on the same or the next item."""
        self._flush_save()
        self.tree.setFocus()
        if next_item:
            self.step(+1)

    def _finish_by_key(self) -> None:
        if self.finish_button.isVisible() and self.finish_button.isEnabled():
            self._finish()

    def step(self, step: int) -> None:
        """Select the item ``step`` rows down (up when negative)."""
        items = self._items()
        current = self.tree.currentItem()
        if not items:
            return
        index = items.index(current) if current in items else -1
        self.tree.setCurrentItem(items[max(0, min(len(items) - 1, index + step))])

    # --- answering -----------------------------------------------------------------------------

    def answer_current(self, outcome: str) -> None:
        """Answer the selected item: shown at once, saved in order; a 不合格 stays on the item
        (its hazard opens when saved), any other answer moves to the next item."""
        node = self.tree.currentItem()
        if node is None or node.data(0, KIND_ROLE) != "item" or self.read_only:
            return
        self._flush_save()
        item_id = str(node.data(0, ID_ROLE))
        note = self.note_edit.text()
        self._pending_answers[item_id] = self._pending_answers.get(item_id, 0) + 1
        self._paint_outcome(node, outcome, saved=False)
        self._write(
            lambda _p: svc.save_answer(self.desk, self.inspection_id, item_id, outcome, note),
            success=self._answer_saved,
            failure=lambda error: self._answer_failed(item_id, error),
        )
        if outcome != ItemOutcome.FAIL.value:
            self.step(+1)

    def _answer_done(self, item_id: str) -> bool:
        """One answer of the item came back; True when it was the last one under way."""
        left = self._pending_answers.get(item_id, 1) - 1
        if left > 0:
            self._pending_answers[item_id] = left
            return False
        self._pending_answers.pop(item_id, None)
        return True

    def _answer_saved(self, saved: AnswerSaved) -> None:
        self._show_progress(saved.progress)
        if self._answer_done(saved.item_id):  # the last answer given to the item: it is the item's state
            self._show_answer(saved)
        self.answer_saved.emit(saved.item_id, saved.outcome)

    def _show_answer(self, saved: AnswerSaved) -> None:
        item = self._items_by_id.get(saved.item_id)
        hazard_id = saved.hazard.id if saved.hazard else None
        if item is not None and item.hazard_id and item.hazard_id != hazard_id:
            self._hazards.pop(item.hazard_id, None)  # the answer is no longer 不合格: its hazard went
        if saved.hazard is not None and not self._pending_edits.get(saved.hazard.id):
            self._hazards[saved.hazard.id] = saved.hazard  # (an edit under way would be newer)
        if item is not None:
            self._items_by_id[saved.item_id] = replace(item, outcome=saved.outcome, note=saved.note,
                                                       hazard_id=hazard_id)
        node = self._item_node(saved.item_id)
        if node is None:
            return
        node.setData(0, HAZARD_ROLE, hazard_id)
        self._paint_outcome(node, saved.outcome, saved=True)
        if node is self.tree.currentItem() and self._hazard_id != hazard_id:
            # 不合格: the hazard form opens, pre-filled (another answer closes it).
            self._flush_save()
            self._show_current(node)
            if saved.hazard is not None:
                self.form.location.setFocus()

    def _answer_failed(self, item_id: str, error: BaseException) -> None:
        self._answer_done(item_id)
        show_error(self, "无法保存", error)
        self.reload()  # show what is really saved

    def _save_note(self) -> None:
        node = self.tree.currentItem()
        if node is None or node.data(0, KIND_ROLE) != "item" or self.read_only or node.text(1) == "—":
            return
        item_id, outcome, note = str(node.data(0, ID_ROLE)), node.text(1), self.note_edit.text()
        item = self._items_by_id.get(item_id)
        if item is not None:
            if item.note == note:
                return
            self._items_by_id[item_id] = replace(item, note=note)
        self._pending_answers[item_id] = self._pending_answers.get(item_id, 0) + 1
        self._paint_outcome(node, outcome, saved=False)
        self._write(
            lambda _p: svc.save_answer(self.desk, self.inspection_id, item_id, outcome, note),
            success=self._answer_saved,
            failure=lambda error: self._answer_failed(item_id, error),
        )

    def _current_changed(self, current: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        if self._filling:
            return
        self._flush_save()
        self._show_current(current)

    def _show_current(self, node: QTreeWidgetItem | None) -> None:
        kind = node.data(0, KIND_ROLE) if node is not None else None
        hazard_id = node.data(0, HAZARD_ROLE) if node is not None else None
        item = self._items_by_id.get(str(node.data(0, ID_ROLE))) if node is not None and kind == "item" else None
        if item is not None:
            self.item_content.setText(item.content)
            self.item_method.setText(f"检查要点：{item.method}" if item.method else "")
            self.item_basis.setText(f"依据：{item.basis}")
            self.note_edit.setText(item.note)
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
        self._fill_hazard(self._hazards.get(hazard_id) if hazard_id else None)
        self._show_photos()

    # --- hazard form ---------------------------------------------------------------------------

    def _fill_hazard(self, hazard: HazardView | None) -> None:
        self._filling = True
        f = self.form
        self._hazard_id = hazard.id if hazard else None
        f.box.setVisible(hazard is not None)
        if hazard is not None:
            editable = "" if self.read_only else "（可修改，自动保存）"
            f.box.setTitle(f"隐患 {shown_hazard_code(hazard.code, self.laptops)}{editable}")
            f.box.setToolTip(f"文书和台账上的隐患编号：{hazard.code}")
            f.description.setPlainText(hazard.description)
            f.location.setText(hazard.location)
            f.grade.setCurrentText(hazard.grade)
            f.basis.setPlainText(hazard.basis)
            f.requirement.setPlainText(hazard.requirement)
            start = hazard.deadline or date.today()
            f.deadline.setDate(qdate(start))
            # 立即整改: due the day of the check itself.
            f.immediate.setChecked(hazard.deadline is None or hazard.deadline == self._start_day)
            f.rectifier.setText(hazard.rectifier)
            f.fl_responsibility.setText(hazard.fl_responsibility)
            f.fl_measures.setText(hazard.fl_measures)
            f.fl_funds.setText(hazard.fl_funds)
            f.fl_deadline.setDate(qdate(hazard.fl_deadline or start))
            f.fl_plan.setText(hazard.fl_plan)
            f.supervised.setChecked(hazard.supervised)
            self._show_major(hazard.grade == HazardGrade.MAJOR.value)
        for widget in f.box.findChildren(QWidget):
            if widget is not f.five_box:  # (the box keeps its title readable; its fields are set one by one)
                widget.setEnabled(not self.read_only)
        f.deadline.setEnabled(not self.read_only and not f.immediate.isChecked())
        self._show_supervision(hazard)
        self._filling = False

    # --- 挂牌督办 ------------------------------------------------------------------------------

    def _may_supervise(self, hazard: HazardView | None) -> bool:
        """A major, open hazard of a finished check, and a user who may 挂牌督办."""
        return (
            hazard is not None
            and self.view is not None
            and self.view.issuable
            and hazard.grade == HazardGrade.MAJOR.value
            and hazard.status != HazardStatus.CLOSED.value
            and roles.allows(self.desk.actor.role, hazards_svc.ACTION)
        )

    def _show_supervision(self, hazard: HazardView | None) -> None:
        """The tick box (enabled where 挂牌督办 can be done) and what is recorded beside it."""
        f = self.form
        f.supervised.setEnabled(self._may_supervise(hazard))
        f.supervision.setEnabled(True)
        if hazard is None or not hazard.supervised:
            f.supervision.setText("" if self.read_only else "检查完成后办理")
            return
        known = self._supervisions.get(hazard.id)
        if known is not None:
            f.supervision.setText(supervision_text(known.listed_on, known.supervision_no, known.supervising_unit))
            return
        f.supervision.setText("")
        hazard_id = hazard.id
        QueryOp(self, lambda _p: hazards_svc.supervision_of(self.desk, hazard_id),
                success=self._supervision_read, title="挂牌督办").run()

    def _supervision_read(self, view: SupervisionView) -> None:
        self._supervisions[view.hazard_id] = view
        if view.hazard_id == self._hazard_id:
            self.form.supervision.setText(
                supervision_text(view.listed_on, view.supervision_no, view.supervising_unit)
            )

    def _supervise_clicked(self) -> None:
        """The tick box was clicked: ask for the 挂牌 details (again, to correct them, when it is
        ticked already) and record them; the box is ticked only once they are saved."""
        hazard = self._hazards.get(self._hazard_id or "")
        self.form.supervised.setChecked(hazard is not None and hazard.supervised)  # until saved
        if hazard is None or self.view is None or not self._may_supervise(hazard):
            return
        known = self._supervisions.get(hazard.id)
        current = (SupervisionInput(known.listed_on, known.supervision_no, known.supervising_unit)
                   if known is not None and known.listed_on is not None else None)
        self.supervise_dialog = dialog = SuperviseDialog(shown_hazard_code(hazard.code, self.laptops),
                                                         self.view.start_day, self, current=current)
        if dialog.exec() != SuperviseDialog.DialogCode.Accepted:
            return
        given, hazard_id = dialog.values(), hazard.id
        self._write(
            lambda _p: hazards_svc.supervise(self.desk, hazard_id, listed_on=given.listed_on,
                                             supervision_no=given.supervision_no,
                                             supervising_unit=given.supervising_unit),
            success=self._supervised, title="未能挂牌督办",
        )

    def _supervised(self, view: SupervisionView) -> None:
        self._supervisions[view.hazard_id] = view
        shown = self._hazards.get(view.hazard_id)
        if shown is not None:
            self._hazards[view.hazard_id] = replace(shown, supervised=view.supervised)
        if view.hazard_id == self._hazard_id:
            self.form.supervised.setChecked(view.supervised)
            self.form.supervision.setText(
                supervision_text(view.listed_on, view.supervision_no, view.supervising_unit)
            )

    def _show_major(self, major: bool) -> None:
        """The 挂牌督办 tick box and the 五落实 belong to a 重大事故隐患 only."""
        for widget in (self.form.five_box, self.form.supervised, self.form.supervision):
            widget.setVisible(major)

    def _grade_changed(self) -> None:
        self._show_major(self.form.grade.currentText() == HazardGrade.MAJOR.value)
        self._schedule_save()

    def _schedule_save(self) -> None:
        if not self._filling and self._hazard_id and not self.read_only:
            self._save_timer.start()

    def _flush_save(self) -> None:
        if self._save_timer.isActive():
            self._save_timer.stop()
            self._save_hazard()

    def _form_fields(self) -> dict[str, Any]:
        f = self.form
        major = f.grade.currentText() == HazardGrade.MAJOR.value
        return {
            "description": f.description.toPlainText(),
            "location": f.location.text(),
            "grade": f.grade.currentText(),
            "basis": f.basis.toPlainText(),
            "requirement": f.requirement.toPlainText(),
            "deadline": self._start_day if f.immediate.isChecked() else pydate(f.deadline.date()),
            "rectifier": f.rectifier.text(),
            "fl_responsibility": f.fl_responsibility.text() if major else "",
            "fl_measures": f.fl_measures.text() if major else "",
            "fl_funds": f.fl_funds.text() if major else "",
            "fl_deadline": pydate(f.fl_deadline.date()) if major else None,
            "fl_plan": f.fl_plan.text() if major else "",
        }

    def _save_hazard(self) -> None:
        hazard_id = self._hazard_id
        if not hazard_id or self.read_only:
            return
        fields = self._form_fields()
        if not fields["description"].strip():
            return  # keep typing; an empty description is never saved
        shown = self._hazards.get(hazard_id)
        if shown is not None:  # what the form shows when this hazard is selected again
            cleaned: dict[str, Any] = {k: v.strip() if isinstance(v, str) else v for k, v in fields.items()}
            self._hazards[hazard_id] = replace(shown, **cleaned)
            if shown.item_id is None:
                node = self._find(("free", hazard_id))
                if node is not None:
                    node.setText(0, fields["description"].strip())
                    node.setText(1, fields["grade"])
        self._pending_edits[hazard_id] = self._pending_edits.get(hazard_id, 0) + 1
        self._write(lambda _p: svc.edit_hazard(self.desk, hazard_id, fields),
                    success=self._hazard_saved, failure=lambda error: self._hazard_failed(hazard_id, error))

    def _edit_done(self, hazard_id: str) -> bool:
        left = self._pending_edits.get(hazard_id, 1) - 1
        if left > 0:
            self._pending_edits[hazard_id] = left
            return False
        self._pending_edits.pop(hazard_id, None)
        return True

    def _hazard_saved(self, hazard: HazardView) -> None:
        if self._edit_done(hazard.id) and hazard.id in self._hazards:
            self._hazards[hazard.id] = hazard  # as saved (a later edit would be newer)

    def _hazard_failed(self, hazard_id: str, error: BaseException) -> None:
        self._edit_done(hazard_id)
        show_error(self, "无法保存", error)

    def _add_free_hazard(self) -> None:
        text, ok = QInputDialog.getText(self, "添加隐患", "隐患描述：")
        if not ok or not text.strip():
            return
        self._flush_save()
        self._write(lambda _p: svc.add_extra_hazard(self.desk, self.inspection_id, text),
                    success=self._free_hazard_added, title="添加隐患")

    def _free_hazard_added(self, hazard: HazardView) -> None:
        self.reload(select=("free", hazard.id), then=self.form.location.setFocus)

    # --- photos --------------------------------------------------------------------------------

    def _show_photos(self) -> None:
        self.photo_list.clear()
        for photo in self._photos:
            if self._hazard_id and photo.owner_id != self._hazard_id:
                continue
            item = QListWidgetItem(thumbnail_icon(photo), photo.name)
            item.setData(LINK_ROLE, photo.link_id)
            self.photo_list.addItem(item)
        self.photo_target.setText("照片归入：当前隐患" if self._hazard_id else "照片归入：本次检查")

    def _choose_photos(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "选择照片", state.last_folder(state.LAST_FOLDER_PHOTOS),
                                                PHOTO_FILTER)
        if files:
            state.remember_folder(state.LAST_FOLDER_PHOTOS, files[0])
        self.add_photo_files([Path(f) for f in files])

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "选择照片文件夹（如手机或微信导出的文件夹）",
                                                  state.last_folder(state.LAST_FOLDER_PHOTOS))
        if folder:
            state.remember_folder(state.LAST_FOLDER_PHOTOS, folder)
            self.add_photo_files([Path(folder)])

    def add_photo_files(self, files: Sequence[Path]) -> None:
        """Add photos (files, or folders of photos) to the current hazard, or to the inspection.
        The files are read and reduced by a query operation (cancellable), then stored by a write."""
        if not files:
            return
        paths, hazard_id = list(files), self._hazard_id
        QueryOp(self, lambda p: svc.prepare_photos(paths, p),
                success=lambda prepared: self._attach_photos(prepared, hazard_id),
                title="照片未添加").with_progress("正在处理照片…", cancellable=True).run()

    def _attach_photos(self, prepared: tuple[PreparedPhoto, ...], hazard_id: str | None) -> None:
        if not prepared:
            return
        self._write(lambda _p: svc.attach_inspection_photos(self.desk, self.inspection_id, prepared, hazard_id),
                    success=self._photos_added, title="照片未添加")

    def _photos_added(self, photos: tuple[PhotoView, ...]) -> None:
        self._photos = photos
        self._show_photos()

    # --- finishing -----------------------------------------------------------------------------

    def _finish(self) -> None:
        from anquan_desk.ui.inspection.finish_dialog import FinishDialog

        self._flush_save()
        dialog = FinishDialog(self.desk, self.inspection_id, self)
        if dialog.exec() == FinishDialog.DialogCode.Accepted:
            # Read-only now, header and tab title (no longer （草稿）) included: read again at once,
            # not only when the change announcement reaches a visible screen.
            self.reload()
            self.finished.emit(self.inspection_id)

    def _discard(self) -> None:
        reason, ok = QInputDialog.getText(self, "作废草稿", "作废原因（将记入审计日志）：")
        if not ok:
            return
        self._flush_save()
        self._write(lambda _p: svc.discard_inspection(self.desk, self.inspection_id, reason),
                    success=self._discarded, title="未作废")

    def _discarded(self, _result: None) -> None:
        self.reload()
        self.finished.emit(self.inspection_id)

    def _documents(self) -> None:
        from anquan_desk.ui.documents import documents_menu

        menu = documents_menu(self.desk, self.inspection_id, self)
        menu.exec(self.documents_button.mapToGlobal(self.documents_button.rect().topLeft()))

    def _amend(self) -> None:
        hazard_id = self._hazard_id
        if not hazard_id:
            QMessageBox.information(self, "更正", "请先在左侧选择要更正的隐患。")
            return
        reason, ok = QInputDialog.getText(self, "更正检查记录", "更正原因（将记入审计日志）：")
        if not ok:
            return
        location, ok = QInputDialog.getText(self, "更正检查记录", "隐患的具体位置：", text=self.form.location.text())
        if not ok:
            return
        self._write(
            lambda _p: svc.amend_check(self.desk, self.inspection_id, reason=reason,
                                       hazards={hazard_id: {"location": location}}),
            success=lambda _r: self.reload(), title="未更正",
        )
