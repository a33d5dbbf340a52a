"""Roles are enforced in the services: every entry point that changes the township, users, villages,
grids or members, called as each role — only the administrator gets through, everyone else a
PermissionDeniedError naming the person, the role and what was refused; nothing is written."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from helpers import desk_for, township_setup
from sqlalchemy import func, select

from anquan_desk.core.db import Database
from anquan_desk.core.errors import PermissionDeniedError
from anquan_desk.core.models import AuditEntry, Grid, User, Village
from anquan_desk.services import ground, roles, township, users
from anquan_desk.services.desk import Actor, Desk


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    """The set-up township (one user of every role), a copy per test."""
    database = township_setup.database(tmp_path)
    yield database
    database.dispose()


ROLE_USERS = {"管理员": "admin", "检查员": "wang", "网格员": "li", "只读": "zhao"}


def _ids(db: Database) -> dict[str, str]:
    with db.reader() as s:
        out = {u.username: u.id for u in s.scalars(select(User))}
        out["village"] = s.scalars(select(Village).where(Village.name == "红光村")).one().id
        out["other_village"] = s.scalars(select(Village).where(Village.name == "城东社区")).one().id
        grids = {g.name: g.id for g in s.scalars(select(Grid))}
    out.update(grid1=grids["红光一网格"], grid2=grids["红光二网格"], grid3=grids["城东网格"])
    return out


Call = Callable[[Desk, dict[str, str]], object]

#: Every protected entry point of the township, users, villages/grids and members, with its action.
CALLS: dict[str, tuple[str, Call]] = {
    "update_township_profile": ("township.edit", lambda d, _i: township.update_township_profile(
        d, township.TownshipProfile(name="白沙镇", short_name="沙", county="青溪县"))),
    "add_user (an administrator)": ("users.manage", lambda d, _i: users.add_user(
        d, username="boss", name="冒名", password="secret12", role="管理员")),
    "update_user (make oneself administrator)": ("users.manage", lambda d, i: users.update_user(
        d, i[d.actor.username], name=d.actor.name, role="管理员")),
    "deactivate_user (the administrator)": ("users.manage", lambda d, i: users.deactivate_user(d, i["admin"])),
    "reactivate_user": ("users.manage", lambda d, i: users.reactivate_user(d, i["zhao"])),
    "reset_password (another user's)": ("users.manage", lambda d, i: users.reset_password(
        d, i["li"], "taken-over"),),
    "add_village": ("grids.manage", lambda d, _i: ground.add_village(d, "新村")),
    "rename_village": ("grids.manage", lambda d, i: ground.rename_village(d, i["village"], "改名村")),
    "add_grid": ("grids.manage", lambda d, i: ground.add_grid(d, i["village"], "红光三网格")),
    "rename_grid": ("grids.manage", lambda d, i: ground.rename_grid(d, i["grid1"], "改名网格")),
    "move_grid": ("grids.manage", lambda d, i: ground.move_grid(d, i["grid2"], i["other_village"])),
    "merge_grids": ("grids.manage", lambda d, i: ground.merge_grids(d, i["grid2"], i["grid1"])),
    "retire_grid": ("grids.manage", lambda d, i: ground.retire_grid(d, i["grid3"])),
    "reactivate_grid": ("grids.manage", lambda d, i: ground.reactivate_grid(d, i["grid3"])),
    "add_member": ("members.manage", lambda d, i: ground.add_member(d, i["grid1"], name="孙悦", role="网格员")),
    "set_member_roles": ("members.manage", lambda d, _i: ground.set_member_roles(d, ["网格长", "网格员"])),
}


def _audit_count(db: Database) -> int:
    with db.reader() as s:
        return int(s.scalar(select(func.count()).select_from(AuditEntry)) or 0)


@pytest.mark.parametrize("role", ["检查员", "网格员", "只读"])
@pytest.mark.parametrize("entry", list(CALLS))
def test_only_the_administrator_may(db: Database, role: str, entry: str) -> None:
    ids = _ids(db)
    action, call = CALLS[entry]
    desk = desk_for(db, ROLE_USERS[role])
    before = _audit_count(db)
    with pytest.raises(PermissionDeniedError) as refused:
        call(desk, ids)
    name = township_setup.PEOPLE[ROLE_USERS[role]][0]
    assert str(refused.value) == f"{name}（{role}）无权{roles.ACTIONS[action]}。如需办理，请联系管理员。"
    assert _audit_count(db) == before  # nothing was written


@pytest.mark.parametrize("entry", list(CALLS))
def test_the_administrator_may(db: Database, entry: str) -> None:
    ids = _ids(db)
    _action, call = CALLS[entry]
    desk = desk_for(db, "admin")
    before = _audit_count(db)
    if entry.startswith("deactivate_user"):  # not oneself: another administrator does it
        users.update_user(desk, ids["wang"], name="王芳", role="管理员", cert_no="32010019002")
        before = _audit_count(db)
        call(desk_for(db, "wang"), ids)
    elif entry in ("reactivate_grid", "reactivate_user"):  # something to restore first
        if entry == "reactivate_grid":
            ground.retire_grid(desk, ids["grid3"])
        else:
            users.deactivate_user(desk, ids["zhao"])
        before = _audit_count(db)
        call(desk, ids)
    else:
        call(desk, ids)
    assert _audit_count(db) > before


def test_a_role_changed_or_deactivated_since_login_counts_at_once(db: Database) -> None:
    ids = _ids(db)
    admin = desk_for(db, "admin")
    wang = desk_for(db, "wang")  # logged in as 检查员
    users.update_user(admin, ids["wang"], name="王芳", role="管理员", cert_no="32010019002")
    ground.add_village(wang, "王芳加的村")  # the desk still says 检查员: the database counts
    users.deactivate_user(admin, ids["wang"])
    with pytest.raises(PermissionDeniedError, match="已停用"):
        ground.add_village(wang, "又一个村")


def test_the_permission_table() -> None:
    assert roles.ROLES == ("管理员", "检查员", "网格员", "只读")
    assert roles.actions_of("管理员") == frozenset(roles.ACTIONS)
    grid_worker = roles.actions_of("网格员")
    assert {"inspections.record", "reinspections.record", "documents.issue"} <= grid_worker
    assert not grid_worker & {"documents.issue_order", "documents.void", "documents.correct", "users.manage",
                              "township.edit", "grids.manage", "places.close", "numbers.assign_slot"}
    inspector = roles.actions_of("检查员")
    assert {"documents.issue_order", "documents.void", "documents.correct", "places.close"} <= inspector
    assert not inspector & {"users.manage", "township.edit", "grids.manage", "numbers.assign_slot"}
    assert roles.actions_of("只读") == {"ledgers.export"}
    assert roles.actions_of("不存在的角色") == frozenset()
    for role in roles.ROLES:
        assert roles.actions_of(role) <= set(roles.ACTIONS)
    assert roles.allows("网格员", "inspections.record") and not roles.allows("网格员", "documents.issue_order")
    with pytest.raises(ValueError, match="unknown action"):
        roles.allows("管理员", "documents.burn")


@pytest.mark.parametrize(("role", "action", "allowed"), [
    ("网格员", "inspections.record", True),
    ("网格员", "documents.issue", True),
    ("网格员", "documents.issue_order", False),
    ("网格员", "documents.void", False),
    ("网格员", "documents.correct", False),
    ("检查员", "documents.issue_order", True),
    ("检查员", "numbers.assign_slot", False),
    ("只读", "inspections.record", False),
    ("只读", "places.close", False),
    ("管理员", "numbers.assign_slot", True),
])
def test_require_for_the_other_services(db: Database, role: str, action: str, allowed: bool) -> None:
    """``require`` is what the other services will call: as each role, from the database."""
    desk = desk_for(db, ROLE_USERS[role])
    assert roles.permitted(desk, action) is allowed
    if allowed:
        roles.require(desk, action)
    else:
        with pytest.raises(PermissionDeniedError, match=f"（{role}）无权{roles.ACTIONS[action]}"):
            roles.require(desk, action)


def test_the_system_and_actors_without_a_user(db: Database) -> None:
    roles.require(Desk(db, Actor.system("cli")), "users.manage")  # the command line, start-up
    code_built = Desk(db, Actor(username="x", name="某人", role="只读"))
    with pytest.raises(PermissionDeniedError, match="某人（只读）无权管理用户账号"):
        roles.require(code_built, "users.manage")
    ghost = Desk(db, Actor(username="ghost", name="幽灵", role="管理员", user_id="no-such-id"))
    with pytest.raises(PermissionDeniedError, match="不存在"):
        ground.add_village(ghost, "幽灵村")


def test_every_user_may_change_their_own_password(db: Database) -> None:
    for username in ROLE_USERS.values():
        desk = desk_for(db, username)
        users.change_own_password(desk, township_setup.PASSWORD, f"{username}-new-pass")
        assert users.log_in(desk, username, f"{username}-new-pass").username == username


def test_update_of_the_profile_by_the_administrator_is_audited(db: Database) -> None:
    admin = desk_for(db, "admin")
    profile = township.township_profile(admin)
    assert profile is not None
    changed = township.update_township_profile(admin, township.TownshipProfile(
        name=profile.name, county=profile.county, authorisation="赋权", authorisation_document="青政发〔2024〕3号",
        authorisation_date=date(2024, 5, 6)))
    assert changed.enforcement_authorised and changed.notice_type == "order"
    with db.reader() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.entity == "townships", AuditEntry.action == "update")
                          .order_by(AuditEntry.seq.desc())).first()
    assert entry is not None and entry.actor == "admin"
    assert '"enforcement_authorised":[false,true]' in entry.payload
