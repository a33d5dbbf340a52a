"""Search as you type: the in-memory copy (kept current from the change log of migration 0003),
exact counts, pages in name order, the same answers as a plain LIKE, and the LIKE fallback."""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    Boolean,
    DateTime,
    Integer,
    MetaData,
    Table,
    create_engine,
    delete,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from anquan_desk.core.collation import name_sort_key
from anquan_desk.core.db import Database, open_database
from anquan_desk.core.models import Place
from anquan_desk.core.search import (
    CACHE_KEY,
    DENSE_HITS,
    PlaceSearchCache,
    all_places,
    build_search_text,
    normalize_query,
    place_match_clause,
    search_hits,
)
from anquan_desk.services.places import PlaceFilter, count_places, fetch_places, place_count


def _names(db: Database, query: str, **filters: object) -> list[str]:
    with db.reader() as s:
        return sorted(r.name for r in fetch_places(s, PlaceFilter(query=query, **filters), 0, 500))  # type: ignore[arg-type]


def _cache(db: Database) -> PlaceSearchCache:
    assert db.search_cache is not None
    return db.search_cache


def _without_copy(db: Database) -> Session:
    """A reader that answers like a database without the copy (LIKE on ``search_text``)."""
    session = db.reader()
    session.info.pop(CACHE_KEY)
    return session


def _raw(db: Database) -> Any:
    """Another connection in autocommit, as another process (the command-line import, another
    laptop on the server) would have: the driver's own (sqlite3 or psycopg)."""
    if db.path is None:
        import psycopg

        return psycopg.connect(make_url(db.url).set(drivername="postgresql").render_as_string(False), autocommit=True)
    return sqlite3.connect(str(db.path), isolation_level=None)


def _bulk_row(pid: str, name: str, address: str = "") -> dict[str, object]:
    return {"id": pid, "name": name, "address": address, "author": "bulk",
            "search_text": build_search_text(name, address)}


def test_copy_follows_inserts_updates_and_deletes_by_patching(db: Database) -> None:
    cache = _cache(db)
    with db.session("t") as s:
        place = Place(name="红光小馆", address="红光路1号", responsible_person="张三")
        s.add(place)
        s.flush()
        pid = place.id
    assert _names(db, "hgxg") == ["红光小馆"] and _names(db, "红光小") == ["红光小馆"]
    assert _names(db, "zhangsan") == ["红光小馆"] and _names(db, "ZS") == ["红光小馆"]
    assert cache.loads == 1
    with db.session("t") as s:
        found = s.get(Place, pid)
        assert found is not None
        found.name = "石桥饭店"
    assert _names(db, "红光小") == [] and _names(db, "石桥饭") == ["石桥饭店"] and _names(db, "饭店") == ["石桥饭店"]
    with db.engine.begin() as conn:  # a bulk insert that bypasses the ORM is seen too
        conn.execute(insert(Place), [_bulk_row("p2", "东湖超市")])
    assert _names(db, "dhcs") == ["东湖超市"] and _names(db, "超") == ["东湖超市"]
    with db.session("t") as s:
        s.execute(delete(Place).where(Place.id == pid))
    assert _names(db, "石桥") == [] and _names(db, "") == ["东湖超市"]
    assert cache.loads == 1 and cache.patches == 3 and len(cache) == 1


def test_changes_from_another_connection_are_seen(db: Database) -> None:
    with db.session("t") as s:
        s.add(Place(name="红光小馆"))
    assert _names(db, "红光") == ["红光小馆"]
    other = create_engine(db.url)  # another engine: its own connections, as another process has
    with other.begin() as conn:
        conn.execute(insert(Place), [_bulk_row("x1", "红光超市")])
        conn.execute(text("UPDATE places SET name = '石桥小馆', search_text = :t WHERE name = '红光小馆'"),
                     {"t": build_search_text("石桥小馆")})
    other.dispose()
    assert _names(db, "红光") == ["红光超市"] and _names(db, "小馆") == ["石桥小馆"]
    assert _cache(db).loads == 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("饭", ["小徐饭店", "老街饭店"]),
        ("饭店", ["小徐饭店", "老街饭店"]),
        ("xf", ["小徐饭店"]),  # initials
        ("zl", ["老街饭店"]),  # 张丽's initials, at the very end of the haystack
        ("丽", ["老街饭店"]),
        ("xiaoxu", ["小徐饭店"]),  # full pinyin
        ("XiaoXu", ["小徐饭店"]),  # case does not matter
        ("ljfd", ["老街饭店"]),
        ("老街 饭", ["老街饭店"]),  # spaces typed in between are ignored
        ("0115ma1", ["老街饭店"]),  # credit code fragment (typed in lower case)
        ("13905", ["好邻居便利店"]),  # phone
        ("店南", []),  # never across two fields
        ("\"", []),
        ("a\"b*c", []),
        ("NEAR(", []),
        ("%", []),
        ("_x", []),
    ],
)
def test_queries(db: Database, query: str, expected: list[str]) -> None:
    with db.session("t") as s:
        s.add_all([
            Place(name="小徐饭店", address="南山路2号"),
            Place(name="老街饭店", address="北街3号", credit_code="92320115MA1XXXXX0J", responsible_person="张丽"),
            Place(name="好邻居便利店", address="东湖路5号", phone="13905171234"),
        ])
    assert _names(db, query) == expected


def test_dense_queries_count_exactly_and_page_in_name_order(db: Database) -> None:
    rows = [_bulk_row(f"p{i:05d}", f"第{i:05d}号红光超市", "红光路") for i in range(DENSE_HITS + 50)]
    with db.session("t") as s:
        s.execute(insert(Place), rows)
        s.add(Place(name="石桥饭店", address="石桥村"))
    with db.reader() as s:
        for query in ("红", "红光", "hgcs"):
            assert place_count(s, PlaceFilter(query=query), cap=100) == (DENSE_HITS + 50, True)
            page = fetch_places(s, PlaceFilter(query=query), 0, 3)
            assert [r.name for r in page] == ["第00000号红光超市", "第00001号红光超市", "第00002号红光超市"]
            down = fetch_places(s, PlaceFilter(query=query), 1, 2, descending=True)
            assert [r.name for r in down] == [f"第{DENSE_HITS + 48:05d}号红光超市", f"第{DENSE_HITS + 47:05d}号红光超市"]
        assert count_places(s, PlaceFilter(query="饭店"), cap=DENSE_HITS) == 1
        # Combined with another filter, a dense query is tested row by row and counted up to the cap.
        assert count_places(s, PlaceFilter(query="hgcs", risk_color="红")) == 0
        assert place_count(s, PlaceFilter(query="红", status="在营"), cap=100) == (101, False)
        last = fetch_places(s, PlaceFilter(query="红光"), DENSE_HITS + 40, 100)
        assert len(last) == 10 and last[-1].name == f"第{DENSE_HITS + 49:05d}号红光超市"
        assert fetch_places(s, PlaceFilter(query="红光"), DENSE_HITS + 50, 100) == []


def test_same_answers_as_like_over_the_demo(demo_db: Database) -> None:
    """Every query, filter, order and page the list can ask: the copy agrees with a plain LIKE."""
    with demo_db.reader() as s:
        grid = s.scalar(select(Place.grid_id).where(Place.grid_id.is_not(None)).limit(1))
    # "" last: once the copy is loaded, the whole list in name order comes from it too.
    queries = ["店", "饭", "红", "路", "hg", "xiao", "zh", "13", "9", "超市", "小徐", "wang", "村", "a", "号店", "不存在的", ""]
    filters = [{}, {"status": "在营"}, {"risk_color": "黄"}, {"grid_id": grid}, {"nine_small_kind": "小餐饮场所"}]
    orders = [("name", False), ("name", True), ("address", False), ("risk_color", True)]
    checked = 0
    for query in queries:
        for extra in filters:
            f = PlaceFilter(query=query, **extra)  # type: ignore[arg-type]
            for sort, descending in orders:
                for offset in (0, 7):
                    with demo_db.reader() as ours, _without_copy(demo_db) as like:
                        got = fetch_places(ours, f, offset, 15, sort, descending)
                        want = fetch_places(like, f, offset, 15, sort, descending)
                        assert got == want, (query, extra, sort, descending, offset)
                        assert count_places(ours, f) == count_places(like, f)
                        checked += 1
    assert checked == len(queries) * len(filters) * len(orders) * 2
    with demo_db.reader() as s:
        assert place_match_clause(s, "店") is not None and search_hits(s, "  ") is None


def test_whole_list_pages_come_from_the_loaded_copy(db: Database) -> None:
    with db.session("t") as s:
        s.execute(insert(Place), [_bulk_row(f"p{i:04d}", f"场所{i:04d}") for i in range(1200)])
    cache = _cache(db)
    with db.reader() as s:
        assert all_places(s) is None  # never loads the copy itself (start-up)
        assert place_count(s, PlaceFilter(), cap=100) == (1200, True)  # all places: counted exactly
        first = fetch_places(s, PlaceFilter(), 1000, 3)
    assert not cache.loaded and [r.name for r in first] == ["场所1000", "场所1001", "场所1002"]
    assert _names(db, "场所") and cache.loaded
    with db.session("t") as s:
        s.add(Place(name="场所0999甲"))
    with db.reader() as s:
        everything = all_places(s)
        assert everything is not None and len(everything) == 1201
        assert [r.name for r in fetch_places(s, PlaceFilter(), 999, 3)] == ["场所0999", "场所0999甲", "场所1000"]
        assert [r.name for r in fetch_places(s, PlaceFilter(), 0, 2, descending=True)] == ["场所1199", "场所1198"]


def test_many_changes_reload_and_the_log_stays_short(db: Database) -> None:
    cache = _cache(db)
    assert _names(db, "超市") == []
    assert cache.loads == 1
    rows = [_bulk_row(f"p{i:05d}", f"红光超市{i:05d}") for i in range(cache.PATCH_LIMIT + 1)]
    with db.engine.begin() as conn:
        conn.execute(insert(Place), rows)
    with db.reader() as s:
        assert count_places(s, PlaceFilter(query="超市")) == cache.PATCH_LIMIT + 1
    assert cache.loads == 2 and cache.patches == 0
    with db.engine.begin() as conn:  # 2,600 more log entries: pruned as they come
        conn.execute(insert(Place), [_bulk_row(f"q{i:05d}", f"石桥饭店{i:05d}") for i in range(2600)])
        conn.execute(text("UPDATE places SET name = name || '新', search_text = search_text || 'xin' WHERE id = 'p00000'"))
        logged = conn.execute(text("SELECT count(*), min(seq), max(seq) FROM place_changes")).one()
    assert 1000 <= logged[0] < 2000 and logged[2] - logged[1] + 1 == logged[0]
    assert _names(db, "xin") == ["红光超市00000新"]
    assert cache.loads == 3


def test_copy_pruned_past_or_log_gone_backwards_reloads(db: Database) -> None:
    cache = _cache(db)
    with db.session("t") as s:
        s.add(Place(name="红光小馆"))
    assert _names(db, "红光") == ["红光小馆"] and cache.loads == 1
    raw = _raw(db)
    # A restored older file: the log restarts below the copy's position.
    raw.execute("DELETE FROM place_changes")
    if db.path is not None:
        raw.execute("UPDATE sqlite_sequence SET seq = 0 WHERE name = 'place_changes'")
    raw.close()
    with db.engine.begin() as conn:
        conn.execute(insert(Place), [_bulk_row("x1", "红光超市")])
    raw = _raw(db)
    assert _names(db, "红光") == ["红光小馆", "红光超市"] and cache.loads == 2
    # Entries the copy never saw were pruned: it cannot patch, so it reloads.
    raw.execute("UPDATE places SET name = '石桥超市', search_text = 'sqcs' WHERE id = 'x1'")
    raw.execute("UPDATE places SET name = '石桥超市', search_text = 'sqcs' WHERE id = 'x1'")
    raw.execute("DELETE FROM place_changes WHERE seq = (SELECT min(seq) FROM place_changes)")
    raw.close()
    assert _names(db, "红光") == ["红光小馆"] and _names(db, "sqcs") == ["石桥超市"] and cache.loads == 3


def test_a_writing_session_sees_its_own_changes_and_the_copy_never_takes_them(db: Database) -> None:
    cache = _cache(db)
    with db.session("t") as s:
        s.add(Place(name="红光小馆"))
    assert _names(db, "红光") == ["红光小馆"]
    with pytest.raises(RuntimeError), db.session("t") as s:
        s.add(Place(name="红光超市"))
        s.flush()
        assert [r.name for r in fetch_places(s, PlaceFilter(query="红光"), 0, 10)] == ["红光超市", "红光小馆"]
        assert count_places(s, PlaceFilter(query="hgcs")) == 1
        with db.reader() as other:  # another session meanwhile: the committed state only
            assert [r.name for r in fetch_places(other, PlaceFilter(query="红光"), 0, 10)] == ["红光小馆"]
        raise RuntimeError("rolled back")
    with db.session("t") as s:  # a bulk statement counts as a write too
        s.execute(insert(Place), [_bulk_row("p1", "红光饭店")])
        assert search_hits(s, "红光") is None
        assert count_places(s, PlaceFilter(query="红光")) == 2
    assert _names(db, "红光") == ["红光小馆", "红光饭店"]
    assert cache.loads == 1


def test_hits_handed_out_do_not_change_under_a_patch(db: Database) -> None:
    with db.session("t") as s:
        s.add_all([Place(name="红光小馆"), Place(name="红光超市")])
    with db.reader() as s:
        before = search_hits(s, "红光")
    assert before is not None
    with db.session("t") as s:
        s.add(Place(name="红光饭店"))
    with db.reader() as s:
        after = search_hits(s, "红光")
    assert after is not None and len(after) == 3
    assert len(before) == 2 and len(before.page(0, 10)) == 2 and len(before.ids()) == 2


def test_typing_narrows_the_previous_hits(db: Database) -> None:
    cache = _cache(db)
    with db.session("t") as s:
        s.add_all([Place(name="红光小馆"), Place(name="红光超市"), Place(name="石桥饭店"), Place(name="东湖超市"),
                   Place(name="南山面馆"), Place(name="北街饭店")])
    with db.reader() as s:
        assert len(cache.hits(s, "红")) == 2  # under half of the places: later queries scan only these
        # Plant the text in a haystack outside the hits of "红": only a full scan would find it.
        outside = next(i for i, (key, _id) in enumerate(cache._keys) if key == name_sort_key("石桥饭店"))
        cache._haystacks[outside] += "\x1f红光小"
        assert len(cache.hits(s, "红光小")) == 1
        cache.invalidate(queries_only=True)
        assert len(cache.hits(s, "红光小")) == 2


@pytest.mark.sqlite_only("VACUUM of the SQLite file renumbers rowids")
def test_index_survives_vacuum(db: Database) -> None:
    assert db.path is not None
    with db.session("t") as s:
        s.add_all([Place(name=f"场所{i}") for i in range(30)] + [Place(name="红光小馆")])
    assert _names(db, "hgxg") == ["红光小馆"]
    with db.session("t") as s:
        s.execute(delete(Place).where(Place.name.in_([f"场所{i}" for i in range(0, 30, 2)])))
    conn = sqlite3.connect(str(db.path))
    conn.execute("VACUUM")
    conn.close()
    with db.session("t") as s:
        s.add(Place(name="红光饭店"))
    assert _names(db, "hgxg") == ["红光小馆"] and _names(db, "红光") == ["红光小馆", "红光饭店"]
    assert _names(db, "场所") == [f"场所{i}" for i in sorted(range(1, 30, 2), key=str)]
    assert _cache(db).loads == 1
    with db.engine.connect() as c:
        assert c.execute(select(func.count()).select_from(Place)).scalar() == 17


def test_concurrent_searches_while_writing(db: Database) -> None:
    with db.session("t") as s:
        s.execute(insert(Place), [_bulk_row(f"p{i:04d}", f"红光超市{i:04d}") for i in range(300)])
    errors: list[BaseException] = []

    def search() -> None:
        try:
            for _ in range(30):
                with db.reader() as s:
                    n = count_places(s, PlaceFilter(query="红光"))
                    page = fetch_places(s, PlaceFilter(query="红光"), 0, 50)
                    assert n >= 300 and len(page) == 50
        except BaseException as exc:  # handed to the main thread
            errors.append(exc)

    threads = [threading.Thread(target=search) for _ in range(3)]
    for thread in threads:
        thread.start()
    for i in range(20):
        with db.session("t") as s:
            s.add(Place(name=f"红光饭店{i}"))
    for thread in threads:
        thread.join()
    assert errors == []
    assert _names(db, "红光饭店") == sorted(f"红光饭店{i}" for i in range(20))


def test_other_databases_use_like(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    with _without_copy(db) as s:
        monkeypatch.setattr(s.get_bind().dialect, "name", "postgresql")
        clause = place_match_clause(s, " 红光 路_ ")
    assert clause is not None
    compiled = clause.compile(dialect=postgresql.dialect())
    assert str(compiled).startswith("places.search_text LIKE %(search_text_1)s ESCAPE")
    assert compiled.params == {"search_text_1": "%红光路\\_%"}
    assert normalize_query(" 红光\x1f 路 ") == "红光路"


def test_migration_keeps_existing_places_searchable(tmp_path: Path) -> None:
    """Upgrading a 0001 database that already holds places, through 0002 (FTS5) to the head;
    and back down to 0002, which rebuilds the FTS5 index."""
    from alembic import command

    database = open_database(tmp_path / "old.db", migrate=False)
    cfg = database.alembic_config()
    command.upgrade(cfg, "0001")
    with database.engine.begin() as conn:  # the places table as revision 0001 made it
        old_places = Table("places", MetaData(), autoload_with=conn)
        conn.execute(insert(old_places), [_old_row(old_places, "a", "红光小馆")])
    database.migrate()
    try:
        assert _names(database, "hgxg") == ["红光小馆"]
        with database.engine.connect() as conn:
            tables = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))}
        assert "place_changes" in tables and not any(t.startswith("place_search") for t in tables)
        command.downgrade(cfg, "0002")
        with database.engine.connect() as conn:
            fts = conn.execute(text("SELECT count(*) FROM place_search_fts WHERE place_search_fts MATCH 'hgxg'"))
            assert fts.scalar() == 1
        command.upgrade(cfg, "head")
        with database.engine.begin() as conn:
            conn.execute(insert(Place), [_bulk_row("b", "红光超市")])
        assert _names(database, "红光") == ["红光小馆", "红光超市"]
        with database.reader() as s:  # revision 0004 filled the pinyin key of the old place
            assert s.scalar(select(Place.name_key).where(Place.id == "a")) == name_sort_key("红光小馆")
            assert [r.name for r in fetch_places(s, PlaceFilter(), 0, 5)] == ["红光超市", "红光小馆"]
    finally:
        database.dispose()


def _old_row(table: Table, pid: str, name: str) -> dict[str, object]:
    """A row for an older ``places`` table: every NOT NULL column without a default filled."""
    blank = {Integer: 0, Boolean: False, DateTime: datetime(2026, 1, 1)}
    row: dict[str, object] = {
        c.name: next((v for t, v in blank.items() if isinstance(c.type, t)), "")
        for c in table.columns if not c.nullable and c.server_default is None
    }
    return row | {"id": pid, "name": name, "risk_color": "蓝", "status": "在营", "search_text": build_search_text(name)}
