"""The grid tree on the left: 乡镇 → 村（社区） → 网格, with place counts."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel

from anquan_desk.services.ground import GroundTree

NODE_KIND_ROLE = Qt.ItemDataRole.UserRole + 1
NODE_ID_ROLE = Qt.ItemDataRole.UserRole + 2


def build_ground_model(tree: GroundTree, model: QStandardItemModel) -> None:
    """Fill ``model`` with the tree. Node kinds: all / village / grid / unassigned."""
    model.clear()
    model.setHorizontalHeaderLabels(["网格", "场所"])
    root = _row(f"{tree.township or '全部'}（全部）", tree.places, "all", "")
    model.appendRow(root)
    for village in tree.villages:
        vrow = _row(village.name, village.places, "village", village.id)
        root[0].appendRow(vrow)
        for grid in village.grids:
            vrow[0].appendRow(_row(grid.name, grid.places, "grid", grid.id))
    if tree.unassigned:
        root[0].appendRow(_row("未划分网格", tree.unassigned, "unassigned", ""))


def _row(label: str, count: int, kind: str, node_id: str) -> list[QStandardItem]:
    name = QStandardItem(label)
    name.setData(kind, NODE_KIND_ROLE)
    name.setData(node_id, NODE_ID_ROLE)
    name.setEditable(False)
    number = QStandardItem(str(count))
    number.setEditable(False)
    number.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return [name, number]
