"""Names sort by pinyin, as Chinese lists (Excel, WPS) sort them."""

from __future__ import annotations

from sqlalchemy import insert, select, update

from anquan_desk.core.collation import name_sort_key
from anquan_desk.core.db import Database
from anquan_desk.core.models import Place
from anquan_desk.services.places import PlaceFilter, fetch_places


def test_names_sort_by_pinyin_syllable_by_syllable() -> None:
    names = ["万家五金店", "东方便民日杂店", "丁记小吃", "安心药店", "阿里小店", "KTV之家", "1号超市", "重庆火锅",
             "吕氏面馆", "路边摊", "红光小馆", "石桥饭店", "张三", "安徽土菜馆", "昂昂烧烤"]
    assert sorted(names, key=name_sort_key) == [
        "1号超市", "阿里小店", "安徽土菜馆", "安心药店", "昂昂烧烤",  # an|hui < an|xin < ang: syllable by syllable
        "重庆火锅",  # chong qing, not zhong
        "丁记小吃", "东方便民日杂店", "红光小馆", "KTV之家", "路边摊", "吕氏面馆", "石桥饭店", "万家五金店", "张三",
    ]


def test_names_that_sound_the_same_keep_one_order() -> None:
    assert sorted(["张伟", "章伟", "张伟"], key=name_sort_key) == ["张伟", "张伟", "章伟"]  # zhang wei, then 张 < 章
    assert name_sort_key(" 红光 ") != name_sort_key("红光")  # the name itself breaks ties


def test_bulk_inserts_and_orm_writes_keep_the_key(db: Database) -> None:
    with db.session("t") as s:
        s.execute(insert(Place), [{"id": "p1", "name": "张记小馆", "author": "t"}])  # no key given: the default
        s.add(Place(id="p2", name="安心药店"))
    with db.session("t") as s:
        place = s.get(Place, "p2")
        assert place is not None
        place.name = "赵氏药店"  # renamed: the hook recomputes the key
    with db.reader() as s:
        keys = dict(s.execute(select(Place.id, Place.name_key)).tuples().all())
        assert keys == {"p1": name_sort_key("张记小馆"), "p2": name_sort_key("赵氏药店")}
        assert [r.name for r in fetch_places(s, PlaceFilter(), 0, 5)] == ["张记小馆", "赵氏药店"]
    with db.session("t") as s:  # a bulk UPDATE of the name does not pass the hook: give the key with it
        s.execute(update(Place).where(Place.id == "p1").values(name="阿里小店", name_key=name_sort_key("阿里小店")))
    with db.reader() as s:
        assert [r.name for r in fetch_places(s, PlaceFilter(), 0, 5)] == ["阿里小店", "赵氏药店"]
