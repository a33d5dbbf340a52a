"""GUI: import a real district plan, untick a sector, accept; 双随机 dialog; work sheet dialog."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from helpers import PLANS, desk_as, desk_for
from PySide6.QtCore import QDate, Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from anquan_desk.core.db import Database
from anquan_desk.core.models import Setting, User
from anquan_desk.core.plans.draw import verify_draw
from anquan_desk.core.plans.draws import stored_draws
from anquan_desk.core.plans.programme import load_programme
from anquan_desk.ui.main_window import MainWindow
from anquan_desk.ui.plan_dialog import DrawDialog, PlanImportDialog, WorksheetDialog

PLAN = PLANS / "xixinan_2023_sange_henzhua.txt"


def _admin(db: Database) -> User:
    with db.reader() as s:
        return s.scalars(select(User).where(User.username == "admin")).one()


def test_import_untick_and_accept_stores_the_programme(qtbot: QtBot, demo_db: Database) -> None:
    dialog = PlanImportDialog(desk_as(demo_db, _admin(demo_db)))
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.accept_button.isEnabled()
    assert dialog.load_file(PLAN)
    assert dialog.title_label.text() == "西溪南镇安全生产“三个狠抓”专项行动实施方案"
    assert dialog.issuer_label.text() == "徽州区西溪南镇人民政府"
    assert dialog.year_spin.value() == 2023
    assert dialog.sector_tree.topLevelItemCount() == 17
    gas = dialog.sector_item("燃气")
    assert gas.childCount() == 3  # evidence sentences
    assert any("燃气门站" in gas.child(i).text(0) for i in range(gas.childCount()))
    assert dialog.sector_item("森林防火").text(2) == "需乡镇自行添加检查表"

    # Checklists tab follows the ticks: unticking 燃气 removes it.
    tops = [dialog.checklist_tree.topLevelItem(i).text(0) for i in range(dialog.checklist_tree.topLevelItemCount())]
    assert "燃气" in tops
    dialog.sector_item("燃气").setCheckState(0, Qt.CheckState.Unchecked)
    tops = [dialog.checklist_tree.topLevelItem(i).text(0) for i in range(dialog.checklist_tree.topLevelItemCount())]
    assert "燃气" not in tops and len(tops) == 16
    assert "需乡镇自行添加" in dialog.checklist_note.text()
    # Calendar tab: the plan's dated periods for 2023.
    names = {dialog.calendar_table.item(r, 0).text() for r in range(dialog.calendar_table.rowCount())}
    assert names == {"元旦", "春节", "清明", "五一", "国庆", "汛期", "秋冬"}
    assert "重大活动" in dialog.undated_label.text()
    # Task list for 2026-12 once the year is set.
    dialog.year_spin.setValue(2026)
    assert dialog.year_note.text() == "计划原文年度为 2023 年，已改按 2026 年安排"
    dialog.month_combo.setCurrentIndex(11)
    assert dialog.task_tree.topLevelItemCount() > 0
    assert "2026 年 12 月" in dialog.tasks_summary.text()

    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(dialog.accept_button, Qt.MouseButton.LeftButton)
    with demo_db.reader() as s:
        programme = load_programme(s)
        assert s.get(Setting, "plan.current") is not None
    assert programme is not None
    assert programme.year == 2026
    assert "燃气" not in programme.sector_names
    assert len(programme.sector_names) == 16 and "消防" in programme.sector_names
    assert programme.summary.title == "西溪南镇安全生产“三个狠抓”专项行动实施方案"


def test_unreadable_plan_shows_a_message(qtbot: QtBot, demo_db: Database, tmp_path: Path) -> None:
    dialog = PlanImportDialog(desk_as(demo_db, _admin(demo_db)))
    qtbot.addWidget(dialog)
    bad = tmp_path / "计划.doc"
    bad.write_bytes(b"\xd0\xcf\x11\xe0")
    assert not dialog.load_file(bad)
    assert ".docx" in dialog.error_label.text() and not dialog.tabs.isEnabled()


def test_draw_dialog_draws_stores_and_prints(qtbot: QtBot, demo_db: Database, tmp_path: Path) -> None:
    dialog = DrawDialog(desk_as(demo_db, _admin(demo_db)))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.sector_combo.setCurrentIndex(dialog.sector_combo.findData("燃气"))
    pool = len(dialog.pool)
    assert dialog.pool_label.text() == f"候选场所：{pool} 处" and pool > 10
    assert len(dialog.seed_edit.text()) == 8  # shown before the draw
    dialog.seed_edit.setText("")
    qtbot.keyClicks(dialog.seed_edit, "424242")
    dialog.count_spin.setValue(pool)  # every place, so the 回避 pair is certainly tested
    target = dialog.pool[0]
    dialog.ex_inspector.setCurrentIndex(dialog.ex_inspector.findData("32010019002"))
    dialog.ex_place.setCurrentIndex(0)
    dialog.add_exclusion_from_form()
    assert dialog.exclusions == [("32010019002", target.id)]
    # Leave one inspector out.
    dialog.inspector_list.item(5).setCheckState(Qt.CheckState.Unchecked)
    qtbot.mouseClick(dialog.draw_button, Qt.MouseButton.LeftButton)
    assert dialog.draw is not None, dialog.message.text()
    record = dialog.draw.record
    assert record.seed == "424242" and len(record.assignments) == pool
    assert "32010019006" not in record.inspectors
    pair = next(a.inspectors for a in record.assignments if a.place == target.id)
    assert "32010019002" not in pair
    assert dialog.result_table.rowCount() == pool
    with demo_db.reader() as s:
        stored = stored_draws(s)
    assert [d.record for d in stored] == [record] and verify_draw(stored[0].record)

    pdf = dialog.print_record(tmp_path / "record.pdf")
    assert pdf is not None and pdf.read_bytes().startswith(b"%PDF")
    saved = dialog.save_json(tmp_path / "record.json")
    assert saved is not None and json.loads(saved.read_text(encoding="utf-8"))["seed"] == "424242"


def test_worksheet_dialog_writes_the_pdf(qtbot: QtBot, demo_db: Database, tmp_path: Path) -> None:
    dialog = WorksheetDialog(desk_for(demo_db))
    qtbot.addWidget(dialog)
    dialog.grid_combo.setCurrentIndex(dialog.grid_combo.findText("红光村第一网格"))
    dialog.date_edit.setDate(QDate(2026, 11, 24))
    assert dialog.day() == date(2026, 11, 24)
    out = dialog.write(tmp_path / "sheet.pdf")
    assert out is not None and out.read_bytes().startswith(b"%PDF")
    assert "红光村第一网格安全巡查单（15 处场所）" in dialog.message.text()


def test_main_window_has_the_plan_menu(qtbot: QtBot, demo_db: Database) -> None:
    window = MainWindow(desk_as(demo_db, _admin(demo_db)))
    qtbot.addWidget(window)
    menus = {a.text(): a.menu() for a in window.menuBar().actions()}
    assert "计划(&P)" in menus
    assert [a.text() for a in menus["计划(&P)"].actions()] == ["导入工作方案…", "双随机抽查…", "打印网格巡查单…", "本月任务…"]
