"""The grid tree on the left: 乡镇 → 村（社区） → 网格, with place counts.

The tree is built from a :class:`~anquan_desk.services.ground.GroundTree` (plain data). When it is
built again with the same villages and grids (the usual case: a place was added, moved or edited),
only the names and counts change in place, so the view keeps its selection and expanded nodes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel

from anquan_desk.services.ground import GroundTree

NODE_KIND_ROLE = Qt.ItemDataRole.UserRole + 1
NODE_ID_ROLE = Qt.ItemDataRole.UserRole + 2


@dataclass
class _Node:
    label: str
    count: int
    kind: str  # all / village / grid / unassigned
    node_id: str
    children: list[_Node] = field(default_factory=list)


def _nodes(tree: GroundTree) -> _Node:
    root = _Node(f"{tree.township or '全部'}（全部）", tree.places, "all", "")
    for village in tree.villages:
        node = _Node(village.name, village.places, "village", village.id)
        node.children = [_Node(grid.name, grid.places, "grid", grid.id) for grid in village.grids]
        root.children.append(node)
    if tree.unassigned:
        root.children.append(_Node("未划分网格", tree.unassigned, "unassigned", ""))
    return root


def build_ground_model(tree: GroundTree, model: QStandardItemModel) -> bool:
    """Fill ``model`` with the tree. Node kinds: all / village / grid / unassigned.

    Returns True when the model was built anew (its view then needs its header modes and expanded
    nodes set again), False when the same nodes only got their new names and counts."""
    root = _nodes(tree)
    first = model.item(0, 0) if model.rowCount() == 1 else None
    if first is not None and _same_shape(first, root):
        _update(model, first, root)
        return False
    model.clear()
    model.setHorizontalHeaderLabels(["网格", "场所"])
    model.appendRow(_append(root))
    return True


def _append(node: _Node) -> list[QStandardItem]:
    row = _row(node.label, node.count, node.kind, node.node_id)
    for child in node.children:
        row[0].appendRow(_append(child))
    return row


def _same_shape(item: QStandardItem, node: _Node) -> bool:
    """Whether ``item`` stands for the same node, with the same children in the same order."""
    if item.data(NODE_KIND_ROLE) != node.kind or item.data(NODE_ID_ROLE) != node.node_id:
        return False
    if item.rowCount() != len(node.children):
        return False
    for row, child in enumerate(node.children):
        child_item = item.child(row, 0)
        if child_item is None or not _same_shape(child_item, child):
            return False
    return True


def _update(model: QStandardItemModel, item: QStandardItem, node: _Node) -> None:
    if item.text() != node.label:
        item.setText(node.label)
    parent = item.parent()
    count = parent.child(item.row(), 1) if parent is not None else model.item(item.row(), 1)
    if count is not None and count.text() != str(node.count):
        count.setText(str(node.count))
    for row, child in enumerate(node.children):
        child_item = item.child(row, 0)
        if child_item is not None:
            _update(model, child_item, child)


def _row(label: str, count: int, kind: str, node_id: str) -> list[QStandardItem]:
    name = QStandardItem(label)
    name.setData(kind, NODE_KIND_ROLE)
    name.setData(node_id, NODE_ID_ROLE)
    name.setEditable(False)
    number = QStandardItem(str(count))
    number.setEditable(False)
    number.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return [name, number]
