"""Search-as-you-type over places: name, address, credit code, responsible person and pinyin.

Each place keeps a ``search_text`` haystack: the fields themselves plus the pinyin of the
Chinese ones, in full (``xiaoguan``) and as initials (``hgl`` for 红光路). It is rebuilt by a
mapper hook whenever a place is written, so no service has to remember it.

On SQLite, migration 0002 adds the search index (kept current by triggers, so bulk inserts
outside the ORM are covered):

* ``place_search``: (stable integer id, place id, haystack + two U+001F), one row per place;
* ``place_search_fts``: an FTS5 table with the trigram tokenizer over ``place_search``;
* ``place_search_vocab``: the trigrams of that index (fts5vocab).

``place_match_clause`` turns a typed query into a WHERE clause on ``Place.id``:

* 3 characters or more → FTS5 ``MATCH`` of the quoted query (a substring match: the trigram
  tokenizer indexes every 3-character window, Chinese included);
* 1–2 characters → the trigrams that *start* with the query are read from the vocabulary (a
  range lookup) and OR-ed in one MATCH: thanks to the two separators appended to every
  haystack, each occurrence of a 1–2 character string starts a trigram. When a query starts too
  many trigrams, or trigrams found in too many places (a single Latin letter), it is common
  anyway, so ``instr`` over the compact table finds enough hits after a short scan;
* any other database (PostgreSQL) → ``LIKE '%q%'`` on ``places.search_text``.

The index tables are declared in ``Base.metadata`` below (shadow tables included) only so that
the schema comparison in ``tests/core/test_migrations.py`` sees exactly what the migrations
build; they are created by migration 0002, never by ``create_all``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    bindparam,
    event,
    false,
    func,
    select,
    text,
)
from sqlalchemy.orm import Session

from anquan_desk.core.models import Base, Place

__all__ = [
    "DENSE_HITS",
    "FTS_MIN_CHARS",
    "build_search_text",
    "count_matches",
    "install_place_hooks",
    "known_dense",
    "normalize_query",
    "pinyin_forms",
    "place_match_clause",
    "rebuild_search_index",
    "search_index_ok",
]

_HAN = re.compile(r"[\u3400-\u9fff\U00020000-\U0002ebef]+")

#: Queries this long or longer use the FTS5 trigram index as a phrase.
FTS_MIN_CHARS = 3
#: A 1–2 character query whose trigrams are more than this, or appear in more than
#: ``MAX_OR_POSTINGS`` haystacks in all, is common: scanning finds enough hits sooner.
MAX_OR_TERMS = 1000
MAX_OR_POSTINGS = 15000

# --- the index tables (created by migration 0002 on SQLite) -----------------------------------

_SQLITE_ONLY = {"sqlite_only": True, "derived": True}

place_search = Table(
    "place_search",
    Base.metadata,
    Column("id", Integer, nullable=False),
    Column("place_id", String(36), nullable=False),
    Column("haystack", Text, nullable=False),
    PrimaryKeyConstraint("id", name="pk_place_search"),
    Index("ix_place_search_place_id", "place_id", unique=True),
    info=_SQLITE_ONLY,
)
place_search_fts = Table("place_search_fts", Base.metadata, Column("haystack"), info=_SQLITE_ONLY)
Table(
    "place_search_vocab", Base.metadata,
    Column("term"), Column("doc"), Column("cnt"), info=_SQLITE_ONLY,
)
# FTS5's own shadow tables (external content and columnsize=0: no _content, no _docsize).
Table(
    "place_search_fts_data", Base.metadata,
    Column("id", Integer, primary_key=True, nullable=True), Column("block"), info=_SQLITE_ONLY,
)
Table(
    "place_search_fts_idx", Base.metadata,
    Column("segid", primary_key=True, nullable=False), Column("term", primary_key=True, nullable=False),
    Column("pgno"), info=_SQLITE_ONLY,
)
Table(
    "place_search_fts_config", Base.metadata,
    Column("k", primary_key=True, nullable=False), Column("v"), info=_SQLITE_ONLY,
)


# --- haystack -------------------------------------------------------------------------------


def pinyin_forms(text: str) -> tuple[str, str]:
    """(full pinyin, initials) of the Chinese runs in ``text``, without separators."""
    # Imported on first use: pypinyin loads a large phrase dictionary, and start-up only
    # needs it once a place is written.
    from pypinyin import Style, lazy_pinyin

    full: list[str] = []
    initials: list[str] = []
    for run in _HAN.findall(text):
        syllables = lazy_pinyin(run, style=Style.NORMAL, errors="ignore")
        full.append("".join(syllables))
        initials.append("".join(s[0] for s in syllables if s))
    return " ".join(full), " ".join(initials)


def build_search_text(
    name: str, address: str = "", credit_code: str | None = "", person: str = "", phone: str = ""
) -> str:
    parts = [name, address, credit_code or "", person, phone]
    for field in (name, address, person):
        full, initials = pinyin_forms(field)
        parts.extend((full, initials))
    return "\x1f".join(p for p in parts if p).lower()


def normalize_query(query: str) -> str:
    return re.sub(r"\s+", "", query).lower()


# --- matching -------------------------------------------------------------------------------


def _fts_phrase(q: str) -> str:
    """The query as one FTS5 string (a phrase: every trigram in order, i.e. a substring)."""
    return '"' + q.replace('"', '""') + '"'


def _like_pattern(q: str) -> str:
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


#: Above this many hits (10% of 50,000 places) a query counts as "dense" (see ``place_match_clause``).
DENSE_HITS = 5000


def _fts_expression(session: Session, q: str) -> str | None:
    """The FTS5 query finding ``q`` (None: better scanned, see the module notes)."""
    if len(q) >= FTS_MIN_CHARS:
        return _fts_phrase(q)
    cache: dict[str, str | None] = session.info.setdefault("place_search_fts", {})
    if q not in cache:
        cache[q] = _short_expression(session, q)
    return cache[q]


def _short_expression(session: Session, q: str) -> str | None:
    if len(q) == 1 and q.isascii():
        return None  # one Latin letter or digit is in most haystacks: not worth asking the vocabulary
    rows = session.execute(
        text("SELECT term, doc FROM place_search_vocab WHERE term >= :lo AND term < :hi").bindparams(
            lo=q, hi=q + "\U0010ffff"
        )
    ).tuples().all()
    terms = [term for term, _docs in rows if term.startswith(q)]
    postings = sum(int(docs) for term, docs in rows if term.startswith(q))
    if len(terms) > MAX_OR_TERMS or postings > MAX_OR_POSTINGS:
        return None
    if not terms:
        return '""'  # matches nothing
    return " OR ".join(_fts_phrase(t) for t in terms)


def _index_hits(session: Session, q: str, limit: int) -> list[str]:
    """Up to ``limit`` ids of places whose haystack contains ``q``, from the SQLite index."""
    expression = _fts_expression(session, q)
    if expression is None:
        where: ColumnElement[bool] = func.instr(place_search.c.haystack, q) > 0
    elif expression == '""':
        return []
    else:
        where = place_search.c.id.in_(
            select(text("rowid"))
            .select_from(place_search_fts)
            .where(text("place_search_fts MATCH :fts_query").bindparams(bindparam("fts_query", expression)))
        )
    return list(session.scalars(select(place_search.c.place_id).where(where).limit(limit)))


def _sparse_hits(session: Session, q: str) -> list[str] | None:
    """The ids of all places matching ``q`` when there are at most ``DENSE_HITS`` (else None),
    remembered in ``session.info`` so the count and the page of one refresh share the lookup."""
    cache: dict[str, list[str] | None] = session.info.setdefault("place_search_hits", {})
    if q not in cache:
        hits = _index_hits(session, q, DENSE_HITS + 1)
        cache[q] = hits if len(hits) <= DENSE_HITS else None
    return cache[q]


def place_match_clause(session: Session, query: str) -> ColumnElement[bool] | None:
    """A WHERE clause selecting the places whose haystack contains ``query`` (None: no query).

    On SQLite the index is asked first for up to ``DENSE_HITS + 1`` ids (FTS5 MATCH for 3+
    characters, a scan of the compact table for 1–2; a common query stops early). A sparse
    query becomes ``places.id IN (those ids)``: counting and sorting a few hundred rows by
    primary key is instant. A dense one becomes a per-row ``instr`` on ``places.search_text``,
    so the first page walks the name index and stops after one page. The ids are remembered
    in ``session.info`` so the count and the first page of one refresh share one lookup.
    Other databases get ``LIKE '%q%'``.
    """
    q = normalize_query(query)
    if not q:
        return None
    if session.get_bind().dialect.name != "sqlite":
        return Place.search_text.like(_like_pattern(q), escape="\\")
    ids = _sparse_hits(session, q)
    if ids is None:
        return func.instr(Place.search_text, q) > 0
    if not ids:
        return false()
    # One JSON parameter instead of thousands of bound ids: cheaper to compile and to parse.
    hits = func.json_each(bindparam("place_search_ids", json.dumps(ids), type_=Text)).table_valued("value")
    return Place.id.in_(select(hits.c.value))


def known_dense(session: Session, query: str) -> bool:
    """True when the SQLite index already found more than ``DENSE_HITS`` matches for ``query``."""
    q = normalize_query(query)
    return bool(q) and session.get_bind().dialect.name == "sqlite" and _sparse_hits(session, q) is None


def count_matches(session: Session, query: str) -> int | None:
    """How many places match ``query`` according to the SQLite index, without touching
    ``places`` (None: not SQLite, no query, or a common query only a full scan could count)."""
    q = normalize_query(query)
    if not q or session.get_bind().dialect.name != "sqlite":
        return None
    ids = _sparse_hits(session, q)
    if ids is not None:
        return len(ids)
    expression = _fts_expression(session, q)
    if expression is None:
        return None
    if expression == '""':
        return 0
    stmt = text("SELECT count(*) FROM place_search_fts WHERE place_search_fts MATCH :q").bindparams(q=expression)
    return int(session.scalar(stmt) or 0)


# --- maintenance ----------------------------------------------------------------------------


def search_index_ok(conn: Connection) -> bool:
    """True when every place has exactly one current row in the index (SQLite only)."""
    if conn.dialect.name != "sqlite":
        return True
    stale = conn.execute(
        text(
            "SELECT (SELECT count(*) FROM places) != (SELECT count(*) FROM place_search) "
            "OR EXISTS (SELECT 1 FROM places p LEFT JOIN place_search s ON s.place_id = p.id "
            "WHERE s.id IS NULL OR s.haystack != p.search_text || char(31, 31))"
        )
    ).scalar()
    return not stale


def rebuild_search_index(conn: Connection) -> None:
    """Refill ``place_search`` from ``places`` and rebuild the FTS5 index (SQLite only)."""
    if conn.dialect.name != "sqlite":
        return
    conn.execute(text("DELETE FROM place_search"))
    conn.execute(
        text(
            "INSERT INTO place_search(place_id, haystack) "
            "SELECT id, search_text || char(31, 31) FROM places ORDER BY rowid"
        )
    )
    conn.execute(text("INSERT INTO place_search_fts(place_search_fts) VALUES ('rebuild')"))


# --- hooks ----------------------------------------------------------------------------------


def _refresh(_mapper: Any, _conn: Any, place: Place) -> None:
    place.search_text = build_search_text(
        place.name, place.address or "", place.credit_code, place.responsible_person or "", place.phone or ""
    )


def install_place_hooks() -> None:
    """Keep ``Place.search_text`` current on every write (idempotent)."""
    for name in ("before_insert", "before_update"):
        if not event.contains(Place, name, _refresh):
            event.listen(Place, name, _refresh)
