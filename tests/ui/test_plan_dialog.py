"""GUI: import a real district plan, untick a sector, accept; 双随机 dialog; work sheet dialog."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from helpers import PLANS, desk_as, desk_for
from PySide6.QtCore import QDate, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QFileDialog, QMenu, QTableWidgetItem, QTreeWidgetItem, QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from anquan_desk.core.db import Database
from anquan_desk.core.models import Place, Setting, User
from anquan_desk.core.plans.draw import verify_draw
from anquan_desk.core.plans.draws import DrawScope
from anquan_desk.services import plans
from anquan_desk.services.demo import DEMO_ADMIN
from anquan_desk.services.desk import Desk
from anquan_desk.ui import state
from anquan_desk.ui.main_window import MainWindow
from anquan_desk.ui.operations import WriteOp
from anquan_desk.ui.plan_dialog import DrawDialog, PlanImportDialog, WorksheetDialog
from anquan_desk.ui.plan_models import DrawPoolModel, DrawResultModel

CHINA = ZoneInfo("Asia/Shanghai")

PLAN = PLANS / "xixinan_2023_sange_henzhua.txt"


def _admin(db: Database) -> User:
    with db.reader() as s:
        return s.scalars(select(User).where(User.username == DEMO_ADMIN)).one()


def _top(item: QTreeWidgetItem | None) -> QTreeWidgetItem:
    assert item is not None
    return item


def _cell(item: QTableWidgetItem | None) -> QTableWidgetItem:
    assert item is not None
    return item


def _click(widget: QWidget) -> None:
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton)


@time_machine.travel(datetime(2027, 3, 10, 9, 0, tzinfo=CHINA), tick=False)
def test_import_untick_and_accept_stores_the_programme(qtbot: QtBot, demo_db: Database) -> None:
    desk = desk_as(demo_db, _admin(demo_db))
    dialog = PlanImportDialog(desk)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.accept_button.isEnabled()
    dialog.load_file(PLAN)
    assert dialog.summary is not None and dialog.error_label.text() == ""
    assert dialog.path_edit.text() == str(PLAN)
    assert dialog.title_label.text() == "西溪南镇安全生产“三个狠抓”专项行动实施方案"
    assert dialog.issuer_label.text() == "徽州区西溪南镇人民政府"
    # The plan of 2023 is carried out this year: the year defaults to today's, and says so.
    assert dialog.year_spin.value() == 2027
    assert dialog.year_note.text() == "计划原文年度为 2023 年，已改按 2027 年安排"
    # 常态化工作: no sentence listed twice (a clause with 每季度 and 每年 gives two parts).
    duties = [dialog.duties_list.item(i).text() for i in range(dialog.duties_list.count())]
    assert "【每季度】企业每季度至少组织开展一次全面安全检查" in duties
    assert any(d.startswith("【每年】主要负责人每年向职工大会") for d in duties)
    assert len({d.split("】", 1)[1] for d in duties}) == len(duties)
    assert dialog.sector_tree.topLevelItemCount() == 14
    gas = dialog.sector_item("燃气")
    assert gas.childCount() == 3  # evidence sentences
    assert any("燃气门站" in _top(gas.child(i)).text(0) for i in range(gas.childCount()))
    assert dialog.sector_item("森林防火").text(2) == "需乡镇自行添加检查表"

    # Checklists tab follows the ticks: unticking 燃气 removes it.
    tree = dialog.checklist_tree
    tops = [_top(tree.topLevelItem(i)).text(0) for i in range(tree.topLevelItemCount())]
    assert "燃气" in tops
    dialog.sector_item("燃气").setCheckState(0, Qt.CheckState.Unchecked)
    tops = [_top(tree.topLevelItem(i)).text(0) for i in range(tree.topLevelItemCount())]
    assert "燃气" not in tops and len(tops) == 13
    assert "需乡镇自行添加" in dialog.checklist_note.text()
    # Calendar tab: the plan's dated periods.
    names = {_cell(dialog.calendar_table.item(r, 0)).text() for r in range(dialog.calendar_table.rowCount())}
    assert names == {"元旦", "春节", "清明", "五一", "国庆", "汛期", "秋冬", "高温", "台风", "雨雪冰冻"}  # weather: default windows
    assert "重大活动" in dialog.undated_label.text()
    # Task list for 2026-12 once the year is set.
    dialog.year_spin.setValue(2026)
    assert dialog.year_note.text() == "计划原文年度为 2023 年，已改按 2026 年安排"
    dialog.month_combo.setCurrentIndex(11)
    assert dialog.task_tree.topLevelItemCount() > 0
    assert "2026 年 12 月" in dialog.tasks_summary.text()

    with qtbot.waitSignal(dialog.accepted):
        _click(dialog.accept_button)
    with demo_db.reader() as s:
        assert s.get(Setting, "plan.current") is not None
    programme = plans.current_programme(desk)
    assert programme is not None and dialog.programme == programme
    assert programme.year == 2026
    assert "燃气" not in programme.sector_names
    assert len(programme.sector_names) == 13 and "消防" in programme.sector_names
    assert programme.summary.title == "西溪南镇安全生产“三个狠抓”专项行动实施方案"


def test_unreadable_plan_shows_a_message(qtbot: QtBot, demo_db: Database, tmp_path: Path) -> None:
    dialog = PlanImportDialog(desk_as(demo_db, _admin(demo_db)))
    qtbot.addWidget(dialog)
    bad = tmp_path / "计划.doc"
    bad.write_bytes(b"\xd0\xcf\x11\xe0")
    dialog.load_file(bad)
    assert dialog.summary is None  # not read
    assert ".docx" in dialog.error_label.text() and not dialog.tabs.isEnabled()


def test_typed_path_and_the_remembered_folder(qtbot: QtBot, demo_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    dialog = PlanImportDialog(desk_as(demo_db, _admin(demo_db)))
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.path_edit.isReadOnly()
    QTest.keyClicks(dialog.path_edit, str(PLAN))
    QTest.keyClick(dialog.path_edit, Qt.Key.Key_Return)
    # Enter reads the typed file; it does not press the dialog's accept button.
    assert dialog.summary is not None and dialog.sector_tree.topLevelItemCount() == 14
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted and dialog.programme is None
    assert state.load(state.LAST_FOLDER_PLANS) == str(PLAN.parent)

    # 选择文件… starts in that folder.
    asked: list[str] = []

    def fake_open(_parent: QWidget, _title: str, folder: str, _filter: str) -> tuple[str, str]:
        asked.append(folder)
        return "", ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(fake_open))
    dialog.choose_file()
    assert asked == [str(PLAN.parent)]

    # A path typed and then 读取 clicked (no Enter) is read too; 选择文件… starts in its folder.
    other = PLANS / "enyang_2023_gongzuo_yaodian.txt"
    dialog.path_edit.clear()
    QTest.keyClicks(dialog.path_edit, str(other))
    QTest.mouseClick(dialog.read_button, Qt.MouseButton.LeftButton)
    assert dialog.summary is not None and dialog.title_label.text() == "2023年巴中市恩阳区安全生产工作要点"
    assert dialog.isVisible() and dialog.programme is None
    asked.clear()
    dialog.choose_file()
    assert asked == [str(other.parent)]

    # A typed path that does not exist: the message names the problem; the loaded plan stays.
    dialog.path_edit.setText(str(PLAN.parent / "没有这个文件.txt"))
    QTest.keyClick(dialog.path_edit, Qt.Key.Key_Enter)
    assert "文件不存在" in dialog.error_label.text()
    assert dialog.summary is not None and dialog.tabs.isEnabled()


def test_draw_dialog_draws_stores_and_prints(
    qtbot: QtBot, qtmodeltester: ModelTester, demo_db: Database, tmp_path: Path
) -> None:
    desk = desk_as(demo_db, _admin(demo_db))
    dialog = DrawDialog(desk)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.sector_combo.setCurrentIndex(dialog.sector_combo.findData("燃气"))
    pool = len(dialog.pool)
    assert dialog.pool_label.text() == f"候选场所：{pool} 处" and pool > 10
    assert dialog.pool == plans.draw_pool(desk, dialog.scope())
    qtmodeltester.check(dialog.pool_model)  # type: ignore[no-untyped-call]
    assert len(dialog.seed_edit.text()) == 8  # shown before the draw
    dialog.seed_edit.setText("")
    QTest.keyClicks(dialog.seed_edit, "424242")
    dialog.count_spin.setValue(pool)  # every place, so the 回避 pair is certainly tested
    target = dialog.pool[0]
    dialog.ex_inspector.setCurrentIndex(dialog.ex_inspector.findData("32010019002"))
    dialog.ex_place.setCurrentIndex(0)
    assert dialog.ex_place.currentText() == f"{target.name}（{target.grid}）"
    dialog.add_exclusion_from_form()
    assert dialog.exclusions == [("32010019002", target.id)]
    # Leave one inspector out.
    item = dialog.inspector_list.item(5)
    assert item is not None
    item.setCheckState(Qt.CheckState.Unchecked)
    _click(dialog.draw_button)
    assert dialog.draw is not None, dialog.message.text()
    record = dialog.draw.record
    assert record.seed == "424242" and len(record.assignments) == pool
    assert "32010019006" not in record.inspectors
    pair = next(a.inspectors for a in record.assignments if a.place == target.id)
    assert "32010019002" not in pair
    assert dialog.result_model.rowCount() == pool
    assert [r.place_id for r in dialog.result_model.rows] == [a.place for a in record.assignments]
    qtmodeltester.check(dialog.result_model)  # type: ignore[no-untyped-call]
    stored = plans.draw_history(desk)
    assert [d.record for d in stored] == [record] and verify_draw(stored[0].record)
    assert stored[0].drawn_by == desk.actor.name

    pdf = tmp_path / "record.pdf"
    dialog.print_record(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert dialog.message.text() == f"抽取记录已保存：{pdf}"
    saved = dialog.save_json(tmp_path / "record.json")
    assert saved is not None and json.loads(saved.read_text(encoding="utf-8"))["seed"] == "424242"


def test_impossible_draw_shows_the_reason(qtbot: QtBot, demo_db: Database) -> None:
    desk = desk_as(demo_db, _admin(demo_db))
    dialog = DrawDialog(desk)
    qtbot.addWidget(dialog)
    for i in range(dialog.inspector_list.count() - 1):  # one inspector left
        item = dialog.inspector_list.item(i)
        assert item is not None
        item.setCheckState(Qt.CheckState.Unchecked)
    _click(dialog.draw_button)
    assert dialog.draw is None and "至少需要 2 名" in dialog.message.text()
    assert dialog.draw_button.isEnabled()
    assert plans.draw_history(desk) == ()


def _close_place(desk: Desk, place_id: str) -> None:
    with desk.unit() as s:
        place = s.get(Place, place_id)
        assert place is not None
        place.status = "关闭"


def test_draw_pool_follows_changes_to_places(qtbot: QtBot, demo_db: Database) -> None:
    desk = desk_as(demo_db, _admin(demo_db))
    dialog = DrawDialog(desk)
    qtbot.addWidget(dialog)
    dialog.show()
    before = dialog.pool
    WriteOp(None, lambda _p: _close_place(desk, before[0].id)).run()
    assert [p.id for p in dialog.pool] == [p.id for p in before[1:]]
    assert dialog.pool_label.text() == f"候选场所：{len(before) - 1} 处"


def test_draw_models_with_the_demo_pool(qtmodeltester: ModelTester, demo_db: Database) -> None:
    desk = desk_for(demo_db, DEMO_ADMIN)
    pool = DrawPoolModel()
    pool.set_places(plans.draw_pool(desk))
    assert pool.rowCount() > 100
    first = plans.draw_pool(desk)[0]
    assert pool.data(pool.index(0, DrawPoolModel.COL_NAME)) == first.name
    assert pool.data(pool.index(0, DrawPoolModel.COL_GRID)) == first.grid
    assert pool.data(pool.index(0, DrawPoolModel.COL_LABEL), DrawPoolModel.PLACE_ID_ROLE) == first.id
    qtmodeltester.check(pool)  # type: ignore[no-untyped-call]
    results = DrawResultModel()
    results.set_draw(plans.draw_lots(desk, scope=DrawScope(), count=20, seed="7"))
    assert results.rowCount() == 20
    qtmodeltester.check(results)  # type: ignore[no-untyped-call]


def test_worksheet_dialog_writes_the_pdf(qtbot: QtBot, demo_db: Database, tmp_path: Path) -> None:
    dialog = WorksheetDialog(desk_for(demo_db))
    qtbot.addWidget(dialog)
    dialog.grid_combo.setCurrentIndex(dialog.grid_combo.findText("红光村第一网格"))
    dialog.date_edit.setDate(QDate(2026, 11, 24))
    assert dialog.day() == date(2026, 11, 24)
    out = tmp_path / "sheet.pdf"
    dialog.write(out)
    assert out.read_bytes().startswith(b"%PDF")
    assert "红光村第一网格安全巡查单（15 处场所）" in dialog.message.text()
    # A folder that cannot be written: the message says so.
    dialog.write(tmp_path / "没有的文件夹" / "sheet.pdf")
    assert dialog.message.text().startswith("生成失败：")


def test_worksheet_dialog_preselects_the_grid(qtbot: QtBot, demo_db: Database) -> None:
    desk = desk_for(demo_db)
    grids = plans.grid_options(desk)
    dialog = WorksheetDialog(desk, grid_id=grids[2][0])
    qtbot.addWidget(dialog)
    assert dialog.grid_combo.count() == len(grids)
    assert dialog.grid_combo.currentData() == grids[2][0] and dialog.grid_combo.currentText() == grids[2][1]


def test_main_window_has_the_plan_menu(qtbot: QtBot, demo_db: Database) -> None:
    window = MainWindow(desk_as(demo_db, _admin(demo_db)))
    qtbot.addWidget(window)
    menus = {a.text(): a.menu() for a in window.menuBar().actions()}
    assert "计划(&P)" in menus
    menu = menus["计划(&P)"]
    assert isinstance(menu, QMenu)
    assert [a.text() for a in menu.actions()] == ["导入工作方案…", "双随机抽查…", "打印网格巡查单…", "本月任务…"]
