"""Quarterly statistics (16号令 第十四条) and the dashboard numbers, on a hand-counted dataset."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from anquan_desk.core.clock import local_to_utc
from anquan_desk.core.db import Database
from anquan_desk.core.models import Grid, Hazard, Inspection, Place, PlaceSector, Township, Village
from anquan_desk.services.statistics import (
    dashboard_numbers,
    hazards_per_month,
    quarter_bounds,
    statistics_table,
)


def _at(y: int, m: int, d: int) -> datetime:
    return local_to_utc(datetime(y, m, d, 10, 0))


@pytest.fixture
def data(db: Database) -> None:
    with db.session("t") as s:
        town = Township(name="红光镇")
        v = Village(township=town, name="东湖社区")
        g1, g2 = Grid(village=v, name="东湖社区第一网格"), Grid(village=v, name="东湖社区第二网格")
        s.add_all([town, v, g1, g2])
        s.flush()
        a = Place(grid_id=g1.id, name="A饭店", sector_rows=[PlaceSector(sector="燃气"), PlaceSector(sector="九小场所")])
        b = Place(grid_id=g1.id, name="B商店", sector_rows=[PlaceSector(sector="九小场所")])
        c = Place(grid_id=g2.id, name="C自建房", sector_rows=[PlaceSector(sector="自建房")])
        d = Place(grid_id=g2.id, name="D关闭", status="关闭")
        s.add_all([a, b, c, d])
        s.flush()
        i1 = Inspection(place_id=a.id, started_at=_at(2026, 7, 5), status="已完成")
        i2 = Inspection(place_id=a.id, started_at=_at(2026, 8, 5), status="已完成")
        i3 = Inspection(place_id=c.id, started_at=_at(2026, 9, 30), status="已完成")
        i_draft = Inspection(place_id=b.id, started_at=_at(2026, 8, 1), status="草稿")
        i_before = Inspection(place_id=b.id, started_at=_at(2026, 6, 30), status="已完成")
        s.add_all([i1, i2, i3, i_draft, i_before])
        s.flush()

        def hz(code: str, insp: Inspection, sector: str, grade: str = "一般", **kw: object) -> Hazard:
            return Hazard(code=code, inspection_id=insp.id, place_id=insp.place_id, sector=sector,
                          description=code, grade=grade, **kw)

        s.add_all([
            hz("H1", i1, "燃气", deadline=date(2026, 7, 12), status="已销号", closed_on=date(2026, 7, 10)),
            hz("H2", i1, "燃气", deadline=date(2026, 7, 20), status="整改中"),  # overdue at quarter end
            hz("H3", i2, "九小场所", "重大", deadline=date(2026, 10, 30), status="待整改"),  # major open
            hz("H4", i3, "自建房", deadline=date(2026, 10, 15), status="已销号", closed_on=date(2026, 10, 2)),
            hz("H5", i_before, "九小场所", "重大", deadline=date(2026, 7, 1), status="待整改"),  # earlier quarter
            hz("H6", i_draft, "九小场所", deadline=date(2026, 8, 2)),  # draft: not counted
        ])


def test_quarter_bounds() -> None:
    assert quarter_bounds(2026, 3) == (date(2026, 7, 1), date(2026, 9, 30))
    assert quarter_bounds(2026, 4) == (date(2026, 10, 1), date(2026, 12, 31))


def test_by_grid(db: Database, data: None) -> None:
    with db.reader() as s:
        table = statistics_table(s, date(2026, 7, 1), date(2026, 9, 30), "grid", as_of=date(2026, 11, 1))
    rows = {r.label: r for r in table.rows}
    g1, g2 = rows["东湖社区第一网格"], rows["东湖社区第二网格"]
    assert (g1.places_total, g1.places_inspected, g1.inspections) == (2, 1, 2)
    assert (g1.hazards_general, g1.hazards_major, g1.rectified, g1.overdue) == (2, 1, 1, 1)
    assert g1.major_open == 2  # H3 found this quarter, H5 found earlier, both open on 09-30
    assert g1.rectification_rate == pytest.approx(1 / 3)
    # H4 was closed on 10-02, after the quarter: not rectified within it, and not yet overdue.
    assert (g2.places_total, g2.places_inspected, g2.inspections, g2.hazards, g2.rectified, g2.overdue) == (
        1, 1, 1, 1, 0, 0)
    t = table.totals
    assert (t.places_total, t.places_inspected, t.inspections, t.hazards_general, t.hazards_major) == (3, 2, 3, 3, 1)
    assert (t.rectified, t.overdue, t.major_open) == (1, 1, 2)


def test_by_sector_counts_a_place_under_each_sector(db: Database, data: None) -> None:
    with db.reader() as s:
        table = statistics_table(s, date(2026, 7, 1), date(2026, 9, 30), "sector", as_of=date(2026, 11, 1))
    rows = {r.label: r for r in table.rows}
    assert [r.label for r in table.rows] == ["燃气", "自建房", "九小场所"]
    assert (rows["燃气"].places_inspected, rows["燃气"].inspections, rows["燃气"].hazards) == (1, 2, 2)
    assert (rows["九小场所"].places_inspected, rows["九小场所"].hazards_major, rows["九小场所"].major_open) == (1, 1, 2)
    assert rows["自建房"].hazards_general == 1
    assert table.totals.places_inspected == 2  # distinct places, not the sum of the sector rows (3)


def test_dashboard_numbers(db: Database, data: None) -> None:
    with db.reader() as s:
        numbers = dashboard_numbers(s, on=date(2026, 10, 25))
        months = hazards_per_month(s, months=4, on=date(2026, 10, 25))
    # Open hazards of finished inspections: H2 (07-20), H3 (10-30, major), H5 (07-01, major).
    assert (numbers.overdue, numbers.due_this_week, numbers.major_open, numbers.drafts) == (2, 1, 2, 1)
    assert [(m.month, m.found, m.closed) for m in months] == [
        ("2026-07", 2, 1), ("2026-08", 1, 0), ("2026-09", 1, 0), ("2026-10", 0, 1)]
