"""Checking that the records prove themselves: anchors, data against the log, attachment files.

* **Anchors** (审计锚点): a short code for the chain's head — its position and the first 80 bits of
  its hash, in Crockford's base-32 alphabet (no I, L, O, U: it survives being typed from paper) with
  a check character. Printed on paper and handed over, an anchor proves later that the chain still
  holds that entry at that position: an entry changed or removed at or before it, or the whole chain
  rewritten with recomputed hashes, no longer matches (finding another chain that does is a search
  of 2⁸⁰).
* **Data agrees with the log**: the log is replayed per row (insert = the full row, update =
  ``{column: [old, new]}``, delete) and every audited table's current rows are compared with it,
  merged in key order on both sides, so memory stays flat whatever the size.
* **Attachments**: every stored file is hashed again against its recorded sha256.
* **Documents**: what the chained ``issue``/``correct``/``void`` events say of a document (its PDF's
  hash, its status), for ``doc verify``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import ColumnElement, Connection, Table, and_, inspect, literal, select
from sqlalchemy.orm import Session

from anquan_desk.core.attachments import AttachmentRecordError, AttachmentStore, ServerAttachmentStore
from anquan_desk.core.audit import GENESIS, HEAD_KEY, append_entries, canonical_json, entry_hash
from anquan_desk.core.clock import UTCDateTime, local_to_utc
from anquan_desk.core.models import AttachmentBlob, Base
from anquan_desk.core.vocabulary import DocumentStatus

_audit = Base.metadata.tables["audit_log"]

# --- anchors -----------------------------------------------------------------------------------------

#: Crockford's base 32: digits and letters without I, L, O, U.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_READ_AS = {"O": "0", "I": "1", "L": "1"}
#: Characters of the hash in a code: 16 × 5 = 80 bits.
HASH_CHARS = 16
_CODE_RE = re.compile(rf"A(\d+)([0-9A-Z]{{{HASH_CHARS}}})([0-9A-Z])")


class AnchorCodeError(ValueError):
    """A code that is not an anchor (Chinese message)."""


@dataclass(frozen=True)
class Anchor:
    """The chain head at one moment: position (seq), its full hash (when known) and the code."""

    seq: int
    hash: str
    at: datetime | None = None

    @property
    def code(self) -> str:
        return anchor_code(self.seq, self.hash)


def _base32(hex_digest: str) -> str:
    bits = int(hex_digest[:20], 16)  # 80 bits
    return "".join(ALPHABET[(bits >> (5 * (HASH_CHARS - 1 - i))) & 31] for i in range(HASH_CHARS))


def _check_char(seq: int, body: str) -> str:
    """Luhn mod 32 over the position's digits and the hash characters: finds every single wrong
    character and every swap of two neighbours."""
    chars = str(seq) + body
    factor, total = 2, 0
    for ch in reversed(chars):
        addend = factor * ALPHABET.index(ch)
        factor = 1 if factor == 2 else 2
        total += addend // 32 + addend % 32
    return ALPHABET[(32 - total % 32) % 32]


def anchor_code(seq: int, hex_digest: str) -> str:
    """``A-<position>-XXXX-XXXX-XXXX-XXXX-C``."""
    body = _base32(hex_digest)
    groups = "-".join(body[i : i + 4] for i in range(0, HASH_CHARS, 4))
    return f"A-{seq}-{groups}-{_check_char(seq, body)}"


@dataclass(frozen=True)
class ParsedAnchor:
    seq: int
    body: str  # the 16 hash characters

    def matches(self, hex_digest: str) -> bool:
        return _base32(hex_digest) == self.body


def parse_anchor(code: str) -> ParsedAnchor:
    """Read a typed code: case, spaces and dashes do not matter; O is read as 0, I and L as 1."""
    clean = "".join(_READ_AS.get(ch, ch) for ch in code.upper() if ch not in " -\t")
    match = _CODE_RE.fullmatch(clean)
    if match is None:
        raise AnchorCodeError(
            f"“{code}”不是审计锚点码：锚点码形如 A-1234-7F3K-9Q2M-ABCD-EFGH-X（A、位置、16 位校验字符和 1 位检查字符）。"
        )
    seq, body, check = int(match.group(1)), match.group(2), match.group(3)
    if any(ch not in ALPHABET for ch in body + check):
        raise AnchorCodeError(f"锚点码“{code}”含有不使用的字母（U）：请对照纸面重新输入。")
    if seq < 1 or _check_char(seq, body) != check:
        raise AnchorCodeError(f"锚点码“{code}”的检查字符不符：可能抄错了一位，请对照纸面重新输入。")
    return ParsedAnchor(seq, body)


def head_anchor(conn: Connection) -> Anchor | None:
    """The anchor of the chain's last entry (None for an empty log)."""
    row = conn.execute(
        select(_audit.c.seq, _audit.c.hash, _audit.c.at).order_by(_audit.c.seq.desc()).limit(1)
    ).first()
    return None if row is None else Anchor(int(row.seq), str(row.hash), row.at)


def current_anchor(session: Session) -> Anchor:
    """The anchor to print now (on a document, in a ledger, on the weekly sheet). An empty log
    gives position 0 and the chain's genesis value."""
    session.flush()
    return head_anchor(session.connection()) or Anchor(0, GENESIS, None)


@dataclass(frozen=True)
class AnchorReport:
    ok: bool
    message: str


def check_anchor(conn: Connection, code: str) -> AnchorReport:
    """Does the chain still hold, unchanged, the entry the anchor was taken at? Entries 1…N are
    recomputed (each hash covers the one before), and entry N's hash is compared with the code."""
    anchor = parse_anchor(code)
    prev = GENESIS
    rows = conn.execute(select(_audit).where(_audit.c.seq <= anchor.seq).order_by(_audit.c.seq))
    expected = 0
    for row in rows:
        expected += 1
        digest = entry_hash(prev, row.seq, row.at, row.actor, row.action, row.entity, row.entity_id, row.payload)
        if row.seq != expected or row.prev_hash != prev or digest != row.hash:
            return AnchorReport(
                False, f"该锚点之前的第{expected}条审计记录已被改动或删除，锚点 {code} 所证明的记录不再完整。"
            )
        prev = row.hash
    if expected < anchor.seq:
        return AnchorReport(
            False,
            f"该锚点所在的第{anchor.seq}条记录已被删除：审计日志现在只有 {expected} 条记录（锚点 {code}）。",
        )
    if not anchor.matches(prev):
        return AnchorReport(
            False,
            f"该锚点所在的第{anchor.seq}条记录已被改动或删除：现在第{anchor.seq}条记录的哈希与锚点 {code} 不符"
            "（审计链被改写）。",
        )
    return AnchorReport(True, f"锚点 {code} 核验通过：审计链第{anchor.seq}条及以前的记录与锚点一致。")


@dataclass(frozen=True)
class KeyLine:
    """One user's signing key as the sheet lists it."""

    username: str
    name: str
    public_key: str
    since: datetime | None
    retired: bool


#: ``anchor``: the weekly 审计锚点单; ``keys``: the 签名密钥登记表 (printed when the township starts
#: using the program and whenever a key is added or replaced), the same facts with the keys first.
SheetKind = Literal["anchor", "keys"]


@dataclass(frozen=True)
class AnchorSheet:
    township: str
    made_at: datetime
    anchor: Anchor | None  # None: the log is empty
    keys: tuple[KeyLine, ...] | None  # None: this database has no signing keys yet (before 0008)
    kind: SheetKind = "anchor"


# --- data against the log -------------------------------------------------------------------------

#: Not recorded in the log: the row's last change time (every update sets it).
_UNLOGGED_COLUMNS = frozenset({"updated_at"})
#: Rows written beside the log on purpose: the chain head itself.
_UNLOGGED_ROWS = frozenset({("settings", HEAD_KEY)})
#: What a row is called in a message, per table (its number or name rather than its UUID).
_LABELS = {
    "hazards": "code",
    "documents": "number",
    "places": "name",
    "users": "username",
    "villages": "name",
    "grids": "name",
    "townships": "name",
    "attachments": "original_name",
}
MAX_PROBLEMS = 20


@dataclass(frozen=True)
class DataProblem:
    table: str
    row_id: str
    message: str


@dataclass
class DataReport:
    rows: int = 0
    problems: list[DataProblem] = field(default_factory=list)
    more: int = 0  # problems beyond MAX_PROBLEMS

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, problem: DataProblem) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
        else:
            self.more += 1


#: Mapped tables the log does not record row by row: the log itself, and the server's attachment
#: bytes (content-addressed: each is checked against the sha256 its ``attachments`` row records).
_UNRECORDED_TABLES = frozenset({"audit_log", "attachment_blobs"})


def audited_tables() -> list[Table]:
    """Every table whose rows the flush hook records: the mapped ones but the log itself and the
    attachment bytes (tables kept by triggers, such as ``place_changes``, are not mapped and not
    recorded)."""
    mapped = {m.local_table for m in Base.registry.mappers}
    return [t for t in Base.metadata.sorted_tables if t in mapped and t.name not in _UNRECORDED_TABLES]


def _key_columns(table: Table) -> list[Any]:
    return [table.c.id] if "id" in table.c else list(table.primary_key.columns)


def _c_order(conn: Connection, expr: ColumnElement[Any]) -> ColumnElement[Any]:
    """Byte order on both databases (Python compares strings by code point, which is UTF-8 byte order)."""
    return expr.collate("C") if conn.dialect.name == "postgresql" else expr


def _key_expr(table: Table) -> ColumnElement[Any]:
    cols = _key_columns(table)
    expr: ColumnElement[Any] = cols[0]
    for col in cols[1:]:
        expr = expr.concat(literal("/")).concat(col)
    return expr


def _plain(value: Any) -> Any:
    """A current value in the form the log keeps it (JSON: dates as text, bytes as a digest …)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return json.loads(canonical_json(value))


def _digest(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    text = canonical_json(value).encode()
    return {"sha256": hashlib.sha256(text).hexdigest(), "size": len(text)}


def _logged_instant(value: Any) -> Any:
    """A logged instant in UTC (the ORM may have held it in local time)."""
    if not isinstance(value, str):
        return value
    if value.endswith("+00:00"):
        return value  # written by isoformat() of a UTC instant: already in the form compared
    try:
        return local_to_utc(datetime.fromisoformat(value)).isoformat()
    except ValueError:
        return value


@dataclass(frozen=True)
class _TableForm:
    """How one table's current values are put in the log's form, column by column."""

    table: Table
    current: dict[str, Callable[[Any], Any]]
    logged: dict[str, Callable[[Any], Any]]
    plain: frozenset[str]  # columns whose equal current and logged values need no conversion


def _identity(value: Any) -> Any:
    return value


def _form(table: Table, skip: frozenset[str] = _UNLOGGED_COLUMNS) -> _TableForm:
    model = next((m.class_ for m in Base.registry.mappers if m.local_table is table), None)
    digested = set(getattr(model, "__audit_digest__", ()))
    current: dict[str, Callable[[Any], Any]] = {}
    logged: dict[str, Callable[[Any], Any]] = {}
    for col in table.c:
        if col.name in skip:
            continue
        current[col.name] = _digest if col.name in digested else _plain
        logged[col.name] = _logged_instant if isinstance(col.type, UTCDateTime) else _identity
    # A digested column's row value could be made equal to its logged digest, and an instant is
    # logged as text: only the other columns may take the quick equality.
    plain = frozenset(
        name for name in current
        if name not in digested and not isinstance(table.c[name].type, UTCDateTime)
    )
    return _TableForm(table, current, logged, plain)


@dataclass
class _Replayed:
    """One row as the log says it is now."""

    key: str
    state: dict[str, Any] | None = None  # None: deleted, or never inserted
    inserted: bool = False
    orphan_update: int | None = None  # seq of an update before any insert


def _fold(current: _Replayed, seq: int, action: str, data: dict[str, Any]) -> None:
    if action == "insert":
        current.state, current.inserted = dict(data), True
    elif action == "delete":
        current.state = None
    elif current.state is not None:
        for column, change in data.items():
            if isinstance(change, list) and len(change) == 2:
                current.state[column] = change[1]
    elif not current.inserted and current.orphan_update is None:
        current.orphan_update = seq


def _log_rows_by_key(conn: Connection, table: Table) -> Iterator[_Replayed]:
    """A table keyed by other columns than ``id`` (settings, place_sectors: small): the flush hook
    may record a new row of it with an empty ``entity_id`` (its identity is not known yet when the
    hook runs), so its key is taken from the recorded row, and the rows are folded in memory."""
    keys = _key_columns(table)
    folded: dict[str, _Replayed] = {}
    result = conn.execute(
        select(_audit.c.seq, _audit.c.action, _audit.c.entity_id, _audit.c.payload)
        .where(_audit.c.entity == table.name, _audit.c.action.in_(("insert", "update", "delete")))
        .order_by(_audit.c.seq)
    )
    for seq, action, entity_id, payload in result:
        data = json.loads(payload)
        key = str(entity_id) or "/".join(str(data.get(col.name, "")) for col in keys)
        _fold(folded.setdefault(key, _Replayed(key)), int(seq), str(action), data)
    for key in sorted(folded):
        yield folded[key]


def _log_rows(conn: Connection, table: str) -> Iterator[_Replayed]:
    """The log's row changes of ``table``, folded per row, in key order."""
    if "id" not in Base.metadata.tables[table].c:
        yield from _log_rows_by_key(conn, Base.metadata.tables[table])
        return
    result = conn.execute(
        select(_audit.c.seq, _audit.c.action, _audit.c.entity_id, _audit.c.payload)
        .where(_audit.c.entity == table, _audit.c.action.in_(("insert", "update", "delete")))
        .order_by(_c_order(conn, _audit.c.entity_id), _audit.c.seq)
        .execution_options(yield_per=2000)
    )
    current: _Replayed | None = None
    for seq, action, entity_id, payload in result:
        if current is None or current.key != entity_id:
            if current is not None:
                yield current
            current = _Replayed(str(entity_id))
        _fold(current, int(seq), str(action), json.loads(payload))
    if current is not None:
        yield current


def _table_rows(conn: Connection, table: Table, *, stream: bool = True) -> Iterator[tuple[str, dict[str, Any]]]:
    """The rows of ``table`` in key order; ``stream``: fetched 2,000 at a time (a server-side cursor
    on PostgreSQL, so the connection cannot run other statements until the rows are read), else
    fetched at once."""
    key = _key_expr(table).label("__key__")
    order = _c_order(conn, _key_expr(table))
    statement = select(key, *table.c).order_by(order)
    result = conn.execute(statement.execution_options(yield_per=2000) if stream else statement)
    names = [col.name for col in table.c]
    for row in result:
        yield str(row[0]), dict(zip(names, row[1:], strict=True))


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else canonical_json(value)
    return text if len(text) <= 40 else text[:37] + "…"


def _label(table: str, row_id: str, values: dict[str, Any] | None) -> str:
    column = _LABELS.get(table)
    name = values.get(column) if values is not None and column is not None else None
    return f"{name}（{row_id}）" if name and name != row_id else row_id


def _compare(form: _TableForm, key: str, state: dict[str, Any], row: dict[str, Any]) -> DataProblem | None:
    table = form.table.name
    for column, to_log_form in form.current.items():
        if column not in state:
            continue  # added by a later migration: the log never recorded it for this row
        if column in form.plain and state[column] == row[column]:
            continue  # text, numbers, None: already in the log's form (most columns: the quick way)
        expected = form.logged[column](state[column])
        actual = to_log_form(row[column])
        if expected != actual and canonical_json(expected) != canonical_json(actual):
            return DataProblem(
                table, key,
                f"表 {table} 中 {_label(table, key, state)} 的 {column} 与审计记录不符（数据库被直接改动）："
                f"审计记录为“{_shown(expected)}”，数据库中为“{_shown(actual)}”。",
            )
    return None


def _check_table(conn: Connection, form: _TableForm, report: DataReport) -> None:
    table = form.table.name
    logged = _log_rows(conn, table)
    rows = _table_rows(conn, form.table)
    entry = next(logged, None)
    row = next(rows, None)
    while entry is not None or row is not None:
        if row is not None and (entry is None or row[0] < entry.key):
            report.rows += 1
            if (table, row[0]) not in _UNLOGGED_ROWS:
                report.add(DataProblem(
                    table, row[0],
                    f"表 {table} 中 {_label(table, row[0], row[1])} 没有任何审计记录（数据库被直接插入）。",
                ))
            row = next(rows, None)
        elif entry is not None and (row is None or entry.key < row[0]):
            if entry.state is not None:
                report.add(DataProblem(
                    table, entry.key,
                    f"表 {table} 中 {_label(table, entry.key, entry.state)} 已不在数据库中，但审计记录中没有删除"
                    "（数据库被直接改动）。",
                ))
            entry = next(logged, None)
        else:
            assert entry is not None and row is not None
            report.rows += 1
            if entry.state is None:
                why = "已被删除" if entry.inserted else f"没有插入记录（第{entry.orphan_update}条只记录了修改）"
                report.add(DataProblem(
                    table, row[0],
                    f"表 {table} 中 {_label(table, row[0], row[1])} 在审计记录中{why}，却仍在数据库中（数据库被直接改动）。",
                ))
            else:
                problem = _compare(form, row[0], entry.state, row[1])
                if problem is not None:
                    report.add(problem)
            entry, row = next(logged, None), next(rows, None)


def check_data(conn: Connection) -> DataReport:
    """Replay the log and compare every audited table's rows with it."""
    report = DataReport()
    present = set(inspect(conn).get_table_names())
    for table in audited_tables():
        if table.name in present:  # a table of a later revision is absent from an older database
            _check_table(conn, _form(table), report)
    return report


def record_bulk_inserts(session: Session, tables: list[str]) -> int:
    """Write insert entries for every row of ``tables`` (rows written in bulk with Core, which the
    flush hook does not see: call it once, right after the bulk writing, in the same transaction).
    The payload is the full row, as the flush hook records an insert. Returns the entries written."""
    session.flush()
    conn = session.connection()
    actor = str(session.info.get("actor", "system"))
    written = 0
    for name in tables:
        table = Base.metadata.tables[name]
        form = _form(table, skip=frozenset())
        batch: list[tuple[str, str, str, dict[str, Any]]] = []
        # Not streamed: the entries are appended on the same connection while the rows are read.
        for key, row in _table_rows(conn, table, stream=False):
            batch.append(("insert", name, key, {column: to_log(row[column]) for column, to_log in form.current.items()}))
            if len(batch) >= 5000:
                append_entries(conn, actor, batch)
                written += len(batch)
                batch = []
        append_entries(conn, actor, batch)
        written += len(batch)
    return written


# --- attachments ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileProblem:
    name: str
    sha256: str
    message: str


@dataclass
class FilesReport:
    files: int = 0
    problems: list[FileProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def copy_checked(source: Path, dest: Path, sha256: str) -> bool:
    """Copy ``source`` to ``dest`` hashing it on the way; a file whose hash is not ``sha256`` is not
    left at ``dest`` (False)."""
    digest = hashlib.sha256()
    with source.open("rb") as src, dest.open("wb") as out:
        for chunk in iter(lambda: src.read(1024 * 1024), b""):
            digest.update(chunk)
            out.write(chunk)
    if digest.hexdigest() != sha256:
        dest.unlink(missing_ok=True)
        return False
    return True


def check_attachments(conn: Connection, store: AttachmentStore) -> FilesReport:
    """Hash every stored file again and compare it with its recorded sha256."""
    table = Base.metadata.tables["attachments"]
    report = FilesReport()
    for sha, mime, name in conn.execute(
        select(table.c.sha256, table.c.mime, table.c.original_name).order_by(table.c.sha256)
    ):
        report.files += 1
        shown = name or sha
        if isinstance(store, ServerAttachmentStore):  # on the server: the bytes in attachment_blobs
            problem = _blob_problem(conn, str(sha), shown)
            if problem is not None:
                report.problems.append(problem)
            continue
        try:
            path = store.path_for(sha, mime)
        except AttachmentRecordError as err:
            report.problems.append(FileProblem(shown, str(sha), str(err)))
            continue
        if not path.is_file():
            report.problems.append(FileProblem(shown, sha, f"附件文件缺失：{shown}（{path.name}）已被删除或移走。"))
        elif file_sha256(path) != sha:
            report.problems.append(
                FileProblem(shown, sha, f"附件文件被替换或损坏：{shown}（{path.name}）的内容与记录的校验值不符。")
            )
    return report


def _blob_problem(conn: Connection, sha: str, shown: str) -> FileProblem | None:
    data = conn.execute(select(AttachmentBlob.data).where(AttachmentBlob.sha256 == sha)).scalar()
    if data is None:
        return FileProblem(shown, sha, f"附件内容缺失：服务器数据库中没有 {shown} 的文件内容（已被删除）。")
    if hashlib.sha256(data).hexdigest() != sha:
        return FileProblem(shown, sha, f"附件内容被替换或损坏：服务器数据库中 {shown} 的内容与记录的校验值不符。")
    return None


# --- documents as the chain records them -------------------------------------------------------------


@dataclass(frozen=True)
class ChainedDocument:
    """What the chained events say of one document."""

    document_id: str
    number: str
    pdf_sha256: str
    status: str


def _events(conn: Connection, document_id: str) -> list[tuple[str, dict[str, Any]]]:
    rows = conn.execute(
        select(_audit.c.action, _audit.c.payload)
        .where(
            _audit.c.entity == "documents",
            _audit.c.entity_id == document_id,
            _audit.c.action.in_(("issue", "correct", "void")),
        )
        .order_by(_audit.c.seq)
    )
    return [(str(action), json.loads(payload)) for action, payload in rows]


def chained_document(conn: Connection, document_id: str) -> ChainedDocument | None:
    """The PDF hash and status of a document by its ``issue``, ``correct`` and ``void`` events (None:
    the log has no ``issue`` event for it)."""
    number = sha = ""
    status: str | None = None
    for action, payload in _events(conn, document_id):
        if action == "issue":
            number, sha = str(payload.get("number", "")), str(payload.get("sha256", ""))
            status = DocumentStatus.ISSUED.value
        elif status is not None and action == "correct":
            status = DocumentStatus.SUPERSEDED.value
        elif status is not None and action == "void":
            status = DocumentStatus.VOID.value
    if status is None:
        return None
    if status == DocumentStatus.ISSUED.value and _superseded_by_issue(conn, document_id):
        status = DocumentStatus.SUPERSEDED.value
    return ChainedDocument(document_id, number, sha, status)


def _superseded_by_issue(conn: Connection, document_id: str) -> bool:
    """Does a later document's chained ``issue`` event name this one as the one it supersedes?"""
    rows = conn.execute(
        select(_audit.c.payload).where(
            _audit.c.entity == "documents",
            _audit.c.action == "issue",
            _audit.c.payload.like(f'%"supersedes":"{document_id}"%'),
        )
    )
    return any(json.loads(payload).get("supersedes") == document_id for (payload,) in rows)


def issued_with_hash(conn: Connection, sha256: str) -> ChainedDocument | None:
    """The document whose chained ``issue`` event records this PDF hash (None: none does)."""
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        return None
    needle = f'%"sha256":"{sha256}"%'
    ids = conn.execute(
        select(_audit.c.entity_id).where(
            and_(_audit.c.entity == "documents", _audit.c.action == "issue", _audit.c.payload.like(needle))
        )
    ).scalars().all()
    for document_id in ids:
        chained = chained_document(conn, str(document_id))
        if chained is not None and chained.pdf_sha256 == sha256:
            return chained
    return None
