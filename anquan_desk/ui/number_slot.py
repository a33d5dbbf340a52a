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
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from anquan_desk.core.changes import Changes
from anquan_desk.core.device import Device, this_device
from anquan_desk.services import numbering
from anquan_desk.services.desk import Desk
from anquan_desk.services.laptops import Laptops, laptops
from anquan_desk.services.numbering import SlotOverview, block_range
from anquan_desk.ui.operations import QueryOp, WriteOp, change_hub, show_error

TITLE = "本机文书编号段"


def _serials(slot: int, slots: int, size: int) -> str:
    """The first two blocks of a slot, e.g. "1–50、501–550 …"."""
    first = block_range(slot, 0, slots, size)
    second = block_range(slot, 1, slots, size)
    return f"{first[0]}–{first[1]}、{second[0]}–{second[1]} …"


class NumberSlotDialog(QDialog):
    """Shows this laptop's name and slot, the township's assigned slots (with the laptops' names
    where known, :mod:`anquan_desk.services.laptops`), and assigns the next free one."""

    def __init__(self, desk: Desk, parent: QWidget | None = None, device: Device | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.device = device or this_device()
        self.slot: int | None = None
        self.overview: SlotOverview | None = None
        self.laptops = Laptops.local(self.device)  # the other laptops' names are read with the slots
        self.setWindowTitle("本机文书编号段")
        self.resize(560, 380)
        explain = QLabel(
            "每台离线出具文书的电脑须有自己的编号段位，各电脑的文书编号互不重复。"
            "请在共享数据库上为本机分配段位后，再把数据库复制到本机外出使用。"
        )
        explain.setWordWrap(True)
        self.device_label = QLabel(self.device.name or "本机")
        self.device_label.setToolTip("本机名称可在“文件 › 本机名称…”中修改")
        self.slot_label = QLabel()
        self.layout_label = QLabel()
        form = QFormLayout()
        form.addRow("本机名称：", self.device_label)
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
        change_hub.subscribe(self, self._changed)
        self.reload()

    def reload(self) -> None:
        QueryOp(self, lambda _p: (numbering.number_slots(self.desk), laptops(self.desk, self.device)),
                success=lambda read: self._show(*read), title=TITLE).run()

    def _changed(self, changes: Changes, initiator: object) -> None:
        if initiator is not self and changes.touches("townships") and self.isVisible():
            self.reload()

    def _show(self, overview: SlotOverview, known: Laptops) -> None:
        self.overview = overview
        self.laptops = known
        if not overview.has_township:
            self.slot = None
            self.slot_label.setText("尚未设置乡镇（街道）信息")
            self.layout_label.setText("—")
            self.table.setRowCount(0)
            self.assign_button.setEnabled(False)
            return
        if overview.problem:
            self.slot_label.setText(overview.problem)
            self.assign_button.setEnabled(False)
            return
        slots, size = overview.slots, overview.block_size
        self.slot = overview.slot_of(self.device.id)
        if self.slot is None:
            self.slot_label.setText("未分配")
        else:
            self.slot_label.setText(f"第 {self.slot} 段位（编号 {_serials(self.slot, slots, size)}）")
        self.layout_label.setText(f"共 {slots} 个段位，每段 {size} 个编号")
        self.table.setRowCount(len(overview.assigned))
        for row, (device_id, slot) in enumerate(overview.assigned):
            who = self._this_laptop() if device_id == self.device.id else self.laptops.label_of_device(device_id)
            for col, value in enumerate((str(slot), who, _serials(slot, slots, size))):
                self.table.setItem(row, col, QTableWidgetItem(value))
        self.assign_button.setEnabled(self.slot is None and len(overview.assigned) < slots)

    def _this_laptop(self) -> str:
        return f"本机（{self.device.name}）" if self.device.name else "本机"

    def assign(self) -> None:
        """Give this laptop the next free slot (a write operation); then show it."""
        self.assign_button.setEnabled(False)
        WriteOp(
            self, lambda _p: numbering.assign_slot(self.desk, self.device.id, laptop=self.device), success=self._assigned,
            failure=self._not_assigned, title=TITLE,
        ).run()

    def _assigned(self, slot: int) -> None:
        self.slot = slot
        self.reload()

    def _not_assigned(self, error: BaseException) -> None:
        show_error(self, TITLE, error)
        self.reload()
