"""The administrator's villages and grids: add, rename, move, merge (the places move), retire (history
kept), the grid members and their configurable roles, and the villages-and-grids list from .xlsx."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import desk_for, township_setup
from sqlalchemy import select

from anquan_desk.core.db import Database
from anquan_desk.core.errors import UserInputError
from anquan_desk.core.models import AuditEntry, Grid, GridMember, Place
from anquan_desk.services import ground, users
from anquan_desk.services.desk import Desk


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = township_setup.database(tmp_path)
    yield database
    database.dispose()


@pytest.fixture
def admin(db: Database) -> Desk:
    return desk_for(db, "admin")


def _tree(desk: Desk) -> dict[str, list[tuple[str, bool, int]]]:
    return {v.name: [(g.name, g.active, g.places) for g in v.grids] for v in ground.list_ground(desk)}


def _grid_id(desk: Desk, name: str) -> str:
    return next(g.id for v in ground.list_ground(desk) for g in v.grids if g.name == name)


def _village_id(desk: Desk, name: str) -> str:
    return next(v.id for v in ground.list_ground(desk) if v.name == name)


def _places(db: Database, grid_id: str, *names: str, status: str = "在营") -> None:
    with db.session("admin") as s:
        for name in names:
            s.add(Place(name=name, grid_id=grid_id, status=status))


def test_add_rename_and_move(admin: Desk) -> None:
    village = ground.add_village(admin, " 白沙村 ")
    ground.add_grid(admin, village, "白沙一网格")
    ground.rename_village(admin, _village_id(admin, "城东社区"), "城东社区", kind="社区")
    ground.rename_grid(admin, _grid_id(admin, "城东网格"), "城东一网格")
    ground.move_grid(admin, _grid_id(admin, "红光二网格"), village)
    assert _tree(admin) == {
        "红光村": [("红光一网格", True, 0)],
        "城东社区": [("城东一网格", True, 0)],
        "白沙村": [("白沙一网格", True, 0), ("红光二网格", True, 0)],
    }
    with pytest.raises(UserInputError, match="已有名为“红光村”的村（社区）"):
        ground.add_village(admin, "红光村")
    with pytest.raises(UserInputError, match="红光村已有名为“红光一网格”的网格"):
        ground.add_grid(admin, _village_id(admin, "红光村"), "红光一网格")
    ground.add_grid(admin, _village_id(admin, "红光村"), "白沙一网格")
    with pytest.raises(UserInputError, match="白沙村已有名为“白沙一网格”的网格，请先改名再移动"):
        ground.move_grid(admin, _grid_id(admin, "白沙一网格"), village)
    with pytest.raises(UserInputError, match="名称不能为空"):
        ground.add_village(admin, "  ")


def test_merge_moves_places_and_members_and_retires_the_grid(db: Database, admin: Desk) -> None:
    one, two = _grid_id(admin, "红光一网格"), _grid_id(admin, "红光二网格")
    _places(db, two, "老周家常菜馆", "白沙五金店")
    _places(db, one, "红光超市")
    ground.add_member(admin, two, name="孙悦", role="网格员", phone="13812345678")
    result = ground.merge_grids(admin, two, one)
    assert (result.places, result.members) == (2, 1)
    assert _tree(admin)["红光村"] == [("红光一网格", True, 3), ("红光二网格", False, 0)]  # retired, listed …
    with db.reader() as s:
        assert s.get(Grid, two) is not None  # … and kept, with its history
        assert {p.name for p in s.scalars(select(Place).where(Place.grid_id == one))} == {
            "老周家常菜馆", "白沙五金店", "红光超市"}
        assert [m.grid_id for m in s.scalars(select(GridMember))] == [one]
        event = s.scalars(select(AuditEntry).where(AuditEntry.action == "merge_grids")).one()
    assert json.loads(event.payload) == {"into": one, "places": 2, "members": 1}
    assert event.entity_id == two
    tree = ground.load_ground_tree(admin)  # … but the main window's tree leaves it out: nothing is in it
    assert [(g.name, g.places) for g in tree.villages[0].grids] == [("红光一网格", 3)]
    with pytest.raises(UserInputError, match="已停用，不能并入"):
        ground.merge_grids(admin, one, two)
    with pytest.raises(UserInputError, match="另一个网格"):
        ground.merge_grids(admin, one, one)


def test_retire_needs_the_open_places_moved_first(db: Database, admin: Desk) -> None:
    grid = _grid_id(admin, "城东网格")
    _places(db, grid, "城东饭店")
    _places(db, grid, "已关的小卖部", status="关闭")
    with pytest.raises(UserInputError, match="还有 1 个未关闭的场所"):
        ground.retire_grid(admin, grid)
    with db.session("admin") as s:
        s.scalars(select(Place).where(Place.name == "城东饭店")).one().status = "关闭"
    ground.retire_grid(admin, grid)
    assert _tree(admin)["城东社区"] == [("城东网格", False, 2)]
    with db.reader() as s:
        choices = dict(ground.grid_choices(s, active_only=True))
        assert grid not in choices and grid in dict(ground.grid_choices(s))
    tree = ground.load_ground_tree(admin)  # closed places keep their retired grid in the tree
    assert [(g.name, g.places, g.active) for g in tree.villages[1].grids] == [("城东网格", 2, False)]
    with pytest.raises(UserInputError, match="已停用"):
        ground.add_member(admin, grid, name="孙悦", role="网格员")
    ground.reactivate_grid(admin, grid)
    assert _tree(admin)["城东社区"] == [("城东网格", True, 2)]


def test_members_and_their_roles(admin: Desk) -> None:
    grid = _grid_id(admin, "红光一网格")
    assert ground.member_roles(admin)[:3] == ("网格长", "网格员", "安全员")
    li = users.find_user(admin, "li")
    ground.add_member(admin, grid, name="孙悦", role="网格员", phone="138 1234 5678", user_id=li.id)
    chief = ground.add_member(admin, grid, name="钱进", role="网格长")
    rows = ground.list_members(admin, grid)
    assert [(m.name, m.role, m.phone, m.user_id) for m in rows] == [
        ("钱进", "网格长", "", None), ("孙悦", "网格员", "13812345678", li.id)]
    with pytest.raises(UserInputError, match="没有“联络员”这个网格角色"):
        ground.add_member(admin, grid, name="周五", role="联络员")
    with pytest.raises(UserInputError, match="联系电话"):
        ground.add_member(admin, grid, name="周五", role="网格员", phone="12345")
    assert ground.set_member_roles(admin, ["网格长", "联络员", "网格员", "网格长", " "]) == ("网格长", "联络员", "网格员")
    ground.update_member(admin, chief, name="钱进", role="联络员", phone="")
    with pytest.raises(UserInputError, match="还有网格人员的角色是“联络员”"):
        ground.set_member_roles(admin, ["网格长", "网格员"])
    ground.remove_member(admin, chief)
    assert ground.set_member_roles(admin, ["网格长", "网格员"]) == ("网格长", "网格员")
    assert ground.member_roles(admin) == ("网格长", "网格员")
    with pytest.raises(UserInputError, match="至少要有一个网格角色"):
        ground.set_member_roles(admin, [""])


def test_import_the_list_adds_only_what_is_new(tmp_path: Path, db: Database, admin: Desk) -> None:
    path = township_setup.grid_list(tmp_path / "网格.xlsx", [
        (1, "红光村民委员会", "红光一网格", None),
        (2, None, "红光三网格", None),
        (3, "白沙社区", "白沙网格", None),
    ])
    preview = ground.read_ground_list(path)
    dry = ground.import_ground_list(admin, preview, dry_run=True)
    assert dry.dry_run and dry.created_villages == ("白沙社区",)
    assert "白沙社区" not in _tree(admin)  # the dry run wrote nothing
    result = ground.import_ground_list(admin, preview)
    assert result.created_villages == ("白沙社区",)
    assert result.created_grids == ("红光村 红光三网格", "白沙社区 白沙网格")
    assert result.existing_grids == 1
    assert [g for g, _a, _p in _tree(admin)["红光村"]] == ["红光一网格", "红光二网格", "红光三网格"]
    bad = township_setup.grid_list(tmp_path / "坏.xlsx", [(1, "", "无主网格", None)])
    with pytest.raises(UserInputError, match=r"1 处错误，没有导入.*第4行"):
        ground.import_ground_list(admin, ground.read_ground_list(bad))
