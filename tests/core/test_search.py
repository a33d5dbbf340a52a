"""The SQLite search index (migration 0002): kept current by triggers, FTS5 for 3+ characters,
the compact haystack for 1–2, dense and sparse plans, capped counting, the LIKE fallback."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.dialects import postgresql

from anquan_desk.core import search
from anquan_desk.core.db import Database
from anquan_desk.core.models import Place
from anquan_desk.core.search import (
    DENSE_HITS,
    build_search_text,
    place_match_clause,
    rebuild_search_index,
    search_index_ok,
)
from anquan_desk.core.services.places import PlaceFilter, count_places, fetch_places


def _names(db: Database, query: str, **filters: object) -> list[str]:
    with db.reader() as s:
        return sorted(r.name for r in fetch_places(s, PlaceFilter(query=query, **filters), 0, 500))  # type: ignore[arg-type]


def _index(db: Database) -> list[tuple[str, str]]:
    with db.engine.connect() as conn:
        return sorted(conn.execute(text("SELECT place_id, haystack FROM place_search")).tuples().all())


def test_index_follows_inserts_updates_and_deletes(db: Database) -> None:
    with db.session("t") as s:
        place = Place(name="红光小馆", address="红光路1号", responsible_person="张三")
        s.add(place)
        s.flush()
        pid = place.id
    assert _index(db) == [(pid, build_search_text("红光小馆", "红光路1号", None, "张三") + "\x1f\x1f")]
    assert _names(db, "hgxg") == ["红光小馆"] and _names(db, "红光小") == ["红光小馆"]
    with db.session("t") as s:
        found = s.get(Place, pid)
        assert found is not None
        found.name = "石桥饭店"
    assert _names(db, "红光小") == [] and _names(db, "石桥饭") == ["石桥饭店"] and _names(db, "饭店") == ["石桥饭店"]
    with db.engine.begin() as conn:  # a bulk insert that bypasses the ORM is indexed too
        conn.execute(insert(Place), [{"id": "p2", "created_at": found.created_at, "updated_at": found.updated_at,
                                      "author": "bulk", "name": "东湖超市", "search_text": build_search_text("东湖超市")}])
    assert _names(db, "dhcs") == ["东湖超市"] and _names(db, "超") == ["东湖超市"]
    with db.session("t") as s:
        s.execute(delete(Place).where(Place.id == pid))
    assert _names(db, "石桥") == [] and [p for p, _ in _index(db)] == ["p2"]
    with db.engine.connect() as conn:
        assert search_index_ok(conn)
        fts = conn.execute(text("SELECT count(*) FROM place_search_fts WHERE place_search_fts MATCH '\"石桥饭\"'"))
        assert fts.scalar() == 0


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("饭", ["小徐饭店", "老街饭店"]),  # 1 character: compact haystack
        ("饭店", ["小徐饭店", "老街饭店"]),  # 2 Chinese characters
        ("xf", ["小徐饭店"]),  # 2 initials
        ("zl", ["老街饭店"]),  # 2 characters at the very end of the haystack (张丽's initials)
        ("丽", ["老街饭店"]),
        ("xiaoxu", ["小徐饭店"]),  # FTS5: full pinyin
        ("ljfd", ["老街饭店"]),  # FTS5: initials
        ("老街饭", ["老街饭店"]),
        ("0115ma1", ["老街饭店"]),  # credit code fragment (typed in lower case)
        ("\"", []),  # FTS5 syntax characters are plain text
        ("a\"b*c", []),
        ("NEAR(", []),
        ("%", []),
        ("_x", []),
    ],
)
def test_short_and_long_queries(db: Database, query: str, expected: list[str]) -> None:
    with db.session("t") as s:
        s.add_all([
            Place(name="小徐饭店", address="南山路2号"),
            Place(name="老街饭店", address="北街3号", credit_code="92320115MA1XXXXX0J", responsible_person="张丽"),
            Place(name="好邻居便利店", address="东湖路5号"),
        ])
    assert _names(db, query) == expected


@pytest.mark.parametrize("max_or_terms", [search.MAX_OR_TERMS, 0])
def test_dense_queries_count_capped_and_page_in_name_order(
    db: Database, monkeypatch: pytest.MonkeyPatch, max_or_terms: int
) -> None:
    """Both ways of answering 1–2 characters: OR of trigrams (exact count) and the scan (capped)."""
    monkeypatch.setattr(search, "MAX_OR_TERMS", max_or_terms)
    rows = [{"id": f"p{i:05d}", "name": f"第{i:05d}号红光超市", "address": "红光路", "author": "t",
             "search_text": f"第{i:05d}号红光超市\x1f红光路\x1fhgcs"} for i in range(DENSE_HITS + 50)]
    with db.session("t") as s:
        s.execute(insert(Place), rows)
        s.add(Place(name="石桥饭店", address="石桥村"))
    with db.reader() as s:
        for query in ("红", "红光", "hgcs"):
            # A scanned 1–2 character query stops counting at the cap; FTS5 counts exactly (cheaply).
            capped = DENSE_HITS + 1 if len(query) < 3 and max_or_terms == 0 else DENSE_HITS + 50
            assert count_places(s, PlaceFilter(query=query), cap=DENSE_HITS) == capped
            assert count_places(s, PlaceFilter(query=query)) == DENSE_HITS + 50
            page = fetch_places(s, PlaceFilter(query=query), 0, 3)
            assert [r.name for r in page] == ["第00000号红光超市", "第00001号红光超市", "第00002号红光超市"]
        assert count_places(s, PlaceFilter(query="饭店"), cap=DENSE_HITS) == 1
        assert count_places(s, PlaceFilter(query="hgcs", risk_color="红")) == 0
        last = fetch_places(s, PlaceFilter(query="红光"), DENSE_HITS + 40, 100)
        assert len(last) == 10 and last[-1].name == f"第{DENSE_HITS + 49:05d}号红光超市"


def test_rebuild_repairs_a_damaged_index(db: Database) -> None:
    with db.session("t") as s:
        s.add_all([Place(name="红光小馆"), Place(name="石桥饭店")])
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM place_search WHERE haystack LIKE '红光%'"))
        assert not search_index_ok(conn)
    assert _names(db, "hgxg") == []
    with db.engine.begin() as conn:
        rebuild_search_index(conn)
        assert search_index_ok(conn)
    assert _names(db, "hgxg") == ["红光小馆"] and _names(db, "石桥饭店") == ["石桥饭店"]


def test_index_survives_vacuum(db: Database) -> None:
    assert db.path is not None
    with db.session("t") as s:
        s.add_all([Place(name=f"场所{i}") for i in range(30)] + [Place(name="红光小馆")])
    with db.session("t") as s:
        s.execute(delete(Place).where(Place.name.in_([f"场所{i}" for i in range(0, 30, 2)])))
    conn = sqlite3.connect(str(db.path))
    conn.execute("VACUUM")
    conn.close()
    assert _names(db, "hgxg") == ["红光小馆"]
    with db.engine.connect() as c:
        assert search_index_ok(c)
        assert c.execute(select(func.count()).select_from(Place)).scalar() == 16


def test_other_databases_use_like(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    with db.reader() as s:
        monkeypatch.setattr(s.get_bind().dialect, "name", "postgresql")
        clause = place_match_clause(s, " 红光 路_ ")
    assert clause is not None
    compiled = clause.compile(dialect=postgresql.dialect())
    assert str(compiled).startswith("places.search_text LIKE %(search_text_1)s ESCAPE")
    assert compiled.params == {"search_text_1": "%红光路\\_%"}


def test_migration_indexes_existing_places(tmp_path: Path) -> None:
    """Upgrading a 0001 database that already holds places fills the index."""
    from alembic import command

    from anquan_desk.core.db import open_database

    database = open_database(tmp_path / "old.db", migrate=False)
    cfg = database.alembic_config()
    command.upgrade(cfg, "0001")
    with database.engine.begin() as conn:
        conn.execute(insert(Place), [{"id": "a", "name": "红光小馆", "author": "", "search_text": build_search_text("红光小馆")}])
    database.migrate()
    try:
        assert _names(database, "hgxg") == ["红光小馆"]
    finally:
        database.dispose()
