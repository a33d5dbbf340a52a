"""A new township's first day, clicked through the real screens (issue 13, "done when").

From a new, empty database file: the first-run wizard sets up 白沙镇 (2 villages, 3 grids, an
administrator, an inspector with a 执法证号 and a 网格员 who makes the second inspector); the program
is started again and the inspector logs in through the login dialog; in the main window she imports
the township's place list (an .xlsx) through the import wizard, starts a check at one of the new
places, answers every item (one 不合格: a hazard), has the responsible person sign, and issues the
安全隐患整改通知书 from the 打印文书 menu. The issued notice is read back (its row, its frozen
snapshot, the PDF the preview shows) and names 白沙镇 and the imported place.

After every step the database holds nothing of the demo (红光镇 and its people) and no demo file
was created beside the real one.
"""

from __future__ import annotations

import hashlib
import io
import re
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import pytest
from openpyxl import Workbook
from pypdf import PdfReader
from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMenu, QMessageBox, QWidget, QWizard
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from anquan_desk.core import settings
from anquan_desk.core.clock import to_local
from anquan_desk.core.db import default_data_dir
from anquan_desk.core.documents.snapshot import NoticeContent
from anquan_desk.core.models import (
    Document,
    Grid,
    GridMember,
    Hazard,
    Inspection,
    InspectionParticipant,
    IssuedNumber,
    Place,
    Township,
    User,
    Village,
)
from anquan_desk.core.validators import credit_code_check_char
from anquan_desk.resources import resource_path
from anquan_desk.services import documents as docs
from anquan_desk.services import township
from anquan_desk.services.demo import INSPECTORS as DEMO_INSPECTORS
from anquan_desk.services.desk import Desk
from anquan_desk.ui.documents import DocumentPreviewDialog, DraftDialog, ServiceDateDialog
from anquan_desk.ui.ground_tree import NODE_KIND_ROLE
from anquan_desk.ui.import_wizard import ImportWizard
from anquan_desk.ui.inspection.finish_dialog import FinishDialog
from anquan_desk.ui.inspection.screen import KIND_ROLE, InspectionWidget
from anquan_desk.ui.inspection.start_dialog import ID_ROLE, StartInspectionDialog
from anquan_desk.ui.login import LoginDialog
from anquan_desk.ui.main_window import MainWindow
from anquan_desk.ui.place_model import PlaceTableModel
from anquan_desk.ui.setup_wizard import SetupWizard

pytestmark = [
    pytest.mark.gui,
    # The offscreen platform can neither raise the 打印文书 menu nor let it grab the keyboard; real ones do.
    pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing the keyboard)"),
]

W = TypeVar("W", bound=QWidget)

TOWN = "白沙镇"
GROUND = {"白沙村": ("白沙村一网格", "白沙村二网格"), "渔港社区": ("渔港社区网格",)}
PASSWORD = "baisha2026"
#: username, name, role, 执法证号, 工作证号 (the administrator first; none of them is in the demo)
ADMIN = ("sunming", "孙明", "管理员", "", "")
INSPECTOR = ("qianting", "钱婷", "检查员", "32010029002", "")
GRID_WORKER = ("wulei", "吴磊", "网格员", "", "BS-2026-031")
PEOPLE = (ADMIN, INSPECTOR, GRID_WORKER)


def _code(body: str) -> str:
    first17 = "92330211" + body
    return first17 + credit_code_check_char(first17)


#: The township's place list: name, credit code, address, responsible person, phone, village, grid, trade.
PLACES = (
    ("白沙鲜味小吃店", _code("MA2B3C4D5"), "白沙村滨江路8号", "郑敏", "13912340001", "白沙村", "白沙村一网格", "小吃、液化气"),
    ("渔港平价超市", _code("MA2B3C4D6"), "渔港社区海堤路3号", "冯伟", "13912340002", "渔港社区", "渔港社区网格", "超市"),
    ("白沙便民理发店", _code("MA2B3C4D7"), "白沙村中心街15号", "褚丽", "13912340003", "白沙村", "白沙村二网格", "理发"),
)
CHECKED = PLACES[0]  # the place checked: a snack bar with bottled gas

#: What the demo database (红光镇) is made of: none of it may turn up here.
_WORDS = tomllib.loads(resource_path("demo", "words.toml").read_text(encoding="utf-8"))
DEMO_TOWN: str = _WORDS["township"]
DEMO_VILLAGES = {v["name"] for v in _WORDS["villages"]}
DEMO_GRIDS = {g for v in _WORDS["villages"] for g in v["grids"]}
DEMO_USERNAMES = {username for username, *_ in DEMO_INSPECTORS}
DEMO_NAMES = {name for _username, name, *_ in DEMO_INSPECTORS}


@pytest.fixture(autouse=True)
def _device(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANQUAN_DEVICE_FILE", str(tmp_path / "device.json"))


@pytest.fixture
def messages(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Information, warning and question boxes would block the test: recorded instead (none is expected)."""
    shown: list[str] = []
    for kind in ("information", "warning", "question"):
        monkeypatch.setattr(QMessageBox, kind, staticmethod(lambda _p, _t, text, *a, **k: shown.append(text)))
    return shown


# --- helpers ---------------------------------------------------------------------------------------


def _next(qtbot: QtBot, wizard: QWizard) -> None:
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)


def _click(qtbot: QtBot, widget: QWidget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


@contextmanager
def _answering(
    kind: type[W],
    answer: Callable[[W], None],
    find: Callable[[], QWidget | None] = QApplication.activeModalWidget,
    *,
    optional: bool = False,
) -> Iterator[list[W]]:
    """Within the block a modal ``kind`` (a dialog, or with ``find`` a popup menu) opens and blocks in
    its own event loop: ``answer`` drives it as soon as it is up. The dialog is closed afterwards
    whatever happened (and any other modal closed at once), so a failure never leaves the test hanging;
    the failure is raised after the block, and the block must have opened exactly one ``kind`` (at most
    one when ``optional``)."""
    handled: list[W] = []
    errors: list[BaseException] = []
    waiting = [True]

    def look() -> None:
        if not waiting[0]:
            return
        widget = find()
        if widget is not None and not isinstance(widget, kind):  # something else blocks: never hang
            errors.append(AssertionError(f"{type(widget).__name__} “{widget.windowTitle()}” opened instead"))
            widget.close()
        if not isinstance(widget, kind):
            QTimer.singleShot(20, look)
            return
        waiting[0] = False
        handled.append(widget)
        try:
            answer(widget)
        except BaseException as exc:  # raised again after the block
            errors.append(exc)
        finally:
            if widget.isVisible():
                widget.close()

    QTimer.singleShot(0, look)
    try:
        yield handled
    finally:
        waiting[0] = False
    if errors:
        raise errors[0]
    assert len(handled) == 1 or (optional and not handled), f"no {kind.__name__} was shown"


def _user_ids(desk: Desk) -> dict[str, str]:
    with desk.db.reader() as s:
        return {u.username: u.id for u in s.scalars(select(User))}


def _assert_no_demo(desk: Desk, *, places: tuple[str, ...], checks: int = 0, documents: int = 0) -> None:
    """Exactly 白沙镇 as the wizard set it up, the listed places and what this test did; no row of
    the demo, and no demo database beside the real one (or in the data folder)."""
    db_file = desk.file_path
    assert db_file is not None
    with desk.db.reader() as s:
        towns = s.scalars(select(Township)).all()
        assert [t.name for t in towns] == [TOWN]
        assert settings.township_get(towns[0], settings.DEMO) is False
        villages = {v.name for v in s.scalars(select(Village))}
        grids = {g.name for g in s.scalars(select(Grid))}
        assert villages == set(GROUND) and not villages & DEMO_VILLAGES
        assert grids == {g for gs in GROUND.values() for g in gs} and not grids & DEMO_GRIDS
        people = {(u.username, u.name) for u in s.scalars(select(User))}
        assert people == {(p[0], p[1]) for p in PEOPLE}
        assert not {u for u, _ in people} & DEMO_USERNAMES and not {n for _, n in people} & DEMO_NAMES
        assert s.scalar(select(func.count()).select_from(GridMember)) == 0  # the demo staffs every grid
        assert sorted(s.scalars(select(Place.name))) == sorted(places)
        assert s.scalar(select(func.count()).select_from(Inspection)) == checks
        assert s.scalar(select(func.count()).select_from(Document)) == documents
        assert not [p for p in s.scalars(select(Place.name)) if DEMO_TOWN[:2] in p]
    assert not township.demo_path(db_file).exists()
    assert not (default_data_dir() / "anquan-demo.db").exists()
    assert not [p for p in db_file.parent.rglob("*") if "demo" in p.name]


def _place_list(path: Path) -> Path:
    """The list as a township office keeps it: a title row above the header, village and grid columns."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "场所清单"
    ws.append(["白沙镇九小场所底数清单"])
    ws.merge_cells("A1:I1")
    ws.append(["序号", "单位名称", "统一社会信用代码", "经营地址", "负责人", "联系电话", "所属村（社区）", "网格",
               "行业类别"])
    for n, row in enumerate(PLACES, start=1):
        ws.append([n, *row])
    wb.save(path)
    return path


def _find(model: QStandardItemModel, text: str) -> QModelIndex:
    matches = model.match(model.index(0, 0), Qt.ItemDataRole.DisplayRole, text, 1, Qt.MatchFlag.MatchRecursive)
    assert matches, text
    return matches[0]


def _flat(text: str) -> str:
    return "".join(text.split())


# --- the day -------------------------------------------------------------------------------------------


def _set_up(qtbot: QtBot, desk: Desk) -> None:
    """首次使用: the wizard, page by page, as a new user fills it in."""
    wizard = SetupWizard(desk)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    assert wizard.currentPage() is wizard.welcome_page
    _next(qtbot, wizard)

    assert wizard.currentPage() is wizard.township_page
    wizard.township_page.form.name_edit.setText(TOWN)  # Chinese arrives through the input method
    wizard.township_page.form.county_edit.setText("青溪县")
    _next(qtbot, wizard)
    assert wizard.currentPage() is wizard.enforcement_page
    assert wizard.enforcement_page.form.none_radio.isChecked()  # not authorised: it issues notices
    _next(qtbot, wizard)
    assert wizard.currentPage() is wizard.numbers_page
    assert re.fullmatch(r"白沙安改〔\d{4}〕第001号", wizard.numbers_page.form.previews["notice"].text())
    _next(qtbot, wizard)

    ground = wizard.ground_page.editor
    assert wizard.currentPage() is wizard.ground_page
    for village, grids in GROUND.items():
        ground.village_edit.setText(village)
        _click(qtbot, ground.add_village_button)
        for grid in grids:
            ground.grid_edit.setText(grid)
            _click(qtbot, ground.add_grid_button)
    assert [(v.name, v.kind, v.grids) for v in ground.villages()] == [
        ("白沙村", "村", GROUND["白沙村"]), ("渔港社区", "社区", GROUND["渔港社区"])]
    _next(qtbot, wizard)

    people = wizard.users_page
    assert wizard.currentPage() is people
    people.admin_name.setText(ADMIN[1])
    people.admin_username.clear()
    qtbot.keyClicks(people.admin_username, ADMIN[0])
    qtbot.keyClicks(people.admin_password, PASSWORD)
    qtbot.keyClicks(people.admin_repeat, PASSWORD)
    for username, name, role, cert, work in (INSPECTOR, GRID_WORKER):
        qtbot.keyClicks(people.user_username, username)
        people.user_name.setText(name)
        people.user_role.setCurrentText(role)
        qtbot.keyClicks(people.user_cert, cert)
        qtbot.keyClicks(people.user_work, work)
        qtbot.keyClicks(people.user_password, PASSWORD)
        _click(qtbot, people.add_user_button)
        assert people.error_label.text() == "" or people.error_label.isHidden()
    assert people.table.rowCount() == 2
    _next(qtbot, wizard)

    assert wizard.currentPage() is wizard.summary_page
    summary = wizard.summary_page.summary.text()
    assert "2 个村（社区），3 个网格" in summary
    assert "孙明（sunming，管理员）、钱婷（qianting，检查员）、吴磊（wulei，网格员）" in summary
    assert "隐患整改出具《安全隐患整改通知书》" in summary
    with qtbot.waitSignal(wizard.accepted):
        _click(qtbot, wizard.button(QWizard.WizardButton.FinishButton))
    assert wizard.admin is not None and (wizard.admin.username, wizard.admin.role) == ("sunming", "管理员")
    assert wizard.demo_desk is None

    with desk.db.reader() as s:
        rows = {u.username: (u.name, u.role, u.cert_no, u.work_no) for u in s.scalars(select(User))}
    assert rows == {p[0]: p[1:] for p in PEOPLE}


def _log_in(qtbot: QtBot, desk: Desk, state: township.StartState) -> LoginDialog:
    """The login dialog as the program shows it on a set-up database; the inspector logs in."""
    login = LoginDialog(desk, township=state.township or "")
    qtbot.addWidget(login)
    login.show()
    qtbot.waitExposed(login)
    assert login.ui.townshipLabel.text() == TOWN and login.ui.hintLabel.isHidden()  # no demo hint
    ok = login.ui.buttonBox.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.text() == "登录"
    login.ui.usernameEdit.clear()
    qtbot.keyClicks(login.ui.usernameEdit, INSPECTOR[0])
    qtbot.keyClicks(login.ui.passwordEdit, "demo123")  # the demo's password opens nothing here
    _click(qtbot, ok)
    assert login.user is None and "不正确" in login.ui.errorLabel.text()
    login.ui.passwordEdit.clear()
    qtbot.keyClicks(login.ui.passwordEdit, PASSWORD)
    with qtbot.waitSignal(login.accepted):
        qtbot.keyClick(login.ui.passwordEdit, Qt.Key.Key_Return)
    assert login.user is not None
    assert (login.user.username, login.user.name, login.user.role) == INSPECTOR[:3]
    return login


def _import(qtbot: QtBot, window: MainWindow, xlsx: Path) -> dict[str, str]:
    """文件 › 导入场所清单（Excel）…: every page of the import wizard."""
    seen: dict[str, str] = {}

    def through(wizard: ImportWizard) -> None:
        assert wizard.state.desk.actor.username == INSPECTOR[0]
        wizard.file_page.path_edit.setText(str(xlsx))
        _next(qtbot, wizard)
        assert wizard.currentPage() is wizard.mapping_page, wizard.file_page.error_label.text()
        chosen = wizard.mapping_page.chosen()
        assert {k: chosen.get(k) for k in ("name", "credit_code", "address", "responsible_person", "phone",
                                           "village", "grid", "sector")} == {
            "name": 1, "credit_code": 2, "address": 3, "responsible_person": 4, "phone": 5, "village": 6,
            "grid": 7, "sector": 8}
        _next(qtbot, wizard)
        preview = wizard.preview_page
        assert wizard.currentPage() is preview
        seen["preview"] = preview.summary_label.text()
        assert [preview.cell(r, preview.model.COL_WHERE) for r in range(preview.model.rowCount())] == [
            f"{p[5]} / {p[6]}" for p in PLACES]
        assert [preview.row_colour(r) for r in range(preview.model.rowCount())] == [None] * len(PLACES)
        _next(qtbot, wizard)
        assert wizard.currentPage() is wizard.options_page and wizard.options_page.all_or_nothing.isChecked()
        assert not wizard.options_page.create_missing.isChecked()  # the places go into the wizard's grids
        _next(qtbot, wizard)  # 导入
        assert wizard.currentPage() is wizard.result_page, wizard.options_page.error_label.text()
        seen["result"] = wizard.result_page.result_label.text()
        _click(qtbot, wizard.button(QWizard.WizardButton.FinishButton))

    with _answering(ImportWizard, through):
        window.import_action.trigger()
    return seen


def _start_check(qtbot: QtBot, window: MainWindow, people: dict[str, str]) -> InspectionWidget:
    """Pick the place in its grid, 开始检查, the inspector and the 网格员 as the two inspectors."""
    window.ground_view.expandAll()
    grid = _find(window.ground_model, CHECKED[6])
    assert grid.data(NODE_KIND_ROLE) == "grid" and grid.siblingAtColumn(1).data() == "1"
    qtbot.mouseClick(window.ground_view.viewport(), Qt.MouseButton.LeftButton,
                     pos=window.ground_view.visualRect(grid).center())
    assert window.place_model.total == 1 and window.count_label.text() == "共 1 个场所"
    row = window.place_model.index(0, PlaceTableModel.COL_NAME)
    assert row.data() == CHECKED[0]
    window.place_view.scrollTo(row)
    qtbot.mouseClick(window.place_view.viewport(), Qt.MouseButton.LeftButton,
                     pos=window.place_view.visualRect(row).center())
    assert window.selected_place_id() is not None

    def start(dialog: StartInspectionDialog) -> None:
        assert dialog.title.text() == f"{CHECKED[0]}　{CHECKED[2]}"
        assert dialog.accompany_edit.text() == CHECKED[3]
        listed = {str(dialog.people_list.item(i).data(ID_ROLE)): dialog.people_list.item(i)
                  for i in range(dialog.people_list.count())}
        assert set(listed) == set(people.values())  # everyone who may inspect, nobody of the demo
        assert dialog.people_list.item(0).text() == f"{INSPECTOR[1]}　执法证号：{INSPECTOR[3]}"  # certified first
        assert StartInspectionDialog._checked(dialog.people_list) == [people[INSPECTOR[0]]]  # herself
        assert len(StartInspectionDialog._checked(dialog.template_list)) >= 2  # preselected for the place
        ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
        _click(qtbot, ok)  # one inspector: refused
        assert dialog.inspection_id is None and "两名及以上" in dialog.error_label.text()
        listed[people[GRID_WORKER[0]]].setCheckState(Qt.CheckState.Checked)
        _click(qtbot, ok)
        assert dialog.inspection_id is not None, dialog.error_label.text()

    before = window.tabs.count()
    with _answering(StartInspectionDialog, start):
        _click(qtbot, window.start_button)
    screen = window.tabs.currentWidget()
    assert isinstance(screen, InspectionWidget) and window.tabs.count() == before + 1
    assert CHECKED[0] in window.tabs.tabText(window.tabs.currentIndex())
    return screen


def _answer_all(qtbot: QtBot, screen: InspectionWidget) -> int:
    """Every item with the keyboard: 2 (不合格) for the first gas item, 1 (合格) for the others."""
    qtbot.waitExposed(screen)
    items = [n for n in screen._items() if n.data(0, KIND_ROLE) == "item"]
    assert len(items) > 10
    failing = next((n for n in items if "燃气" in n.text(0) or "气瓶" in n.text(0)), items[0])
    for node in items:
        screen.tree.setCurrentItem(node)
        qtbot.keyClick(screen.tree, Qt.Key.Key_2 if node is failing else Qt.Key.Key_1)
        if node is failing:
            assert screen.form.box.isVisible() and screen.form.description.toPlainText().strip()
            screen.form.location.setText("后厨操作间")  # Chinese arrives through the input method
            qtbot.keyClicks(screen.form.location, " 2")  # typing saves the form
    total = len(items)
    assert screen.progress_label.text().startswith(f"已检查 {total}/{total} 项，还剩 0 项，发现隐患 1 处")
    return total


def _finish(qtbot: QtBot, screen: InspectionWidget, total: int) -> None:
    """完成检查…: the responsible person signs on the pad."""

    def sign(dialog: FinishDialog) -> None:
        assert dialog.summary.text() == f"本次共检查 {total} 项，其中不合格 1 项，发现隐患 1 处。"
        assert dialog.signer_edit.text() == CHECKED[3]
        pad = dialog.pad
        qtbot.mousePress(pad, Qt.MouseButton.LeftButton, pos=QPoint(40, 60))
        for x in range(40, 300, 20):
            qtbot.mouseMove(pad, QPoint(x, 60 + (x % 40)))
        qtbot.mouseRelease(pad, Qt.MouseButton.LeftButton, pos=QPoint(300, 70))
        assert not pad.is_empty()
        _click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Ok))
        assert dialog.result() == FinishDialog.DialogCode.Accepted, dialog.error_label.text()

    with qtbot.waitSignal(screen.finished), _answering(FinishDialog, sign):
        _click(qtbot, screen.finish_button)
    qtbot.waitUntil(lambda: screen.read_only)
    assert not screen.finish_button.isVisible() and screen.documents_button.isVisible()


def _pdf_text(pdf: bytes) -> str:
    return _flat("".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages))


def _issue_notice(qtbot: QtBot, screen: InspectionWidget, desk: Desk) -> DocumentPreviewDialog:
    """打印文书… › 安全隐患整改通知书（未签发）…: its draft (草稿, no number taken), then 签发: the
    notice is issued and previewed."""
    entries: list[str] = []

    def choose(menu: QMenu) -> None:
        entries.extend(a.text() for a in menu.actions())
        notice = next(a for a in menu.actions() if a.data() == "notice")
        assert notice.isEnabled()
        qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(notice).center())

    # The 送达日期 is asked only for a check of an earlier day (a run that passed midnight): today.
    with _answering(ServiceDateDialog, ServiceDateDialog.accept, optional=True), \
            _answering(QMenu, choose, find=QApplication.activePopupWidget):
        _click(qtbot, screen.documents_button)
    assert entries == ["现场检查记录（未签发）…", "安全隐患整改通知书（未签发）…", "照片附页（未签发）…"]
    drafts = [d for d in screen.findChildren(DraftDialog) if d.isVisible()]
    assert len(drafts) == 1, "no draft of the notice was shown"
    draft = drafts[0]
    assert draft.windowTitle() == "安全隐患整改通知书（草稿预览）" and draft.pdf.ready
    text = _pdf_text(draft.pdf.data)
    assert "草稿" in text and TOWN in text and CHECKED[0] in text and "白沙安改" not in text  # no number yet
    with desk.db.reader() as s:
        assert s.scalar(select(func.count()).select_from(IssuedNumber)) == 0
        assert s.scalar(select(func.count()).select_from(Document)) == 0
    _click(qtbot, draft.issue_button)  # the draft closes (and is deleted)
    assert not [d for d in screen.findChildren(DraftDialog) if d.isVisible()]
    previews = screen.findChildren(DocumentPreviewDialog)
    assert len(previews) == 1, "the notice was not issued (an internal error is reported below)"
    preview = previews[0]
    assert preview.isVisible() and preview.status == "已签发" and preview.pdf.ready
    return preview


def test_a_new_township_s_first_day(qtbot: QtBot, tmp_path: Path, messages: list[str]) -> None:
    db_file = tmp_path / "白沙镇" / "anquan.db"

    # --- first start: a new database opens the setup wizard --------------------------------------
    first = township.open_workplace(db_file)
    try:
        assert township.start_state(first).needs_setup
        _set_up(qtbot, first)
        _assert_no_demo(first, places=())
    finally:
        first.close()

    # --- the next start: the inspector logs in, the main window opens ----------------------------
    desk = township.open_workplace(db_file)
    window: MainWindow | None = None
    try:
        state = township.start_state(desk)
        assert state == township.StartState(TOWN, False, True) and not state.needs_setup
        user = _log_in(qtbot, desk, state).user
        assert user is not None
        _assert_no_demo(desk, places=())
        window = MainWindow(desk.as_actor(user), demo=state.demo)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        assert window.windowTitle() == "安全检查工作台"
        assert window.user_label.text() == f"当前用户：{INSPECTOR[1]}（检查员）"
        assert window.count_label.text() == "共 0 个场所"
        _assert_no_demo(desk, places=())

        # --- the place list goes in ---------------------------------------------------------------
        seen = _import(qtbot, window, _place_list(tmp_path / "白沙镇场所清单.xlsx"))
        assert seen["preview"].startswith("共 3 行：新增 3，更新 0，有错误 0")
        assert "新增 3 个场所，更新 0 个，跳过 0 行" in seen["result"]
        assert window.count_label.text() == "共 3 个场所"  # the list heard of the import
        names = [p[0] for p in PLACES]
        _assert_no_demo(desk, places=tuple(names))
        with desk.db.reader() as s:
            placed = {p.name: (p.grid.village.name if p.grid else None, p.grid.name if p.grid else None,
                               p.responsible_person, p.credit_code) for p in s.scalars(select(Place))}
            checked_id = s.scalars(select(Place.id).where(Place.name == CHECKED[0])).one()
        assert placed == {p[0]: (p[5], p[6], p[3], p[1]) for p in PLACES}

        # --- the check ------------------------------------------------------------------------------
        people = _user_ids(desk)
        screen = _start_check(qtbot, window, people)
        total = _answer_all(qtbot, screen)
        _finish(qtbot, screen, total)
        with desk.db.reader() as s:
            inspection = s.scalars(select(Inspection)).one()
            assert (inspection.place_id, inspection.status, inspection.signer_name) == (checked_id, "已完成", CHECKED[3])
            assert set(s.scalars(select(InspectionParticipant.user_id))) == {
                people[INSPECTOR[0]], people[GRID_WORKER[0]]}
            hazard = s.scalars(select(Hazard)).one()
            assert (hazard.inspection_id, hazard.status, hazard.location) == (inspection.id, "待整改", "后厨操作间 2")
            inspection_id, hazard_description = inspection.id, hazard.description
        assert screen.inspection_id == inspection_id
        _assert_no_demo(desk, places=tuple(names), checks=1)

        # --- the notice -----------------------------------------------------------------------------
        preview = _issue_notice(qtbot, screen, desk)
        _assert_no_demo(desk, places=tuple(names), checks=1, documents=1)
        with desk.db.reader() as s:
            document = s.scalars(select(Document)).one()
            issued_year = to_local(document.issued_at).year
            row = (document.doc_type, document.status, document.place_id, document.inspection_id)
            number, sha256, snapshot = document.number, document.pdf_sha256, docs.snapshot_of(document)
            verdict = docs.verify_pdf(s, preview.pdf.data)
        assert row == ("安全隐患整改通知书", "已签发", checked_id, inspection_id)
        assert number == f"白沙安改〔{issued_year}〕第001号"
        assert preview.document_id == document.id and number in preview.windowTitle()
        # The frozen snapshot names the township and the imported place.
        assert isinstance(snapshot, NoticeContent)
        assert (snapshot.header.township, snapshot.header.issuer, snapshot.header.number) == (
            TOWN, f"{TOWN}人民政府", number)
        assert (snapshot.place.name, snapshot.place.credit_code, snapshot.place.address) == CHECKED[:3]
        assert {i.name for i in snapshot.inspectors} == {INSPECTOR[1], GRID_WORKER[1]}
        # The PDF shown is the issued one (its sha256 is stored), and it verifies.
        pdf = preview.pdf.data
        assert hashlib.sha256(pdf).hexdigest() == sha256 and verdict.ok
        text = _pdf_text(pdf)
        for expected in (TOWN, "安全隐患整改通知书", CHECKED[0], CHECKED[2], number, INSPECTOR[1], GRID_WORKER[1],
                         _flat(hazard_description)[:12]):
            assert expected in text, expected
        assert DEMO_TOWN not in text
        assert messages == []
    finally:
        if window is not None:
            window.close()
        desk.close()
