"""Benchmark: search as you type at 50,000 places (count + first page per keystroke).

Builds (once, cached) a 50,000-place database: the small demo township, its places cloned with
varied shop-name prefixes, house numbers and people until there are N places, written in bulk.
Then it times:

* loading the in-memory search copy (once per program run; the window does it in the
  background after start-up);
* every keystroke of realistic typing sequences, doing what the place list does on each —
  ``place_count`` and the first page of ``fetch_places`` (200 rows, sorted by name) in a fresh
  read session — typed in order, as a user would (a query narrows the previous one's hits), and
  again each keystroke alone (the copy's recent-query memory cleared first);
* in the same run, a bare ``LIKE '%q%'`` on ``places.search_text`` doing the same (count + first
  200 by name) with the sqlite3 module;
* the first keystroke after another connection renamed one place (the copy patches itself).

With ``--server`` the same runs on the township's server: a throwaway PostgreSQL 15 cluster
(``tests/helpers/pg_server.py``) holding the 50,000 places; the copy is kept current there by the
change log of revision 0007, and the bare comparison is the same ``LIKE`` through psycopg.

Usage: .venv/bin/python bench/bench_search.py [--places N] [--db PATH] [--repeat R] [--server]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sqlite3
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url

from anquan_desk.core.db import Database, open_database
from anquan_desk.core.models import Place, PlaceSector, new_uuid
from anquan_desk.core.search import build_search_text
from anquan_desk.services.demo import create_demo
from anquan_desk.services.places import PlaceFilter, count_places, fetch_places, place_count

PREFIXES = (
    "鑫源", "金鼎", "福满", "老街", "盛华", "永丰", "聚福", "华美", "新兴", "兴隆", "吉祥", "大众", "顺发", "利民",
    "好运", "德胜", "同心", "红星", "阳光", "佳佳", "东方", "春风", "明珠", "百姓", "龙凤", "富贵", "平安", "和美",
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建国红梅海燕志军文斌"


def build(path: Path | str, places: int) -> None:
    db = open_database(path)
    with db.session("bench") as session:
        create_demo(session, scale="small")
    rng = random.Random(7)
    with db.session("bench") as session:
        base = session.execute(
            select(Place.grid_id, Place.name, Place.address, Place.credit_code, Place.phone,
                   Place.nine_small_kind, Place.risk_color, Place.status)
        ).all()
        sectors: dict[str, list[str]] = {}
        for pid, sector in session.execute(select(PlaceSector.place_id, PlaceSector.sector)):
            sectors.setdefault(pid, []).append(sector)
        kinds = {r[1]: r[5] for r in base}
        have = int(session.scalar(select(func.count()).select_from(Place)) or 0)
        rows, sector_rows = [], []
        for i in range(places - have):
            grid_id, name, address, _code, phone, kind, risk, status = base[i % len(base)]
            name = f"{rng.choice(PREFIXES)}{name}" if i % 3 else f"{name}（{i // len(base) + 1}号店）"
            address = address.rsplit("路", 1)[0] + f"路{rng.randint(1, 999)}号" if "路" in address else address
            person = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
            pid = new_uuid()
            rows.append({
                "id": pid, "grid_id": grid_id, "name": name, "address": address, "credit_code": None,
                "responsible_person": person, "phone": phone, "nine_small_kind": kinds[base[i % len(base)][1]],
                "risk_color": risk, "status": status, "search_text": build_search_text(name, address, None, person, phone),
            })
            if kind:
                sector_rows.append({"place_id": pid, "sector": "九小场所"})
            if len(rows) == 5000:
                session.execute(insert(Place), rows)
                rows = []
        if rows:
            session.execute(insert(Place), rows)
        if sector_rows:
            session.execute(insert(PlaceSector), sector_rows)
    db.dispose()


def sequences(code: str) -> list[list[str]]:
    def typed(word: str) -> list[str]:
        return [word[:i] for i in range(1, len(word) + 1)]

    return [
        typed("红光路"), typed("hgl"), typed("xiaoguan"), typed("饭店"), typed("便利店"), typed("zhangji"),
        typed(code[:10]), typed("王伟"), typed("138"), typed("鑫源超市"),
    ]


def bare_like(conn: Any, q: str) -> None:
    """The same count and first page with the bare driver (sqlite3 or psycopg)."""
    mark = "?" if isinstance(conn, sqlite3.Connection) else "%s"
    pattern = f"%{q}%"
    conn.execute(f"SELECT count(*) FROM places WHERE search_text LIKE {mark}", (pattern,)).fetchone()
    conn.execute(
        f"SELECT id, name, address FROM places WHERE search_text LIKE {mark} ORDER BY name_key, id LIMIT 200",
        (pattern,),
    ).fetchall()


def keystroke(db: Database, q: str) -> int:
    """What the place list does on one keystroke; returns the count."""
    with db.reader() as s:
        hits, _exact = place_count(s, PlaceFilter(query=q), cap=5000)
        fetch_places(s, PlaceFilter(query=q), 0, 200)
    return hits


def rss_mib() -> float:
    """This process's resident memory now (Linux; 0 elsewhere)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def summary(label: str, times: list[float]) -> str:
    return f"{label:<22}: median {statistics.median(times):6.1f} ms, worst {max(times):6.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--places", type=int, default=50_000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/anquan-bench-search/places.db"))
    parser.add_argument("--repeat", type=int, default=3, help="runs per keystroke; the median is kept")
    parser.add_argument("--server", action="store_true", help="on a throwaway PostgreSQL cluster instead of SQLite")
    args = parser.parse_args()
    cluster = None
    if args.server:
        from tests.helpers.pg_server import PgCluster, find_bindir

        bindir = find_bindir()
        if bindir is None:
            raise SystemExit("PostgreSQL binaries not found (/usr/lib/postgresql/*/bin): apt-get install postgresql-15")
        cluster = PgCluster(bindir).start()
        location: Path | str = cluster.create_database("places")
        started = time.perf_counter()
        build(location, args.places)
        print(f"built the server database in {time.perf_counter() - started:.1f} s")
    else:
        location = args.db
        if not args.db.exists():
            args.db.parent.mkdir(parents=True, exist_ok=True)
            started = time.perf_counter()
            build(args.db, args.places)
            print(f"built {args.db} in {time.perf_counter() - started:.1f} s")
    try:
        return run(location, args.repeat)
    finally:
        if cluster is not None:
            cluster.stop()


def _bare_connection(db: Database) -> Any:
    if db.path is not None:
        return sqlite3.connect(str(db.path))
    import psycopg

    return psycopg.connect(make_url(db.url).set(drivername="postgresql").render_as_string(False), autocommit=True)


def run(location: Path | str, repeat: int) -> int:
    db = open_database(location)
    print(f"database: {db.engine.dialect.name}")

    cache = db.search_cache
    assert cache is not None
    before_copy = rss_mib()
    loads = []
    for _ in range(repeat):
        cache.invalidate()  # time a cold load
        t0 = time.perf_counter()
        with db.reader() as s:
            cache.sync(s)
        loads.append((time.perf_counter() - t0) * 1000)
    with db.reader() as s:
        total = count_places(s, PlaceFilter())
        code = s.scalar(select(Place.credit_code).where(Place.credit_code.is_not(None)).limit(1)) or "9135"
    print(f"{total} places; credit code typed: {code[:10]}")
    print(f"loading the search copy: median {statistics.median(loads):.0f} ms, worst {max(loads):.0f} ms (once per run)")
    with_copy = rss_mib()
    conn = _bare_connection(db)

    typed: list[float] = []
    alone: list[float] = []
    bare: list[float] = []
    print(f"{'keystroke':<14}{'hits':>7}{'typed ms':>10}{'alone ms':>10}{'bare LIKE ms':>14}")
    for seq in sequences(code):
        for q in seq:
            times_typed, times_alone, times_bare = [], [], []
            hits = 0
            for _ in range(repeat):
                # As typed: the previous keystrokes of this word are in the copy's memory.
                cache.invalidate(queries_only=True)
                for earlier in seq[: seq.index(q)]:
                    keystroke(db, earlier)
                t0 = time.perf_counter()
                hits = keystroke(db, q)
                times_typed.append((time.perf_counter() - t0) * 1000)
                cache.invalidate(queries_only=True)
                t0 = time.perf_counter()
                keystroke(db, q)
                times_alone.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                bare_like(conn, q)
                times_bare.append((time.perf_counter() - t0) * 1000)
            typed.append(statistics.median(times_typed))
            alone.append(statistics.median(times_alone))
            bare.append(statistics.median(times_bare))
            print(f"{q:<14}{hits:>7}{typed[-1]:>10.1f}{alone[-1]:>10.1f}{bare[-1]:>14.1f}")

    # Another connection renames a place; the next keystroke patches the copy first.
    patched: list[float] = []
    for i in range(repeat):
        mark = "?" if isinstance(conn, sqlite3.Connection) else "%s"
        conn.execute(
            f"UPDATE places SET name = name || {mark}, search_text = search_text || {mark} "
            "WHERE id = (SELECT id FROM places ORDER BY id LIMIT 1)", (str(i), str(i)),
        )
        conn.commit()
        t0 = time.perf_counter()
        keystroke(db, "红光")
        patched.append((time.perf_counter() - t0) * 1000)
    print()
    print(f"keystrokes: {len(typed)}; search copy: {cache.loads} loads, {cache.patches} patches")
    print(summary("ours, as typed", typed))
    print(summary("ours, each alone", alone))
    print(summary("bare LIKE", bare))
    print(summary("after another's edit", patched))
    # Memory: the copy is ours alone (the bare LIKE keeps nothing); ru_maxrss is the whole run's peak,
    # including building the database when this run built it.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"memory: {before_copy:.0f} MiB before the search copy, {with_copy:.0f} MiB with it loaded "
          f"(the copy: ~{with_copy - before_copy:.0f} MiB), {rss_mib():.0f} MiB at the end; peak {peak:.0f} MiB")
    conn.close()
    db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
