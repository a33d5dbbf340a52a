"""The programme built from the three real district plans, against the small demo township."""

from __future__ import annotations

from datetime import date

import pytest
from helpers import PLANS
from sqlalchemy import select

from anquan_desk.core import settings
from anquan_desk.core.checklists import load_library
from anquan_desk.core.db import Database
from anquan_desk.core.models import Place, PlaceSector, Setting
from anquan_desk.core.plans.parse import parse_plan
from anquan_desk.core.plans.programme import (
    NO_CHECKLIST,
    Programme,
    ProgrammeError,
    build_programme,
    load_programme,
)
from anquan_desk.core.plans.tasks import monthly_tasks
from anquan_desk.services.plans import save_programme

DATA = PLANS
BUILT_IN = {"消防", "燃气", "自建房", "九小场所"}  # sectors with built-in checklists (resources/checklists)

PLANS = {
    "enyang": ("enyang_2023_gongzuo_yaodian.txt", 2023),
    "xixinan": ("xixinan_2023_sange_henzhua.txt", 2023),
    "yueyanglou": ("yueyanglou_2021_gongzuo_yaodian.txt", 2021),
}


def _summary(key: str):  # type: ignore[no-untyped-def]
    return parse_plan((DATA / PLANS[key][0]).read_text(encoding="utf-8"))


def test_library_sectors_are_the_four_expected() -> None:
    assert {t.sector for t in load_library().templates} == BUILT_IN


@pytest.mark.parametrize("key", sorted(PLANS))
def test_programme_from_each_real_plan(key: str, demo_db: Database) -> None:
    summary = _summary(key)
    programme = build_programme(summary)
    assert programme.year == PLANS[key][1]
    assert programme.sector_names == summary.sector_names
    library = load_library()
    for plan in programme.sectors:
        expected = [t.code for t in library.templates if t.sector == plan.sector]
        assert [c.code for c in plan.checklists] == expected
        assert plan.needs_checklist == (plan.sector not in BUILT_IN)
        assert plan.note == ("" if plan.sector in BUILT_IN else NO_CHECKLIST)
        assert plan.evidence == summary.evidence_for(plan.sector)
    # Calendar: only the periods the plan names, every window touching the plan's year.
    year = programme.year
    assert {w.name for w in programme.calendar} | set(programme.undated_periods) == set(summary.periods)
    for w in programme.calendar:
        assert w.overlaps(date(year, 1, 1), date(year, 12, 31))
    undated = ("重大活动",)  # no date of its own (the weather periods have a default window)
    assert programme.undated_periods == tuple(p for p in undated if p in summary.periods)
    assert [w.start for w in programme.calendar] == sorted(w.start for w in programme.calendar)

    # Stored and read back; the task list then uses its sectors and periods.
    with demo_db.session("admin") as s:
        save_programme(s, programme)
    with demo_db.reader() as s:
        again = load_programme(s)
        assert again == programme
        tasks = monthly_tasks(s, 2026, 12, today=date(2026, 12, 1))
        sectors_of: dict[str, set[str]] = {}
        for place_id, sector in s.execute(select(PlaceSector.place_id, PlaceSector.sector)).tuples():
            sectors_of.setdefault(place_id, set()).add(sector)
        crowded = set(s.scalars(select(Place.id).where(Place.densely_populated.is_(True))))
    assert tasks.plan_sectors == programme.sector_names
    assert {w.name for w in tasks.periods} <= set(summary.periods)
    assert tasks.place_count > 0
    for grid in tasks.grids:
        for p in grid.places:
            mine = sectors_of.get(p.place_id, set()) | ({"人员密集场所"} if p.place_id in crowded else set())
            assert p.priority == bool(mine & set(programme.sector_names)), p.name


def test_enyang_calendar_2023_exact() -> None:
    programme = build_programme(_summary("enyang"))
    assert [(w.name, w.start.isoformat(), w.end.isoformat()) for w in programme.calendar] == [
        ("冬春", "2022-11-01", "2023-03-31"),
        ("元旦", "2022-12-25", "2023-01-04"),
        ("春节", "2023-01-07", "2023-01-29"),  # 春节 2023-01-22
        ("全国两会", "2023-03-04", "2023-03-11"),
        ("清明", "2023-03-29", "2023-04-08"),
        ("五一", "2023-04-24", "2023-05-06"),
        ("端午", "2023-06-17", "2023-06-25"),  # 端午 2023-06-22
        ("国庆", "2023-09-21", "2023-10-08"),
        ("中秋", "2023-09-22", "2023-10-02"),  # 中秋 2023-09-29
        ("冬春", "2023-11-01", "2024-03-31"),
    ]


def test_unticked_sectors_and_year_override() -> None:
    summary = _summary("xixinan")
    programme = build_programme(summary, sectors=["燃气", "森林防火", "消防"], year=2026)
    # Plan order is kept whatever order the user ticked them in.
    assert programme.sector_names == ("消防", "燃气", "森林防火")
    assert [s.needs_checklist for s in programme.sectors] == [False, False, True]
    assert programme.year == 2026
    assert ("汛期", date(2026, 5, 1), date(2026, 9, 30)) in [(w.name, w.start, w.end) for w in programme.calendar]


def test_plan_without_year_needs_one() -> None:
    summary = parse_plan("关于燃气安全的通知\n一、重点任务\n开展燃气安全专项排查整治。")
    assert summary.year is None
    with pytest.raises(ProgrammeError, match="未注明年度"):
        build_programme(summary)
    assert build_programme(summary, year=2026).sector_names == ("燃气",)


def test_damaged_stored_programme_is_a_clear_error(db: Database) -> None:
    with db.session("admin") as s:
        s.add(Setting(key=settings.PLAN_CURRENT.key, value={"year": "x"}))
    with db.reader() as s, pytest.raises(ProgrammeError, match="格式不正确"):
        load_programme(s)
    with pytest.raises(ProgrammeError):
        Programme.from_dict({"summary": {"sectors": 3}, "year": 2026, "sectors": []})
