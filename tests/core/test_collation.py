"""Names sort by pinyin, as Chinese lists (Excel, WPS) sort them."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import insert, select, text, update

from anquan_desk.core.collation import name_sort_key
from anquan_desk.core.db import Database, open_database
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


def test_the_key_holds_no_nul_and_keeps_the_order() -> None:
    """PostgreSQL text cannot hold U+0000; the separators sort below every character of a name."""
    names = ["安", "安徽", "安心", "昂", "an", "an hui", "AN"]
    keys = [name_sort_key(n) for n in names]
    assert all("\x00" not in k for k in keys)
    assert name_sort_key("安") < name_sort_key("安徽") < name_sort_key("昂")  # an < an|hui < ang


def test_migration_0007_refills_the_keys_of_an_old_database(tmp_path: Path) -> None:
    from alembic import command

    path = tmp_path / "old.db"
    old = Database(f"sqlite:///{path}")
    command.upgrade(old.alembic_config(), "0006")
    with old.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO places (id, created_at, updated_at, author, name, address, responsible_person,"
            " responsible_title, phone, densely_populated, mixed_residence, risk_color, status, route_order, notes,"
            " search_text, name_key) VALUES (:id, '2026-01-01', '2026-01-01', 'old', :name, '', '', '', '', 0, 0,"
            " '蓝', '在营', 0, '', '', :key)"
        ), [{"id": "p1", "name": "安徽土菜馆", "key": "an\x01hui\x01tu\x01cai\x01guan\x00安徽土菜馆"},
            {"id": "p2", "name": "安心药店", "key": "an\x01xin\x01yao\x01dian\x00安心药店"}])
    old.dispose()
    db = open_database(path)
    try:
        with db.reader() as s:
            keys = dict(s.execute(select(Place.id, Place.name_key)).tuples().all())
        assert keys == {"p1": name_sort_key("安徽土菜馆"), "p2": name_sort_key("安心药店")}
        assert "\x00" not in keys["p1"]
        command.downgrade(db.alembic_config(), "0006")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT name_key FROM places WHERE id = 'p1'")).scalar() == (
                "an\x01hui\x01tu\x01cai\x01guan\x00安徽土菜馆"
            )
    finally:
        db.dispose()
