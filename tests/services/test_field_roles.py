"""Roles are enforced in the field services too: every protected action of the daily loop (checks,
复查, documents, places, imports, checklists, plans, number slots), called through its real entry
point as each role. A role the permission table allows gets the work done; any other gets a
PermissionDeniedError naming the person, the role and the action, and nothing is written."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from helpers import desk_for, doc_setup
from openpyxl import Workbook
from sqlalchemy import func, select

from anquan_desk.core.db import Database, open_database
from anquan_desk.core.device import this_device
from anquan_desk.core.errors import PermissionDeniedError
from anquan_desk.core.models import AuditEntry, Document, Grid, Hazard, Place, Township, Village
from anquan_desk.services import (
    checklists,
    documents,
    hazards,
    inspections,
    numbering,
    place_import,
    places,
    plans,
    reinspections,
    roles,
    users,
)
from anquan_desk.services.desk import Actor, Desk

#: One user of every role (``zhang`` and ``li`` are the check's inspectors, made by doc_setup).
ROLE_USERS = {"管理员": "boss", "检查员": "zhang", "网格员": "grid", "只读": "viewer"}

_template: dict[str, Path] = {}


def _build(folder: Path) -> Path:
    db = open_database(folder / "anquan.db")
    ids = doc_setup.finished_check(db, folder, enforcement=True)
    system = Desk(db, Actor.system("setup"))
    for username, name, role in (("boss", "周建国", "管理员"), ("grid", "孙悦", "网格员"), ("viewer", "赵玥", "只读")):
        users.add_user(system, username=username, name=name, password="secret12", role=role,
                       work_no="BS-2026-001" if role == "网格员" else "")
    with db.session("setup") as s:
        township_id = s.scalars(select(Township.id)).one()
        village = Village(name="红光村", township_id=township_id)
        s.add(village)
        s.flush()
        grid = Grid(name="红光一网格", village_id=village.id)
        s.add(grid)
        s.flush()
        place = s.get(Place, ids["place"])
        assert place is not None
        place.grid_id = grid.id
        gas = s.get(Hazard, ids["gas"])
        assert gas is not None
        gas.grade = "重大"  # a 重大事故隐患 to 挂牌督办
    documents.obtain_document(system, "record", ids["inspection"])
    db.dispose()
    (folder / "ids.json").write_text(json.dumps(ids), encoding="utf-8")
    return folder / "anquan.db"


@pytest.fixture
def db(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    import shutil

    if "db" not in _template:
        _template["db"] = _build(tmp_path_factory.mktemp("field-roles"))
    source = _template["db"]
    target = tmp_path / "db" / "anquan.db"
    target.parent.mkdir()
    shutil.copy2(source, target)
    if (source.parent / "anquan-attachments").is_dir():
        shutil.copytree(source.parent / "anquan-attachments", target.parent / "anquan-attachments")
    database = open_database(target)
    # Each test runs as a laptop of its own (its own device file): give it a number slot.
    numbering.assign_slot(Desk(database, Actor.system("setup")), this_device().id)
    yield database
    database.dispose()


def _ids(db: Database) -> dict[str, str]:
    ids: dict[str, str] = json.loads((_template["db"].parent / "ids.json").read_text(encoding="utf-8"))
    with db.reader() as s:
        ids["document"] = s.scalars(select(Document.id).where(Document.doc_type == "现场检查记录")).one()
    return ids


def _place_list(folder: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["单位名称", "地址", "所属网格", "负责人", "联系电话"])
    ws.append(["白沙镇老街面馆", "白沙镇老街18号", "红光一网格", "钱多", "13905710002"])
    path = folder / "场所清单.xlsx"
    wb.save(path)
    return path


def _import(desk: Desk, folder: Path) -> object:
    preview = place_import.preview_place_list(desk, _place_list(folder))
    return place_import.import_place_list(desk, preview)


Call = Callable[[Desk, dict[str, str], Path], object]

#: Every protected field action with the real entry point a screen or a command calls for it.
CALLS: dict[str, tuple[str, Call]] = {
    "start_draft": ("inspections.record", lambda d, i, _f: inspections.start_draft(
        d, place_id=i["place"], inspector_ids=[i["a"], i["b"]], template_ids=[i["template"]])),
    "open_reinspection": ("reinspections.record", lambda d, i, _f: reinspections.open_reinspection(d, i["place"])),
    "obtain_document (照片附页)": (
        "documents.issue", lambda d, i, _f: documents.obtain_document(d, "photos", i["inspection"])),
    "obtain_document (责令限期整改指令书)": (
        "documents.issue_order", lambda d, i, _f: documents.obtain_document(
            d, "order", i["inspection"], served_on=doc_setup.CHECK_DAY)),
    "void_issued": ("documents.void", lambda d, i, _f: documents.void_issued(d, i["document"], "填写错误")),
    "correct_issued": ("documents.correct", lambda d, i, _f: documents.correct_issued(d, i["document"], "地址有误")),
    "edit_place": ("places.edit", lambda d, i, _f: places.edit_place(d, i["place"], {"phone": "13905710009"})),
    "edit_place (关闭)": ("places.edit+places.close", lambda d, i, _f: places.edit_place(d, i["place"], {"status": "关闭"})),
    "import_place_list": ("places.import", lambda d, _i, f: _import(d, f)),
    "create_checklist": ("checklists.edit", lambda d, _i, _f: checklists.create_checklist(
        d, name="农家乐检查表", sector="九小场所")),
    "enable_checklist": ("checklists.edit", lambda d, _i, _f: checklists.enable_checklist(d, "T-FOOD", False)),
    "change_frequency": ("plans.manage", lambda d, _i, _f: plans.change_frequency(d, {"红": 1, "橙": 2, "黄": 4, "蓝": 6})),
    "assign_slot": ("numbers.assign_slot", lambda d, _i, _f: numbering.assign_slot(d, "LAPTOP-7")),
    "supervise (挂牌督办)": ("hazards.supervise", lambda d, i, _f: hazards.supervise(
        d, i["gas"], listed_on=date(2026, 11, 20), supervision_no="青安督〔2026〕1号")),
}


def _audit_count(db: Database) -> int:
    with db.reader() as s:
        return int(s.scalar(select(func.count()).select_from(AuditEntry)) or 0)


@pytest.mark.parametrize("role", list(ROLE_USERS))
@pytest.mark.parametrize("entry", list(CALLS))
def test_each_role_gets_exactly_what_the_table_allows(db: Database, role: str, entry: str, tmp_path: Path) -> None:
    needed, call = CALLS[entry]
    actions = needed.split("+")
    ids = _ids(db)
    desk = desk_for(db, ROLE_USERS[role])
    assert desk.actor.user_id is not None and desk.actor.role == role
    before = _audit_count(db)
    missing = [a for a in actions if not roles.allows(role, a)]
    if not missing:
        call(desk, ids, tmp_path)
        assert _audit_count(db) > before, f"{entry} as {role} wrote nothing"
    else:
        with pytest.raises(PermissionDeniedError) as refused:
            call(desk, ids, tmp_path)
        message = str(refused.value)
        assert desk.actor.name in message and role in message and roles.ACTIONS[missing[0]] in message
        assert _audit_count(db) == before


def test_the_table_is_what_the_issue_asks() -> None:
    """A 网格员 records checks and hazards but issues no order, voids or corrects nothing, manages
    no one; 只读 changes nothing; 检查员 does the whole inspection work."""
    grid = roles.actions_of("网格员")
    assert {"inspections.record", "reinspections.record", "documents.issue"} <= grid
    assert not grid & {"documents.issue_order", "documents.void", "documents.correct", "users.manage",
                       "township.edit", "places.close", "numbers.assign_slot"}
    assert roles.actions_of("只读") == {"ledgers.export"}
    assert {"documents.issue_order", "documents.void", "documents.correct", "places.close"} <= roles.actions_of("检查员")
    assert roles.actions_of("管理员") == set(roles.ACTIONS)
    protected = {action for needed, _call in CALLS.values() for action in needed.split("+")}
    # The others are called as each role in test_roles.py (township, users, grids, members);
    # ledgers.export is every role's.
    elsewhere = {"township.edit", "users.manage", "grids.manage", "members.manage", "ledgers.export"}
    assert protected | elsewhere == set(roles.ACTIONS)


def test_a_deactivated_inspector_is_refused_at_once(db: Database) -> None:
    ids = _ids(db)
    desk = desk_for(db, "zhang")
    users.deactivate_user(desk_for(db, "boss"), ids["a"])
    with pytest.raises(PermissionDeniedError, match="已停用"):
        inspections.start_draft(desk, place_id=ids["place"], inspector_ids=[ids["a"], ids["b"]],
                                template_ids=[ids["template"]])
