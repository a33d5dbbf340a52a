"""The first-run setup, the township profile and its checks, document number previews, and what the
program opens at start-up: a new database stays empty (no demo row) until the setup fills it; the
demo lives in its own file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from helpers import desk_for, township_setup
from sqlalchemy import func, select

from anquan_desk.core import settings
from anquan_desk.core.db import Database
from anquan_desk.core.errors import PermissionDeniedError, UserInputError
from anquan_desk.core.models import (
    AuditEntry,
    ChecklistTemplate,
    Grid,
    Inspection,
    MemberRole,
    Place,
    Township,
    User,
    Village,
)
from anquan_desk.services import numbering, township
from anquan_desk.services.desk import Actor, Desk
from anquan_desk.services.township import NumberFormatSpec, TownshipProfile, check_profile


def _profile(**changes: object) -> TownshipProfile:
    fields: dict[str, object] = {"name": "白沙镇", "county": "青溪县"}
    fields.update(changes)
    return TownshipProfile(**fields)  # type: ignore[arg-type]


def test_setup_writes_exactly_the_township_and_nothing_of_the_demo(db: Database) -> None:
    desk = Desk(db, Actor.system("start"))
    assert township.start_state(desk) == township.StartState(None, False, False)
    assert township.start_state(desk).needs_setup
    result = township.setup_township(desk, township_setup.request())
    assert (result.township, result.villages, result.grids, result.users) == ("白沙镇", 2, 3, 4)
    assert result.admin is not None and result.admin.role == "管理员" and result.admin.user_id
    with db.reader() as s:
        towns = s.scalars(select(Township)).all()
        assert [t.name for t in towns] == ["白沙镇"]
        assert settings.township_get(towns[0], settings.DEMO) is False
        assert towns[0].region_short == "白沙" and towns[0].issuer == "白沙镇人民政府"
        villages = {v.name: (v.kind, sorted(g.name for g in v.grids)) for v in s.scalars(select(Village))}
        assert villages == {"红光村": ("村", ["红光一网格", "红光二网格"]), "城东社区": ("社区", ["城东网格"])}
        people = {u.username: (u.name, u.role, u.cert_no, u.work_no) for u in s.scalars(select(User))}
        assert people == township_setup.PEOPLE
        assert s.scalar(select(func.count()).select_from(Place)) == 0
        assert s.scalar(select(func.count()).select_from(Inspection)) == 0
        assert s.scalar(select(func.count()).select_from(ChecklistTemplate)) > 10  # built-in library
        assert list(s.scalars(select(MemberRole.name).order_by(MemberRole.sort_order)))[:3] == ["网格长", "网格员", "安全员"]
        authors = set(s.scalars(select(User.author)))
        setup_event = s.scalars(select(AuditEntry).where(AuditEntry.action == "setup")).one()
    assert authors == {"admin"}  # the first administrator made them, not "demo"
    assert json.loads(setup_event.payload) == {"township": "白沙镇", "villages": 2, "grids": 3, "users": 4}
    assert township.start_state(desk) == township.StartState("白沙镇", False, True)


def test_setup_refuses_a_database_that_has_a_township(db: Database) -> None:
    desk = Desk(db, Actor.system("start"))
    township.setup_township(desk, township_setup.request())
    with pytest.raises(UserInputError, match="已有乡镇（街道）“白沙镇”"):
        township.setup_township(desk, township_setup.request())


def test_setup_needs_the_first_administrator_and_checks_every_user(db: Database) -> None:
    desk = Desk(db, Actor.system("start"))
    request = township_setup.request()
    with pytest.raises(UserInputError, match="第一位管理员"):
        township.setup_township(desk, township.SetupRequest(profile=request.profile, villages=request.villages))
    bad_cert = township.UserSpec("wang", "王芳", "secret12", "检查员", "执法证")
    with pytest.raises(UserInputError, match="执法证号“执法证”格式不对"):
        township.setup_township(desk, township.SetupRequest(request.profile, request.villages, request.admin, (bad_cert,)))
    twice = township.UserSpec("admin", "另一人", "secret12", "检查员")
    with pytest.raises(UserInputError, match="用户名“admin”已存在"):
        township.setup_township(desk, township.SetupRequest(request.profile, request.villages, request.admin, (twice,)))
    with db.reader() as s:  # each refusal left nothing behind
        assert s.scalar(select(func.count()).select_from(Township)) == 0
        assert s.scalar(select(func.count()).select_from(User)) == 0
        assert s.scalar(select(func.count()).select_from(Grid)) == 0


def test_users_but_no_township_only_an_administrator_sets_it_up(db: Database) -> None:
    from anquan_desk.services.users import create_first_admin, create_user

    with db.session("old") as s:
        create_first_admin(s, username="admin", name="周建国", password="secret12")
        create_user(s, username="wang", name="王芳", password="secret12")
    request = township_setup.request()
    no_admin = township.SetupRequest(profile=request.profile, villages=request.villages)
    with pytest.raises(PermissionDeniedError, match="王芳（检查员）无权修改乡镇"):
        township.setup_township(desk_for(db, "wang"), no_admin)
    with pytest.raises(UserInputError, match="已有用户"):
        township.setup_township(desk_for(db, "admin"), request)
    assert township.setup_township(desk_for(db, "admin"), no_admin).admin is None


def test_profile_defaults_and_checks() -> None:
    checked = check_profile(_profile(name="城东街道", kind="街道"))
    assert (checked.short_name, checked.issuer) == ("城东", "城东街道办事处")
    assert checked.county_government == "青溪县人民政府"
    assert checked.reconsideration_bodies == ("青溪县人民政府",) and checked.court == "青溪县人民法院"
    assert checked.issued_types == ("record", "notice", "review")
    with pytest.raises(UserInputError, match="请填写乡镇（街道）名称"):
        check_profile(_profile(name=" "))
    with pytest.raises(UserInputError, match="请填写所属县（区）"):
        check_profile(_profile(county=""))
    with pytest.raises(UserInputError, match="请填写委托文件的文号"):
        check_profile(_profile(authorisation="委托", authorisation_date=date(2024, 1, 2)))
    with pytest.raises(UserInputError, match="请填写赋权文件的日期"):
        check_profile(_profile(authorisation="赋权", authorisation_document="X〔2024〕1号"))
    with pytest.raises(UserInputError, match="晚于今天"):
        check_profile(_profile(authorisation="委托", authorisation_document="X〔2024〕1号",
                               authorisation_date=date(2030, 1, 1)), today=date(2026, 5, 1))
    authorised = check_profile(_profile(authorisation="委托", authorisation_document=" X〔2024〕1号 ",
                                        authorisation_date=date(2024, 1, 2)))
    assert authorised.enforcement_authorised and authorised.issued_types == ("record", "order", "review")
    assert authorised.authorisation_document == "X〔2024〕1号"


def test_township_numbers_never_carry_yingji() -> None:
    """The township mode's defaults have no 应急; typing it in is refused unless the township is authorised."""
    checked = check_profile(_profile())
    previews = {t: township.number_preview(s, checked.short_name, 2026) for t, s in checked.number_formats.items()}
    assert previews == {"record": "白沙检记〔2026〕第001号", "notice": "白沙安改〔2026〕第001号",
                        "order": "白沙责改〔2026〕第001号", "review": "白沙复查〔2026〕第001号"}
    assert not any("应急" in n for n in previews.values())
    yingji = NumberFormatSpec("（{region}）应急{prefix}〔{year}〕{serial}号", "检记")
    with pytest.raises(UserInputError, match=r"含“应急”.*未受委托或赋权"):
        check_profile(_profile(number_formats={"record": yingji}))
    with pytest.raises(UserInputError, match="含“应急”"):
        check_profile(_profile(number_formats={"notice": NumberFormatSpec("{region}{prefix}〔{year}〕{serial}号", "应急改")}))
    allowed = check_profile(_profile(authorisation="委托", authorisation_document="X〔2024〕1号",
                                     authorisation_date=date(2024, 1, 2), number_formats={"record": yingji}))
    assert township.number_preview(allowed.number_formats["record"], "白沙", 2026, 15) == "（白沙）应急检记〔2026〕15号"


@pytest.mark.parametrize(("spec", "message"), [
    (NumberFormatSpec("{region}{prefix}{serial}号", "安改"), "必须包含 {year}"),
    (NumberFormatSpec("{region}{prefix}〔{year}〕第{number}号", "安改"), "未知字段：number"),
    (NumberFormatSpec("{region}{prefix}〔{year〕第{serial}号", "安改"), "花括号须成对"),
    (NumberFormatSpec("{year}{prefix}{serial}号（{year}）", "安改"), "只能各出现一次"),
    (NumberFormatSpec("{region}{prefix}〔{year}〕{serial}号", ""), "代字不能为空"),
    (NumberFormatSpec("{region}{prefix}〔{year}〕{serial}号", "安改", 9), "位数须在 1–6"),
    (NumberFormatSpec("{region}{prefix}〔{year}〕{serial}号", "检记"), "“检记”用于多种文书"),
])
def test_bad_number_formats_are_refused_with_the_reason(spec: NumberFormatSpec, message: str) -> None:
    with pytest.raises(UserInputError, match=message):
        check_profile(_profile(number_formats={"notice": spec}))


@pytest.fixture
def set_up(tmp_path: Path) -> Iterator[Database]:
    database = township_setup.database(tmp_path)
    yield database
    database.dispose()


def test_profile_round_trip_and_the_documents_read_it(set_up: Database) -> None:
    admin = desk_for(set_up, "admin")
    edited = _profile(
        short_name="沙", issuer="青溪县白沙镇人民政府", county="青溪县", county_government="青溪县人民政府",
        reconsideration_bodies=("青溪县人民政府", "青州市应急管理局"), court="青溪县人民法院",
        authorisation="委托", authorisation_document="青应急〔2024〕12号", authorisation_date=date(2024, 3, 1),
        number_formats={"order": NumberFormatSpec("{region}{prefix}〔{year}〕{serial_padded}号", "责令", 4)},
    )
    saved = township.update_township_profile(admin, edited)
    assert township.township_profile(admin) == saved
    assert saved.number_formats["order"] == NumberFormatSpec("{region}{prefix}〔{year}〕{serial_padded}号", "责令", 4)
    assert saved.authorisation_date == date(2024, 3, 1) and saved.reconsideration_bodies[1] == "青州市应急管理局"
    from anquan_desk.services.documents import appeal_info, notice_type

    with set_up.reader() as s:
        row = s.scalars(select(Township)).one()
        assert notice_type(row) == "order"
        assert appeal_info(row).reconsideration_bodies == ("青溪县人民政府", "青州市应急管理局")
        assert appeal_info(row).court == "青溪县人民法院"
        assert numbering.number_format(row, "order").format(2026, 7) == "沙责令〔2026〕0007号"


def test_next_numbers_follow_this_laptops_slot(set_up: Database) -> None:
    admin = desk_for(set_up, "admin")
    profile = township.township_profile(admin)
    assert profile is not None
    year = 2026
    assert township.next_numbers(admin, profile, "laptop-1", year)["notice"] == "白沙安改〔2026〕第001号"
    with set_up.session("admin") as s:
        row = s.scalars(select(Township)).one()
        for _ in range(3):
            numbering.allocate_number(s, row, "notice", year, "laptop-1")  # slot 1, given automatically
        numbering.assign_device_slot(s, "laptop-2")  # slot 2: serials 51–100
    numbers = township.next_numbers(admin, profile, "laptop-1", year)
    assert numbers["notice"] == "白沙安改〔2026〕第004号" and numbers["record"] == "白沙检记〔2026〕第001号"
    assert township.next_numbers(admin, profile, "laptop-2", year)["notice"] == "白沙安改〔2026〕第051号"
    assert township.next_numbers(admin, profile, "laptop-3", year)["notice"] == "本机尚未分配编号段位"
    renamed = township.TownshipProfile(**{**profile.__dict__, "number_formats": {
        **profile.number_formats, "notice": NumberFormatSpec("{region}{prefix}〔{year}〕第{serial_padded}号", "整改")}})
    assert township.next_numbers(admin, renamed, "laptop-1", year)["notice"] == "白沙整改〔2026〕第001号"


def test_a_new_file_stays_empty_and_the_demo_lives_beside_it(tmp_path: Path) -> None:
    real = tmp_path / "数据" / "anquan.db"
    desk = township.open_workplace(real)
    try:
        assert township.start_state(desk).needs_setup
    finally:
        desk.close()
    demo_file = township.demo_path(real)
    assert demo_file == real.with_name("anquan-demo.db")
    demo = township.open_demo(real)
    try:
        state = township.start_state(demo)
        assert state.demo and state.township == "红光镇" and demo.file_path == demo_file
    finally:
        demo.close()
    again = township.open_demo(real)  # opened, not created a second time
    again.close()
    real_desk = township.open_workplace(real)
    try:
        assert township.start_state(real_desk) == township.StartState(None, False, False)
    finally:
        real_desk.close()


def test_open_demo_refuses_a_file_that_is_not_a_demo(tmp_path: Path) -> None:
    real = tmp_path / "anquan.db"
    not_demo = township.demo_path(real)
    database = township_setup.database(tmp_path)
    database.dispose()
    (tmp_path / "township" / "anquan.db").rename(not_demo)
    with pytest.raises(UserInputError, match="不是演示数据库"):
        township.open_demo(real)


def test_the_grid_roles_given_at_setup(db: Database) -> None:
    request = township_setup.request()
    with_roles = township.SetupRequest(request.profile, request.villages, request.admin, (),
                                       member_roles=("网格长", " 网格长 ", "", "专职网格员"))
    township.setup_township(Desk(db, Actor.system("start")), with_roles)
    with db.reader() as s:
        assert list(s.scalars(select(MemberRole.name).order_by(MemberRole.sort_order))) == ["网格长", "专职网格员"]
