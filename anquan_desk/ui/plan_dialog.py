"""Plan screens: import the district's work plan as the township's programme, 双随机 draws, and
the grid work sheet.

* :class:`PlanImportDialog` — pick a plan file (选择文件… or a typed path + Enter) and review it tab
  by tab (概况; the sectors found, each with its evidence sentences and a checkbox; the checklists
  per ticked sector, flagged where the township has to add one; the special-check calendar; the
  monthly task list per grid), then accept: the programme is stored as the township's current plan.
* :class:`DrawDialog` — choose the set of places, the count, the inspectors and 回避 pairs; the
  seed is shown before drawing; draw, then print the record (PDF) or save it as JSON.
* :class:`WorksheetDialog` — choose a grid and a day, write the work sheet PDF.
* The "计划" menu that opens them is in :mod:`anquan_desk.ui.plan_menu`.

The dialogs hold no business rule and open no session: reading and analysing the plan file, the
task preview, the pools, rendering the PDFs run as query operations (with progress where they can
take a while); storing the programme and making a draw are write operations
(:mod:`anquan_desk.services.plans`). Building the programme from the ticked sectors is a pure rule
(:func:`~anquan_desk.core.plans.programme.build_programme`) and runs at every tick.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import QDate, QEvent, QObject, Qt
from PySide6.QtGui import QBrush, QColor, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from anquan_desk.core import clock
from anquan_desk.core.changes import Changes
from anquan_desk.core.errors import AnquanError, OperationCancelled
from anquan_desk.core.plans.draws import DrawScope, InspectorCandidate, PlaceCandidate, StoredDraw
from anquan_desk.core.plans.parse import PlanSummary
from anquan_desk.core.plans.programme import Programme, build_programme
from anquan_desk.core.plans.tasks import MonthTasks
from anquan_desk.core.progress import Progress
from anquan_desk.core.vocabulary import RiskColor
from anquan_desk.io.pdf.worksheet import RISK_COLOURS
from anquan_desk.io.plan_text import SUPPORTED_SUFFIXES
from anquan_desk.services import plans
from anquan_desk.services.desk import Desk
from anquan_desk.services.plans import DrawSetup, WorksheetPdf
from anquan_desk.ui import state
from anquan_desk.ui.operations import QueryOp, WriteOp, change_hub, show_error
from anquan_desk.ui.plan_models import DrawPoolModel, DrawResultModel

FLAG_COLOUR = QColor("#C62828")


def _colour_brush(colour: str) -> QBrush:
    return QBrush(QColor(RISK_COLOURS.get(colour, "#000000")))


def _save_path(parent: QWidget, title: str, name: str, pattern: str) -> Path | None:
    """Ask where to save ``name`` (starting in the last export folder, which is then remembered)."""
    start = str(Path(state.last_folder(state.LAST_FOLDER_EXPORT)) / name)
    chosen, _ = QFileDialog.getSaveFileName(parent, title, start, pattern)
    if not chosen:
        return None
    state.remember_folder(state.LAST_FOLDER_EXPORT, chosen)
    return Path(chosen)


class _EnterKey(QObject):
    """Runs ``action`` on Enter in a line edit and keeps the key from the dialog's default button
    (which would otherwise accept the dialog)."""

    def __init__(self, edit: QLineEdit, action: Callable[[], None]) -> None:
        super().__init__(edit)
        self._action = action
        edit.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            self._action()
            return True
        return False


# --------------------------------------------------------------------------- plan import


class PlanImportDialog(QDialog):
    """Review a district work plan and accept it as the township's programme.

    After ``accept()`` the stored programme is in :attr:`programme`.
    """

    TITLE = "导入工作方案"

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.summary: PlanSummary | None = None
        self.programme: Programme | None = None
        self._tasks_serial = 0
        self._tasks_stale = False
        self.setWindowTitle(self.TITLE)
        self.resize(1100, 700)
        state.restore_geometry(self, state.PLAN_DIALOG_GEOMETRY)

        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText("选择区县下发的工作要点 / 实施方案（.txt、.docx、.pdf），或输入路径后按回车")
        self._enter = _EnterKey(self.path_edit, self.load_typed_path)
        self.read_button = QPushButton("读取")
        self.read_button.setAutoDefault(False)
        self.read_button.setToolTip("读取输入框中的文件（也可在输入框中按回车）")
        self.read_button.clicked.connect(self.load_typed_path)
        browse = QPushButton("选择文件…")
        browse.setAutoDefault(False)
        browse.clicked.connect(self.choose_file)
        top = QHBoxLayout()
        top.addWidget(QLabel("计划文件："))
        top.addWidget(self.path_edit, 1)
        top.addWidget(self.read_button)
        top.addWidget(browse)
        self.error_label = QLabel()
        self.error_label.setStyleSheet("color: #C62828;")
        self.error_label.setWordWrap(True)

        self.tabs = QTabWidget()
        self.tabs.addTab(self._overview_page(), "1 概况")
        self.tabs.addTab(self._sector_page(), "2 行业领域")
        self.tabs.addTab(self._checklist_page(), "3 检查表")
        self.tabs.addTab(self._calendar_page(), "4 重点时段")
        self.tabs.addTab(self._tasks_page(), "5 月度任务")
        self.tabs.setEnabled(False)

        self.buttons = QDialogButtonBox()
        self.accept_button = self.buttons.addButton("接受并保存为本乡镇检查计划", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        self.accept_button.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.error_label)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.buttons)
        change_hub.subscribe(self, self._changed)

    # --- pages -------------------------------------------------------------------------------

    def _overview_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.title_label = QLabel()
        self.title_label.setWordWrap(True)
        self.issuer_label = QLabel()
        self.year_spin = QSpinBox()
        self.year_spin.setRange(1901, 2099)
        self.year_spin.setValue(clock.today().year)
        self.year_spin.valueChanged.connect(self._refresh_derived)
        self.year_note = QLabel()
        self.periods_label = QLabel()
        self.periods_label.setWordWrap(True)
        self.duties_list = QListWidget()
        self.duties_list.setWordWrap(True)
        form.addRow("标题：", self.title_label)
        form.addRow("发文单位：", self.issuer_label)
        year_row = QHBoxLayout()
        year_row.addWidget(self.year_spin)
        year_row.addWidget(self.year_note, 1)
        form.addRow("计划年度：", year_row)
        form.addRow("重点时段：", self.periods_label)
        form.addRow("常态化工作：", self.duties_list)
        return page

    def _sector_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(QLabel("计划中找到的行业领域（展开可看原文依据）。取消勾选的领域不纳入本乡镇检查计划。"))
        self.sector_tree = QTreeWidget()
        self.sector_tree.setHeaderLabels(["行业领域 / 原文依据", "依据条数", "内置检查表"])
        self.sector_tree.setWordWrap(True)
        self.sector_tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.sector_tree.header().setStretchLastSection(False)
        self.sector_tree.setColumnWidth(1, 80)
        self.sector_tree.setColumnWidth(2, 170)
        self.sector_tree.itemChanged.connect(self._sector_toggled)
        buttons = QHBoxLayout()
        all_on = QPushButton("全选")
        all_on.clicked.connect(lambda: self._tick_all(True))
        all_off = QPushButton("全不选")
        all_off.clicked.connect(lambda: self._tick_all(False))
        buttons.addWidget(all_on)
        buttons.addWidget(all_off)
        buttons.addStretch(1)
        self.evidence_view = QPlainTextEdit()
        self.evidence_view.setReadOnly(True)
        self.evidence_view.setPlaceholderText("选中一个行业领域，这里显示计划原文中提到它的全部句子")
        self.sector_tree.currentItemChanged.connect(self._show_evidence)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.sector_tree)
        splitter.addWidget(self.evidence_view)
        splitter.setSizes([380, 160])
        layout.addLayout(buttons)
        layout.addWidget(splitter, 1)
        return page

    def _show_evidence(self, current: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        if current is None or self.summary is None:
            self.evidence_view.clear()
            return
        top = current.parent() or current
        sector = str(top.data(0, Qt.ItemDataRole.UserRole))
        lines = [f"{n}. {text}" for n, text in enumerate(self.summary.evidence_for(sector), start=1)]
        self.evidence_view.setPlainText(f"【{sector}】计划原文依据：\n" + "\n".join(lines))

    def _checklist_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.checklist_note = QLabel()
        self.checklist_note.setWordWrap(True)
        self.checklist_tree = QTreeWidget()
        self.checklist_tree.setHeaderLabels(["行业领域 / 检查表", "编号"])
        self.checklist_tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.checklist_tree.header().setStretchLastSection(False)
        self.checklist_tree.setColumnWidth(1, 140)
        layout.addWidget(self.checklist_note)
        layout.addWidget(self.checklist_tree, 1)
        return page

    def _calendar_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.calendar_table = QTableWidget(0, 4)
        self.calendar_table.setHorizontalHeaderLabels(["重点时段", "节日", "专项检查开始", "专项检查结束"])
        self.calendar_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.calendar_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.calendar_table.verticalHeader().setVisible(False)
        self.undated_label = QLabel()
        layout.addWidget(self.calendar_table, 1)
        layout.addWidget(self.undated_label)
        return page

    def _tasks_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        row = QHBoxLayout()
        self.month_combo = QComboBox()
        for month in range(1, 13):
            self.month_combo.addItem(f"{month} 月", month)
        self.month_combo.setCurrentIndex(clock.today().month - 1)
        self.month_combo.currentIndexChanged.connect(self._refresh_tasks)
        self.tasks_summary = QLabel()
        self.tasks_summary.setWordWrap(True)
        row.addWidget(QLabel("月份："))
        row.addWidget(self.month_combo)
        row.addWidget(self.tasks_summary, 1)
        self.task_tree = QTreeWidget()
        self.task_tree.setHeaderLabels(["网格 / 场所", "风险", "上次检查", "任务", "应复查隐患"])
        header = self.task_tree.header()
        header.setStretchLastSection(True)
        for column, width in enumerate((300, 60, 100, 150)):
            self.task_tree.setColumnWidth(column, width)
        layout.addLayout(row)
        layout.addWidget(self.task_tree, 1)
        return page

    # --- loading -----------------------------------------------------------------------------

    def choose_file(self) -> None:
        patterns = " ".join(f"*{s}" for s in SUPPORTED_SUFFIXES)
        path, _ = QFileDialog.getOpenFileName(
            self, "选择工作方案", self._start_folder(), f"工作方案 ({patterns});;所有文件 (*)"
        )
        if path:
            self.load_file(Path(path))

    def _start_folder(self) -> str:
        """Where 选择文件… opens: the folder of a typed path, if it exists, else the last one used."""
        typed = self.path_edit.text().strip().strip('"')
        if typed:
            path = Path(typed).expanduser()
            folder = path if path.is_dir() else path.parent
            if folder.is_dir() and str(folder) != ".":
                return str(folder)
        return state.last_folder(state.LAST_FOLDER_PLANS)

    def load_typed_path(self) -> None:
        """Read the file whose path was typed (or pasted) into the path field."""
        text = self.path_edit.text().strip().strip('"')
        if not text:
            self.error_label.setText("请输入计划文件的路径，或点“选择文件…”")
            return
        self.load_file(Path(text).expanduser())

    def load_file(self, path: Path) -> None:
        """Read and analyse ``path`` in a query operation (progress, 取消). On success the tabs show
        it; on failure the message is shown and nothing else changes."""
        QueryOp(
            self,
            lambda progress: plans.read_plan(path, progress),
            success=lambda summary: self._file_read(path, summary),
            failure=self._read_failed,
            title=self.TITLE,
        ).with_progress("正在读取工作方案…", cancellable=True).run()

    def _file_read(self, path: Path, summary: PlanSummary) -> None:
        self.error_label.clear()
        self.path_edit.setText(str(path))
        state.remember_folder(state.LAST_FOLDER_PLANS, path)
        self.load_summary(summary)

    def _read_failed(self, error: BaseException) -> None:
        if isinstance(error, AnquanError):
            self.error_label.setText(str(error))
        else:
            show_error(self, self.TITLE, error)

    def load_summary(self, summary: PlanSummary) -> None:
        self.summary = summary
        self.title_label.setText(summary.title or "（未识别）")
        self.issuer_label.setText(summary.issuer or "（未注明）")
        self.year_spin.blockSignals(True)
        # The plan is carried out this year: a plan of an earlier year is adopted for this one
        # (the year note says so); the user may change it.
        self.year_spin.setValue(clock.today().year)
        self.year_spin.blockSignals(False)
        self.periods_label.setText("、".join(summary.periods) or "（未提及）")
        self.duties_list.clear()
        for duty in summary.duties:
            self.duties_list.addItem(f"【{duty.frequency}】{duty.text}")

        self.sector_tree.blockSignals(True)
        self.sector_tree.clear()
        built_in = {s.sector: s for s in build_programme(summary, year=self.year_spin.value()).sectors}
        for finding in summary.sectors:
            plan = built_in[finding.sector]
            item = QTreeWidgetItem([finding.sector, str(len(finding.evidence)),
                                    f"{len(plan.checklists)} 张" if plan.checklists else plan.note])
            item.setData(0, Qt.ItemDataRole.UserRole, finding.sector)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, Qt.CheckState.Checked)
            if plan.needs_checklist:
                item.setForeground(2, QBrush(FLAG_COLOUR))
            for sentence in finding.evidence:
                child = QTreeWidgetItem([sentence])
                child.setToolTip(0, sentence)
                item.addChild(child)
            self.sector_tree.addTopLevelItem(item)
        self.sector_tree.blockSignals(False)
        self.tabs.setEnabled(True)
        self._refresh_derived()

    # --- state -------------------------------------------------------------------------------

    def _sector_items(self) -> list[QTreeWidgetItem]:
        tree = self.sector_tree
        items = (tree.topLevelItem(i) for i in range(tree.topLevelItemCount()))
        return [item for item in items if item is not None]

    def sector_item(self, sector: str) -> QTreeWidgetItem:
        for item in self._sector_items():
            if item.data(0, Qt.ItemDataRole.UserRole) == sector:
                return item
        raise KeyError(sector)

    def checked_sectors(self) -> list[str]:
        return [
            str(item.data(0, Qt.ItemDataRole.UserRole))
            for item in self._sector_items()
            if item.checkState(0) == Qt.CheckState.Checked
        ]

    def _tick_all(self, on: bool) -> None:
        self.sector_tree.blockSignals(True)
        check = Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
        for item in self._sector_items():
            item.setCheckState(0, check)
        self.sector_tree.blockSignals(False)
        self._refresh_derived()

    def _sector_toggled(self, item: QTreeWidgetItem, column: int) -> None:
        if column == 0 and item.parent() is None:
            self._refresh_derived()

    def pending_programme(self) -> Programme | None:
        if self.summary is None:
            return None
        return build_programme(self.summary, sectors=self.checked_sectors(), year=self.year_spin.value())

    def _refresh_derived(self) -> None:
        programme = self.pending_programme()
        if programme is None or self.summary is None:
            return
        if self.summary.year is None:
            self.year_note.setText("计划中未注明年度，请核对")
        elif self.summary.year != programme.year:
            self.year_note.setText(f"计划原文年度为 {self.summary.year} 年，已改按 {programme.year} 年安排")
        else:
            self.year_note.setText("")
        # Checklists per accepted sector.
        self.checklist_tree.clear()
        flagged = [s.sector for s in programme.sectors if s.needs_checklist]
        for plan in programme.sectors:
            top = QTreeWidgetItem([plan.sector, ""])
            if plan.needs_checklist:
                child = QTreeWidgetItem([plan.note, ""])
                child.setForeground(0, QBrush(FLAG_COLOUR))
                top.setForeground(0, QBrush(FLAG_COLOUR))
                top.addChild(child)
            for ref in plan.checklists:
                top.addChild(QTreeWidgetItem([ref.name, ref.code]))
            self.checklist_tree.addTopLevelItem(top)
        self.checklist_tree.expandAll()
        self.checklist_note.setText(
            f"纳入计划的行业领域 {len(programme.sectors)} 个；其中 {len(flagged)} 个没有内置检查表，"
            f"需乡镇自行添加：{'、'.join(flagged)}" if flagged else
            f"纳入计划的行业领域 {len(programme.sectors)} 个，均有内置检查表。"
        )
        # Calendar.
        self.calendar_table.setRowCount(len(programme.calendar))
        for row, window in enumerate(programme.calendar):
            anchor = window.anchor.isoformat() if window.anchor else "（时段）"
            for col, text in enumerate((window.name, anchor, window.start.isoformat(), window.end.isoformat())):
                self.calendar_table.setItem(row, col, QTableWidgetItem(text))
        self.undated_label.setText(
            "无固定日期、按实际安排：" + "、".join(programme.undated_periods) if programme.undated_periods else ""
        )
        self.accept_button.setEnabled(bool(programme.sectors))
        self._refresh_tasks()

    def _refresh_tasks(self) -> None:
        """Preview the chosen month's task list under the pending programme (a query operation)."""
        programme = self.pending_programme()
        if programme is None:
            return
        self._tasks_stale = False
        self._tasks_serial += 1
        serial = self._tasks_serial
        month = int(self.month_combo.currentData())
        QueryOp(
            self,
            lambda _p: plans.tasks_for_month(
                self.desk, programme.year, month, plan_sectors=programme.sector_names, periods=programme.periods
            ),
            success=lambda tasks: self._show_tasks(serial, programme, month, tasks),
            failure=lambda exc: self._tasks_failed(serial, exc),
            title=self.TITLE,
        ).run()

    def _tasks_failed(self, serial: int, error: BaseException) -> None:
        if serial != self._tasks_serial:
            return
        if isinstance(error, AnquanError):
            self.tasks_summary.setText(str(error))
        else:
            show_error(self, self.TITLE, error)

    def _changed(self, changes: Changes, initiator: object) -> None:
        if initiator is self or self.summary is None or not plans.affects_tasks(changes):
            return
        self._tasks_stale = True
        if self.isVisible():
            self._refresh_tasks()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._tasks_stale:
            self._refresh_tasks()

    def _show_tasks(self, serial: int, programme: Programme, month: int, tasks: MonthTasks) -> None:
        if serial != self._tasks_serial:
            return  # the ticks or the month changed meanwhile; a newer preview is on its way
        self.task_tree.clear()
        for grid in tasks.grids:
            top = QTreeWidgetItem([f"{grid.label}（{len(grid.places)} 处）"])
            for p in grid.places:
                hazards = "；".join(
                    f"{h.description}（{h.deadline.isoformat() if h.deadline else '立即整改'}）" for h in p.hazards
                )
                child = QTreeWidgetItem(
                    [
                        ("★ " if p.priority else "") + p.name,
                        f"■ {p.risk_color}",
                        p.last_inspected.isoformat() if p.last_inspected else "从未检查",
                        "、".join(p.reasons),
                        hazards,
                    ]
                )
                child.setForeground(1, _colour_brush(p.risk_color))
                top.addChild(child)
            self.task_tree.addTopLevelItem(top)
        periods = "；".join(f"{w.name} {w.start:%m-%d}至{w.end:%m-%d}" for w in tasks.periods)
        self.tasks_summary.setText(
            f"{programme.year} 年 {month} 月：{len(tasks.grids)} 个网格共 {tasks.place_count} 处场所应检查"
            + (f"；重点时段：{periods}" if periods else "")
            + "（★ 为计划重点领域）"
        )

    # --- accept ------------------------------------------------------------------------------

    def accept(self) -> None:
        programme = self.pending_programme()
        if programme is None or not programme.sectors:
            self.error_label.setText("请先选择计划文件，并至少勾选一个行业领域")
            return
        self.accept_button.setEnabled(False)
        WriteOp(
            self,
            lambda _p: plans.accept_programme(self.desk, programme),
            success=self._saved,
            failure=self._save_failed,
            title=self.TITLE,
        ).with_progress("正在保存检查计划…").run()

    def _saved(self, programme: Programme) -> None:
        self.programme = programme
        super().accept()

    def _save_failed(self, error: BaseException) -> None:
        self.accept_button.setEnabled(True)
        if isinstance(error, AnquanError):
            self.error_label.setText(str(error))
        else:
            show_error(self, self.TITLE, error)

    def done(self, result: int) -> None:
        state.remember_geometry(self, state.PLAN_DIALOG_GEOMETRY)
        super().done(result)


# --------------------------------------------------------------------------- 双随机


class DrawDialog(QDialog):
    """Set up, make and print a 双随机 draw. The last draw is in :attr:`draw`."""

    TITLE = "双随机抽查"
    #: A change to any of these can change the pool of places.
    POOL_TABLES = ("places", "place_sectors", "grids", "villages")

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.draw: StoredDraw | None = None
        self.exclusions: list[tuple[str, str]] = []
        self.inspectors: tuple[InspectorCandidate, ...] = ()
        self._pool_serial = 0
        self._pool_stale = False
        self.setWindowTitle(self.TITLE)
        self.resize(1000, 680)

        self.sector_combo = QComboBox()
        self.sector_combo.addItem("全部行业", None)
        self.grid_combo = QComboBox()
        self.grid_combo.addItem("全部网格", None)
        self.risk_combo = QComboBox()
        self.risk_combo.addItem("全部风险等级", None)
        for colour in RiskColor:
            self.risk_combo.addItem(colour.value, colour.value)
        self.pool_label = QLabel()
        self.count_spin = QSpinBox()
        self.count_spin.setRange(1, 1)
        self.seed_edit = QLineEdit(f"{secrets.randbelow(10**8):08d}")
        self.seed_edit.setToolTip("抽取前公布的随机种子；用同一种子和同一候选名单可原样复现抽取结果")
        new_seed = QPushButton("换一个种子")
        new_seed.clicked.connect(lambda: self.seed_edit.setText(f"{secrets.randbelow(10**8):08d}"))

        self.inspector_list = QListWidget()
        self.ex_inspector = QComboBox()
        self.pool_model = DrawPoolModel(self)
        self.ex_place = QComboBox()
        self.ex_place.setEditable(True)
        self.ex_place.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.ex_place.setModel(self.pool_model)
        self.ex_place.setModelColumn(DrawPoolModel.COL_LABEL)
        add_ex = QPushButton("添加回避")
        add_ex.clicked.connect(self.add_exclusion_from_form)
        self.ex_list = QListWidget()
        remove_ex = QPushButton("删除所选回避")
        remove_ex.clicked.connect(self._remove_exclusion)

        self.draw_button = QPushButton("抽取")
        self.draw_button.clicked.connect(self.make)
        self.print_button = QPushButton("打印抽取记录（PDF）…")
        self.print_button.setEnabled(False)
        self.print_button.clicked.connect(lambda: self.print_record())
        self.json_button = QPushButton("另存记录 JSON…")
        self.json_button.setEnabled(False)
        self.json_button.clicked.connect(lambda: self.save_json())
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.result_model = DrawResultModel(self)
        self.result_table = QTableView()
        self.result_table.setModel(self.result_model)
        self.result_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.result_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.result_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.result_table.verticalHeader().setVisible(False)

        scope = QGridLayout()
        scope.addWidget(QLabel("行业领域："), 0, 0)
        scope.addWidget(self.sector_combo, 0, 1)
        scope.addWidget(QLabel("网格："), 0, 2)
        scope.addWidget(self.grid_combo, 0, 3)
        scope.addWidget(QLabel("风险等级："), 0, 4)
        scope.addWidget(self.risk_combo, 0, 5)
        scope.addWidget(self.pool_label, 1, 0, 1, 2)
        scope.addWidget(QLabel("抽取数量："), 1, 2)
        scope.addWidget(self.count_spin, 1, 3)
        scope.addWidget(QLabel("随机种子："), 1, 4)
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed_edit, 1)
        seed_row.addWidget(new_seed)
        scope.addLayout(seed_row, 1, 5)

        people = QVBoxLayout()
        people.addWidget(QLabel("参加抽取的执法人员："))
        people.addWidget(self.inspector_list, 1)
        ex = QVBoxLayout()
        ex.addWidget(QLabel("回避（该人员不得检查该场所）："))
        ex_form = QHBoxLayout()
        ex_form.addWidget(self.ex_inspector)
        ex_form.addWidget(self.ex_place, 1)
        ex_form.addWidget(add_ex)
        ex.addLayout(ex_form)
        ex.addWidget(self.ex_list, 1)
        ex.addWidget(remove_ex)
        middle = QHBoxLayout()
        middle.addLayout(people, 1)
        middle.addLayout(ex, 2)

        actions = QHBoxLayout()
        actions.addWidget(self.draw_button)
        actions.addWidget(self.print_button)
        actions.addWidget(self.json_button)
        actions.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        close.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        actions.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addLayout(scope)
        layout.addLayout(middle, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.result_table, 2)
        layout.addLayout(actions)

        for combo in (self.sector_combo, self.grid_combo, self.risk_combo):
            combo.currentIndexChanged.connect(self.refresh_pool)
        change_hub.subscribe(self, self._changed)
        QueryOp(self, lambda _p: plans.draw_setup(self.desk), success=self._show_setup, title=self.TITLE).run()

    def _show_setup(self, setup: DrawSetup) -> None:
        """Fill the choices (sectors with the plan's first, grids, inspectors), then the pool."""
        for combo in (self.sector_combo, self.grid_combo):
            combo.blockSignals(True)
        for sector in setup.sectors:
            self.sector_combo.addItem(sector, sector)
        for gid, label in setup.grids:
            self.grid_combo.addItem(label, gid)
        for combo in (self.sector_combo, self.grid_combo):
            combo.blockSignals(False)
        self.inspectors = setup.inspectors
        for person in self.inspectors:
            item = QListWidgetItem(f"{person.name}（{person.cert_no}）")
            item.setData(Qt.ItemDataRole.UserRole, person.cert_no)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.inspector_list.addItem(item)
            self.ex_inspector.addItem(f"{person.name}（{person.cert_no}）", person.cert_no)
        self.refresh_pool()

    @property
    def pool(self) -> tuple[PlaceCandidate, ...]:
        """The places of the current scope, by grid then name."""
        return self.pool_model.places

    def scope(self) -> DrawScope:
        return DrawScope(
            sector=self.sector_combo.currentData(),
            grid_id=self.grid_combo.currentData(),
            risk_color=self.risk_combo.currentData(),
        )

    def refresh_pool(self) -> None:
        """Load the places of the chosen scope (a query operation)."""
        self._pool_stale = False
        self._pool_serial += 1
        serial = self._pool_serial
        scope = self.scope()
        QueryOp(
            self,
            lambda _p: plans.draw_pool(self.desk, scope),
            success=lambda pool: self._show_pool(serial, pool),
            title=self.TITLE,
        ).run()

    def _show_pool(self, serial: int, pool: tuple[PlaceCandidate, ...]) -> None:
        if serial != self._pool_serial:
            return  # the scope changed meanwhile
        self.pool_model.set_places(pool)
        self.ex_place.setCurrentIndex(0 if pool else -1)
        self.pool_label.setText(f"候选场所：{len(pool)} 处")
        self.count_spin.setRange(1, max(1, len(pool)))
        ids = {p.id for p in pool}
        self.exclusions = [e for e in self.exclusions if e[1] in ids]
        self._show_exclusions()

    def _changed(self, changes: Changes, _initiator: object) -> None:
        if changes.touches(*self.POOL_TABLES):
            self._pool_stale = True
            if self.isVisible():
                self.refresh_pool()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._pool_stale:
            self.refresh_pool()

    def add_exclusion(self, cert_no: str, place_id: str) -> None:
        pair = (cert_no, place_id)
        if pair not in self.exclusions:
            self.exclusions.append(pair)
        self._show_exclusions()

    def add_exclusion_from_form(self) -> None:
        cert = self.ex_inspector.currentData()
        index = self.ex_place.findText(self.ex_place.currentText())
        if cert is None or index < 0:
            self.message.setText("请选择回避的人员和场所")
            return
        self.add_exclusion(str(cert), str(self.ex_place.itemData(index, DrawPoolModel.PLACE_ID_ROLE)))

    def _remove_exclusion(self) -> None:
        row = self.ex_list.currentRow()
        if 0 <= row < len(self.exclusions):
            del self.exclusions[row]
            self._show_exclusions()

    def _show_exclusions(self) -> None:
        names = {p.id: p.name for p in self.pool}
        people = {p.cert_no: p.name for p in self.inspectors}
        self.ex_list.clear()
        for cert, place in self.exclusions:
            self.ex_list.addItem(f"{people.get(cert, cert)}（{cert}） 回避 {names.get(place, place)}")

    def checked_inspectors(self) -> list[str]:
        out = []
        for i in range(self.inspector_list.count()):
            item = self.inspector_list.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(str(item.data(Qt.ItemDataRole.UserRole)))
        return out

    def make(self) -> None:
        """Draw with the current settings (a write operation); the record is stored and shown."""
        scope, count = self.scope(), self.count_spin.value()
        inspectors, exclusions = self.checked_inspectors(), list(self.exclusions)
        seed = self.seed_edit.text().strip() or None
        self.draw_button.setEnabled(False)
        WriteOp(
            self,
            lambda _p: plans.draw_lots(
                self.desk, scope=scope, count=count, inspectors=inspectors, exclusions=exclusions, seed=seed
            ),
            success=self._drawn,
            failure=self._draw_failed,
            title=self.TITLE,
        ).run()

    def _drawn(self, draw: StoredDraw) -> None:
        self.draw_button.setEnabled(True)
        self.draw = draw
        record = draw.record
        self.result_model.set_draw(draw)
        self.message.setText(
            f"已抽取并保存：种子 {record.seed}，输入摘要 {record.input_digest[:16]}…，"
            f"从 {len(record.places)} 处中抽取 {record.count} 处。"
        )
        self.print_button.setEnabled(True)
        self.json_button.setEnabled(True)

    def _draw_failed(self, error: BaseException) -> None:
        self.draw_button.setEnabled(True)
        if isinstance(error, AnquanError):
            self.message.setText(str(error))
        else:
            show_error(self, self.TITLE, error)

    def print_record(self, path: Path | None = None) -> None:
        """Render the record (a query operation with progress) and write it to ``path`` (asked
        for when not given)."""
        draw = self.draw
        if draw is None:
            return
        if path is None:
            path = _save_path(self, "保存抽取记录", f"双随机抽取记录-{draw.record.seed}.pdf", "PDF 文件 (*.pdf)")
            if path is None:
                return
        target = path

        def work(progress: Progress) -> Path:
            data = plans.draw_record_pdf(self.desk, draw, progress)
            progress.check()
            target.write_bytes(data)
            return target

        QueryOp(
            self,
            work,
            success=lambda written: self.message.setText(f"抽取记录已保存：{written}"),
            failure=lambda exc: self._write_failed(target, exc),
            title=self.TITLE,
        ).with_progress("正在生成抽取记录…", cancellable=True).run()

    def _write_failed(self, path: Path, error: BaseException) -> None:
        if isinstance(error, OSError):
            QMessageBox.warning(self, "保存失败", f"无法写入“{path}”（{error.strerror or error}）")
        else:
            show_error(self, self.TITLE, error)

    def save_json(self, path: Path | None = None) -> Path | None:
        """Save the record as JSON (small: written at once); returns the file, None if not saved."""
        if self.draw is None:
            return None
        if path is None:
            path = _save_path(
                self, "另存抽取记录", f"双随机抽取记录-{self.draw.record.seed}.json", "JSON 文件 (*.json)"
            )
            if path is None:
                return None
        try:
            path.write_text(self.draw.record.to_json() + "\n", encoding="utf-8")
        except OSError as exc:
            QMessageBox.warning(self, "保存失败", f"无法写入“{path}”（{exc.strerror or exc}）")
            return None
        return path


# --------------------------------------------------------------------------- work sheet


class WorksheetDialog(QDialog):
    """Choose a grid and a day; write the grid's work sheet as PDF."""

    TITLE = "打印网格巡查单"

    def __init__(self, desk: Desk, parent: QWidget | None = None, grid_id: str | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self._wanted_grid = grid_id
        self.setWindowTitle(self.TITLE)
        self.grid_combo = QComboBox()
        self.date_edit = QDateEdit()
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        tomorrow = clock.today() + timedelta(days=1)
        self.date_edit.setDate(QDate(tomorrow.year, tomorrow.month, tomorrow.day))
        self.message = QLabel()
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("生成 PDF…", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("关闭", QDialogButtonBox.ButtonRole.RejectRole)
        self.save_button.clicked.connect(lambda: self.write())
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("网格：", self.grid_combo)
        form.addRow("巡查日期：", self.date_edit)
        form.addRow(self.message)
        form.addRow(buttons)
        change_hub.subscribe(self, self._changed)
        self._load_grids()

    def _load_grids(self) -> None:
        QueryOp(self, lambda _p: plans.grid_options(self.desk), success=self._show_grids, title=self.TITLE).run()

    def _show_grids(self, grids: tuple[tuple[str, str], ...]) -> None:
        wanted = self._wanted_grid if self._wanted_grid is not None else self.grid_combo.currentData()
        self._wanted_grid = None
        self.grid_combo.clear()
        for gid, label in grids:
            self.grid_combo.addItem(label, gid)
        if wanted is not None:
            self.grid_combo.setCurrentIndex(max(0, self.grid_combo.findData(wanted)))

    def _changed(self, changes: Changes, _initiator: object) -> None:
        if changes.touches("grids", "villages"):
            self._load_grids()

    def day(self) -> date:
        d = self.date_edit.date()
        return date(d.year(), d.month(), d.day())

    def write(self, path: Path | None = None) -> None:
        """Make the work sheet and write it to ``path`` (asked for when not given): a query
        operation with progress; the outcome shows in the message line."""
        grid_id = self.grid_combo.currentData()
        if grid_id is None:
            self.message.setText("还没有网格")
            return
        day = self.day()
        if path is None:
            suggested = f"{self.grid_combo.currentText().replace(' ', '')}-巡查单-{day:%Y%m%d}.pdf"
            path = _save_path(self, "保存巡查单", suggested, "PDF 文件 (*.pdf)")
            if path is None:
                return
        target = path

        def work(progress: Progress) -> WorksheetPdf:
            result = plans.worksheet_pdf(self.desk, str(grid_id), day, progress)
            progress.check()
            target.write_bytes(result.pdf)
            return result

        QueryOp(
            self,
            work,
            success=lambda result: self._written(target, result),
            failure=self._write_failed,
            title=self.TITLE,
        ).with_progress("正在生成巡查单…", cancellable=True).run()

    def _written(self, path: Path, result: WorksheetPdf) -> None:
        sheet = result.sheet
        self.message.setText(f"已生成 {sheet.title}（{len(sheet.rows)} 处场所）：{path}")

    def _write_failed(self, error: BaseException) -> None:
        if isinstance(error, (AnquanError, OSError)) and not isinstance(error, OperationCancelled):
            self.message.setText(f"生成失败：{error}")
        else:
            show_error(self, self.TITLE, error)
