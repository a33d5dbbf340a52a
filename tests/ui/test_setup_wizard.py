"""The first-run wizard, clicked through as a new user would: from an empty database to a township with
2 villages, 3 grids and 3 users (the administrator logged in), and nothing of the demo."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import township_setup
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from anquan_desk.core import settings
from anquan_desk.core.db import Database
from anquan_desk.core.models import Grid, Place, Township, User, Village
from anquan_desk.core.security import verify_password
from anquan_desk.services.desk import Actor, Desk
from anquan_desk.ui.setup_wizard import SetupWizard

pytestmark = pytest.mark.gui


def _next(qtbot: QtBot, wizard: SetupWizard) -> None:
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)


def _fill_township(wizard: SetupWizard) -> None:
    form = wizard.township_page.form
    form.name_edit.setText("白沙镇")  # Chinese arrives through the input method, not key events
    form.county_edit.setText("青溪县")


def test_from_an_empty_database_to_a_township(qtbot: QtBot, db: Database) -> None:
    wizard = SetupWizard(Desk(db, Actor.system("start")))
    qtbot.addWidget(wizard)
    wizard.show()
    assert wizard.currentPage() is wizard.welcome_page
    assert wizard.welcome_page.demo_button.text() == "打开演示数据库"
    _next(qtbot, wizard)

    assert wizard.currentPage() is wizard.township_page
    _next(qtbot, wizard)  # nothing filled in: refused on the page
    assert wizard.currentPage() is wizard.township_page
    assert wizard.township_page.error_label.text() == "请填写乡镇（街道）名称。"
    _fill_township(wizard)
    form = wizard.township_page.form
    assert form.short_edit.placeholderText() == "白沙" and form.issuer_edit.placeholderText() == "白沙镇人民政府"
    assert form.court_edit.placeholderText() == "青溪县人民法院"
    _next(qtbot, wizard)

    assert wizard.currentPage() is wizard.enforcement_page
    enforcement = wizard.enforcement_page.form
    assert enforcement.none_radio.isChecked() and not enforcement.document_edit.isEnabled()
    _next(qtbot, wizard)

    numbers = wizard.numbers_page.form
    assert wizard.currentPage() is wizard.numbers_page
    year = __import__("datetime").date.today().year
    assert numbers.previews["notice"].text() == f"白沙安改〔{year}〕第001号"
    assert numbers.labels["order"].text() == "责令限期整改指令书（当前不出具）"
    numbers.prefixes["record"].setText("应急检记")
    _next(qtbot, wizard)
    assert wizard.currentPage() is wizard.numbers_page
    assert "含“应急”" in wizard.numbers_page.error_label.text()
    numbers.prefixes["record"].setText("检记")
    numbers.widths["notice"].setValue(4)
    assert numbers.previews["notice"].text() == f"白沙安改〔{year}〕第0001号"
    _next(qtbot, wizard)

    ground = wizard.ground_page.editor
    assert wizard.currentPage() is wizard.ground_page
    _next(qtbot, wizard)
    assert wizard.ground_page.error_label.text() == "请至少添加一个村（社区）和它的一个网格。"
    ground.village_edit.setText("红光村")
    qtbot.mouseClick(ground.add_village_button, Qt.MouseButton.LeftButton)
    for name in ("红光一网格", "红光二网格"):
        ground.grid_edit.setText(name)
        qtbot.mouseClick(ground.add_grid_button, Qt.MouseButton.LeftButton)
    ground.village_edit.setText("城东社区")
    qtbot.keyClick(ground.village_edit, Qt.Key.Key_Return)
    ground.grid_edit.setText("城东网格")
    qtbot.keyClick(ground.grid_edit, Qt.Key.Key_Return)
    ground.grid_edit.setText("城东网格")
    qtbot.mouseClick(ground.add_grid_button, Qt.MouseButton.LeftButton)
    assert ground.error_label.text() == "城东社区已有“城东网格”。"
    assert [(v.name, v.kind, v.grids) for v in ground.villages()] == [
        ("红光村", "村", ("红光一网格", "红光二网格")), ("城东社区", "社区", ("城东网格",))]
    _next(qtbot, wizard)

    people = wizard.users_page
    assert wizard.currentPage() is people
    people.admin_name.setText("周建国")
    qtbot.keyClicks(people.admin_cert, "32010019001")
    qtbot.keyClicks(people.admin_password, "secret12")
    qtbot.keyClicks(people.admin_repeat, "secret13")
    _next(qtbot, wizard)
    assert people.error_label.text() == "管理员的两次密码输入不一致。"
    people.admin_repeat.setText("secret12")
    for username, name, role, cert, work in (("wang", "王芳", "检查员", "32010019002", ""),
                                             ("li", "李华", "网格员", "", "BS-2026-012")):
        qtbot.keyClicks(people.user_username, username)
        people.user_name.setText(name)
        people.user_role.setCurrentText(role)
        qtbot.keyClicks(people.user_cert, cert)
        qtbot.keyClicks(people.user_work, work)
        qtbot.keyClicks(people.user_password, "secret12")
        qtbot.mouseClick(people.add_user_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(people.user_username, "wang")
    people.user_name.setText("另一个王芳")
    qtbot.keyClicks(people.user_password, "secret12")
    qtbot.mouseClick(people.add_user_button, Qt.MouseButton.LeftButton)
    assert people.error_label.text() == "用户名“wang”已用过。"
    assert people.table.rowCount() == 2
    _next(qtbot, wizard)

    assert wizard.currentPage() is wizard.summary_page
    summary = wizard.summary_page.summary.text()
    assert "2 个村（社区），3 个网格" in summary and "周建国（admin，管理员）、王芳（wang，检查员）、李华（li，网格员）" in summary
    assert "未受委托或赋权，隐患整改出具《安全隐患整改通知书》" in summary
    with qtbot.waitSignal(wizard.accepted):
        qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), Qt.MouseButton.LeftButton)
    assert wizard.result() == SetupWizard.DialogCode.Accepted.value
    assert wizard.admin is not None and wizard.admin.username == "admin" and wizard.admin.role == "管理员"

    with db.reader() as s:
        towns = s.scalars(select(Township)).all()
        assert [t.name for t in towns] == ["白沙镇"]
        assert settings.township_get(towns[0], settings.DEMO) is False
        assert towns[0].number_formats["notice"]["serial_width"] == 4
        villages = {v.name: sorted(g.name for g in s.scalars(select(Grid).where(Grid.village_id == v.id)))
                    for v in s.scalars(select(Village))}
        assert villages == {"红光村": ["红光一网格", "红光二网格"], "城东社区": ["城东网格"]}
        people_rows = {u.username: (u.name, u.role, u.cert_no, u.work_no) for u in s.scalars(select(User))}
        assert people_rows == {"admin": ("周建国", "管理员", "32010019001", ""),
                               "wang": ("王芳", "检查员", "32010019002", ""), "li": ("李华", "网格员", "", "BS-2026-012")}
        assert verify_password("secret12", s.scalars(select(User).where(User.username == "li")).one().password_hash)
        assert s.scalar(select(func.count()).select_from(Place)) == 0
        assert s.scalar(select(func.count()).select_from(Township)) == 1  # no demo township beside it


def test_the_grid_list_comes_from_an_xlsx(qtbot: QtBot, db: Database, tmp_path: Path) -> None:
    wizard = SetupWizard(Desk(db, Actor.system("start")))
    qtbot.addWidget(wizard)
    editor = wizard.ground_page.editor
    bad = township_setup.grid_list(tmp_path / "坏.xlsx", [(1, "红光村", "一网格", None), (2, "", "无主网格", None)])
    editor.import_file(bad)
    assert editor.error_label.text() == "文件中有 1 处错误（见下方列表），没有导入；请修改文件后重新导入。"
    assert editor.problems.count() == 1 and "第5行B列" in editor.problems.item(0).text()
    assert editor.villages() == ()
    good = township_setup.grid_list(tmp_path / "网格.xlsx", [
        (1, "红光村民委员会", "红光一网格", None), (2, None, "红光二网格", None), (3, "城东社区", "城东网格", None)])
    editor.add_village("红光村")
    editor.add_grid("红光一网格")
    editor.import_file(good)
    assert editor.info_label.text() == "已从“网格.xlsx”加入 1 个村（社区）、2 个网格。"
    assert [(v.name, v.grids) for v in editor.villages()] == [
        ("红光村", ("红光一网格", "红光二网格")), ("城东社区", ("城东网格",))]
    editor.import_file(tmp_path / "没有这个文件.xlsx")
    assert "文件不存在" in editor.error_label.text() and editor.info_label.isHidden()
    editor.tree.setCurrentItem(editor.tree.topLevelItem(1))
    qtbot.mouseClick(editor.remove_button, Qt.MouseButton.LeftButton)
    assert [v.name for v in editor.villages()] == ["红光村"]


def test_an_authorised_township_issues_orders(qtbot: QtBot, db: Database) -> None:
    wizard = SetupWizard(Desk(db, Actor.system("start")))
    qtbot.addWidget(wizard)
    wizard.show()
    _next(qtbot, wizard)
    _fill_township(wizard)
    _next(qtbot, wizard)
    form = wizard.enforcement_page.form
    form.entrust_radio.setChecked(True)
    assert form.document_edit.isEnabled() and "责令限期整改指令书" in form.explain.text()
    _next(qtbot, wizard)
    assert wizard.enforcement_page.error_label.text() == "请填写委托文件的文号。"
    form.document_edit.setText("青应急〔2024〕12号")
    _next(qtbot, wizard)
    assert wizard.currentPage() is wizard.numbers_page
    assert wizard.numbers_page.form.labels["notice"].text() == "安全隐患整改通知书（当前不出具）"
    assert wizard.profile.authorisation == "委托" and wizard.profile.notice_type == "order"


def test_a_refused_setup_stays_on_the_summary(qtbot: QtBot, db: Database) -> None:
    """Another program set the township up meanwhile: the wizard says so and stays open."""
    wizard = SetupWizard(Desk(db, Actor.system("start")))
    qtbot.addWidget(wizard)
    wizard.profile = township_setup.request().profile
    wizard.villages = township_setup.request().villages
    wizard.admin_spec = township_setup.request().admin
    township_setup.set_up(db)
    wizard.accept()
    assert wizard.admin is None and "已有乡镇（街道）“白沙镇”" in wizard.summary_page.error_label.text()
    assert wizard.button(QWizard.WizardButton.FinishButton).isEnabled()


def test_an_older_database_with_users_gets_its_township_from_the_administrator(qtbot: QtBot, db: Database) -> None:
    from helpers import desk_for

    from anquan_desk.services.users import create_first_admin

    with db.session("old") as s:
        create_first_admin(s, username="admin", name="周建国", password="secret12")
    wizard = SetupWizard(desk_for(db, "admin"), with_admin=False)
    qtbot.addWidget(wizard)
    wizard.show()
    assert wizard.currentPage() is wizard.township_page  # no welcome page, no demo button
    _fill_township(wizard)
    for _ in range(3):
        _next(qtbot, wizard)
    wizard.ground_page.editor.add_village("红光村")
    wizard.ground_page.editor.add_grid("红光一网格")
    _next(qtbot, wizard)
    assert not wizard.users_page.admin_name.isVisibleTo(wizard)
    _next(qtbot, wizard)
    with qtbot.waitSignal(wizard.accepted):
        qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), Qt.MouseButton.LeftButton)
    assert wizard.result_ is not None and wizard.result_.admin is None and wizard.result_.users == 0
    with db.reader() as s:
        assert [t.name for t in s.scalars(select(Township))] == ["白沙镇"]
        assert [u.username for u in s.scalars(select(User))] == ["admin"]
