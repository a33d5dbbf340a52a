"""A read-only table model over plain rows: the shape every list of the program shares.

A screen's list holds a tuple of DTOs (frozen dataclasses a service returned) and shows some of
their fields as columns. :class:`RowTableModel` does the Qt bookkeeping once — row and column
counts, the header, index checks, resetting with new rows — and a subclass only declares its
``COLUMNS`` and says what one cell shows for a role (:meth:`RowTableModel.cell`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

R = TypeVar("R")
Index = QModelIndex | QPersistentModelIndex

DISPLAY = int(Qt.ItemDataRole.DisplayRole)
EDIT = int(Qt.ItemDataRole.EditRole)
TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
FONT = int(Qt.ItemDataRole.FontRole)
#: The first role a model may define for itself (``ROLE_BASE + 1`` …).
ROLE_BASE = int(Qt.ItemDataRole.UserRole)
_NO_INDEX = QModelIndex()


class RowTableModel(QAbstractTableModel, Generic[R]):
    """Rows of type ``R``, one per line; ``COLUMNS`` are the header texts."""

    COLUMNS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: tuple[R, ...] = ()

    @property
    def rows(self) -> tuple[R, ...]:
        return self._rows

    def set_rows(self, rows: Iterable[R]) -> None:
        self.beginResetModel()
        self._rows = tuple(rows)
        self.rows_changed()
        self.endResetModel()

    def rows_changed(self) -> None:
        """Called inside the reset after new rows arrive (e.g. to prepare cached cell texts)."""

    def row(self, number: int) -> R:
        return self._rows[number]

    def cell(self, row: R, column: int, role: int) -> Any:
        """What the cell of ``row`` in ``column`` shows for ``role`` (None: nothing)."""
        raise NotImplementedError

    # --- the Qt model interface ---------------------------------------------------------------

    def rowCount(self, parent: Index = _NO_INDEX) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = _NO_INDEX) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == DISPLAY and 0 <= section < len(self.COLUMNS):
            return self.COLUMNS[section]
        return None

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        return self.cell(self._rows[index.row()], index.column(), role)
