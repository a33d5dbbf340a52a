"""Search-as-you-type over places: name, address, credit code, responsible person and pinyin.

Each place keeps a ``search_text`` haystack: the fields themselves plus the pinyin of the
Chinese ones, in full (``xiaoguan``) and as initials (``hgl`` for 红光路), lower-cased and
joined with U+001F. It is rebuilt by a mapper hook whenever a place is written, so no service
has to remember it. A query matches a place when the haystack contains it.

How a query is answered
-----------------------

Every :class:`~anquan_desk.core.db.Database` keeps a :class:`PlaceSearchCache` (SQLite and
PostgreSQL alike): the
haystacks of all places in memory, in the place list's default order (``name_key``, the name's
pinyin, then id). A query
is a Python substring test over that list, so

* any query costs about the same — 3–12 ms at 50,000 places on a 2-core test machine,
  whether it finds three places or all of them — and a query that extends an earlier one
  (typing narrows) scans only the earlier one's hits;
* the count is exact and the first page in name order is a slice: only its 200 rows are read
  from ``places``.

(Measured before this design: an FTS5 trigram index found 1,000–5,000 hits in 10–17 ms and the
page then spent 15–30 ms sorting them by name, so mid-density queries missed 30 ms.)

The copy follows the database through ``place_changes``, a log that triggers on ``places``
append to in the writer's own transaction (revision 0003 on SQLite, 0007 on PostgreSQL), so ORM
writes, bulk SQL and other processes (the command-line import, the other laptops on the server) are
all seen. Every lookup first reads the newest log
sequence number in the caller's transaction and applies newer entries, re-reading just those
places; after more than ``PATCH_LIMIT`` changes, or when the log was pruned past the copy, or
went backwards (a restored file), it reloads (0.3–0.5 s at 50,000 places; the window loads
the copy in the background after start-up).

A session that has written (flushed, or executed an INSERT/UPDATE/DELETE) does not use the copy:
it searches with SQL, so it sees its own uncommitted changes and the shared copy never takes in
changes that may still be rolled back.

``place_match_clause`` turns the hits into a WHERE clause when the list has other filters too:
``places.id IN (hits)`` for up to ``DENSE_HITS`` places, else ``instr`` (``strpos``) on each row.
Why the copy and not ``pg_trgm`` on the server: one design for both backends, the same ≤30 ms
whatever the query's length (a trigram index cannot serve 1–2 character queries, the common case
while typing Chinese), and the server does no work per keystroke — a laptop reads only the few log
entries written since its last look. A database of another kind would get ``LIKE '%q%'``.
"""

from __future__ import annotations

import json
import re
import threading
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from sqlalchemy import (
    ARRAY,
    Column,
    ColumnElement,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    any_,
    bindparam,
    event,
    false,
    func,
    select,
)
from sqlalchemy.orm import InstrumentedAttribute, ORMExecuteState, Session

from anquan_desk.core.collation import name_sort_key
from anquan_desk.core.models import Base, Place

__all__ = [
    "CACHE_KEY",
    "DENSE_HITS",
    "PlaceSearchCache",
    "SearchHits",
    "all_places",
    "build_search_text",
    "install_place_hooks",
    "normalize_query",
    "pinyin_forms",
    "place_match_clause",
    "search_hits",
]

_HAN = re.compile(r"[\u3400-\u9fff\U00020000-\U0002ebef]+")

#: Above this many hits (10% of 50,000 places) a query combined with other filters is tested
#: row by row (``instr``) instead of as an id list.
DENSE_HITS = 5000

#: ``Session.info`` key under which a database's sessions find its cache.
CACHE_KEY = "place_search_cache"
#: ``Session.info`` key set once a session has flushed or executed a write.
_WROTE_KEY = "wrote"

# --- the change log (created by revision 0003 on SQLite, 0007 on PostgreSQL) ---------------------

place_changes = Table(
    "place_changes",
    Base.metadata,
    Column("seq", Integer, nullable=False),
    Column("place_id", String(36), nullable=False),
    PrimaryKeyConstraint("seq", name="pk_place_changes"),
    sqlite_autoincrement=True,
    info={"derived": True},
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
    """The query as matched: lower case, without any whitespace (U+001F included)."""
    return re.sub(r"\s+", "", query).lower()


def _like_pattern(q: str) -> str:
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# --- the in-memory copy ----------------------------------------------------------------------


@dataclass(frozen=True)
class SearchHits:
    """The places matching one query, in (name key, id) order. Immutable: a later change to the
    database makes a new copy and leaves this one as it was."""

    _keys: Sequence[tuple[str, str]]  # (name key, id) of every place, sorted
    _positions: Sequence[int]  # indexes into _keys, ascending

    def __len__(self) -> int:
        return len(self._positions)

    def ids(self) -> list[str]:
        keys = self._keys
        return [keys[i][1] for i in self._positions]

    def page(self, offset: int, limit: int, descending: bool = False) -> list[str]:
        """Ids of one page in name order (``descending``: name Z→A, ties by id descending)."""
        positions = self._positions
        if descending:
            end = len(positions) - offset
            chosen = positions[max(end - limit, 0):end][::-1] if end > 0 else []
        else:
            chosen = positions[offset:offset + limit]
        keys = self._keys
        return [keys[i][1] for i in chosen]


class PlaceSearchCache:
    """Every place's haystack in (name key, id) order, kept current from ``place_changes``.

    Thread-safe; one per database (see :class:`~anquan_desk.core.db.Database`). Callers pass
    their own session: the copy is brought up to that session's snapshot before answering.
    """

    #: More changes than this since the copy was made: reload instead of patching.
    PATCH_LIMIT = 500
    #: Recent queries whose hits are kept (until the next change) to narrow later ones.
    MEMO_SIZE = 16

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # The newest log entry (seq, place id) the copy includes; (0, "") for an empty log;
        # None: not loaded.
        self._mark: tuple[int, str] | None = None
        self._keys: list[tuple[str, str]] = []
        self._haystacks: list[str] = []
        self._names: dict[str, str] = {}  # place id → name key (finds a place in _keys)
        self._memo: OrderedDict[str, list[int]] = OrderedDict()
        self.loads = 0  # full loads so far (for tests and benchmarks)
        self.patches = 0

    @property
    def loaded(self) -> bool:
        return self._mark is not None

    def __len__(self) -> int:
        return len(self._keys)

    def invalidate(self, *, queries_only: bool = False) -> None:
        """Forget the remembered queries and, unless ``queries_only``, the copy itself (the
        next lookup reloads it)."""
        with self._lock:
            self._memo.clear()
            if not queries_only:
                self._mark = None

    def everything(self, session: Session) -> SearchHits | None:
        """All places in (name key, id) order, brought up to ``session``'s view, if the copy is
        loaded (None: not yet — this never loads it)."""
        with self._lock:
            if self._mark is None:
                return None
            self._sync(session)
            return SearchHits(self._keys, range(len(self._keys)))

    def sync(self, session: Session) -> None:
        """Bring the copy up to date with ``session``'s view of the database."""
        with self._lock:
            self._sync(session)

    def hits(self, session: Session, query: str) -> SearchHits:
        """The places whose haystack contains ``query`` (already normalised, not empty)."""
        with self._lock:
            self._sync(session)
            positions = self._memo.get(query)
            if positions is None:
                positions = self._scan(query)
                self._memo[query] = positions
                if len(self._memo) > self.MEMO_SIZE:
                    self._memo.popitem(last=False)
            else:
                self._memo.move_to_end(query)
            return SearchHits(self._keys, positions)

    # --- internals (called with the lock held) ---------------------------------------------

    def _scan(self, query: str) -> list[int]:
        haystacks = self._haystacks
        # The hits of an earlier query contained in this one are a superset: scan only those.
        narrower = [hits for earlier, hits in self._memo.items() if earlier in query]
        candidates = min(narrower, key=len) if narrower else None
        if candidates is not None and len(candidates) < len(haystacks) // 2:
            return [i for i in candidates if query in haystacks[i]]
        return [i for i, haystack in enumerate(haystacks) if query in haystack]  # (faster for most)

    def _sync(self, session: Session) -> None:
        log = place_changes.c
        newest = session.execute(select(log.seq, log.place_id).order_by(log.seq.desc()).limit(1)).tuples().first()
        mark = newest or (0, "")
        if mark == self._mark:
            return
        if self._mark is None or mark[0] <= self._mark[0] or mark[0] - self._mark[0] > self.PATCH_LIMIT:
            self._load(session, mark)
            return
        # The entry the copy was made at, then every later one: a missing or different first
        # entry means the log was pruned past the copy, or the file is another one (restored).
        entries = session.execute(
            select(log.seq, log.place_id).where(log.seq >= self._mark[0]).order_by(log.seq)
        ).tuples().all()
        if self._mark[0]:
            if not entries or entries[0] != self._mark:
                self._load(session, mark)
                return
            entries = entries[1:]
        if not entries or entries[0][0] != self._mark[0] + 1 or len(entries) != mark[0] - self._mark[0]:
            self._load(session, mark)
            return
        self._patch(session, {place_id for _seq, place_id in entries}, mark)

    def _load(self, session: Session, mark: tuple[int, str]) -> None:
        self._mark = None  # until the copy is complete: were it interrupted, reload next time
        # The driver's own cursor, in the session's transaction: plain tuples, a third of the
        # time of ORM rows at 50,000 places. (name key, id) is unique, so sorting the tuples
        # as they are sorts by name key, then id.
        cursor = session.connection().connection.cursor()
        try:
            cursor.execute("SELECT name_key, id, coalesce(search_text, '') FROM places")
            rows: list[tuple[str, str, str]] = list(cursor.fetchall())
        finally:
            cursor.close()
        rows.sort()
        # Fresh strings laid out in list order: a scan then reads memory in order, and runs
        # about twice as fast as over strings allocated in the database's row order.
        whole = "".join(haystack for _name, _pid, haystack in rows)
        ends = list(accumulate(len(haystack) for _name, _pid, haystack in rows))
        self._haystacks = [whole[start:end] for start, end in zip([0, *ends], ends, strict=False)]
        self._keys = [(name, pid) for name, pid, _text in rows]
        self._names = {pid: name for name, pid, _text in rows}
        self._memo.clear()
        self._mark = mark
        self.loads += 1

    def _patch(self, session: Session, place_ids: set[str], mark: tuple[int, str]) -> None:
        fresh = session.execute(
            select(Place.name_key, Place.id, Place.search_text).where(Place.id.in_(place_ids))
        ).tuples().all()
        # New lists, so that SearchHits handed out earlier keep describing their own copy.
        keys, haystacks, names = list(self._keys), list(self._haystacks), self._names
        self._mark = None  # until the patch is complete: were it interrupted, reload next time
        for place_id in place_ids:
            name = names.pop(place_id, None)
            if name is not None:
                at = bisect_left(keys, (name, place_id))
                del keys[at], haystacks[at]
        for name, place_id, haystack in fresh:
            at = bisect_left(keys, (name, place_id))
            keys.insert(at, (name, place_id))
            haystacks.insert(at, haystack or "")
            names[place_id] = name
        self._keys, self._haystacks = keys, haystacks
        self._memo.clear()
        self._mark = mark
        self.patches += 1


# --- matching -------------------------------------------------------------------------------


def _copy_for(session: Session) -> PlaceSearchCache | None:
    """The database's in-memory copy, for a session that has not written. One that has sees its
    own uncommitted changes, which the shared copy must never take in (they may be rolled
    back): it searches with SQL."""
    return None if session.info.get(_WROTE_KEY) else session.info.get(CACHE_KEY)


def search_hits(session: Session, query: str) -> SearchHits | None:
    """The places matching ``query`` from the database's in-memory copy (None: empty query,
    or a database without a copy). Remembered in ``session.info`` so the count and the page
    of one refresh share one lookup."""
    q = normalize_query(query)
    cache = _copy_for(session)
    if not q or cache is None:
        return None
    memo: dict[str, SearchHits] = session.info.setdefault("place_search_hits", {})
    if q not in memo:
        memo[q] = cache.hits(session, q)
    return memo[q]


def all_places(session: Session) -> SearchHits | None:
    """Every place in (name key, id) order from the in-memory copy, when it is loaded and current
    for ``session`` (None otherwise: the caller asks the database). Never loads the copy, so the
    first page of the list at start-up does not wait for it."""
    cache = _copy_for(session)
    return cache.everything(session) if cache is not None else None


def place_match_clause(session: Session, query: str) -> ColumnElement[bool] | None:
    """A WHERE clause selecting the places whose haystack contains ``query`` (None: no query).

    With the in-memory copy: ``places.id IN (hits)`` (one JSON parameter instead of thousands
    of bound ids) for up to ``DENSE_HITS`` hits, else a per-row ``instr`` on
    ``places.search_text``, so a page in another order walks that order's index and stops after
    one page. Without it: ``LIKE '%q%'``.
    """
    q = normalize_query(query)
    if not q:
        return None
    hits = search_hits(session, q)
    if hits is None:
        return Place.search_text.like(_like_pattern(q), escape="\\")
    if len(hits) > DENSE_HITS:
        if session.get_bind().dialect.name == "postgresql":
            return func.strpos(Place.search_text, q) > 0
        return func.instr(Place.search_text, q) > 0
    if not len(hits):
        return false()
    return _id_in(session, Place.id, hits.ids())


def _id_in(session: Session, column: ColumnElement[str] | InstrumentedAttribute[str], ids: Sequence[str]) -> ColumnElement[bool]:
    """``column IN (ids)`` as one parameter — cheaper to build, compile and parse than hundreds or
    thousands of bound ones: a JSON list read by ``json_each`` on SQLite, an array (``= ANY``) on
    PostgreSQL."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return column == any_(bindparam("id_list", list(ids), type_=ARRAY(String(36))))
    if dialect != "sqlite":
        return column.in_(ids)
    values = func.json_each(bindparam("id_list", json.dumps(list(ids)), type_=Text)).table_valued("value")
    return column.in_(select(values.c.value))


# --- hooks ----------------------------------------------------------------------------------


def _refresh(_mapper: Any, _conn: Any, place: Place) -> None:
    place.search_text = build_search_text(
        place.name, place.address or "", place.credit_code, place.responsible_person or "", place.phone or ""
    )
    place.name_key = name_sort_key(place.name)


def _wrote(session: Session, *_args: Any) -> None:
    session.info[_WROTE_KEY] = True


def _orm_execute(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        _wrote(state.session)


def install_place_hooks(session_class: type[Session]) -> None:
    """Keep ``Place.search_text`` current on every write, and note in ``Session.info`` that a
    session of ``session_class`` has written (idempotent)."""
    for name in ("before_insert", "before_update"):
        if not event.contains(Place, name, _refresh):
            event.listen(Place, name, _refresh)
    if not event.contains(session_class, "after_flush", _wrote):
        event.listen(session_class, "after_flush", _wrote)
        event.listen(session_class, "do_orm_execute", _orm_execute)
