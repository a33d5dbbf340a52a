"""The new ledger columns (挂牌督办, 治理方案, 整改资金, 验收, 隐患部位, 整改情况/整改状态, 检查内容,
自建房 初判/鉴定) read back with openpyxl and checked against SQL written here, not the ledger code."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from helpers import desk_for
from openpyxl import load_workbook

from anquan_desk.core import clock
from anquan_desk.core.clock import local_to_utc
from anquan_desk.core.db import Database
from anquan_desk.core.errors import PermissionDeniedError, UserInputError
from anquan_desk.core.models import Reinspection, ReinspectionResult, User
from anquan_desk.services import hazards, houses
from anquan_desk.services.desk import Actor, Desk
from anquan_desk.services.ledgers import ExportOptions, export_ledger

FINISHED = "JOIN inspections i ON i.id = h.inspection_id WHERE i.status = '已完成'"
ORDER = "ORDER BY i.started_at, i.id, h.seq, h.code"


def _read(path: Path) -> list[tuple[Any, ...]]:
    ws = load_workbook(path).active
    assert ws is not None
    return [tuple(r) for r in ws.iter_rows(values_only=True)]


def _sql(db: Database, query: str, **params: object) -> list[tuple[Any, ...]]:
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(query), params)]


def _day(value: str | dt.date | None) -> dt.datetime | None:
    """A date or timestamp read by raw SQL: text on SQLite, a date/datetime on PostgreSQL."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    return dt.datetime.fromisoformat(value)


def _utc(value: str | dt.datetime) -> dt.datetime:
    moment = _day(value)
    assert moment is not None
    return moment


def _open_major(db: Database) -> tuple[str, str, dt.date]:
    """An open major hazard of a finished inspection: id, code, the day it was found."""
    hid, code, started = _sql(
        db, f"SELECT h.id, h.code, i.started_at FROM hazards h {FINISHED} AND h.grade = '重大'"
        f" AND h.status != '已销号' {ORDER} LIMIT 1"
    )[0]
    found = _utc(started).replace(tzinfo=dt.UTC).astimezone().date()
    return hid, code, found


def test_major_ledger_holds_only_listed_hazards_with_their_supervision(
    demo_db: Database, tmp_path: Path, demo_today: dt.date
) -> None:
    desk = desk_for(demo_db)
    hid, code, found = _open_major(demo_db)
    listed = min(found + dt.timedelta(days=1), demo_today)
    hazards.supervise(desk, hid, listed_on=listed, supervision_no="红安委办督〔2026〕99号")
    hazards.set_treatment(desk, hid, treatment_plan="停用二层厨房，更换燃气管道", funds_yuan=123400)
    hazards.accept(desk, hid, accepted_on=listed, acceptance="镇安委办验收：已整改到位")
    out = tmp_path / "major.xlsx"
    export_ledger(desk, ExportOptions(kind="major", out=out, as_of=demo_today))
    rows = _read(out)
    assert rows[2][10:14] == ("挂牌日期", "督办文号", "督办单位", "治理方案")
    assert rows[2][21] == "验收" and rows[3][21:23] == ("验收日期", "验收意见")
    got = rows[4:]
    want = _sql(
        demo_db,
        "SELECT h.code, h.location, h.listed_on, h.supervision_no, h.supervising_unit, h.treatment_plan,"
        f" h.funds_yuan, h.fl_funds, h.accepted_on, h.acceptance FROM hazards h {FINISHED}"
        f" AND h.grade = '重大' AND h.supervised {ORDER}",
    )
    assert len(want) > 3 and [r[1] for r in got] == [w[0] for w in want]
    for row, (_code, location, listed_on, number, unit, plan, yuan, fl_funds, accepted_on, acceptance) in zip(
        got, want, strict=True
    ):
        assert row[8] == (location or None)
        assert row[10] == _day(listed_on) and row[10] is not None  # the demo and the service record it
        assert row[11:14] == (number, unit, plan or None)
        assert row[17] == (yuan / 10000 if yuan is not None else fl_funds)
        assert (row[21], row[22]) == (_day(accepted_on), acceptance or None)
    mine = next(r for r in got if r[1] == code)
    assert mine[10] == dt.datetime.combine(listed, dt.time())
    assert mine[11:14] == ("红安委办督〔2026〕99号", "红光镇人民政府", "停用二层厨房，更换燃气管道")
    assert mine[17] == 12.34 and mine[22] == "镇安委办验收：已整改到位"
    # A major hazard not listed is not in this ledger.
    unlisted = _sql(demo_db, f"SELECT h.code FROM hazards h {FINISHED} AND h.grade = '重大' AND NOT h.supervised")
    assert unlisted and not {u[0] for u in unlisted} & {r[1] for r in got}


def test_supervision_is_checked(demo_db: Database, demo_today: dt.date) -> None:
    desk = desk_for(demo_db)
    hid, _code, found = _open_major(demo_db)
    general = _sql(demo_db, f"SELECT h.id FROM hazards h {FINISHED} AND h.grade = '一般' LIMIT 1")[0][0]
    with pytest.raises(UserInputError, match="一般隐患"):
        hazards.supervise(desk, general, listed_on=demo_today, supervision_no="X")
    with pytest.raises(UserInputError, match="早于发现隐患的日期"):
        hazards.supervise(desk, hid, listed_on=found - dt.timedelta(days=1), supervision_no="X")
    with pytest.raises(UserInputError, match="晚于今天"):
        # Tomorrow by the clock now, not by the demo's day: the suite may cross midnight.
        hazards.supervise(desk, hid, listed_on=clock.today() + dt.timedelta(days=1), supervision_no="X")
    with pytest.raises(UserInputError, match="督办文号"):
        hazards.supervise(desk, hid, listed_on=found, supervision_no=" ")
    with pytest.raises(UserInputError, match="整改资金"):
        hazards.set_treatment(desk, hid, funds_yuan=-1)
    with demo_db.session("t") as s:
        worker = User(username="gw", name="网格员甲", role="网格员", password_hash="x")
        s.add(worker)
        s.flush()
        worker_actor = Actor(username="gw", name="网格员甲", role="网格员", user_id=worker.id)
    with pytest.raises(PermissionDeniedError, match="无权挂牌督办重大隐患"):
        hazards.supervise(Desk(demo_db, worker_actor), hid, listed_on=found, supervision_no="X")
    view = hazards.supervise(desk, hid, listed_on=found, supervision_no="  红安委办督〔2026〕7号 ")
    assert (view.supervised, view.listed_on, view.supervision_no) == (True, found, "红安委办督〔2026〕7号")
    [(supervised, listed_on)] = _sql(demo_db, "SELECT supervised, listed_on FROM hazards WHERE id = :id", id=hid)
    assert (bool(supervised), _day(listed_on)) == (True, _day(found.isoformat()))


def test_hazard_ledger_location_what_was_done_and_late_rectification(
    demo_db: Database, tmp_path: Path, demo_today: dt.date
) -> None:
    # A 复查 with a note on one open hazard: its 整改情况 is the note, not a status.
    hid, code, place_id, started = _sql(
        demo_db, f"SELECT h.id, h.code, h.place_id, i.started_at FROM hazards h {FINISHED}"
        f" AND h.status != '已销号' {ORDER} LIMIT 1"
    )[0]
    at = _utc(started).replace(tzinfo=dt.UTC) + dt.timedelta(days=1)
    with demo_db.session("t") as s:
        rein = Reinspection(place_id=place_id, inspected_at=at, inspectors=[{"name": "张三"}], finished=True,
                            opinion="复查意见")
        rein.results.append(ReinspectionResult(hazard_id=hid, outcome="部分整改", note="已更换灭火器，疏散指示未装",
                                               new_deadline=demo_today))
        s.add(rein)
    out = tmp_path / "h.xlsx"
    export_ledger(desk_for(demo_db), ExportOptions(kind="hazards", out=out, as_of=demo_today))
    rows = _read(out)
    assert rows[2][13] == "隐患部位" and rows[2][21] == "整改情况" and rows[2][25] == "整改状态"
    by_code = {r[1]: r for r in rows[3:]}
    day = at.astimezone().date().isoformat()
    assert by_code[code][21] == f"{day}复查：已更换灭火器，疏散指示未装"
    # 隐患部位 from the table, in its own column (no longer in 备注).
    for c, location in _sql(demo_db, f"SELECT h.code, h.location FROM hazards h {FINISHED}"):
        assert by_code[c][13] == (location or None)
        assert "隐患部位" not in str(by_code[c][27] or "")
    # 逾期整改: closed after the deadline, counted by SQL.
    late = {r[0] for r in _sql(demo_db, f"SELECT h.code FROM hazards h {FINISHED} AND h.status = '已销号'"
                                        " AND h.deadline IS NOT NULL AND h.closed_on > h.deadline")}
    assert late and {c for c, r in by_code.items() if r[25] == "已销号（逾期整改）"} == late
    # No cell of 整改情况 is a bare status.
    assert not {r[21] for r in rows[3:]} & {"已销号", "整改中", "待整改"}


def test_inspection_ledger_content_and_house_assessment(
    demo_db: Database, tmp_path: Path, demo_today: dt.date
) -> None:
    desk = desk_for(demo_db)
    iid, place_id, _started = _sql(
        demo_db,
        "SELECT i.id, i.place_id, i.started_at FROM inspections i JOIN place_sectors ps ON ps.place_id = i.place_id"
        " WHERE i.status = '已完成' AND ps.sector = '自建房' ORDER BY i.started_at LIMIT 1",
    )[0]
    classes = houses.preliminary_classes_of(desk)
    assert "存在一定安全隐患" in classes
    houses.set_preliminary(desk, iid, "存在一定安全隐患")
    houses.add_appraisal(desk, place_id, grade="c级", appraised_on=demo_today - dt.timedelta(days=3),
                         agency="某某房屋安全鉴定有限公司")
    with pytest.raises(UserInputError, match="鉴定等级"):
        houses.add_appraisal(desk, place_id, grade="E", appraised_on=demo_today, agency="某公司")
    with pytest.raises(UserInputError, match="初判类别"):
        houses.set_preliminary(desk, iid, "差不多")
    out = tmp_path / "i.xlsx"
    export_ledger(desk, ExportOptions(kind="inspections", out=out, as_of=demo_today))
    rows = _read(out)
    assert rows[2][12] == "检查内容" and rows[2][15:17] == ("自建房初判类别", "鉴定等级")
    got = rows[3:]
    want = _sql(demo_db, "SELECT i.id FROM inspections i WHERE i.status = '已完成' ORDER BY i.started_at, i.id")
    index = [w[0] for w in want].index(iid)
    row = got[index]
    preliminary, grade, on = _sql(
        demo_db,
        "SELECT (SELECT preliminary_class FROM house_assessments WHERE inspection_id = :i),"
        " appraisal_grade, assessed_on FROM house_assessments WHERE place_id = :p AND appraisal_grade != ''",
        i=iid, p=place_id,
    )[0]
    assert (row[15], row[16]) == (preliminary, f"{grade}级（{on}鉴定）") == ("存在一定安全隐患",
                                                                          f"C级（{on}鉴定）")
    # Every row says what was checked; the sectors are the library's only.
    library = {r[0] for r in _sql(demo_db, "SELECT DISTINCT sector FROM checklist_templates")}
    assert all(r[12] for r in got)
    assert all(set(str(r[4]).split("、")) <= library | {"其他"} for r in got)
    assert _sql(demo_db, "SELECT count(*) FROM place_sectors WHERE sector = '工贸'")[0][0] > 0
    assert not any("工贸" in str(r[4]) or "工贸" in str(r[12]) for r in got)


def test_inspection_content_names_the_checklists_and_items(db: Database, tmp_path: Path) -> None:
    """An inspection made with checklists: 检查内容 names them and counts the items by outcome (SQL)."""
    from anquan_desk.core.models import (
        Inspection,
        InspectionTemplate,
        ItemResult,
        Place,
        PlaceSector,
        Township,
    )
    from anquan_desk.services.checklists import sync_builtin_library

    with db.session("t") as s:
        sync_builtin_library(s)
        s.add(Township(name="青山镇", issuer="青山镇人民政府"))
        place = Place(name="甲饭店", sector_rows=[PlaceSector(sector="燃气")])
        s.add(place)
        s.flush()
        insp = Inspection(place_id=place.id, started_at=local_to_utc(dt.datetime(2026, 7, 5, 10)), status="已完成",
                          findings="后厨通风良好")
        s.add(insp)
        s.flush()
        tid = _sql_in(s, "SELECT id FROM checklist_templates WHERE code = 'GAS-LPG' AND is_current")
        insp.templates.append(InspectionTemplate(template_id=tid))
        items = [r[0] for r in s.execute(sa.text("SELECT id FROM checklist_items WHERE template_id = :t"), {"t": tid})]
        for n, item in enumerate(items[:5]):
            s.add(ItemResult(inspection_id=insp.id, item_id=item, outcome="不合格" if n == 0 else "合格"))
    out = tmp_path / "i.xlsx"
    export_ledger(desk_for(db), ExportOptions(kind="inspections", out=out, as_of=dt.date(2026, 7, 6)))
    name = _sql(db, "SELECT name FROM checklist_templates WHERE code = 'GAS-LPG' AND is_current")[0][0]
    counts = dict(_sql(db, "SELECT outcome, count(*) FROM item_results GROUP BY outcome"))
    assert _read(out)[3][12] == (
        f"{name}（检查{sum(counts.values())}项：合格{counts['合格']}项、不合格{counts['不合格']}项）；后厨通风良好"
    )


def _sql_in(session: Any, query: str) -> str:
    return str(session.execute(sa.text(query)).scalar_one())
