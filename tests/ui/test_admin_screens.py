"""The 管理 menu and the administrator's screens, clicked through on a set-up township (real widgets)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import desk_for, township_setup
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from anquan_desk.core.db import Database
from anquan_desk.core.device import Device
from anquan_desk.core.models import AuditEntry, Grid, GridMember, Place, Township, User
from anquan_desk.core.security import verify_password
from anquan_desk.services.desk import Actor, Desk
from anquan_desk.ui.admin import menu as admin_menu
from anquan_desk.ui.admin.ground_dialog import GroundDialog
from anquan_desk.ui.admin.township_dialog import TownshipDialog
from anquan_desk.ui.admin.users_dialog import PasswordDialog, UserEditDialog, UsersDialog, UserTableModel

pytestmark = pytest.mark.gui


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = township_setup.database(tmp_path)
    yield database
    database.dispose()


def _actions(menu_owner: QMainWindow) -> dict[str, QAction]:
    return {a.objectName(): a for a in menu_owner.findChildren(QAction) if a.objectName().startswith("admin_")}


_EVERYONE = {"admin_own_password", "admin_anchor_sheet", "admin_key_record"}


@pytest.mark.parametrize(("username", "visible"), [
    ("admin", {"admin_township", "admin_ground", "admin_users", *_EVERYONE}),
    ("wang", _EVERYONE),
    ("li", _EVERYONE),
    ("zhao", _EVERYONE),
])
def test_the_menu_shows_each_role_what_it_may_do(qtbot: QtBot, db: Database, username: str, visible: set[str]) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    menu = admin_menu.add_admin_menu(window, desk_for(db, username))
    assert menu.title() == "管理(&M)" and menu.menuAction() in window.menuBar().actions()
    actions = _actions(window)
    assert {name for name, a in actions.items() if a.isVisible()} == visible
    assert {name for name, a in actions.items() if a.isEnabled()} == visible
    assert actions["admin_own_password"].text() == "修改我的密码…"


def test_the_menu_opens_the_screens(qtbot: QtBot, db: Database) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    admin_menu.add_admin_menu(window, desk_for(db, "admin"))
    expected = {"admin_township": TownshipDialog, "admin_ground": GroundDialog, "admin_users": UsersDialog,
                "admin_own_password": PasswordDialog}
    for name, kind in expected.items():
        _actions(window)[name].trigger()
        opened = [d for d in window.findChildren(kind) if d.isVisible()]
        assert len(opened) == 1, name
        opened[0].close()


@pytest.mark.parametrize(("action", "title", "expected"), [
    ("admin_key_record", "签名密钥登记表", "乡镇负责人（签字）"),
    ("admin_anchor_sheet", "审计锚点单", "打印人（签字）"),
])
def test_the_menu_prints_the_papers_the_district_keeps(
    qtbot: QtBot, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, action: str, title: str, expected: str
) -> None:
    """管理 › 打印签名密钥登记表… / 打印审计锚点单…: the file asked for is written with every user's public
    key and the chain head's anchor code; the message names the file and the anchor."""
    from pypdf import PdfReader

    from anquan_desk.core.audit_check import current_anchor
    from anquan_desk.core.models import UserKey

    window = QMainWindow()
    qtbot.addWidget(window)
    admin_menu.add_admin_menu(window, desk_for(db, "li"))
    chosen = tmp_path / "纸件"  # no suffix typed: .pdf is added
    asked: list[str] = []
    monkeypatch.setattr(admin_menu.QFileDialog, "getSaveFileName",
                        lambda _parent, caption, suggested, _filter: (asked.append(suggested) or str(chosen), ""))
    said: list[str] = []
    monkeypatch.setattr(admin_menu.QMessageBox, "information", lambda _parent, _title, text: said.append(text))
    _actions(window)[action].trigger()
    qtbot.waitUntil(lambda: bool(said), timeout=20_000)
    written = chosen.with_suffix(".pdf")
    assert Path(asked[0]).name.startswith(title) and written.exists()
    with db.reader() as s:
        keys = [k.public_key for k in s.scalars(select(UserKey))]
        anchor = current_anchor(s)
    flat = "".join("".join(page.extract_text().split()) for page in PdfReader(written).pages)
    assert title in flat and expected in flat and anchor.code in flat
    assert keys and all(key in flat for key in keys)
    assert str(written) in said[0] and anchor.code in said[0]


def test_township_dialog_edits_the_profile(qtbot: QtBot, db: Database) -> None:
    dialog = TownshipDialog(desk_for(db, "admin"), device=Device(id="laptop-1", short="AB12"))
    qtbot.addWidget(dialog)
    form, numbers = dialog.township_form, dialog.numbers_form
    assert form.name_edit.text() == "白沙镇" and form.county_edit.text() == "青溪县"
    year = __import__("datetime").date.today().year
    assert numbers.previews["notice"].text() == f"白沙安改〔{year}〕第001号"
    form.short_edit.setText("沙")
    dialog.refresh_previews()
    assert numbers.previews["notice"].text() == f"沙安改〔{year}〕第001号"
    assert dialog.status_label.text() == "有未保存的修改"
    numbers.templates["record"].setText("（{region}）应急{prefix}〔{year}〕{serial}号")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert "含“应急”" in dialog.error_label.text() and dialog.saved is None
    numbers.reset()
    dialog.enforcement_form.empower_radio.setChecked(True)
    dialog.enforcement_form.document_edit.setText("青政发〔2024〕3号")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.saved is not None and dialog.status_label.text() == "已保存"
    with db.reader() as s:
        township = s.scalars(select(Township)).one()
        assert township.region_short == "沙" and township.enforcement_authorised
        assert s.scalars(select(AuditEntry).where(AuditEntry.entity == "townships", AuditEntry.action == "update",
                                                  AuditEntry.actor == "admin")).first() is not None


def test_township_dialog_refuses_a_non_administrator(qtbot: QtBot, db: Database) -> None:
    dialog = TownshipDialog(desk_for(db, "wang"), device=Device(id="laptop-1", short="AB12"))
    qtbot.addWidget(dialog)
    dialog.township_form.court_edit.setText("青州市中级人民法院")
    dialog.save()
    assert dialog.error_label.text() == "王芳（检查员）无权修改乡镇（街道）信息和文书设置。如需办理，请联系管理员。"


def _tree_texts(dialog: GroundDialog) -> list[str]:
    out = []
    for i in range(dialog.tree.topLevelItemCount()):
        village = dialog.tree.topLevelItem(i)
        assert village is not None
        out.append(village.text(0))
        out += [f"  {village.child(j).text(0)}" for j in range(village.childCount())]  # type: ignore[union-attr]
    return out


def test_ground_dialog(qtbot: QtBot, db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    dialog = GroundDialog(desk_for(db, "admin"))
    qtbot.addWidget(dialog)
    assert _tree_texts(dialog) == ["红光村（村）", "  红光一网格", "  红光二网格", "城东社区（社区）", "  城东网格"]
    assert not dialog.add_grid_button.isEnabled()  # nothing selected
    dialog.add_village("白沙村")
    assert dialog.selected_village() is not None and dialog.selected_village().name == "白沙村"  # type: ignore[union-attr]
    dialog.add_grid("白沙一网格")
    assert dialog.selected_grid() is not None and dialog.selected_grid().name == "白沙一网格"  # type: ignore[union-attr]
    dialog.rename("白沙网格")
    dialog.add_grid("白沙网格")
    assert dialog.error_label.text() == "白沙村已有名为“白沙网格”的网格。"
    hongguang = next(v for v in dialog.villages if v.name == "红光村")
    dialog.move_grid(hongguang.id)
    assert "  白沙网格" in _tree_texts(dialog)[:4]
    with db.session("admin") as s:
        grid_two = s.scalars(select(Grid).where(Grid.name == "红光二网格")).one()
        s.add(Place(name="老周家常菜馆", grid_id=grid_two.id))
    dialog.reload()
    one = next(g for g in hongguang.grids if g.name == "红光一网格")
    dialog.select("grid", grid_two.id)
    questions: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda _p, _t, text, *a: questions.append(text)
                        or QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(dialog.retire_button, Qt.MouseButton.LeftButton)
    assert questions and "还有 1 个未关闭的场所" in dialog.error_label.text()
    dialog.merge_grid(one.id)
    assert "把“红光二网格”的 1 个场所和 0 名人员移入“红光一网格”" in questions[-1]
    assert "  红光二网格（已停用）" in _tree_texts(dialog)
    with db.reader() as s:
        assert s.scalars(select(Place)).one().grid_id == one.id
    dialog.select("grid", one.id)
    assert dialog.members_box.title() == "网格人员 — 红光一网格"
    member_dialog = dialog.edit_member(None)
    assert member_dialog is not None
    member_dialog.name_edit.setText("孙悦")
    member_dialog.role_combo.setCurrentText("网格员")
    member_dialog.user_combo.setCurrentIndex(member_dialog.user_combo.findText("李华（li，网格员）"))
    member_dialog.phone_edit.setText("1381234")
    member_dialog.save()
    assert "联系电话" in member_dialog.error_label.text()
    member_dialog.phone_edit.setText("13812345678")
    member_dialog.save()
    assert dialog.member_model.rowCount() == 1
    assert [dialog.member_model.index(0, c).data() for c in range(4)] == ["孙悦", "网格员", "13812345678", "李华（li）"]
    roles_dialog = dialog.edit_roles()
    roles_dialog.edit.setPlainText("网格长\n网格员\n联络员")
    roles_dialog.save()
    assert dialog.role_names == ("网格长", "网格员", "联络员")
    dialog.member_view.selectRow(0)
    dialog.remove_member()
    with db.reader() as s:
        assert s.scalars(select(GridMember)).all() == []


def test_ground_dialog_as_a_grid_worker_is_refused(qtbot: QtBot, db: Database) -> None:
    dialog = GroundDialog(desk_for(db, "li"))
    qtbot.addWidget(dialog)
    dialog.add_village("李华的村")
    assert dialog.error_label.text() == "李华（网格员）无权管理村（社区）和网格。如需办理，请联系管理员。"


def test_users_dialog(qtbot: QtBot, qtmodeltester: object, db: Database) -> None:
    dialog = UsersDialog(desk_for(db, "admin"))
    qtbot.addWidget(dialog)
    qtmodeltester.check(dialog.model)  # type: ignore[attr-defined]
    assert [dialog.model.index(r, 0).data() for r in range(dialog.model.rowCount())] == ["admin", "li", "wang", "zhao"]
    editor = dialog.open_editor(None)
    editor.username_edit.setText("sun")
    editor.name_edit.setText("孙悦")
    editor.role_combo.setCurrentText("网格员")
    assert editor.role_hint.text().startswith("网格员可以：")
    assert "签发责令限期整改指令书" not in editor.role_hint.text()
    editor.work_edit.setText("工作证")
    qtbot.keyClicks(editor.password_edit, "secret12")
    qtbot.keyClicks(editor.repeat_edit, "secret12")
    qtbot.mouseClick(editor.buttons.button(editor.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)
    assert "工作证号“工作证”格式不对" in editor.error_label.text()
    editor.work_edit.setText("BS-2026-020")
    editor.save()
    assert editor.saved is not None and editor.saved.username == "sun"
    assert "sun" in [r.username for r in dialog.model.rows]

    dialog.select("wang")
    assert dialog.active_button.text() == "停用"
    qtbot.mouseClick(dialog.active_button, Qt.MouseButton.LeftButton)
    wang = next(r for r in dialog.model.rows if r.username == "wang")
    assert not wang.active and dialog.active_button.text() == "恢复"
    row = dialog.model.rows.index(wang)
    assert dialog.model.index(row, UserTableModel.COLUMNS.index("状态")).data() == "已停用"
    dialog.select("admin")
    dialog.toggle_active()
    assert dialog.error_label.text() == "不能停用自己正在使用的账号。"

    dialog.select("li")
    change = dialog.open_editor(dialog.selected())
    assert change.username_edit.isReadOnly() and change.work_edit.text() == "BS-2026-012"
    change.role_combo.setCurrentText("检查员")
    change.cert_edit.setText("32010019009")
    change.save()
    assert next(r for r in dialog.model.rows if r.username == "li").role == "检查员"

    reset = dialog.reset_password()
    assert reset is not None and reset.windowTitle() == "重设密码 — 李华（li）"
    reset.new_edit.setText("reset-pass")
    reset.repeat_edit.setText("reset-pass")
    reset.save()
    assert reset.done_
    with db.reader() as s:
        li = s.scalars(select(User).where(User.username == "li")).one()
        assert verify_password("reset-pass", li.password_hash) and li.cert_no == "32010019009"


def test_users_dialog_edit_as_an_inspector_is_refused(qtbot: QtBot, db: Database) -> None:
    dialog = UsersDialog(desk_for(db, "wang"))
    qtbot.addWidget(dialog)
    editor = UserEditDialog(desk_for(db, "wang"), next(r for r in dialog.model.rows if r.username == "wang"))
    qtbot.addWidget(editor)
    editor.role_combo.setCurrentText("管理员")
    editor.save()
    assert editor.error_label.text() == "王芳（检查员）无权管理用户账号。如需办理，请联系管理员。"


def test_own_password(qtbot: QtBot, db: Database) -> None:
    dialog = PasswordDialog(desk_for(db, "zhao"))
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "修改我的密码"
    dialog.old_edit.setText("wrong")
    dialog.new_edit.setText("zhao-new-1")
    dialog.repeat_edit.setText("zhao-new-1")
    dialog.save()
    assert dialog.error_label.text() == "原密码不正确。"
    dialog.old_edit.setText(township_setup.PASSWORD)
    dialog.repeat_edit.setText("zhao-new-2")
    dialog.save()
    assert dialog.error_label.text() == "两次输入的新密码不一致。"
    dialog.repeat_edit.setText("zhao-new-1")
    dialog.save()
    assert dialog.done_
    with db.reader() as s:
        assert verify_password("zhao-new-1", s.scalars(select(User).where(User.username == "zhao")).one().password_hash)
    system = PasswordDialog(Desk(db, Actor.system("cli")))
    qtbot.addWidget(system)
    system.old_edit.setText("x")
    system.new_edit.setText("abcdefg")
    system.repeat_edit.setText("abcdefg")
    system.save()
    assert system.error_label.text() == "请先登录，再修改自己的密码。"


def test_the_menu_fits_the_main_window(qtbot: QtBot, db: Database) -> None:
    """What the main window's owner will add: the menu after the window's own menus."""
    from anquan_desk.ui.main_window import MainWindow

    window = MainWindow(desk_for(db, "admin"))
    qtbot.addWidget(window)
    before = [a.text() for a in window.menuBar().actions()]
    menu = admin_menu.add_admin_menu(window, window.desk)
    assert [a.text() for a in window.menuBar().actions()] == [*before, "管理(&M)"]
    assert [a.text() for a in menu.actions() if a.isVisible() and not a.isSeparator()] == [
        "乡镇（街道）信息…", "村（社区）和网格…", "用户…", "修改我的密码…", "打印审计锚点单…", "打印签名密钥登记表…"]
