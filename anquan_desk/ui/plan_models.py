"""Table models of the plan screens: the month's tasks of a grid, the 双随机 pool and its result.

Rows are plain DTOs from the plans service (:class:`~anquan_desk.core.plans.tasks.PlaceTask`,
:class:`~anquan_desk.core.plans.draws.PlaceCandidate`, :class:`DrawRow`); the screens fill a model
with the result of a query operation and never hold a database object.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from anquan_desk.core.plans.draws import PlaceCandidate, StoredDraw
from anquan_desk.core.plans.tasks import PlaceTask
from anquan_desk.ui.place_model import RISK_COLOURS

Index = QModelIndex | QPersistentModelIndex

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_EDIT = int(Qt.ItemDataRole.EditRole)  # what an editable combo box shows and completes on
_NO_INDEX = QModelIndex()


def _hazard_text(task: PlaceTask) -> str:
    return "；".join(
        f"{h.description}（{h.deadline.isoformat() if h.deadline else '立即整改'}）" for h in task.hazards
    )


class TaskTableModel(QAbstractTableModel):
    """The due places of one grid in route order (rows: :class:`PlaceTask`).

    ``PLACE_ID_ROLE`` gives a row's place id; the risk column is drawn in the risk colour.
    """

    PLACE_ID_ROLE = int(Qt.ItemDataRole.UserRole) + 1
    COLUMNS = ("场所", "地址", "风险", "上次检查", "任务", "应复查隐患")
    COL_NAME, COL_ADDRESS, COL_RISK, COL_LAST, COL_TASK, COL_HAZARDS = range(6)
    _TIPPED = (COL_NAME, COL_ADDRESS, COL_HAZARDS)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: tuple[PlaceTask, ...] = ()
        self._cells: list[tuple[str, ...]] = []

    @property
    def tasks(self) -> tuple[PlaceTask, ...]:
        return self._rows

    def set_tasks(self, tasks: Sequence[PlaceTask]) -> None:
        self.beginResetModel()
        self._rows = tuple(tasks)
        self._cells = [self._texts(t) for t in self._rows]
        self.endResetModel()

    @staticmethod
    def _texts(task: PlaceTask) -> tuple[str, ...]:
        return (
            ("★ " if task.priority else "") + task.name,
            task.address,
            f"■ {task.risk_color}",
            task.last_inspected.isoformat() if task.last_inspected else "从未检查",
            "、".join(task.reasons),
            _hazard_text(task),
        )

    def place_id(self, row: int) -> str:
        return self._rows[row].place_id

    def row_of(self, place_id: str) -> int:
        """The row of ``place_id``, or -1."""
        return next((r for r, t in enumerate(self._rows) if t.place_id == place_id), -1)

    # --- Qt model interface ----------------------------------------------------------------

    def rowCount(self, parent: Index = _NO_INDEX) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = _NO_INDEX) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY and 0 <= section < len(self.COLUMNS):
            return self.COLUMNS[section]
        return None

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        row, column = index.row(), index.column()
        if not index.isValid() or not 0 <= row < len(self._rows):
            return None
        if role == _DISPLAY:
            return self._cells[row][column]
        if role == _TOOLTIP:
            return self._cells[row][column] if column in self._TIPPED else None
        if role == _FOREGROUND:
            if column != self.COL_RISK:
                return None
            return QBrush(QColor(RISK_COLOURS.get(self._rows[row].risk_color, "#000000")))
        if role == _ALIGNMENT:
            return int(Qt.AlignmentFlag.AlignCenter) if column == self.COL_RISK else None
        if role == self.PLACE_ID_ROLE:
            return self._rows[row].place_id
        return None


class DrawPoolModel(QAbstractTableModel):
    """The places taking part in a draw (rows: :class:`PlaceCandidate`), by grid then name.

    ``COL_LABEL`` ("名称（网格）") is what the 回避 place chooser shows; ``PLACE_ID_ROLE`` gives the
    place id.
    """

    PLACE_ID_ROLE = int(Qt.ItemDataRole.UserRole) + 1
    COLUMNS = ("场所名称", "所属网格", "场所（网格）")
    COL_NAME, COL_GRID, COL_LABEL = range(3)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: tuple[PlaceCandidate, ...] = ()

    @property
    def places(self) -> tuple[PlaceCandidate, ...]:
        return self._rows

    def set_places(self, places: Sequence[PlaceCandidate]) -> None:
        self.beginResetModel()
        self._rows = tuple(places)
        self.endResetModel()

    def rowCount(self, parent: Index = _NO_INDEX) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = _NO_INDEX) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY and 0 <= section < len(self.COLUMNS):
            return self.COLUMNS[section]
        return None

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        row = index.row()
        if not index.isValid() or not 0 <= row < len(self._rows):
            return None
        place = self._rows[row]
        if role in (_DISPLAY, _EDIT):
            return (place.name, place.grid, f"{place.name}（{place.grid}）")[index.column()]
        if role == self.PLACE_ID_ROLE:
            return place.id
        return None


@dataclass(frozen=True)
class DrawRow:
    """One drawn place with its inspection team, as the result table shows it."""

    place_id: str
    place: str
    grid: str
    team: str

    @staticmethod
    def rows_of(draw: StoredDraw) -> tuple[DrawRow, ...]:
        out = []
        for a in draw.record.assignments:
            place = draw.places.get(a.place)
            out.append(
                DrawRow(
                    a.place,
                    place.name if place else a.place,
                    place.grid if place else "",
                    "、".join(draw.inspector_label(c) for c in a.inspectors),
                )
            )
        return tuple(out)


class DrawResultModel(QAbstractTableModel):
    """The drawn places in draw order with their inspection teams (rows: :class:`DrawRow`)."""

    PLACE_ID_ROLE = int(Qt.ItemDataRole.UserRole) + 1
    COLUMNS = ("抽中场所", "所属网格", "检查组")
    COL_PLACE, COL_GRID, COL_TEAM = range(3)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: tuple[DrawRow, ...] = ()

    @property
    def rows(self) -> tuple[DrawRow, ...]:
        return self._rows

    def set_draw(self, draw: StoredDraw | None) -> None:
        self.beginResetModel()
        self._rows = DrawRow.rows_of(draw) if draw is not None else ()
        self.endResetModel()

    def rowCount(self, parent: Index = _NO_INDEX) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = _NO_INDEX) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY and 0 <= section < len(self.COLUMNS):
            return self.COLUMNS[section]
        return None

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        row = index.row()
        if not index.isValid() or not 0 <= row < len(self._rows):
            return None
        item = self._rows[row]
        if role in (_DISPLAY, _TOOLTIP):
            return (item.place, item.grid, item.team)[index.column()]
        if role == self.PLACE_ID_ROLE:
            return item.place_id
        return None
