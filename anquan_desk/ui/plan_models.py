"""Table models of the plan screens: the month's tasks of a grid, the 双随机 pool and its result.

Rows are plain DTOs from the plans service (:class:`~anquan_desk.core.plans.tasks.PlaceTask`,
:class:`~anquan_desk.core.plans.draws.PlaceCandidate`, :class:`DrawRow`); the screens fill a model
with the result of a query operation and never hold a database object.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QBrush, QColor

from anquan_desk.core.plans.draws import PlaceCandidate, StoredDraw
from anquan_desk.core.plans.tasks import PlaceTask
from anquan_desk.ui.place_model import RISK_COLOURS
from anquan_desk.ui.row_model import ALIGNMENT, DISPLAY, EDIT, FOREGROUND, ROLE_BASE, TOOLTIP, RowTableModel


def _hazard_text(task: PlaceTask) -> str:
    return "；".join(
        f"{h.description}（{h.deadline.isoformat() if h.deadline else '立即整改'}）" for h in task.hazards
    )


class TaskTableModel(RowTableModel[PlaceTask]):
    """The due places of one grid in route order (rows: :class:`PlaceTask`).

    ``PLACE_ID_ROLE`` gives a row's place id; the risk column is drawn in the risk colour.
    """

    PLACE_ID_ROLE = ROLE_BASE + 1
    COLUMNS = ("场所", "地址", "风险", "上次检查", "任务", "应复查隐患")
    COL_NAME, COL_ADDRESS, COL_RISK, COL_LAST, COL_TASK, COL_HAZARDS = range(6)
    _TIPPED = (COL_NAME, COL_ADDRESS, COL_HAZARDS)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cells: dict[int, tuple[str, ...]] = {}

    @property
    def tasks(self) -> tuple[PlaceTask, ...]:
        return self.rows

    def set_tasks(self, tasks: Sequence[PlaceTask]) -> None:
        self.set_rows(tasks)

    def rows_changed(self) -> None:
        self._cells = {id(t): self._texts(t) for t in self.rows}

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
        return self.rows[row].place_id

    def row_of(self, place_id: str) -> int:
        """The row of ``place_id``, or -1."""
        return next((r for r, t in enumerate(self.rows) if t.place_id == place_id), -1)

    def cell(self, row: PlaceTask, column: int, role: int) -> Any:
        if role == DISPLAY:
            return self._cells[id(row)][column]
        if role == TOOLTIP:
            return self._cells[id(row)][column] if column in self._TIPPED else None
        if role == FOREGROUND:
            if column != self.COL_RISK:
                return None
            return QBrush(QColor(RISK_COLOURS.get(row.risk_color, "#000000")))
        if role == ALIGNMENT:
            return int(Qt.AlignmentFlag.AlignCenter) if column == self.COL_RISK else None
        if role == self.PLACE_ID_ROLE:
            return row.place_id
        return None


class DrawPoolModel(RowTableModel[PlaceCandidate]):
    """The places taking part in a draw (rows: :class:`PlaceCandidate`), by grid then name.

    ``COL_LABEL`` ("名称（网格）") is what the 回避 place chooser shows; ``PLACE_ID_ROLE`` gives the
    place id.
    """

    PLACE_ID_ROLE = ROLE_BASE + 1
    COLUMNS = ("场所名称", "所属网格", "场所（网格）")
    COL_NAME, COL_GRID, COL_LABEL = range(3)

    @property
    def places(self) -> tuple[PlaceCandidate, ...]:
        return self.rows

    def set_places(self, places: Sequence[PlaceCandidate]) -> None:
        self.set_rows(places)

    def cell(self, row: PlaceCandidate, column: int, role: int) -> Any:
        if role in (DISPLAY, EDIT):
            return (row.name, row.grid, f"{row.name}（{row.grid}）")[column]
        if role == self.PLACE_ID_ROLE:
            return row.id
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


class DrawResultModel(RowTableModel[DrawRow]):
    """The drawn places in draw order with their inspection teams (rows: :class:`DrawRow`)."""

    PLACE_ID_ROLE = ROLE_BASE + 1
    COLUMNS = ("抽中场所", "所属网格", "检查组")
    COL_PLACE, COL_GRID, COL_TEAM = range(3)

    def set_draw(self, draw: StoredDraw | None) -> None:
        self.set_rows(DrawRow.rows_of(draw) if draw is not None else ())

    def cell(self, row: DrawRow, column: int, role: int) -> Any:
        if role in (DISPLAY, TOOLTIP):
            return (row.place, row.grid, row.team)[column]
        if role == self.PLACE_ID_ROLE:
            return row.place_id
        return None
