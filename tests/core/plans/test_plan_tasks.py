"""The monthly task list: frequency by risk colour, re-inspections due, plan sectors, route order.

Hand-made places and inspections with exact expected sets (month under test: 2026-12).
"""

from __future__ import annotations

import itertools
from datetime import date, datetime

import pytest
from sqlalchemy import select

from anquan_desk.core.db import Database
from anquan_desk.core.models import Grid, Hazard, Inspection, Place, PlaceSector, Setting, Township, Village
from anquan_desk.core.plans.tasks import (
    DEFAULT_FREQUENCY,
    UNASSIGNED_GRID,
    TaskError,
    get_frequency,
    monthly_tasks,
    parse_month,
)
from anquan_desk.services.plans import set_frequency

_codes = itertools.count(1)


def _visit(place: Place, when: datetime, status: str = "已完成") -> Inspection:
    # Naive datetimes are local time (as the inspector's laptop records them).
    return Inspection(place=place, started_at=when, status=status)


def _hazard(place: Place, inspection: Inspection, text: str, deadline: date | None, status: str = "待整改") -> Hazard:
    return Hazard(
        place=place, inspection=inspection, code=f"T{next(_codes):04d}", description=text, deadline=deadline,
        status=status,
    )


@pytest.fixture
def ground(db: Database) -> dict[str, str]:
    """Two grids in route order, one place without a grid; returns place name -> id."""
    with db.session("test") as s:
        town = Township(name="红光镇")
        village = Village(township=town, name="东湖社区", kind="社区", sort_order=1)
        g1 = Grid(village=village, name="第一网格", sort_order=1)
        g2 = Grid(village=village, name="第二网格", sort_order=2)
        s.add_all([town, village, g1, g2])

        def place(name: str, colour: str, grid: Grid | None, order: int, *, status: str = "在营",
                  sectors: tuple[str, ...] = ("消防",), crowded: bool = False) -> Place:
            p = Place(name=name, risk_color=colour, grid=grid, route_order=order, status=status,
                      densely_populated=crowded)
            p.sector_rows = [PlaceSector(sector=x) for x in sectors]
            s.add(p)
            return p

        r1 = place("红1十一月查过", "红", g1, 30, sectors=("燃气", "九小场所"))
        r2 = place("红2十二月查过", "红", g1, 10)
        r3 = place("红3一月才查", "红", g2, 5)
        o1 = place("橙1十一月查过", "橙", g1, 20)
        o2 = place("橙2十月底查过", "橙", g1, 40, crowded=True)
        y1 = place("黄1十月初查过", "黄", g2, 1)
        y2 = place("黄2九月底查过", "黄", g2, 2, sectors=("燃气",))
        b1 = place("蓝1七月查过", "蓝", g2, 3)
        place("蓝2从未查过", "蓝", g2, 4)
        b3 = place("蓝3只有草稿", "蓝", None, 0)
        b4 = place("蓝4隐患到期", "蓝", g1, 50)
        b5 = place("蓝5隐患未到期", "蓝", g1, 60)
        b6 = place("蓝6一月查过", "蓝", g1, 70)
        place("红4已关闭", "红", g1, 80, status="关闭")
        place("红5停业", "红", g1, 90, status="停业")
        s6 = place("红6停业有隐患", "红", g1, 100, status="停业")

        s.add_all(
            [
                _visit(r1, datetime(2026, 11, 15, 10)),
                _visit(r2, datetime(2026, 11, 2, 10)),
                _visit(r2, datetime(2026, 12, 3, 10)),
                _visit(r3, datetime(2026, 10, 1, 10)),
                _visit(r3, datetime(2027, 1, 6, 10)),  # after the month: does not count
                _visit(o1, datetime(2026, 11, 15, 10)),
                _visit(o2, datetime(2026, 10, 31, 10)),
                _visit(y1, datetime(2026, 10, 1, 9)),
                _visit(y2, datetime(2026, 9, 30, 16)),
                _visit(b1, datetime(2026, 7, 1, 9)),
                _visit(b3, datetime(2026, 11, 1, 9), status="草稿"),
                _visit(b6, datetime(2026, 1, 15, 9)),
            ]
        )
        i4 = _visit(b4, datetime(2026, 8, 1, 10))
        i5 = _visit(b5, datetime(2026, 8, 1, 10))
        i6 = _visit(s6, datetime(2026, 8, 1, 10))
        s.add_all([i4, i5, i6])
        s.add_all(
            [
                _hazard(b4, i4, "灭火器过期", date(2026, 12, 20)),
                _hazard(b4, i4, "疏散通道堵塞", None, "整改中"),  # 立即整改, still open
                _hazard(b4, i4, "插座私拉乱接", date(2026, 11, 1), "已销号"),
                _hazard(b5, i5, "燃气软管老化", date(2027, 1, 5)),
                _hazard(b5, i5, "已整改完毕", date(2026, 12, 1), "已销号"),
                _hazard(s6, i6, "停业期间存放气瓶", date(2026, 11, 1), "待复查"),
            ]
        )
        s.flush()
        return {p.name: p.id for p in s.scalars(select(Place))}


def _due(db: Database, **kw: object) -> dict[str, tuple[str, ...]]:
    with db.reader() as s:
        tasks = monthly_tasks(s, 2026, 12, today=date(2026, 12, 1), **kw)  # type: ignore[arg-type]
    return {p.name: p.reasons for g in tasks.grids for p in g.places}


def test_default_frequency_exact_set(db: Database, ground: dict[str, str]) -> None:
    assert _due(db) == {
        "红1十一月查过": ("定期巡查",),
        "红3一月才查": ("定期巡查",),
        "橙2十月底查过": ("定期巡查",),
        "黄2九月底查过": ("定期巡查",),
        "蓝2从未查过": ("定期巡查",),
        "蓝3只有草稿": ("定期巡查",),
        "蓝4隐患到期": ("隐患复查",),  # visited in August: routine not due
        "蓝6一月查过": ("定期巡查",),
        "红6停业有隐患": ("隐患复查",),
    }


def test_re_inspections_and_grid_grouping(db: Database, ground: dict[str, str]) -> None:
    with db.reader() as s:
        tasks = monthly_tasks(s, 2026, 12, today=date(2026, 12, 1))
    assert [(g.grid, g.village) for g in tasks.grids] == [
        ("第一网格", "东湖社区"), ("第二网格", "东湖社区"), (UNASSIGNED_GRID, ""),
    ]
    # Route order inside each grid.
    assert [p.name for p in tasks.grids[0].places] == [
        "红1十一月查过", "橙2十月底查过", "蓝4隐患到期", "蓝6一月查过", "红6停业有隐患",
    ]
    assert [p.name for p in tasks.grids[1].places] == ["黄2九月底查过", "蓝2从未查过", "红3一月才查"]
    b4 = tasks.grids[0].places[2]
    # Immediate (no deadline) first, then by deadline; the closed one is not there.
    assert [(h.description, h.deadline, h.overdue) for h in b4.hazards] == [
        ("疏散通道堵塞", None, False),
        ("灭火器过期", date(2026, 12, 20), False),
    ]
    s6 = tasks.grids[0].places[4]
    assert [(h.description, h.overdue) for h in s6.hazards] == [("停业期间存放气瓶", True)]
    assert tasks.grids[1].places[0].last_inspected == date(2026, 9, 30)
    assert tasks.grids[1].places[1].last_inspected is None
    assert tasks.grids[1].places[2].last_inspected == date(2026, 10, 1)  # the January visit is later
    assert tasks.place_count == 9


def test_one_grid_only(db: Database, ground: dict[str, str]) -> None:
    with db.reader() as s:
        grid_id = s.scalars(select(Grid.id).where(Grid.name == "第二网格")).one()
        tasks = monthly_tasks(s, 2026, 12, grid_id=grid_id, today=date(2026, 12, 1))
    assert [g.grid for g in tasks.grids] == ["第二网格"]
    assert {p.name for p in tasks.grids[0].places} == {"红3一月才查", "黄2九月底查过", "蓝2从未查过"}


def test_configured_frequency_is_stored_and_used(db: Database, ground: dict[str, str]) -> None:
    with db.reader() as s:
        assert get_frequency(s) == DEFAULT_FREQUENCY
    with db.session("admin") as s:
        set_frequency(s, {"蓝": 12, "橙": 1})
    with db.reader() as s:
        assert get_frequency(s) == {"红": 1, "橙": 1, "黄": 3, "蓝": 12}
        assert s.get(Setting, "plan.frequency") is not None
    due = _due(db)
    # 蓝6 (visited in January) is no longer due; 橙1 (visited in November) now is.
    assert "蓝6一月查过" not in due
    assert due["橙1十一月查过"] == ("定期巡查",)
    assert due["蓝2从未查过"] == ("定期巡查",)
    # November under the same settings: 红2 was visited on 11-02, so it is not due.
    with db.reader() as s:
        nov = monthly_tasks(s, 2026, 11, today=date(2026, 11, 1))
    assert "红2十二月查过" not in {p.name for g in nov.grids for p in g.places}


@pytest.mark.parametrize("bad", [{"紫": 1}, {"红": 0}, {"蓝": 13}, {"黄": "3"}, {"橙": True}])
def test_bad_frequency_is_refused(db: Database, bad: dict[str, object]) -> None:
    with pytest.raises(TaskError), db.session("admin") as s:
        set_frequency(s, bad)  # type: ignore[arg-type]
    with db.reader() as s:
        assert s.get(Setting, "plan.frequency") is None


def test_plan_sectors_mark_priority(db: Database, ground: dict[str, str]) -> None:
    with db.reader() as s:
        tasks = monthly_tasks(s, 2026, 12, plan_sectors=["燃气", "人员密集场所"], today=date(2026, 12, 1))
    flagged = {p.name: p.plan_sectors for g in tasks.grids for p in g.places if p.priority}
    assert flagged == {
        "红1十一月查过": ("燃气",),
        "黄2九月底查过": ("燃气",),
        "橙2十月底查过": ("人员密集场所",),  # densely populated counts as 人员密集场所
    }


def test_month_windows_and_parse_month(db: Database, ground: dict[str, str]) -> None:
    with db.reader() as s:
        all_windows = monthly_tasks(s, 2026, 12, today=date(2026, 12, 1)).periods
        only = monthly_tasks(s, 2026, 12, periods=["元旦"], today=date(2026, 12, 1)).periods
    assert [w.name for w in all_windows] == ["秋冬", "冬春", "岁末年初", "雨雪冰冻", "元旦"]
    assert [(w.name, w.start, w.end) for w in only] == [("元旦", date(2026, 12, 25), date(2027, 1, 4))]
    assert parse_month("2026-12") == (2026, 12)
    assert parse_month("2026年3月") == (2026, 3)
    for bad in ("2026-13", "12-2026", "abc", "2026"):
        with pytest.raises(TaskError, match="格式不对"):
            parse_month(bad)
