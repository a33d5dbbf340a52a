"""本机文书编号段: this laptop's document-number slot, for the administrator.

Every laptop that issues documents offline needs its own slot (see
``anquan_desk.services.numbering``); the administrator gives it here, on the shared
database, before the laptop takes a copy into the field.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from anquan_desk.core.device import Device, this_device
from anquan_desk.core.errors import AnquanError
from anquan_desk.services.desk import Desk
from anquan_desk.services.ground import current_township
from anquan_desk.services.numbering import assign_device_slot, block_range, device_slots, slot_layout


def _serials(slot: int, slots: int, size: int) -> str:
    """The first two blocks of a slot, e.g. "1–50、501–550 …"."""
    first = block_range(slot, 0, slots, size)
    second = block_range(slot, 1, slots, size)
    return f"{first[0]}–{first[1]}、{second[0]}–{second[1]} …"


class NumberSlotDialog(QDialog):
    """Shows this laptop's short code and slot, the township's assigned slots, and assigns the next free one."""

    def __init__(self, desk: Desk, parent: QWidget | None = None, device: Device | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.db = desk.db
        self.actor = desk.actor.username
        self.device = device or this_device()
        self.slot: int | None = None
        self.setWindowTitle("本机文书编号段")
        self.resize(560, 380)
        explain = QLabel(
            "每台离线出具文书的电脑须有自己的编号段位，各电脑的文书编号互不重复。"
            "请在共享数据库上为本机分配段位后，再把数据库复制到本机外出使用。"
        )
        explain.setWordWrap(True)
        self.device_label = QLabel(self.device.short)
        self.device_label.setToolTip(self.device.id)
        self.slot_label = QLabel()
        self.layout_label = QLabel()
        form = QFormLayout()
        form.addRow("本机识别码：", self.device_label)
        form.addRow("本机段位：", self.slot_label)
        form.addRow("编号段设置：", self.layout_label)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["段位", "电脑", "编号范围（每年各类文书）"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.assign_button = QPushButton("为本机分配下一个空闲段位")
        self.assign_button.clicked.connect(self.assign)
        close = QPushButton("关闭")
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.assign_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addLayout(form)
        layout.addWidget(QLabel("本乡镇已分配的段位："))
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.reload()

    def reload(self) -> None:
        with self.db.reader() as session:
            township = current_township(session)
            if township is None:
                self.slot = None
                self.slot_label.setText("尚未设置乡镇（街道）信息")
                self.layout_label.setText("—")
                self.table.setRowCount(0)
                self.assign_button.setEnabled(False)
                return
            try:
                slots, size = slot_layout(township)
            except AnquanError as exc:
                self.slot_label.setText(str(exc))
                self.assign_button.setEnabled(False)
                return
            assigned = device_slots(township)
        self.slot = assigned.get(self.device.id)
        if self.slot is None:
            self.slot_label.setText("未分配")
        else:
            self.slot_label.setText(f"第 {self.slot} 段位（编号 {_serials(self.slot, slots, size)}）")
        self.layout_label.setText(f"共 {slots} 个段位，每段 {size} 个编号")
        rows = sorted(assigned.items(), key=lambda item: item[1])
        self.table.setRowCount(len(rows))
        for row, (device_id, slot) in enumerate(rows):
            who = f"本机（{self.device.short}）" if device_id == self.device.id else f"其他电脑 {device_id[:8]}"
            for col, value in enumerate((str(slot), who, _serials(slot, slots, size))):
                self.table.setItem(row, col, QTableWidgetItem(value))
        self.assign_button.setEnabled(self.slot is None and len(assigned) < slots)

    def assign(self) -> int | None:
        """Give this laptop the next free slot; returns it (None after an error)."""
        try:
            with self.db.session(self.actor) as session:
                slot = assign_device_slot(session, self.device.id)
        except AnquanError as exc:
            QMessageBox.warning(self, "本机文书编号段", str(exc))
            return None
        self.reload()
        return slot
