"""Listing, filtering and searching places (the service behind the lazy place table)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from helpers import desk_for

from anquan_desk.core.clock import utcnow
from anquan_desk.core.db import Database
from anquan_desk.core.models import Grid, Hazard, Inspection, Place, PlaceSector, Township, Village
from anquan_desk.core.vocabulary import InspectionStatus
from anquan_desk.services import places
from anquan_desk.services.ground import ground_tree
from anquan_desk.services.places import PlaceFilter, count_places, fetch_places


@pytest.fixture
def ground(db: Database) -> dict[str, str]:
    with db.session("t") as s:
        town = Township(name="红光镇")
        v1 = Village(township=town, name="东湖社区", kind="社区")
        v2 = Village(township=town, name="石桥村")
        g1 = Grid(village=v1, name="东湖社区第一网格")
        g2 = Grid(village=v2, name="石桥村第一网格")
        s.add_all([town, v1, v2, g1, g2])
        s.flush()
        places = [
            Place(grid_id=g1.id, name="张记小馆", address="东湖社区红光路12号", responsible_person="张堃",
                  nine_small_kind="小餐饮场所", risk_color="橙", credit_code="91350100M000100Y43",
                  sector_rows=[PlaceSector(sector="九小场所"), PlaceSector(sector="燃气")]),
            Place(grid_id=g1.id, name="好邻居便利店", address="东湖社区建设路3号", responsible_person="李华",
                  nine_small_kind="小商店", risk_color="蓝", sector_rows=[PlaceSector(sector="九小场所")]),
            Place(grid_id=g2.id, name="王伟自建房", address="石桥村南山路8号", responsible_person="王伟",
                  risk_color="黄", status="停业", sector_rows=[PlaceSector(sector="自建房")]),
            Place(grid_id=None, name="鑫达机械有限公司", address="工业大道1号", responsible_person="赵玥",
                  risk_color="红"),
        ]
        s.add_all(places)
        s.flush()
        ids = {p.name: p.id for p in places}
        ids["g1"], ids["v2"] = g1.id, v2.id
        # An inspection this quarter of the shop, and an overdue hazard at the restaurant.
        insp = Inspection(place_id=ids["好邻居便利店"], started_at=utcnow(), status=InspectionStatus.FINISHED.value)
        old = Inspection(place_id=ids["张记小馆"], started_at=utcnow() - timedelta(days=200),
                         status=InspectionStatus.FINISHED.value)
        s.add_all([insp, old])
        s.flush()
        s.add(Hazard(inspection_id=old.id, place_id=ids["张记小馆"], code="YH1", description="未安装可燃气体报警装置",
                     deadline=date.today() - timedelta(days=3)))
    return ids


def names(db: Database, f: PlaceFilter) -> list[str]:
    with db.reader() as s:
        return [r.name for r in fetch_places(s, f, 0, 100)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("小馆", ["张记小馆"]),
        ("xiaoguan", ["张记小馆"]),
        ("hgl", ["张记小馆"]),  # 红光路
        ("zjxg", ["张记小馆"]),
        ("M000100", ["张记小馆"]),  # credit code fragment
        ("赵玥", ["鑫达机械有限公司"]),
        ("HAOLINJU", ["好邻居便利店"]),
        ("  东湖 社区 ", ["好邻居便利店", "张记小馆"]),
        ("不存在的名字", []),
        ("100%", []),
    ],
)
def test_search(db: Database, ground: dict[str, str], query: str, expected: list[str]) -> None:
    assert sorted(names(db, PlaceFilter(query=query))) == sorted(expected)


def test_filters(db: Database, ground: dict[str, str]) -> None:
    assert sorted(names(db, PlaceFilter(grid_id=ground["g1"]))) == ["好邻居便利店", "张记小馆"]
    assert names(db, PlaceFilter(village_id=ground["v2"])) == ["王伟自建房"]
    assert names(db, PlaceFilter(unassigned=True)) == ["鑫达机械有限公司"]
    assert names(db, PlaceFilter(sector="燃气")) == ["张记小馆"]
    assert names(db, PlaceFilter(nine_small_kind="小商店")) == ["好邻居便利店"]
    assert names(db, PlaceFilter(risk_color="红")) == ["鑫达机械有限公司"]
    assert names(db, PlaceFilter(status="停业")) == ["王伟自建房"]
    assert names(db, PlaceFilter(has_overdue=True)) == ["张记小馆"]
    quarter = date(date.today().year, 3 * ((date.today().month - 1) // 3) + 1, 1)
    assert "好邻居便利店" not in names(db, PlaceFilter(not_inspected_since=quarter))
    assert len(names(db, PlaceFilter(not_inspected_since=quarter))) == 3


def test_paging_and_sorting(db: Database, ground: dict[str, str]) -> None:
    with db.reader() as s:
        assert count_places(s, PlaceFilter()) == 4
        first = fetch_places(s, PlaceFilter(), 0, 2, sort="name")
        rest = fetch_places(s, PlaceFilter(), 2, 2, sort="name")
        desc = fetch_places(s, PlaceFilter(), 0, 4, sort="name", descending=True)
    ordered = [r.name for r in first + rest]
    assert ordered == ["好邻居便利店", "王伟自建房", "鑫达机械有限公司", "张记小馆"]  # pinyin: hao wang xin zhang
    assert [r.name for r in desc] == ordered[::-1]
    restaurant = next(r for r in first + rest if r.name == "张记小馆")
    assert restaurant.village == "东湖社区" and restaurant.sectors == ("九小场所", "燃气")


def test_ground_tree_counts(db: Database, ground: dict[str, str]) -> None:
    with db.reader() as s:
        tree = ground_tree(s)
    assert tree.township == "红光镇"
    assert [(v.name, v.places) for v in tree.villages] == [("东湖社区", 2), ("石桥村", 1)]
    assert tree.unassigned == 1 and tree.places == 4


def test_search_text_follows_edits(db: Database, ground: dict[str, str]) -> None:
    with db.session("t") as s:
        place = s.get(Place, ground["王伟自建房"])
        assert place is not None
        place.name = "王伟民宿"
    assert names(db, PlaceFilter(query="minsu")) == ["王伟民宿"]
    assert names(db, PlaceFilter(query="自建房")) == []




def test_colours_states_and_kinds_sort_by_meaning_then_name(db: Database) -> None:
    rows = [("蓝乙", "蓝", "在营", None), ("红乙", "红", "关闭", "小商店"), ("黄甲", "黄", "停业", "小医院"),
            ("橙甲", "橙", "在营", "小生产加工企业"), ("红甲", "红", "在营", "小学校或幼儿园"), ("蓝甲", "蓝", "停业", "小商店")]
    with db.session("t") as s:
        s.add_all([Place(name=n, risk_color=r, status=st, nine_small_kind=k) for n, r, st, k in rows])

    def order(sort: str, descending: bool = False) -> list[str]:
        with db.reader() as s:
            return [r.name for r in fetch_places(s, PlaceFilter(), 0, 10, sort=sort, descending=descending)]

    assert order("risk_color") == ["红甲", "红乙", "橙甲", "黄甲", "蓝甲", "蓝乙"]  # ties by name (pinyin: jia < yi)
    assert order("risk_color", descending=True) == order("risk_color")[::-1]
    assert order("status") == ["橙甲", "红甲", "蓝乙", "黄甲", "蓝甲", "红乙"]
    assert order("nine_small_kind") == ["红甲", "黄甲", "红乙", "蓝甲", "橙甲", "蓝乙"]  # forms' order, none last
    with db.reader() as s:  # a query with another filter pages the same way
        page = fetch_places(s, PlaceFilter(query="甲", status="在营"), 0, 10, sort="risk_color")
    assert [r.name for r in page] == ["红甲", "橙甲"]


def test_list_places_entry_point(db: Database, ground: dict[str, str]) -> None:
    desk = desk_for(db, "tester")
    page = places.list_places(desk, PlaceFilter(), limit=2, count=True, cap=10)
    assert [r.name for r in page.rows] == ["好邻居便利店", "王伟自建房"] and (page.total, page.exact) == (4, True)
    rest = places.list_places(desk, PlaceFilter(), offset=2, limit=2)
    assert [r.name for r in rest.rows] == ["鑫达机械有限公司", "张记小馆"] and rest.total is None
    capped = places.list_places(desk, PlaceFilter(status="在营"), limit=1, count=True, cap=1)
    assert (capped.total, capped.exact) == (2, False)  # counting stopped after cap + 1
    by_grid = places.list_places(desk, PlaceFilter(grid_id=ground["g1"]), sort="risk_color", descending=True,
                                 count=True)
    assert [r.name for r in by_grid.rows] == ["好邻居便利店", "张记小馆"] and by_grid.total == 2
