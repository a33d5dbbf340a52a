"""The dashboard: overdue hazards, re-inspections due, this quarter's coverage, hazards per month.

Every number is a button that opens its list. The figures are computed by a query operation
(a five-year township takes a second or two), then drawn. The dashboard refreshes itself when an
operation changes hazards, inspections or places — at once when it is showing, else when it is next
shown.
"""

from __future__ import annotations

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPainter, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from anquan_desk.core.changes import Changes
from anquan_desk.core.clock import today
from anquan_desk.services import statistics
from anquan_desk.services.desk import Desk
from anquan_desk.services.statistics import DashboardData, MonthCount, StatTable, quarter_of
from anquan_desk.ui.operations import QueryOp, change_hub

#: What the dashboard counts: a change to any of these makes its figures stale.
COUNTED_TABLES = ("hazards", "inspections", "places", "reinspections", "reinspection_results", "grids")

KEY_ROLE = Qt.ItemDataRole.UserRole + 1


class _Card(QPushButton):
    def __init__(self, title: str, colour: str) -> None:
        super().__init__()
        self._title = title
        self.setMinimumHeight(76)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setStyleSheet(
            f"QPushButton {{ border: 1px solid #d0d0d0; border-left: 6px solid {colour}; border-radius: 4px;"
            f" background: #fbfbfb; text-align: left; padding: 6px 12px; }}"
            "QPushButton:hover { background: #f0f4fa; }"
        )
        self.set_value(None)

    def set_value(self, value: int | None) -> None:
        shown = "…" if value is None else str(value)
        self.setText(f"{self._title}\n{shown}")
        font = self.font()
        font.setPointSize(max(font.pointSize(), 11))
        self.setFont(font)


class DashboardWidget(QWidget):
    """Signals: ``show_hazards(str)`` with "overdue" / "week" / "major" / "supervised";
    ``show_grid(str)`` with a grid id (places of the grid not yet inspected this quarter);
    ``show_drafts()``."""

    show_hazards = Signal(str)
    show_grid = Signal(str)
    show_drafts = Signal()

    COLUMNS = ("", "场所数", "已检查", "覆盖率", "检查次数", "隐患", "重大", "已整改", "整改率", "逾期")

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.data: DashboardData | None = None
        self._stale = True
        change_hub.subscribe(self, self._changed)
        self.overdue_card = _Card("逾期未整改隐患", "#c0392b")
        self.week_card = _Card("本周到期待复查", "#e67e22")
        self.major_card = _Card("重大隐患未销号", "#8e44ad")
        self.supervised_card = _Card("挂牌督办", "#2c3e50")
        self.drafts_card = _Card("未完成的检查", "#2980b9")
        self.overdue_card.clicked.connect(lambda: self.show_hazards.emit("overdue"))
        self.week_card.clicked.connect(lambda: self.show_hazards.emit("week"))
        self.major_card.clicked.connect(lambda: self.show_hazards.emit("major"))
        self.supervised_card.clicked.connect(lambda: self.show_hazards.emit("supervised"))
        self.drafts_card.clicked.connect(self.show_drafts.emit)
        cards = QHBoxLayout()
        for card in (self.overdue_card, self.week_card, self.major_card, self.supervised_card, self.drafts_card):
            cards.addWidget(card)

        self.title = QLabel()
        self.grid_table = self._table("网格")
        self.sector_table = self._table("行业领域")
        self.grid_table.cellDoubleClicked.connect(self._grid_clicked)

        self.chart = QChart()
        self.chart.setTitle("每月发现与销号的隐患")
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.chart_view = QChartView(self.chart)
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumHeight(220)

        grid_box = QGroupBox("本季度各网格检查覆盖（双击查看未检查场所）")
        QVBoxLayout(grid_box).addWidget(self.grid_table)
        sector_box = QGroupBox("本季度各行业领域")
        QVBoxLayout(sector_box).addWidget(self.sector_table)
        body = QGridLayout()
        body.addWidget(grid_box, 0, 0, 2, 1)
        body.addWidget(sector_box, 0, 1)
        body.addWidget(self.chart_view, 1, 1)
        body.setColumnStretch(0, 5)
        body.setColumnStretch(1, 4)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(cards)
        layout.addWidget(self.title)
        layout.addLayout(body, 1)

    def _table(self, first: str) -> QTableWidget:
        table = QTableWidget(0, len(self.COLUMNS))
        table.setHorizontalHeaderLabels([first, *self.COLUMNS[1:]])
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(self.COLUMNS)):
            table.horizontalHeader().setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        return table

    def refresh(self) -> None:
        self._stale = False
        day = today()
        self.title.setText(f"{day.year}年第{quarter_of(day)}季度（截至 {day:%m月%d日}）")
        QueryOp(self, lambda _p: statistics.dashboard(self.desk, day), success=self.show_data,
                title="工作台").run()

    def _changed(self, changes: Changes, _initiator: object) -> None:
        if changes.touches(*COUNTED_TABLES):
            self._stale = True
            if self.isVisible():
                self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def show_data(self, data: DashboardData) -> None:
        self.data = data
        n = data.numbers
        self.overdue_card.set_value(n.overdue)
        self.week_card.set_value(n.due_this_week)
        self.major_card.set_value(n.major_open)
        self.supervised_card.set_value(n.supervised_open)
        self.drafts_card.set_value(n.drafts)
        self._fill(self.grid_table, data.by_grid)
        self._fill(self.sector_table, data.by_sector)
        self._chart(data.months)

    def _fill(self, table: QTableWidget, stats: StatTable) -> None:
        rows = [*stats.rows, stats.totals]
        table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            coverage = row.coverage
            rate = row.rectification_rate
            values = (
                row.label,
                str(row.places_total),
                str(row.places_inspected),
                f"{coverage:.0%}" if coverage is not None else "—",
                str(row.inspections),
                str(row.hazards),
                str(row.hazards_major),
                str(row.rectified),
                f"{rate:.0%}" if rate is not None else "—",
                str(row.overdue),
            )
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(KEY_ROLE, row.key)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if row is stats.totals:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                if c == 3 and coverage is not None and coverage < 0.5 and row is not stats.totals:
                    item.setForeground(QColor("#c0392b"))
                if c == 9 and row.overdue:
                    item.setForeground(QColor("#c0392b"))
                table.setItem(r, c, item)

    def _chart(self, months: list[MonthCount]) -> None:
        self.chart.removeAllSeries()
        for axis in self.chart.axes():
            self.chart.removeAxis(axis)
        found, closed = QBarSet("发现"), QBarSet("销号")
        found.setColor(QColor("#e67e22"))
        closed.setColor(QColor("#27ae60"))
        for m in months:
            found.append(m.found)
            closed.append(m.closed)
        series = QBarSeries()
        series.append(found)
        series.append(closed)
        self.chart.addSeries(series)
        x = QBarCategoryAxis()
        x.append([f"{int(m.month[5:])}月" for m in months])
        y = QValueAxis()
        y.setRange(0, max([1, *(m.found for m in months), *(m.closed for m in months)]) * 1.1)
        y.setLabelFormat("%d")
        self.chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
        self.chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(x)
        series.attachAxis(y)

    def _grid_clicked(self, row: int, _column: int) -> None:
        item = self.grid_table.item(row, 0)
        key = item.data(KEY_ROLE) if item else None
        if key and key != "total":
            self.show_grid.emit(key)
