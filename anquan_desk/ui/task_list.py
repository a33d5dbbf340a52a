"""本月任务: this month's due places for one grid (from :func:`anquan_desk.services.plans.tasks_for_month`),
with a button that starts a check at the selected place.

The dialog is non-modal so the inspector can keep it open beside the main window while working down the
list. It holds no SQL and no business rule: the list comes from the plans service through a query
operation, the check is started by :class:`~anquan_desk.ui.inspection.start_dialog.StartInspectionDialog`
(which calls the inspections service), and the new draft is handed to the ``open_inspection`` callback
(the main window's tab opener). The list refreshes itself when an operation changes inspections, hazards,
places, grids or the plan settings — at once when it is showing, else when it is next shown.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from anquan_desk.core.changes import Changes
from anquan_desk.core.errors import AnquanError
from anquan_desk.core.plans.tasks import MonthTasks, PlaceTask
from anquan_desk.services import plans
from anquan_desk.services.desk import Desk
from anquan_desk.ui import state
from anquan_desk.ui.inspection.start_dialog import StartInspectionDialog
from anquan_desk.ui.operations import QueryOp, change_hub, show_error
from anquan_desk.ui.plan_models import TaskTableModel

#: Kept for callers that read the place id of a row: the model's role.
PLACE_ID_ROLE = TaskTableModel.PLACE_ID_ROLE
COLUMNS = TaskTableModel.COLUMNS
TITLE = "本月任务"


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
        self._open_inspection = open_inspection
        today = date.today()
        self.year, self.month = month if month is not None else (today.year, today.month)
        self.last_inspection_id: str | None = None
        self._wanted_grid = grid_id
        self._stale = False
        self._grids_stale = False
        self._serial = 0
        self.setModal(False)
        self.setWindowTitle(f"本月任务（{self.year} 年 {self.month} 月）")
        self.resize(960, 560)

        self.grid_combo = QComboBox()
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel("网格："))
        top.addWidget(self.grid_combo)
        top.addWidget(self.summary_label, 1)

        self.model = TaskTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for column, width in enumerate((220, 220, 50, 90, 130)):
            self.table.setColumnWidth(column, width)
        header.setStretchLastSection(True)
        header.setSectionResizeMode(TaskTableModel.COL_RISK, QHeaderView.ResizeMode.ResizeToContents)
        state.restore_header(header, state.TASK_COLUMNS)

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
        self.table.selectionModel().selectionChanged.connect(self._update_button)
        self.table.doubleClicked.connect(lambda _index: self.start_selected())
        self.start_button.clicked.connect(self.start_selected)
        close.clicked.connect(self.close)
        change_hub.subscribe(self, self._changed)
        self._update_button()
        self._load_grids()

    # --- list ------------------------------------------------------------------------------

    @property
    def tasks(self) -> tuple[PlaceTask, ...]:
        """The rows shown (the month's due places of the chosen grid, in route order)."""
        return self.model.tasks

    def _load_grids(self) -> None:
        self._grids_stale = False
        QueryOp(self, lambda _p: plans.grid_options(self.desk), success=self._show_grids, title=TITLE).run()

    def _show_grids(self, grids: tuple[tuple[str, str], ...]) -> None:
        current = self.grid_combo.currentData()
        wanted = self._wanted_grid if self._wanted_grid is not None else current
        self._wanted_grid = None
        self.grid_combo.blockSignals(True)
        self.grid_combo.clear()
        for gid, label in grids:
            self.grid_combo.addItem(label, gid)
        if wanted is not None:
            self.grid_combo.setCurrentIndex(max(0, self.grid_combo.findData(wanted)))
        self.grid_combo.blockSignals(False)
        self.refresh()

    def refresh(self) -> None:
        """Reload the tasks of the chosen grid for the month (a query operation)."""
        self._stale = False
        self._serial += 1
        serial = self._serial
        grid_id = self.grid_combo.currentData()
        if grid_id is None:
            self.model.set_tasks(())
            self.summary_label.setText("还没有网格，请先导入场所清单。")
            self._update_button()
            return
        year, month = self.year, self.month
        QueryOp(
            self,
            lambda _p: plans.tasks_for_month(self.desk, year, month, grid_id=str(grid_id)),
            success=lambda tasks: self._show_tasks(serial, tasks),
            failure=lambda exc: self._failed(serial, exc),
            title=TITLE,
        ).run()

    def _show_tasks(self, serial: int, month_tasks: MonthTasks) -> None:
        if serial != self._serial:
            return  # a newer request (another grid) is on its way
        selected = self.selected_place_id()
        self.model.set_tasks([p for g in month_tasks.grids for p in g.places])
        if selected is not None:
            self.select_place(selected)
        count = self.model.rowCount()
        if count:
            self.summary_label.setText(f"{self.year} 年 {self.month} 月应检查 {count} 处场所（★ 为计划重点领域）")
        else:
            self.summary_label.setText(f"{self.year} 年 {self.month} 月该网格没有应检查的场所。")
        self._update_button()

    def _failed(self, serial: int, error: BaseException) -> None:
        if serial != self._serial:
            return
        if isinstance(error, AnquanError):
            self.model.set_tasks(())
            self.summary_label.setText(str(error))
            self._update_button()
        else:
            show_error(self, TITLE, error)

    def _changed(self, changes: Changes, _initiator: object) -> None:
        if changes.touches("grids", "villages"):
            self._grids_stale = True
        if plans.affects_tasks(changes):
            self._stale = True
        if self.isVisible():
            self._refresh_stale()

    def _refresh_stale(self) -> None:
        if self._grids_stale:
            self._load_grids()  # refreshes the tasks too
        elif self._stale:
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._refresh_stale()

    def select_place(self, place_id: str) -> bool:
        """Select the row of ``place_id``; False when the place is not in the list."""
        row = self.model.row_of(place_id)
        if row < 0:
            return False
        self.table.selectRow(row)
        return True

    def selected_place_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.place_id(rows[0].row())

    def _update_button(self) -> None:
        self.start_button.setEnabled(self.selected_place_id() is not None)

    def done(self, result: int) -> None:
        state.remember_header(self.table.horizontalHeader(), state.TASK_COLUMNS)
        super().done(result)

    # --- start -----------------------------------------------------------------------------

    def start_selected(self) -> str | None:
        """Open the start dialog for the selected place; returns the new draft's id (None if cancelled)."""
        place_id = self.selected_place_id()
        if place_id is None:
            self.message_label.setText("请先在列表中选择要检查的场所。")
            return None
        name = next((t.name for t in self.tasks if t.place_id == place_id), "")
        dialog = StartInspectionDialog(self.desk, place_id, self)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted or dialog.inspection_id is None:
                return None
            inspection_id = dialog.inspection_id
        finally:
            dialog.deleteLater()
        self.last_inspection_id = inspection_id
        self.message_label.setText(f"已开始检查：{name}")
        if self._open_inspection is not None:
            self._open_inspection(inspection_id)
        return inspection_id
