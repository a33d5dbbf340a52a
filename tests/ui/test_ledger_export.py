"""GUI: the ledger export dialog (operations run inline, and once on the real worker thread) and the
template column-mapping dialog."""

from __future__ import annotations

from pathlib import Path

from helpers import desk_as, desk_for
from openpyxl import Workbook, load_workbook
from PySide6.QtWidgets import QDialog, QMenu, QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from anquan_desk.core import settings
from anquan_desk.core.db import Database
from anquan_desk.core.models import Hazard, Inspection, Setting
from anquan_desk.core.progress import ProgressState
from anquan_desk.io.ledger import ExportCancelled
from anquan_desk.services import ledgers
from anquan_desk.services.demo import DEMO_ADMIN
from anquan_desk.ui import state
from anquan_desk.ui.ledger_export import (
    LedgerExportDialog,
    TemplateMappingDialog,
)
from anquan_desk.ui.operations import OperationRunner


def _finished_hazards(db: Database) -> int:
    with db.reader() as s:
        return int(s.scalar(
            select(func.count()).select_from(Hazard).join(Inspection, Inspection.id == Hazard.inspection_id)
            .where(Inspection.status == "已完成")
        ) or 0)


def _dialog(qtbot: QtBot, db: Database) -> LedgerExportDialog:
    dialog = LedgerExportDialog(desk_for(db), made_by="王芳")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_dialog_exports_inline(qtbot: QtBot, demo_db: Database, tmp_path: Path) -> None:
    dialog = _dialog(qtbot, demo_db)
    assert dialog.kind == "hazards" and dialog.out_edit.text().endswith(".xlsx")
    dialog.date_check.setChecked(False)
    out = tmp_path / "hazards.xlsx"
    dialog.out_edit.setText(str(out))
    dialog.deidentified_check.setChecked(True)
    dialog.export_button.click()
    assert dialog.error is None, dialog.error
    assert dialog.result_ is not None and dialog.result_.rows == _finished_hazards(demo_db)
    assert dialog.progress_values[-1] == 100 and dialog.progress_values[0] < 100
    assert dialog.progress_values == sorted(dialog.progress_values)
    assert str(out) in dialog.status_label.text()
    ws = load_workbook(out).active
    assert ws is not None
    assert ws["A1"].value == "红光镇隐患排查治理台账" and ws["H2"].value is not None
    headers = [c.value for c in ws[3]]
    assert "联系电话" not in headers and "负责人" not in headers  # 脱敏
    assert ws.max_row == 3 + dialog.result_.rows
    # The folder is remembered: the next export is offered there.
    assert state.load(state.LAST_FOLDER_EXPORT) == str(tmp_path)
    assert Path(_dialog(qtbot, demo_db).out_edit.text()).parent == tmp_path


def test_cancel_removes_the_partial_file(qtbot: QtBot, demo_db: Database, tmp_path: Path) -> None:
    dialog = _dialog(qtbot, demo_db)
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("inspections"))
    dialog.date_check.setChecked(False)
    out = tmp_path / "out" / "i.xlsx"
    out.parent.mkdir()
    dialog.out_edit.setText(str(out))
    original = dialog._on_progress

    def progress_then_cancel(progress: ProgressState) -> None:
        original(progress)
        if progress.done:
            assert dialog.op is not None and dialog.op.progress_dialog is not None
            shown = dialog.op.progress_dialog
            assert shown.labelText() == f"正在导出台账… 已写入 {progress.done} / {progress.total} 行"
            button = shown.findChild(QPushButton)
            assert button is not None and button.text() == "取消"
            button.click()
            assert shown.labelText() == "正在取消…"

    dialog._on_progress = progress_then_cancel  # type: ignore[method-assign]
    dialog.export_button.click()
    assert isinstance(dialog.error, ExportCancelled)
    assert "已取消" in dialog.status_label.text()
    assert dialog.op is not None and dialog.op.progress_dialog is None  # closed
    assert list(out.parent.iterdir()) == []
    assert dialog.export_button.isEnabled()


def test_export_on_the_worker_thread(qtbot: QtBot, demo_db: Database, tmp_path: Path) -> None:
    dialog = _dialog(qtbot, demo_db)
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("places"))
    out = tmp_path / "places.xlsx"
    dialog.out_edit.setText(str(out))
    runner = OperationRunner.instance()
    OperationRunner.synchronous = False
    try:
        dialog.export_button.click()
        assert not dialog.export_button.isEnabled()
        qtbot.waitUntil(lambda: dialog.result_ is not None or dialog.error is not None, timeout=60_000)
        qtbot.waitUntil(lambda: not runner.busy, timeout=10_000)
    finally:
        OperationRunner.synchronous = True
    assert dialog.error is None, dialog.error
    assert dialog.result_ is not None and dialog.result_.rows == 300 and out.is_file()
    assert dialog.progress_values[-1] == 100
    assert dialog.export_button.isEnabled() and str(out) in dialog.status_label.text()


def test_form_states_and_bad_form(qtbot: QtBot, demo_db: Database, tmp_path: Path) -> None:
    dialog = _dialog(qtbot, demo_db)
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("annual"))
    assert dialog.year_spin.isEnabled() and not dialog.ground_combo.isEnabled()
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("hazards"))
    assert [dialog.status_combo.itemText(i) for i in range(dialog.status_combo.count())][-2:] == ["未销号", "逾期"]
    dialog.out_edit.setText(str(tmp_path / "x.txt"))
    dialog.export_button.click()
    assert isinstance(dialog.error, Exception) and "xlsx" in dialog.status_label.text()


def _template(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["XX区隐患台账"])
    ws.append(["序号", "被检查单位", "存在问题", "店主签名", "检查时间"])
    wb.save(path)
    return path


def test_mapping_dialog_guesses_and_remembers(qtbot: QtBot, demo_db: Database, tmp_path: Path) -> None:
    template = _template(tmp_path / "t.xlsx")
    desk = desk_for(demo_db)
    dialog = TemplateMappingDialog(desk, template, ledgers.template_mapping(desk, template))
    qtbot.addWidget(dialog)
    guessed = [c.currentData() for c in dialog.combos]
    assert guessed == ["seq", "place_name", "description", None, "inspected_on"]
    item = dialog.table.item(1, 0)
    assert item is not None and item.text() == "B　被检查单位"
    dialog.combos[3].setCurrentIndex(dialog.combos[3].findData("description"))
    dialog.save()
    assert "同时选给了" in dialog.error_label.text() and dialog.result() == 0
    dialog.combos[3].setCurrentIndex(dialog.combos[3].findData("hazard_no"))
    dialog.save()
    with demo_db.reader() as s:
        stored = s.get(Setting, settings.LEDGER_TEMPLATE_MAPPINGS.key)
        assert stored is not None
        assert stored.value[dialog.mapping.fingerprint]["columns"]["hazard_no"] == 3
    # The export dialog uses it: column D gets the 隐患编号.
    export = _dialog(qtbot, demo_db)
    export.date_check.setChecked(False)
    export.template_edit.setText(str(template))
    out = tmp_path / "filled.xlsx"
    export.out_edit.setText(str(out))
    export.export_button.click()
    assert export.error is None, export.error
    ws = load_workbook(out).active
    assert ws is not None
    values = [r[3] for r in ws.iter_rows(min_row=3, values_only=True)]
    assert len(values) == _finished_hazards(demo_db) and all(str(v).startswith("YH") for v in values)


def test_mapping_button_reads_the_template_and_opens_the_mapping(
    qtbot: QtBot, demo_db: Database, tmp_path: Path
) -> None:
    export = _dialog(qtbot, demo_db)
    button = next(b for b in export.findChildren(QPushButton) if b.text() == "列对应…")
    button.click()
    assert export.mapping_dialog is None and "请先选择模板文件" in export.status_label.text()
    broken = tmp_path / "broken.xlsx"
    broken.write_text("not a workbook")
    export.template_edit.setText(str(broken))
    button.click()
    assert export.mapping_dialog is None and "broken.xlsx" in export.status_label.text()
    export.template_edit.setText(str(_template(tmp_path / "t.xlsx")))
    button.click()
    dialog = export.mapping_dialog
    assert dialog is not None and dialog.isVisible()
    assert [c.currentData() for c in dialog.combos] == ["seq", "place_name", "description", None, "inspected_on"]
    dialog.combos[3].setCurrentIndex(dialog.combos[3].findData("hazard_no"))
    dialog.save()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert ledgers.template_mapping(export.desk, Path(export.template_edit.text())).columns["hazard_no"] == 3


def test_main_window_menu_opens_the_dialog(qtbot: QtBot, demo_db: Database) -> None:
    from anquan_desk.core.models import User
    from anquan_desk.ui.main_window import MainWindow

    with demo_db.reader() as s:
        admin = s.scalars(select(User).where(User.username == DEMO_ADMIN)).one()
    window = MainWindow(desk_as(demo_db, admin))
    qtbot.addWidget(window)
    menus = {a.text(): a.menu() for a in window.menuBar().actions()}
    assert "台账(&L)" in menus
    ledger_menu = menus["台账(&L)"]
    assert isinstance(ledger_menu, QMenu)
    assert [a.text() for a in ledger_menu.actions()] == ["导出台账…"]
    window.ledger_action.trigger()
    dialog = window.findChild(LedgerExportDialog)
    assert dialog is not None and dialog.isVisible() and dialog.made_by == "周建国"
    dialog.reject()
