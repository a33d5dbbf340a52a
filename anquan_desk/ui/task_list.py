"""本月任务: this month's due places for one grid (from :func:`anquan_desk.core.plans.tasks.monthly_tasks`),
with a button that starts a check at the selected place.

The dialog is non-modal so the inspector can keep it open beside the main window while working down the
list. It holds no SQL and no business rule: the list comes from the plans service, the check is started by
:class:`~anquan_desk.ui.inspection.start_dialog.StartInspectionDialog` (which calls the inspections
service), and the new draft is handed to the ``open_inspection`` callback (the main window's tab opener).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from anquan_desk.core.errors import AnquanError
from anquan_desk.core.plans.tasks import PlaceTask, monthly_tasks
from anquan_desk.services.desk import Desk
from anquan_desk.services.ground import grid_choices
from anquan_desk.ui.inspection.start_dialog import StartInspectionDialog
from anquan_desk.ui.place_model import RISK_COLOURS

PLACE_ID_ROLE = Qt.ItemDataRole.UserRole + 1
COLUMNS = ("场所", "地址", "风险", "上次检查", "任务", "应复查隐患")


class TaskListDialog(QDialog):
    """The month's tasks of one grid; "开始检查" starts a check at the selected place.

    ``open_inspection(inspection_id)`` is called with each new draft (the main window opens it in a tab);
    the last one started is also kept in :attr:`last_inspection_id`.
    """

    def __init__(
        self,
        desk: Desk,
        open_inspection: Callable[[str], object] | None = None,
        parent: QWidget | None = None,
        *,
        month: tuple[int, int] | None = None,
        grid_id: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.desk = desk
        self.db = db = desk.db
        self.user = desk.actor
        self._open_inspection = open_inspection
        today = date.today()
        self.year, self.month = month if month is not None else (today.year, today.month)
        self.last_inspection_id: str | None = None
        self.tasks: list[PlaceTask] = []
        self.setModal(False)
        self.setWindowTitle(f"本月任务（{self.year} 年 {self.month} 月）")
        self.resize(960, 560)

        self.grid_combo = QComboBox()
        with db.reader() as session:
            for gid, label in grid_choices(session):
                self.grid_combo.addItem(label, gid)
        if grid_id is not None:
            self.grid_combo.setCurrentIndex(max(0, self.grid_combo.findData(grid_id)))
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel("网格："))
        top.addWidget(self.grid_combo)
        top.addWidget(self.summary_label, 1)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for column, width in enumerate((220, 220, 50, 90, 130)):
            self.table.setColumnWidth(column, width)
        header.setStretchLastSection(True)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)

        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.start_button = QPushButton("开始检查")
        self.start_button.setDefault(True)
        close = QPushButton("关闭")
        bottom = QHBoxLayout()
        bottom.addWidget(self.message_label, 1)
        bottom.addWidget(self.start_button)
        bottom.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)

        self.grid_combo.currentIndexChanged.connect(self.refresh)
        self.table.itemSelectionChanged.connect(self._update_button)
        self.table.cellDoubleClicked.connect(lambda _row, _col: self.start_selected())
        self.start_button.clicked.connect(self.start_selected)
        close.clicked.connect(self.close)
        self.refresh()

    # --- list ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the tasks of the chosen grid for the month."""
        self.table.setRowCount(0)
        self.tasks = []
        grid_id = self.grid_combo.currentData()
        if grid_id is None:
            self.summary_label.setText("还没有网格，请先导入场所清单。")
            self._update_button()
            return
        try:
            with self.db.reader() as session:
                month_tasks = monthly_tasks(session, self.year, self.month, grid_id=str(grid_id))
        except AnquanError as exc:
            self.summary_label.setText(str(exc))
            self._update_button()
            return
        self.tasks = [p for g in month_tasks.grids for p in g.places]
        self.table.setRowCount(len(self.tasks))
        for row, task in enumerate(self.tasks):
            hazards = "；".join(
                f"{h.description}（{h.deadline.isoformat() if h.deadline else '立即整改'}）" for h in task.hazards
            )
            cells = (
                ("★ " if task.priority else "") + task.name,
                task.address,
                f"■ {task.risk_color}",
                task.last_inspected.isoformat() if task.last_inspected else "从未检查",
                "、".join(task.reasons),
                hazards,
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(PLACE_ID_ROLE, task.place_id)
                if column in (0, 1, 5):
                    item.setToolTip(text)
                self.table.setItem(row, column, item)
            risk = self.table.item(row, 2)
            risk.setForeground(QBrush(QColor(RISK_COLOURS.get(task.risk_color, "#000000"))))
            risk.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
        if self.tasks:
            self.summary_label.setText(
                f"{self.year} 年 {self.month} 月应检查 {len(self.tasks)} 处场所（★ 为计划重点领域）"
            )
        else:
            self.summary_label.setText(f"{self.year} 年 {self.month} 月该网格没有应检查的场所。")
        self._update_button()

    def select_place(self, place_id: str) -> bool:
        """Select the row of ``place_id``; False when the place is not in the list."""
        for row, task in enumerate(self.tasks):
            if task.place_id == place_id:
                self.table.selectRow(row)
                return True
        return False

    def selected_place_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.tasks[rows[0].row()].place_id

    def _update_button(self) -> None:
        self.start_button.setEnabled(self.selected_place_id() is not None)

    # --- start -----------------------------------------------------------------------------

    def start_selected(self) -> str | None:
        """Open the start dialog for the selected place; returns the new draft's id (None if cancelled)."""
        place_id = self.selected_place_id()
        if place_id is None:
            self.message_label.setText("请先在列表中选择要检查的场所。")
            return None
        dialog = StartInspectionDialog(self.desk, place_id, self)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted or dialog.inspection_id is None:
                return None
            inspection_id = dialog.inspection_id
        finally:
            dialog.deleteLater()
        self.last_inspection_id = inspection_id
        name = next((t.name for t in self.tasks if t.place_id == place_id), "")
        self.message_label.setText(f"已开始检查：{name}")
        if self._open_inspection is not None:
            self._open_inspection(inspection_id)
        return inspection_id
