"""The plans service: 双随机 over the demo database (pools, reproducibility, 回避, the stored
record), the stored programme and frequency, and the entry points the screens and commands call."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from helpers import PLANS, desk_for
from sqlalchemy import select

from anquan_desk.core import settings
from anquan_desk.core.changes import Changes
from anquan_desk.core.db import Database
from anquan_desk.core.errors import NotFoundError, OperationCancelled
from anquan_desk.core.models import Grid, Place, PlaceSector, Setting, User
from anquan_desk.core.plans.draw import DrawError, verify_draw
from anquan_desk.core.plans.draws import (
    DrawScope,
    candidate_inspectors,
    candidate_places,
    stored_draws,
)
from anquan_desk.core.plans.parse import parse_plan
from anquan_desk.core.plans.programme import build_programme
from anquan_desk.core.plans.tasks import DEFAULT_FREQUENCY, TaskError, monthly_tasks
from anquan_desk.core.plans.worksheet import grid_worksheet
from anquan_desk.core.progress import Progress
from anquan_desk.io.plan_text import PlanReadError
from anquan_desk.services import plans
from anquan_desk.services.desk import collect_changes
from anquan_desk.services.plans import make_draw

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def test_pools_follow_the_scope(demo_db: Database) -> None:
    with demo_db.session("admin") as s:
        s.scalars(select(User).where(User.username == "demo-liujun")).one().cert_no = ""
    with demo_db.reader() as s:
        gas = {c.id for c in candidate_places(s, DrawScope(sector="燃气"))}
        expected = set(
            s.scalars(
                select(Place.id)
                .join(PlaceSector, PlaceSector.place_id == Place.id)
                .where(PlaceSector.sector == "燃气", Place.status != "关闭")
            )
        )
        assert gas == expected and len(gas) > 10
        red = candidate_places(s, DrawScope(risk_color="红"))
        assert {s.get(Place, c.id).risk_color for c in red} == {"红"}  # type: ignore[union-attr]
        inspectors = candidate_inspectors(s)
    # The user without a 执法证号 is not in the pool.
    assert [i.cert_no for i in inspectors] == ["32010019001", "32010019002", "32010019003", "32010019004", "32010019005"]


def test_draw_is_stored_and_reproducible(demo_db: Database) -> None:
    scope = DrawScope(sector="燃气")
    with demo_db.session("admin") as s:
        first = make_draw(s, scope=scope, count=8, drawn_by="周建国", seed="20261123", now=NOW)
    with demo_db.session("admin") as s:
        second = make_draw(s, scope=scope, count=8, drawn_by="王芳", seed="20261123", now=NOW)
    assert first.record == second.record
    assert len(set(a.place for a in first.record.assignments)) == 8
    assert first.scope == "行业领域：燃气"
    with demo_db.reader() as s:
        stored = stored_draws(s)
        raw = s.get(Setting, settings.PLAN_DRAWS.key)
    assert raw is not None and len(raw.value) == 2
    assert [d.drawn_by for d in stored] == ["周建国", "王芳"]
    assert stored[0].record == first.record and verify_draw(stored[0].record)
    # Names are frozen with the record.
    for a in stored[0].record.assignments:
        assert stored[0].place_name(a.place) != a.place
        assert all(stored[0].inspectors[c] for c in a.inspectors)


def test_excluded_inspector_never_gets_the_excluded_place(demo_db: Database) -> None:
    with demo_db.reader() as s:
        grid_id = s.scalars(select(Grid.id).where(Grid.name == "红光村第一网格")).one()
        pool = candidate_places(s, DrawScope(grid_id=grid_id))
    target = pool[0].id
    excluded = [("32010019002", target), ("32010019003", target), ("32010019001", pool[1].id)]
    for seed in range(12):
        with demo_db.session("admin") as s:
            draw = make_draw(s, scope=DrawScope(grid_id=grid_id), count=len(pool), drawn_by="周建国",
                             exclusions=excluded, seed=seed, now=NOW)
        pairs = {a.place: a.inspectors for a in draw.record.assignments}
        assert set(pairs) == {c.id for c in pool}  # every place drawn
        assert "32010019002" not in pairs[target] and "32010019003" not in pairs[target]
        assert "32010019001" not in pairs[pool[1].id]
        assert verify_draw(draw.record)
        assert draw.record.exclusions == tuple(sorted(excluded))


def test_impossible_draw_leaves_nothing_stored(demo_db: Database) -> None:
    with demo_db.reader() as s:
        first = candidate_places(s, DrawScope(sector="燃气"))[0]
        place = first.id
    certs = ["32010019001", "32010019002", "32010019003", "32010019004", "32010019005"]
    with pytest.raises(DrawError, match=f"场所“{first.name}”回避后") as info, demo_db.session("admin") as s:
        make_draw(s, scope=DrawScope(sector="燃气"), count=81, drawn_by="周建国",
                  exclusions=[(c, place) for c in certs], seed=1)
    assert place not in str(info.value)
    with pytest.raises(DrawError, match="不属于"), demo_db.session("admin") as s:
        make_draw(s, scope=DrawScope(), count=1, drawn_by="x", inspectors=["32010019001", "999"])
    with demo_db.reader() as s:
        assert s.get(Setting, settings.PLAN_DRAWS.key) is None


# --------------------------------------------------------------------------- entry points


def test_read_plan_reports_progress_and_can_be_cancelled(tmp_path: Path) -> None:
    progress = Progress()
    summary = plans.read_plan(PLANS / "xixinan_2023_sange_henzhua.txt", progress)
    assert summary == parse_plan((PLANS / "xixinan_2023_sange_henzhua.txt").read_text(encoding="utf-8"))
    assert progress.state()[0] >= 2 and progress.state()[1].text == "正在分析计划内容…"
    cancelled = Progress()
    cancelled.cancel()
    with pytest.raises(OperationCancelled):
        plans.read_plan(PLANS / "xixinan_2023_sange_henzhua.txt", cancelled)
    with pytest.raises(PlanReadError, match="文件不存在"):
        plans.read_plan(tmp_path / "没有.txt")


@pytest.mark.parametrize(
    "name", ["enyang_2023_gongzuo_yaodian.txt", "xixinan_2023_sange_henzhua.txt", "yueyanglou_2021_gongzuo_yaodian.txt"]
)
def test_accepted_programme_is_stored_and_drives_the_task_list(name: str, demo_db: Database) -> None:
    desk = desk_for(demo_db, "demo-admin")
    summary = plans.read_plan(PLANS / name)
    programme = build_programme(summary)
    assert plans.current_programme(desk) is None
    with collect_changes() as log:
        assert plans.accept_programme(desk, programme) == programme
    assert log.changes.touches("settings") and plans.affects_tasks(log.changes)
    assert plans.current_programme(desk) == programme
    tasks = plans.tasks_for_month(desk, 2026, 12, today=date(2026, 12, 1))
    assert tasks.plan_sectors == programme.sector_names
    assert {w.name for w in tasks.periods} <= set(summary.periods)
    with demo_db.reader() as s:
        assert tasks == monthly_tasks(s, 2026, 12, today=date(2026, 12, 1))
        sectors_of: dict[str, set[str]] = {}
        for place_id, sector in s.execute(select(PlaceSector.place_id, PlaceSector.sector)).tuples():
            sectors_of.setdefault(place_id, set()).add(sector)
        crowded = set(s.scalars(select(Place.id).where(Place.densely_populated.is_(True))))
    assert tasks.place_count > 0
    for grid in tasks.grids:
        for p in grid.places:
            mine = sectors_of.get(p.place_id, set()) | ({"人员密集场所"} if p.place_id in crowded else set())
            assert p.priority == bool(mine & set(programme.sector_names)), p.name


def test_frequency_entry_points(demo_db: Database) -> None:
    desk = desk_for(demo_db, "demo-admin")
    assert plans.frequency(desk) == DEFAULT_FREQUENCY
    assert plans.change_frequency(desk, {"蓝": 12}) == {**DEFAULT_FREQUENCY, "蓝": 12}
    assert plans.frequency(desk) == {**DEFAULT_FREQUENCY, "蓝": 12}
    with pytest.raises(TaskError):
        plans.change_frequency(desk, {"紫": 1})
    assert plans.frequency(desk) == {**DEFAULT_FREQUENCY, "蓝": 12}


def test_grids_and_the_month_of_one_grid(demo_db: Database) -> None:
    desk = desk_for(demo_db)
    grids = plans.grid_options(desk)
    labels = dict(grids)
    assert len(grids) > 3 and "红光村第一网格" in labels.values()
    grid_id = plans.grid_id_of(desk, "红光村第一网格")
    assert labels[grid_id] == "红光村第一网格"
    assert plans.grid_id_of(desk, grid_id) == grid_id
    with pytest.raises(NotFoundError, match="找不到网格"):
        plans.grid_id_of(desk, "没有这个网格")
    tasks = plans.tasks_for_month(desk, 2026, 12, grid_id=grid_id, today=date(2026, 12, 1))
    assert [g.grid_id for g in tasks.grids] == [grid_id]


def test_worksheet_pdf(demo_db: Database) -> None:
    desk = desk_for(demo_db)
    grid_id = plans.grid_id_of(desk, "红光村第一网格")
    progress = Progress()
    result = plans.worksheet_pdf(desk, grid_id, date(2026, 11, 24), progress)
    with demo_db.reader() as s:
        assert result.sheet == grid_worksheet(s, grid_id, date(2026, 11, 24))
    assert len(result.sheet.rows) == 15 and result.pdf.startswith(b"%PDF")
    assert progress.state()[1].percent == 100
    with pytest.raises(NotFoundError):
        plans.worksheet_pdf(desk, "no-such-grid", date(2026, 11, 24))


def test_draw_entry_points(demo_db: Database) -> None:
    desk = desk_for(demo_db, "demo-admin")
    setup = plans.draw_setup(desk)
    assert [i.cert_no for i in setup.inspectors][:2] == ["32010019001", "32010019002"]
    assert setup.grids == plans.grid_options(desk) and "燃气" in setup.sectors
    # With a programme, its sectors come first.
    programme = build_programme(plans.read_plan(PLANS / "xixinan_2023_sange_henzhua.txt"), sectors=["燃气"])
    plans.accept_programme(desk, programme)
    assert plans.draw_setup(desk).sectors[0] == "燃气"

    scope = DrawScope(sector="燃气")
    pool = plans.draw_pool(desk, scope)
    with demo_db.reader() as s:
        assert list(pool) == candidate_places(s, scope)
    assert len(plans.draw_pool(desk)) > len(pool)
    with collect_changes() as log:
        draw = plans.draw_lots(desk, scope=scope, count=4, seed="5", now=NOW)
    assert log.changes.touches("settings") and not log.changes.touches("places")
    assert draw.drawn_by == desk.actor.name == "周建国"
    assert plans.draw_history(desk) == (draw,) and verify_draw(draw.record)
    pdf = plans.draw_record_pdf(desk, draw)
    assert pdf.startswith(b"%PDF") and pdf == plans.draw_record_pdf(desk, draw)
    with pytest.raises(DrawError, match="至少需要 2 名"):
        plans.draw_lots(desk, scope=scope, count=1, inspectors=["32010019001"])
    assert len(plans.draw_history(desk)) == 1


def test_what_touches_the_task_list() -> None:
    assert plans.affects_tasks(Changes.of({"hazards": ["h"]}))
    assert plans.affects_tasks(Changes.of({"inspections": ["i"]}))
    assert plans.affects_tasks(Changes.of({"places": ["p"]}))
    assert not plans.affects_tasks(Changes.of({"documents": ["d"], "attachments": ["a"]}))
