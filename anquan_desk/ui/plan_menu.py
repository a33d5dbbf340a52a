"""The 计划 menu. Its dialogs (and the PDF engine behind them) load when first used, not at start-up."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QMainWindow, QMenu

from anquan_desk.services.desk import Desk


def add_plan_menu(window: QMainWindow, desk: Desk) -> QMenu:
    """Add the "计划" menu to ``window``'s menu bar."""
    menu = window.menuBar().addMenu("计划(&P)")

    def open_import() -> None:
        from anquan_desk.ui.plan_dialog import PlanImportDialog

        dialog = PlanImportDialog(desk, window)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.programme is not None:
            window.statusBar().showMessage(f"已保存 {dialog.programme.year} 年检查计划", 5000)

    def open_draw() -> None:
        from anquan_desk.ui.plan_dialog import DrawDialog

        DrawDialog(desk, window).exec()

    def open_sheet() -> None:
        from anquan_desk.ui.plan_dialog import WorksheetDialog

        WorksheetDialog(desk, window).exec()

    def open_tasks() -> None:
        from anquan_desk.ui.task_list import TaskListDialog

        existing = window.findChild(TaskListDialog)
        if existing is not None and existing.isVisible():  # it keeps itself up to date
            existing.raise_()
            existing.activateWindow()
            return
        # Non-modal: the list stays open beside the main window; a started check opens in its tab.
        dialog = TaskListDialog(desk, getattr(window, "open_inspection", None), window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()

    for text, slot in (
        ("导入工作方案…", open_import),
        ("双随机抽查…", open_draw),
        ("打印网格巡查单…", open_sheet),
        ("本月任务…", open_tasks),
    ):
        action = QAction(text, window)
        action.triggered.connect(slot)
        menu.addAction(action)
    return menu
