"""The place list: a lazy table model that fetches one page at a time from the service.

A page is a bounded read of a few milliseconds (``places.list_places``), fetched directly when the
view needs it to paint or when a keystroke changes the filter. The model refreshes itself when an
operation changes what it lists (places, their sectors, grids, villages; hazards and inspections
when the filter asks about them), keeping the rows already loaded and, when the same places are
listed, the view's selection.
"""

from __future__ import annotations

import weakref
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from anquan_desk.core.changes import Changes
from anquan_desk.services import places
from anquan_desk.services.desk import Desk
from anquan_desk.services.places import PlaceFilter, PlaceListPage, PlaceRow
from anquan_desk.ui.operations import change_hub

Index = QModelIndex | QPersistentModelIndex

RISK_COLOURS = {"红": "#e74c3c", "橙": "#e67e22", "黄": "#f1c40f", "蓝": "#3498db"}

# Plain ints: comparing an int role with these is much cheaper than with the enum members.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_RISK_COLOURS = {name: QColor(value) for name, value in RISK_COLOURS.items()}
_GREY = QColor("#999999")
_DIMMED = QBrush(QColor("#888888"))


def _call(listener: weakref.WeakMethod[Any], changes: Changes, initiator: object) -> None:
    method = listener()
    if method is not None:
        method(changes, initiator)


def _cells(row: PlaceRow, columns: tuple[tuple[str, str, str | None], ...]) -> tuple[str, ...]:
    values = (getattr(row, attribute) for _header, attribute, _key in columns)
    return tuple("、".join(v) if isinstance(v, tuple) else v for v in values)


class PlaceTableModel(QAbstractTableModel):
    """Places matching a :class:`PlaceFilter`, sorted in the database, fetched lazily.

    ``PLACE_ID_ROLE`` gives a row's place id.
    """

    PLACE_ID_ROLE = int(Qt.ItemDataRole.UserRole) + 1
    _ROW_ROLES = frozenset({_DECORATION, _FOREGROUND, _TOOLTIP, PLACE_ID_ROLE})
    PAGE = 200
    #: Counting a broad filter stops here (see ``place_count``); a query alone is counted exactly.
    COUNT_CAP = 5000

    # (header, row attribute, sort key or None)
    COLUMNS: tuple[tuple[str, str, str | None], ...] = (
        ("场所名称", "name", "name"),
        ("村（社区）", "village", "village"),
        ("网格", "grid", "grid"),
        ("地址", "address", "address"),
        ("负责人", "responsible_person", "responsible_person"),
        ("联系电话", "phone", None),
        ("行业领域", "sectors", None),
        ("九小类别", "nine_small_kind", "nine_small_kind"),
        ("风险", "risk_color", "risk_color"),
        ("状态", "status", "status"),
    )
    #: Default column widths: at 1366×768, beside the grid tree, every column is in view (the last
    #: one stretches) and 行业领域 holds three or four sectors.
    DEFAULT_WIDTHS = (150, 84, 110, 150, 64, 104, 196, 110, 44, 54)
    COL_NAME, COL_VILLAGE, COL_GRID, COL_ADDRESS, COL_PERSON, COL_PHONE, COL_SECTORS, COL_KIND, COL_RISK, COL_STATUS = range(10)

    #: Changes to these tables change the rows listed (names, grids, sectors …).
    LISTED_TABLES = ("places", "place_sectors", "grids", "villages")
    #: … and these when the filter asks about overdue hazards or recent inspections.
    HISTORY_TABLES = ("hazards", "inspections")

    def __init__(self, desk: Desk, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self._filter = PlaceFilter()
        self._sort = "name"
        self._descending = False
        self._rows: list[PlaceRow] = []
        self._cells: list[tuple[str, ...] | None] = []  # display text per row, made when first shown
        self._total = 0
        self._exact = True
        self.reload()
        # Through a weak reference: a model without a parent is freed (and unsubscribed) when
        # nothing else holds it, instead of being kept alive by its own subscription.
        listener = weakref.WeakMethod(self._changed)
        change_hub.subscribe(self, lambda changes, initiator: _call(listener, changes, initiator))

    # --- filtering and loading -------------------------------------------------------------

    @property
    def place_filter(self) -> PlaceFilter:
        return self._filter

    @property
    def total(self) -> int:
        """The number of matching places (a lower bound while ``total_exact`` is False)."""
        return self._total

    @property
    def total_exact(self) -> bool:
        return self._exact

    def total_text(self) -> str:
        """"共 N 个场所", or "超过 N 个场所" when counting stopped early."""
        if self._exact:
            return f"共 {self._total} 个场所"
        return f"超过 {self.COUNT_CAP} 个场所"

    def set_filter(self, place_filter: PlaceFilter) -> None:
        if place_filter != self._filter:
            self._filter = place_filter
            self.reload()

    def set_query(self, text: str) -> None:
        self.set_filter(replace(self._filter, query=text))

    def _counted_page(self, limit: int) -> PlaceListPage:
        return places.list_places(
            self.desk, self._filter, limit=limit, sort=self._sort, descending=self._descending,
            count=True, cap=self.COUNT_CAP,
        )

    def _take(self, page: PlaceListPage) -> None:
        self._rows = list(page.rows)
        self._cells = [None] * len(self._rows)
        total = page.total or 0
        self._exact = page.exact
        self._total = total if self._exact else max(total, len(self._rows))

    def reload(self) -> None:
        """Count the matching places and show the first page (the view scrolls back to the top)."""
        page = self._counted_page(self.PAGE)
        self.beginResetModel()
        self._take(page)
        self.endResetModel()

    def refresh(self) -> None:
        """Read again as many rows as are loaded. When the same places are listed in the same order
        only their cells change (the view keeps its selection and scroll position), else the
        model is reset."""
        page = self._counted_page(max(len(self._rows), self.PAGE))
        if [r.id for r in page.rows] != [r.id for r in self._rows]:
            self.beginResetModel()
            self._take(page)
            self.endResetModel()
            return
        self._take(page)
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(self.COLUMNS) - 1))

    def _changed(self, changes: Changes, _initiator: object) -> None:
        history = self._filter.has_overdue or self._filter.not_inspected_since is not None
        if changes.touches(*self.LISTED_TABLES) or (history and changes.touches(*self.HISTORY_TABLES)):
            self.refresh()

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and (len(self._rows) < self._total or not self._exact)

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid():
            return
        page = places.list_places(
            self.desk, self._filter, offset=len(self._rows), limit=self.PAGE, sort=self._sort,
            descending=self._descending,
        ).rows
        if len(page) < self.PAGE:
            self._exact = True
            self._total = len(self._rows) + len(page)
        elif not self._exact:
            self._total = max(self._total, len(self._rows) + len(page))
        if not page:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
        self._rows.extend(page)
        self._cells.extend([None] * len(page))
        self.endInsertRows()

    # --- Qt model interface ----------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section][0]
        return None

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        # Called for every visible cell and role on each repaint (about 2,500 calls after a
        # keystroke): roles are compared as plain ints and the cells' text is prepared once
        # per row when first shown (``_cells``); unhandled roles return at once.
        if role == _DISPLAY:
            row = index.row()
            if not 0 <= row < len(self._cells):
                return None
            cells = self._cells[row]
            if cells is None:
                cells = self._cells[row] = _cells(self._rows[row], self.COLUMNS)
            return cells[index.column()]
        if role not in self._ROW_ROLES:
            return None
        row = index.row()
        if not 0 <= row < len(self._rows):
            return None
        place, column = self._rows[row], index.column()
        if role == _DECORATION:
            return _RISK_COLOURS.get(place.risk_color, _GREY) if column == self.COL_RISK else None
        if role == _FOREGROUND:
            return _DIMMED if column == self.COL_STATUS and place.status != "在营" else None
        if role == _TOOLTIP:
            return place.address if column == self.COL_ADDRESS else None
        return place.id  # PLACE_ID_ROLE

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = self.COLUMNS[column][2]
        if key is None:
            return
        self._sort = key
        self._descending = order == Qt.SortOrder.DescendingOrder
        self.reload()

    def place_id(self, row: int) -> str:
        return self._rows[row].id
