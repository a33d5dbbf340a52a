"""GUI: the import wizard takes a messy workbook through every page into a test database."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import desk_for
from helpers.corpus.xlsx import build_shared_string_bomb
from openpyxl import Workbook, load_workbook
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QFileDialog, QPushButton, QWizard
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from anquan_desk.core.db import Database
from anquan_desk.core.models import Place
from anquan_desk.core.progress import Progress
from anquan_desk.core.validators import credit_code_check_char
from anquan_desk.services import place_import
from anquan_desk.ui import state as window_state
from anquan_desk.ui.import_wizard import ImportWizard, PreviewTableModel
from anquan_desk.ui.operations import OperationRunner
from anquan_desk.ui.place_model import PlaceTableModel

GOOD_CODE = "91320115MA1M9XG2T" + credit_code_check_char("91320115MA1M9XG2T")
BAD_CODE = GOOD_CODE[:-1] + ("0" if GOOD_CODE[-1] != "0" else "1")


def messy_workbook(path: Path) -> Path:
    """A title row, a header our synonyms half understand (店主 is not a known heading), full-width
    text, a bad check digit, a duplicate row and a date typed as text."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "东湖社区"
    ws["A1"] = "东湖社区九小场所名单"
    ws.merge_cells("A1:G1")
    ws.append(["序号", "单位名称", "统一社会信用代码", "地址", "店主", "联系电话", "开业日期"])
    ws.append([1, "ＸＸ饭店", GOOD_CODE, "东湖社区红光路１２号", "张三", "13812345678", "2024.3.5"])
    ws.append([2, "好又多超市", BAD_CODE, "东湖社区建设路3号", "李四", "13812345679", None])
    ws.append([3, "XX饭店", None, "东湖社区红光路12号", "张三", "13812345678", None])
    ws.append([4, "晨光文具店", None, "东湖社区建设路5号", "周敏", "13700000001", "2023年7月1日"])
    wb.save(path)
    return path


def _dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    conn = sqlite3.connect(str(path))
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in names}
    finally:
        conn.close()


def _next(qtbot: QtBot, wizard: ImportWizard) -> None:
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)


def _acknowledge(qtbot: QtBot, wizard: ImportWizard) -> None:
    """Tick “我已核对以上提醒” where the options page asks for it (the file has warnings)."""
    box = wizard.options_page.acknowledge
    if box.isVisible() and not box.isChecked():
        qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()


def _through_preview(qtbot: QtBot, wizard: ImportWizard, file: Path) -> None:
    wizard.show()
    qtbot.waitExposed(wizard)
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()  # no file yet
    wizard.file_page.path_edit.setText(str(file))
    _next(qtbot, wizard)
    assert wizard.currentPage() is wizard.mapping_page
    page = wizard.mapping_page
    # The guess missed 店主; the user says it is the responsible person (column E).
    assert page.chosen() == {"name": 1, "credit_code": 2, "address": 3, "phone": 5, "established": 6}
    combo = page.combos["responsible_person"]
    assert combo.currentText() == "（不导入）"
    combo.setCurrentIndex(combo.findText("E列：店主"))
    _next(qtbot, wizard)
    assert wizard.currentPage() is wizard.preview_page


def test_wizard_imports_the_valid_rows(qtbot: QtBot, demo_db: Database, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    file = messy_workbook(tmp_path / "东湖社区名单.xlsx")
    wizard = ImportWizard(desk_for(demo_db, "tester"))
    qtbot.addWidget(wizard)
    _through_preview(qtbot, wizard, file)

    preview = wizard.preview_page
    cell = preview.cell
    assert preview.summary_label.text() == "共 4 行：新增 2，更新 0，有错误 2；错误 2 条，警告 4 条"
    assert [cell(r, 4) for r in range(preview.model.rowCount())] == ["XX饭店", "好又多超市", "XX饭店", "晨光文具店"]
    assert [cell(r, 2) for r in range(4)] == ["新增", "有错误", "有错误", "新增"]
    assert [cell(r, 6) for r in range(4)] == ["张三", "李四", "张三", "周敏"]  # the corrected column
    assert [preview.row_colour(r) for r in range(4)] == ["warning", "error", "error", "warning"]
    no_grid = "【警告】未填写网格（“东湖社区”有4个网格），导入后需手动分配网格"
    assert cell(0, 3) == no_grid
    assert cell(1, 3) == (
        f"【错误】C列（统一社会信用代码）：统一社会信用代码“{BAD_CODE}”校验位错误（应为 {GOOD_CODE[-1]}）\n{no_grid}"
    )
    assert cell(2, 3) == f"【错误】B列（单位名称）：与第3行重复（单位名称和地址相同）\n{no_grid}"
    # No village column: the sheet's name is the village.
    assert cell(0, 8) == "东湖社区"

    _next(qtbot, wizard)
    options = wizard.options_page
    assert wizard.currentPage() is options and options.all_or_nothing.isChecked()
    assert wizard.button(QWizard.WizardButton.NextButton).text() == "导入"
    radio = options.skip_invalid
    qtbot.mouseClick(radio, Qt.MouseButton.LeftButton, pos=QPoint(8, radio.height() // 2))
    assert options.skip_invalid.isChecked()
    # The rows have warnings: 导入 waits until the user says they have looked at them.
    assert options.acknowledge.isVisible() and not options.acknowledge.isChecked()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    assert options.warnings_label.isVisible()
    assert options.warnings_label.text().startswith("导入前请核对以下 ")
    _acknowledge(qtbot, wizard)
    _next(qtbot, wizard)
    result = wizard.result_page
    assert wizard.currentPage() is result
    assert "新增 2 个场所，更新 0 个，跳过 2 行" in result.result_label.text()
    problems = result.problem_model
    assert problems.rowCount() == 2 and problems.index(0, 1).data() == "4"

    with demo_db.reader() as s:
        shop = s.scalars(select(Place).where(Place.name == "晨光文具店")).one()
        assert (shop.responsible_person, shop.phone, shop.notes) == ("周敏", "13700000001", "成立日期：2023-07-01")
        assert s.scalars(select(Place).where(Place.name == "好又多超市")).first() is None

    out = tmp_path / "问题清单.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    qtbot.mouseClick(result.report_button, Qt.MouseButton.LeftButton)
    assert result.saved_label.text() == f"已保存到 {out}"
    rows = list(load_workbook(out)["问题清单"].iter_rows(min_row=4, values_only=True))
    assert [(r[2], r[4]) for r in rows] == [
        (3, "警告"), (4, "错误"), (4, "警告"), (5, "错误"), (5, "警告"), (6, "警告"),
    ]


def test_wizard_all_or_nothing_changes_nothing(qtbot: QtBot, demo_db: Database, demo_db_path: Path,
                                               tmp_path: Path) -> None:
    before = _dump(demo_db_path)
    file = messy_workbook(tmp_path / "东湖社区名单.xlsx")
    wizard = ImportWizard(desk_for(demo_db, "tester"))
    qtbot.addWidget(wizard)
    _through_preview(qtbot, wizard, file)
    _next(qtbot, wizard)
    _acknowledge(qtbot, wizard)
    _next(qtbot, wizard)  # 导入 with the default: all or nothing
    result = wizard.result_page
    assert wizard.currentPage() is result
    assert "导入未进行，数据库未作任何改动" in result.result_label.text()
    assert "“< 上一步”" in result.result_label.text()
    assert result.problem_model.rowCount() == 2
    assert _dump(demo_db_path) == before
    # The page says to go back: the back button is there and takes the user to the options.
    back = wizard.button(QWizard.WizardButton.BackButton)
    assert back.isVisible() and back.isEnabled()
    qtbot.mouseClick(back, Qt.MouseButton.LeftButton)
    assert wizard.currentPage() is wizard.options_page
    options = wizard.options_page
    qtbot.mouseClick(options.skip_invalid, Qt.MouseButton.LeftButton, pos=QPoint(8, options.skip_invalid.height() // 2))
    _next(qtbot, wizard)
    assert wizard.currentPage() is result and "新增 2 个场所" in result.result_label.text()
    # After a real import there is no way back (it is done).
    assert not wizard.button(QWizard.WizardButton.BackButton).isVisible()


def test_wizard_reports_an_unreadable_file(qtbot: QtBot, demo_db: Database, tmp_path: Path) -> None:
    bad = tmp_path / "坏文件.xlsx"
    bad.write_bytes(b"PK\x03\x04 broken")
    wizard = ImportWizard(desk_for(demo_db, "tester"))
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.path_edit.setText(str(bad))
    _next(qtbot, wizard)
    assert wizard.currentPage() is wizard.file_page
    assert wizard.file_page.error_label.text().startswith("文件“坏文件.xlsx”")


def test_wizard_refuses_a_zip_bomb_on_the_file_page(qtbot: QtBot, demo_db: Database, tmp_path: Path) -> None:
    bomb = build_shared_string_bomb(tmp_path / "炸弹.xlsx")
    wizard = ImportWizard(desk_for(demo_db, "tester"))
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.path_edit.setText(str(bomb))
    _next(qtbot, wizard)
    assert wizard.currentPage() is wizard.file_page
    text = wizard.file_page.error_label.text()
    assert text.startswith("文件“炸弹.xlsx”：文件解压后共有 1024 MB") and "压缩炸弹" in text


def test_wizard_preview_shows_what_would_otherwise_be_lost(qtbot: QtBot, demo_db: Database, tmp_path: Path) -> None:
    """A second 联系电话 column and a carriage return: named in the preview, not dropped silently."""
    file = tmp_path / "两个电话.xlsx"
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "东湖社区"
    ws.append(["单位名称", "地址", "联系电话", "联系电话"])
    ws.append(["双号小店", "东湖社区人民路1号_x000D_", "13812345678", "0571-87654321"])
    wb.save(file)
    wizard = ImportWizard(desk_for(demo_db, "tester"))
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.path_edit.setText(str(file))
    _next(qtbot, wizard)
    assert wizard.currentPage() is wizard.mapping_page
    _next(qtbot, wizard)
    preview = wizard.preview_page
    assert wizard.currentPage() is preview
    assert preview.file_problems.isVisibleTo(wizard)
    assert preview.file_problems.text() == (
        "【警告】文件“两个电话.xlsx”工作表“东湖社区”D列（联系电话）：与C列同为“联系电话”，只按C列导入；"
        "本列中与C列不同的值逐行列出")
    problems = preview.cell(0, 3).split("\n")
    assert "【警告】B列（地址）：含有回车符或制表符（文件中写作 _x000D_、_x0009_），已换成空格，请核对" in problems
    assert ("【警告】D列（联系电话）：与C列（联系电话）同名的另一列，值“0571-87654321”与C列（联系电话）不同；"
            "只按后者导入，本列的值已记入备注") in problems


# --- the models, the operations (progress, cancel, the button while reading), the last folder ----


def big_workbook(path: Path, n: int) -> Path:
    """``n`` good places in the demo's 东湖社区 (no errors; warnings only where the grid is missing)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "场所清单"
    ws.append(["序号", "单位名称", "地址", "负责人", "联系电话", "所属村（社区）", "网格"])
    for i in range(n):
        ws.append([i + 1, f"测试超市{i:04d}号", f"东湖社区人民路{i + 1}号", "张三", f"138{i:08d}", "东湖社区",
                   "东湖社区第一网格"])
    wb.save(path)
    return path


def test_preview_and_problem_models_pass_modeltester(qtbot: QtBot, qtmodeltester: object, demo_db: Database,
                                                     tmp_path: Path) -> None:
    wizard = ImportWizard(desk_for(demo_db, "tester"))
    qtbot.addWidget(wizard)
    _through_preview(qtbot, wizard, messy_workbook(tmp_path / "东湖社区名单.xlsx"))
    assert wizard.preview_page.model.rowCount() == 4
    qtmodeltester.check(wizard.preview_page.model)  # type: ignore[attr-defined]
    _next(qtbot, wizard)
    _acknowledge(qtbot, wizard)
    _next(qtbot, wizard)  # all or nothing: blocked, the errors are listed
    assert wizard.result_page.problem_model.rowCount() == 2
    qtmodeltester.check(wizard.result_page.problem_model)  # type: ignore[attr-defined]


def test_browse_starts_in_the_last_import_folder(qtbot: QtBot, demo_db: Database, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "名单"
    folder.mkdir()
    file = messy_workbook(folder / "东湖社区名单.xlsx")
    wizard = ImportWizard(desk_for(demo_db, "tester"))
    qtbot.addWidget(wizard)
    _through_preview(qtbot, wizard, file)
    assert window_state.load(window_state.LAST_FOLDER_IMPORT) == str(folder)
    asked: list[str] = []

    def choose(_parent: object, _title: str, start: str, _filter: str) -> tuple[str, str]:
        asked.append(start)
        return "", ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", choose)
    again = ImportWizard(desk_for(demo_db, "tester"))
    qtbot.addWidget(again)
    again.show()
    browse = next(b for b in again.file_page.findChildren(QPushButton) if b.text() == "浏览…")
    qtbot.mouseClick(browse, Qt.MouseButton.LeftButton)
    assert asked == [str(folder)]


@pytest.fixture
def threaded() -> Iterator[None]:
    """Operations on their real worker threads (the wizard waits for them)."""
    OperationRunner.synchronous = False
    yield
    assert OperationRunner.instance().drain(10)
    OperationRunner.synchronous = True


def test_reading_runs_off_the_ui_thread_with_next_disabled(qtbot: QtBot, demo_db: Database, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch, threaded: None) -> None:
    release = threading.Event()
    threads: list[str] = []
    real = place_import.preview_place_list

    def slow_preview(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.current_thread().name)
        release.wait(5)
        return real(*args, **kwargs)

    monkeypatch.setattr(place_import, "preview_place_list", slow_preview)
    wizard = ImportWizard(desk_for(demo_db, "tester"))
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.path_edit.setText(str(messy_workbook(tmp_path / "东湖社区名单.xlsx")))
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    _next(qtbot, wizard)
    qtbot.waitUntil(lambda: bool(threads))
    assert wizard.currentPage() is wizard.file_page and not next_button.isEnabled()
    wizard.next()  # a second 下一步 while reading starts nothing
    release.set()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.mapping_page)
    assert len(threads) == 1 and threads[0].startswith("anquan-reader")
    assert next_button.isEnabled()


def test_reading_can_be_cancelled(qtbot: QtBot, demo_db: Database, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch, threaded: None) -> None:
    started = threading.Event()

    def endless_preview(*_args: Any, progress: Progress, **_kwargs: Any) -> Any:
        started.set()
        for _ in range(500):
            progress.check()
            time.sleep(0.01)
        raise AssertionError("not cancelled")

    monkeypatch.setattr(place_import, "preview_place_list", endless_preview)
    wizard = ImportWizard(desk_for(demo_db, "tester"))
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.path_edit.setText(str(messy_workbook(tmp_path / "东湖社区名单.xlsx")))
    _next(qtbot, wizard)
    op = wizard.file_page.op
    assert op is not None and op.progress_dialog is not None
    dialog = op.progress_dialog
    qtbot.waitUntil(dialog.isVisible)  # after a blink
    cancel = dialog.findChild(QPushButton)
    assert cancel is not None and cancel.text() == "取消"
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.file_page.op is None)
    assert wizard.currentPage() is wizard.file_page and wizard.file_page.error_label.text() == ""
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()


def test_cancelling_the_import_rolls_it_back(qtbot: QtBot, demo_db: Database, demo_db_path: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch, threaded: None) -> None:
    """Every place is written (and flushed) before the cancel arrives: the import is undone all the same."""
    written = threading.Event()
    real = place_import.import_places

    def write_then_wait(session: Any, preview: Any, *, progress: Progress, **kwargs: Any) -> Any:
        result = real(session, preview, progress=progress, **kwargs)
        assert result.imported == 300
        written.set()
        for _ in range(500):
            progress.check()
            time.sleep(0.01)
        raise AssertionError("not cancelled")

    file = big_workbook(tmp_path / "大名单.xlsx", 300)
    wizard = ImportWizard(desk_for(demo_db, "tester"))
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.path_edit.setText(str(file))
    _next(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.mapping_page, timeout=20000)
    _next(qtbot, wizard)
    assert wizard.currentPage() is wizard.preview_page
    assert wizard.preview_page.model.rowCount() == 300
    _next(qtbot, wizard)
    _acknowledge(qtbot, wizard)
    before = _dump(demo_db_path)
    monkeypatch.setattr(place_import, "import_places", write_then_wait)
    _next(qtbot, wizard)
    op = wizard.options_page.op
    assert op is not None and op.progress_dialog is not None
    assert written.wait(20)
    qtbot.waitUntil(op.progress_dialog.isVisible)
    cancel = op.progress_dialog.findChild(QPushButton)
    assert cancel is not None
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.options_page.op is None, timeout=10000)
    assert wizard.currentPage() is wizard.options_page
    assert wizard.options_page.error_label.text() == "已取消导入，数据库未作任何改动。"
    assert _dump(demo_db_path) == before


def test_a_big_import_through_the_workers_refreshes_the_place_list(qtbot: QtBot, demo_db: Database, tmp_path: Path,
                                                                     threaded: None) -> None:
    desk = desk_for(demo_db, "tester")
    places = PlaceTableModel(desk)
    before = places.total
    wizard = ImportWizard(desk)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.path_edit.setText(str(big_workbook(tmp_path / "大名单.xlsx", 300)))
    for page in (wizard.mapping_page, wizard.preview_page, wizard.options_page, wizard.result_page):
        if wizard.currentPage() is wizard.options_page:
            _acknowledge(qtbot, wizard)
        _next(qtbot, wizard)
        qtbot.waitUntil(lambda page=page: wizard.currentPage() is page, timeout=20000)  # type: ignore[misc]
    assert wizard.state.result is not None and wizard.state.result.imported == 300
    assert places.total == before + 300  # the model heard the announcement and reloaded itself


def test_a_csv_with_place_kinds_shows_inferred_sectors_and_asks_about_warnings(
        qtbot: QtBot, demo_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """场所类别 is the 九小 kind (and may feed 行业领域 too); the preview shows the inferred sectors; a
    phone warning must be acknowledged before 导入; the chosen folder is remembered at once."""
    folder = tmp_path / "名单"
    folder.mkdir()
    file = folder / "东湖社区.csv"
    file.write_bytes("单位名称,地址,负责人,联系电话,所属村(社区),所属网格,场所类别\r\n"
                     "老张烧烤店,东湖社区红光路88号,张三,1381234567,东湖社区,东湖社区第一网格,烧烤店\r\n"
                     "东升旅社,东湖社区红光路90号,李四,13812345679,东湖社区,东湖社区第一网格,旅社\r\n".encode("gb18030"))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_a: (str(file), ""))
    wizard = ImportWizard(desk_for(demo_db, "tester"))
    qtbot.addWidget(wizard)
    wizard.resize(1366, 768)
    wizard.show()
    qtbot.waitExposed(wizard)
    browse = next(b for b in wizard.file_page.findChildren(QPushButton) if b.text() == "浏览…")
    qtbot.mouseClick(browse, Qt.MouseButton.LeftButton)
    assert wizard.file_page.path_edit.text() == str(file)
    assert window_state.load(window_state.LAST_FOLDER_IMPORT) == str(folder)
    _next(qtbot, wizard)
    page = wizard.mapping_page
    assert wizard.currentPage() is page
    assert page.combos["nine_small_kind"].currentText() == "G列：场所类别"
    assert page.combos["sector"].currentText() == "（不导入）"
    page.set_column("sector", 6)  # one column may feed both
    _next(qtbot, wizard)
    preview = wizard.preview_page
    assert wizard.currentPage() is preview
    kind, sectors = PreviewTableModel.COL_KIND, PreviewTableModel.COL_SECTORS
    assert preview.model.headerData(sectors, Qt.Orientation.Horizontal) == "行业领域（含推断）"
    assert [(preview.cell(r, kind), preview.cell(r, sectors)) for r in range(2)] == [
        ("小餐饮场所", "九小场所、消防、燃气"), ("小旅馆", "九小场所、消防"),
    ]
    assert preview.row_colour(0) == "warning" and "手机号码应为11位" in preview.cell(0, PreviewTableModel.COL_PROBLEMS)
    _next(qtbot, wizard)
    options = wizard.options_page
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    assert options.acknowledge.isVisible() and not next_button.isEnabled()
    assert "1381234567" in options.warnings_label.text()
    _acknowledge(qtbot, wizard)
    _next(qtbot, wizard)
    assert wizard.currentPage() is wizard.result_page
    assert "新增 2 个场所" in wizard.result_page.result_label.text()
    with demo_db.reader() as s:
        bbq = s.scalars(select(Place).where(Place.name == "老张烧烤店")).one()
        assert (bbq.nine_small_kind, set(bbq.sectors)) == ("小餐饮场所", {"九小场所", "消防", "燃气"})


def test_no_warnings_no_acknowledgement(qtbot: QtBot, demo_db: Database, tmp_path: Path) -> None:
    file = tmp_path / "clean.csv"
    file.write_text("单位名称,地址,负责人,联系电话,所属村(社区),所属网格\n"
                    "清爽小店,东湖社区红光路92号,王五,13812345670,东湖社区,东湖社区第一网格\n", encoding="utf-8")
    wizard = ImportWizard(desk_for(demo_db, "tester"))
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.path_edit.setText(str(file))
    for _ in range(3):
        _next(qtbot, wizard)
    assert wizard.currentPage() is wizard.options_page
    assert not wizard.options_page.acknowledge.isVisible()
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()
