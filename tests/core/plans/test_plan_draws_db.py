"""双随机 over the demo database: pools, reproducibility, 回避, the stored record."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from anquan_desk.core import settings
from anquan_desk.core.db import Database
from anquan_desk.core.models import Grid, Place, PlaceSector, Setting, User
from anquan_desk.core.plans.draw import DrawError, verify_draw
from anquan_desk.core.plans.draws import (
    DrawScope,
    candidate_inspectors,
    candidate_places,
    make_draw,
    stored_draws,
)

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def test_pools_follow_the_scope(demo_db: Database) -> None:
    with demo_db.session("admin") as s:
        s.scalars(select(User).where(User.username == "liujun")).one().cert_no = ""
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
