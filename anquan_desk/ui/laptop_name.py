"""文件 › 本机名称: the name this laptop's hazard numbers show (instead of its code, e.g. XXRT)."""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QLineEdit, QWidget

from anquan_desk.core.device import MAX_NAME, this_device
from anquan_desk.services.desk import Desk
from anquan_desk.services.laptops import name_this_laptop
from anquan_desk.ui.operations import WriteOp

TITLE = "本机名称"


def ask_laptop_name(desk: Desk, parent: QWidget) -> None:
    """Ask for this laptop's name and save it (device file and the shared list of laptop names)."""
    device = this_device()
    text, ok = QInputDialog.getText(
        parent, TITLE,
        f"本机名称（最多 {MAX_NAME} 个字，如“安监办笔记本1”）。\n"
        f"屏幕上的隐患编号显示此名称，以区分各台电脑编出的隐患编号\n"
        f"（打印的文书和台账中，隐患编号里的“{device.short}”即指本机）：",
        QLineEdit.EchoMode.Normal, device.name,
    )
    if ok and text.strip() != device.name:
        # The screens read the names again when they next load the hazards.
        WriteOp(parent, lambda _p: name_this_laptop(desk, text), title="本机名称未保存").run()
