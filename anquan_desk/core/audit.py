"""Append-only, hash-chained audit log (执法全过程记录).

Every insert, update and delete that goes through an ORM session is written to
``audit_log`` in the same transaction by a flush hook, so no service can forget it.
Bulk work that bypasses the ORM records one summary event with :func:`record_event`.

Each entry's hash covers the previous entry's hash and the entry's own content; the
current head (last seq and hash) is kept in ``settings`` as well, so deleting entries
from the end is detected too.

Signatures: every entry is signed by the acting user's Ed25519 key (unlocked at login, carried by
the session as ``session.info["signer"]``, see :mod:`anquan_desk.core.security`): ``signature`` is
the signature of the entry's ``hash``, and ``hash`` covers ``prev_hash``, so a signature also
vouches for everything before it. Recomputing hashes after an edit therefore breaks every later
signature, and forging an entry needs a user's password. Public keys are themselves audited rows
(``user_keys``); :func:`verify_chain` checks each signature against the key the chain recorded
*before* that entry, never against the table.

System entries (unsigned, ``key_id`` NULL) are what no user can sign: creating the database, the
setup wizard before its first administrator exists, the demo builder, and everything in a
database of an older version before its first login. They are accepted only in the chain's
*prologue*, before the first signing key is introduced. After that no unsigned entry of any kind
is accepted (:data:`SYSTEM_ACTIONS_AFTER_KEYS` is empty): a later migration that has to record
something records it with the next signed entry, so nobody holding the file can append unsigned
entries. What the prologue itself holds is protected by the first signed entry after it.

Keys may be introduced (``insert`` into ``user_keys``) only by:

* the first key of the chain: unsigned or signed by itself (the first administrator; in an older
  database the first user who logs in);
* an active administrator's key (a new user, a password reset);
* the key itself, for a user who never had a key (trust on first use: users of an older database
  get their key at their first login). Until every such user has logged in once, someone who holds
  the file could introduce a key for them; the key list printed on the setup record and handed to
  the district is what shows that.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import Connection, insert, inspect, select
from sqlalchemy.orm import Session

from anquan_desk.core.changes import note_change
from anquan_desk.core.clock import utcnow
from anquan_desk.core.errors import PermissionDeniedError
from anquan_desk.core.locks import take_write_lock
from anquan_desk.core.models import AuditEntry, Base
from anquan_desk.core.security import Signer, failed_signatures
from anquan_desk.core.settings import AUDIT_HEAD
from anquan_desk.core.vocabulary import UserRole

GENESIS = "0" * 64
HEAD_KEY = AUDIT_HEAD.key

#: ``session.info`` key of the acting user's unlocked :class:`~anquan_desk.core.security.Signer`.
SIGNER = "signer"
#: Unsigned actions accepted after the first signing key exists: none (see the module docstring).
SYSTEM_ACTIONS_AFTER_KEYS: frozenset[str] = frozenset()
KEYS_TABLE = "user_keys"
#: Tables whose entries the key book must read even in the unsigned prologue.
_KEY_BOOK_TABLES = frozenset({KEYS_TABLE, "users"})

_audit_table = Base.metadata.tables["audit_log"]
_settings_table = Base.metadata.tables["settings"]
_keys_table = Base.metadata.tables[KEYS_TABLE]


def canonical_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return {"sha256": hashlib.sha256(value).hexdigest(), "size": len(value)}
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"cannot audit value of type {type(value).__name__}")


def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.%f")


def entry_hash(
    prev_hash: str, seq: int, at: datetime, actor: str, action: str, entity: str, entity_id: str, payload: str
) -> str:
    text = "\x1f".join((prev_hash, str(seq), _stamp(at), actor, action, entity, entity_id, payload))
    return hashlib.sha256(text.encode()).hexdigest()


def _head(conn: Connection) -> tuple[int, str]:
    row = conn.execute(
        select(_audit_table.c.seq, _audit_table.c.hash).order_by(_audit_table.c.seq.desc()).limit(1)
    ).first()
    if row is None:
        return 0, GENESIS
    return int(row[0]), str(row[1])


def _check_signer(conn: Connection, signer: Signer) -> None:
    """A retired (replaced) or unknown key signs nothing: its user must log in again."""
    row = conn.execute(
        select(_keys_table.c.public_key, _keys_table.c.retired_at).where(_keys_table.c.id == signer.key_id)
    ).first()
    if row is None or row.public_key != signer.public_key:
        raise PermissionDeniedError("签名密钥未登记，不能记录此操作。请重新登录。")
    if row.retired_at is not None:
        raise PermissionDeniedError("您的密码已被管理员重设，原签名密钥已停用。请用新密码重新登录。")


def append_entries(
    conn: Connection,
    actor: str,
    entries: list[tuple[str, str, str, dict[str, Any]]],
    signer: Signer | None = None,
) -> None:
    """Append ``(action, entity, entity_id, payload)`` entries to the chain on ``conn``, each signed
    by ``signer`` (None: system entries, unsigned)."""
    if not entries:
        return
    if signer is not None:
        _check_signer(conn, signer)
    take_write_lock(conn)  # on a server: one chain, appended by one writer at a time
    seq, prev = _head(conn)
    at = utcnow()
    rows = []
    for action, entity, entity_id, payload in entries:
        seq += 1
        payload_text = canonical_json(payload)
        digest = entry_hash(prev, seq, at, actor, action, entity, entity_id, payload_text)
        rows.append(
            {
                "seq": seq,
                "at": at,
                "actor": actor,
                "action": action,
                "entity": entity,
                "entity_id": entity_id,
                "payload": payload_text,
                "prev_hash": prev,
                "hash": digest,
                "key_id": signer.key_id if signer is not None else None,
                "signature": signer.sign(digest) if signer is not None else None,
            }
        )
        prev = digest
    conn.execute(insert(_audit_table), rows)
    head = {"seq": seq, "hash": prev}
    updated = conn.execute(
        _settings_table.update().where(_settings_table.c.key == HEAD_KEY).values(value=head)
    ).rowcount
    if not updated:
        conn.execute(insert(_settings_table).values(key=HEAD_KEY, value=head))


def session_signer(session: Session) -> Signer | None:
    """The signer the session's entries are signed with (None: system entries)."""
    signer = session.info.get(SIGNER)
    return signer if isinstance(signer, Signer) else None


def record_event(session: Session, action: str, entity: str, entity_id: str = "", **payload: Any) -> None:
    """Audit something that is not a plain row change (bulk import, login, export …)."""
    session.flush()
    actor = str(session.info.get("actor", "system"))
    append_entries(session.connection(), actor, [(action, entity, entity_id, payload)], session_signer(session))
    note_change(session, entity, entity_id)


def _identity(obj: Any) -> str:
    ident = getattr(obj, "id", None)
    if ident:
        return str(ident)
    key = inspect(obj).identity
    return "/".join(str(k) for k in key) if key else ""


def _digest(value: Any) -> dict[str, Any]:
    text = canonical_json(value).encode()
    return {"sha256": hashlib.sha256(text).hexdigest(), "size": len(text)}


def _audited(obj: Any, key: str, value: Any) -> Any:
    """Large frozen payloads (an issued document's snapshot with its photos) are recorded by
    digest: the log proves what they were without copying them."""
    return _digest(value) if key in getattr(obj, "__audit_digest__", ()) and value is not None else value


def _column_values(obj: Any) -> dict[str, Any]:
    mapper = inspect(obj).mapper
    return {attr.key: _audited(obj, attr.key, getattr(obj, attr.key)) for attr in mapper.column_attrs}


def _changes(obj: Any) -> dict[str, Any]:
    state = inspect(obj)
    changed: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        hist = state.attrs[attr.key].history
        if hist.has_changes():
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            if attr.key != "updated_at":
                changed[attr.key] = [_audited(obj, attr.key, old), _audited(obj, attr.key, new)]
    return changed


def _collect(session: Session) -> list[tuple[str, str, str, dict[str, Any]]]:
    entries: list[tuple[str, str, str, dict[str, Any]]] = []
    for obj in session.new:
        if isinstance(obj, Base) and not isinstance(obj, AuditEntry):
            entries.append(("insert", obj.__tablename__, _identity(obj), _column_values(obj)))
    for obj in session.dirty:
        if isinstance(obj, Base) and not isinstance(obj, AuditEntry) and session.is_modified(obj):
            changes = _changes(obj)
            if changes:
                entries.append(("update", obj.__tablename__, _identity(obj), changes))
    for obj in session.deleted:
        if isinstance(obj, Base) and not isinstance(obj, AuditEntry):
            entries.append(("delete", obj.__tablename__, _identity(obj), _column_values(obj)))
    # Deterministic order within one flush: by table, then id.
    entries.sort(key=lambda e: (e[1], e[2], e[0]))
    return entries


def before_flush(session: Session, _flush_context: Any, _instances: Any) -> None:
    """Stamp the author on new rows."""
    actor = str(session.info.get("actor", "system"))
    for obj in session.new:
        if hasattr(obj, "author") and not obj.author:
            obj.author = actor


def after_flush(session: Session, _flush_context: Any) -> None:
    """Write one audit entry per changed row, in the same transaction."""
    entries = _collect(session)
    for _action, table, row_id, _payload in entries:
        note_change(session, table, row_id)
    if entries:
        actor = str(session.info.get("actor", "system"))
        append_entries(session.connection(), actor, entries, session_signer(session))


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    entries: int
    first_bad_seq: int | None = None
    message: str = ""
    signed: int = 0  # entries with a valid signature
    keys: int = 0  # signing keys the chain introduced


class ChainError(Exception):
    """One entry that does not fit; the message names it (Chinese)."""

    def __init__(self, seq: int, message: str) -> None:
        super().__init__(message)
        self.seq = seq
        self.message = message


@dataclass
class _Key:
    public_key: str
    user_id: str
    retired: bool = False


class _SignatureChecks:
    """The signatures still to check, handed to worker threads in batches (per key) while the walk
    goes on: an Ed25519 check costs ~65 µs, more than hashing an entry, and libsodium runs without
    Python's lock. :meth:`first_failure` waits for every batch and names the earliest bad entry."""

    BATCH = 2_000

    def __init__(self, pool: Executor) -> None:
        self._pool = pool
        self._pending: dict[str, list[tuple[int, str, str]]] = {}
        self._running: list[Future[list[int]]] = []
        self.checked: list[int] = []  # seqs in walk order (increasing)

    def add(self, public_key: str, seq: int, entry_hash: str, signature: str) -> None:
        batch = self._pending.setdefault(public_key, [])
        batch.append((seq, entry_hash, signature))
        self.checked.append(seq)
        if len(batch) >= self.BATCH:
            self._running.append(self._pool.submit(failed_signatures, public_key, self._pending.pop(public_key)))

    def first_failure(self) -> int | None:
        for public_key, batch in self._pending.items():
            self._running.append(self._pool.submit(failed_signatures, public_key, batch))
        self._pending = {}
        failed = [seq for future in self._running for seq in future.result()]
        return min(failed) if failed else None


@dataclass
class _KeyBook:
    """The signing keys and the users' roles as the chain has recorded them so far."""

    signatures: _SignatureChecks
    keys: dict[str, _Key] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)
    active: dict[str, bool] = field(default_factory=dict)
    signed: int = 0
    retiring: str | None = None  # the key the current entry retires

    def check(self, row: Any) -> None:
        """Raise ChainError when ``row`` (hash already checked) is not rightly signed."""
        prologue = not self.keys  # no key before this entry: it may be a system entry
        if row.entity == KEYS_TABLE:
            self._key_entry(row)
        elif row.entity == "users" and row.action in ("insert", "update"):
            self._user_entry(row)
        self._signature(row, prologue)

    def _signature(self, row: Any, prologue: bool) -> None:
        if not row.key_id and not row.signature:
            if not prologue and row.action not in SYSTEM_ACTIONS_AFTER_KEYS:
                raise ChainError(row.seq, f"第 {row.seq} 条审计记录没有签名（启用签名密钥后不应有未签名的记录，可能是伪造的）")
            return
        key = self.keys.get(row.key_id or "")
        if key is None:
            raise ChainError(row.seq, f"第 {row.seq} 条审计记录由未登记的密钥签名（可能是伪造的）")
        if key.retired:
            raise ChainError(row.seq, f"第 {row.seq} 条审计记录由已停用（已更换）的签名密钥签名")
        if not self.active.get(key.user_id, True):
            raise ChainError(row.seq, f"第 {row.seq} 条审计记录由已停用账号的签名密钥签名")
        self.signatures.add(key.public_key, row.seq, row.hash, row.signature or "")
        self.signed += 1

    def _key_entry(self, row: Any) -> None:
        payload = _payload(row)
        if row.action == "insert":
            self._introduce(row, payload)
        elif row.action == "update":
            if "public_key" in payload or "user_id" in payload:
                raise ChainError(row.seq, f"第 {row.seq} 条审计记录更换了已登记的公钥（公钥不得更改）")
            retired = payload.get("retired_at")
            key = self.keys.get(row.entity_id)
            if key is not None and isinstance(retired, list) and retired[-1] is not None:
                # The retiring entry is still signed before the key counts as retired.
                self.retiring = row.entity_id
        else:
            raise ChainError(row.seq, f"第 {row.seq} 条审计记录删除了签名密钥（密钥不得删除）")

    def _introduce(self, row: Any, payload: dict[str, Any]) -> None:
        public_key, user_id = str(payload.get("public_key", "")), str(payload.get("user_id", ""))
        if row.entity_id in self.keys:
            raise ChainError(row.seq, f"第 {row.seq} 条审计记录重复登记了签名密钥")
        if not self.keys and not row.key_id:
            self.keys[row.entity_id] = _Key(public_key, user_id)  # the first key: the prologue ends
            return
        if row.key_id == row.entity_id:
            if self.keys and any(k.user_id == user_id for k in self.keys.values()):
                raise ChainError(row.seq, f"第 {row.seq} 条审计记录自行登记了签名密钥，但该用户已有密钥（应由管理员重设）")
            self.keys[row.entity_id] = _Key(public_key, user_id)
            return
        signer = self.keys.get(row.key_id or "")
        if signer is not None and self.roles.get(signer.user_id) != UserRole.ADMIN.value:
            raise ChainError(row.seq, f"第 {row.seq} 条审计记录登记签名密钥的不是管理员")
        self.keys[row.entity_id] = _Key(public_key, user_id)

    def _user_entry(self, row: Any) -> None:
        payload = _payload(row)
        if row.action == "insert":
            self.roles[row.entity_id] = str(payload.get("role", ""))
            self.active[row.entity_id] = bool(payload.get("active", True))
            return
        if isinstance(payload.get("role"), list):
            self.roles[row.entity_id] = str(payload["role"][-1])
        if isinstance(payload.get("active"), list):
            self.active[row.entity_id] = bool(payload["active"][-1])

    def after(self) -> None:
        """Retire the key an entry retired, once that entry's own signature was checked."""
        if self.retiring is not None:
            key = self.keys.get(self.retiring)
            if key is not None:
                key.retired = True
            self.retiring = None


def _payload(row: Any) -> dict[str, Any]:
    try:
        data = json.loads(row.payload)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


class _Entry(NamedTuple):
    """One audit row as the driver returns it (no type processing: the chain is checked on the
    stored text, see :func:`_stored_stamp`)."""

    seq: int
    prev_hash: str
    hash: str
    at: Any
    actor: str
    action: str
    entity: str
    entity_id: str
    payload: str
    key_id: str | None
    signature: str | None


_CHAIN_COLUMNS = "seq, prev_hash, hash, at, actor, action, entity, entity_id, payload, key_id, signature"
_CHAIN_PAGE = 20_000  # rows per read: bounded memory on either backend (no server-side cursor needed)


def _chain_pages(conn: Connection) -> Iterator[Sequence[Any]]:
    """Every audit row in ``seq`` order (pages of driver tuples, columns as :class:`_Entry`), read
    straight from the driver: the ORM type processors cost more than the hashing itself on a large
    log (18 s of 27 s for 700,000 entries)."""
    last = -1
    while True:
        # ``last`` is an int taken from the previous page: nothing user-supplied goes into the text.
        page = conn.exec_driver_sql(
            f"SELECT {_CHAIN_COLUMNS} FROM audit_log WHERE seq > {int(last)} ORDER BY seq LIMIT {_CHAIN_PAGE}"
        ).fetchall()
        if not page:
            return
        yield page
        last = page[-1][0]


def _stored_stamp(at: Any, seq: int) -> str:
    """The entry's time as :func:`_stamp` writes it, from what the driver returned: SQLite gives the
    stored text (``YYYY-MM-DD HH:MM:SS.ffffff``), PostgreSQL a naive UTC datetime."""
    if isinstance(at, str):
        if len(at) == 26 and at[10] == " ":
            return at[:10] + "T" + at[11:]
        try:
            at = datetime.fromisoformat(at)
        except ValueError:
            raise ChainError(seq, f"第 {seq} 条审计记录的时间被改动（无法识别：{at[:40]}）") from None
    if not isinstance(at, datetime):
        raise ChainError(seq, f"第 {seq} 条审计记录的时间被改动")
    return _stamp(at)


def _check_entry(row: _Entry, expected_seq: int, prev: str) -> None:
    """Raise ChainError naming what does not fit in ``row`` (the walk's quick test found something)."""
    if row.seq != expected_seq:
        raise ChainError(expected_seq, f"第 {expected_seq} 条审计记录缺失（被删除）")
    if row.prev_hash != prev:
        raise ChainError(row.seq, f"第 {row.seq} 条审计记录的前序哈希不符（链条被改动）")
    raise ChainError(row.seq, f"第 {row.seq} 条审计记录内容被改动（哈希不符）")


def _check_key_table(conn: Connection, book: _KeyBook, count: int) -> None:
    """The ``user_keys`` rows hold exactly the public keys the chain introduced."""
    stored = {str(r.id): str(r.public_key) for r in conn.execute(select(_keys_table.c.id, _keys_table.c.public_key))}
    for key_id, key in book.keys.items():
        if key_id not in stored:
            raise ChainError(count, f"签名密钥 {key_id[:8]} 已从密钥表中删除（审计链中有登记）")
        if stored[key_id] != key.public_key:
            raise ChainError(count, f"签名密钥 {key_id[:8]} 的公钥被替换（与审计链登记的不符）")
    for key_id in stored.keys() - book.keys.keys():
        raise ChainError(count, f"签名密钥 {key_id[:8]} 不在审计链中（未经登记加入的密钥）")


def _bad_signature(book: _KeyBook, seq: int) -> ChainReport:
    before = bisect.bisect_left(book.signatures.checked, seq)  # all of them valid: ``seq`` is the first bad one
    return ChainReport(False, seq, seq, f"第 {seq} 条审计记录的签名不符（记录被改动或伪造）", before, len(book.keys))


def verify_chain(conn: Connection) -> ChainReport:
    """Recompute the whole chain and check every signature; report the first entry that does not fit."""
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1), thread_name_prefix="audit-verify") as pool:
        book = _KeyBook(_SignatureChecks(pool))
        report = _walk_chain(conn, book)
        bad = book.signatures.first_failure()
    if bad is not None and (report.first_bad_seq is None or bad < report.first_bad_seq):
        return _bad_signature(book, bad)
    return report


def _walk_chain(conn: Connection, book: _KeyBook) -> ChainReport:
    prev = GENESIS
    expected_seq = 0
    sha256, stamp_of, special = hashlib.sha256, _stored_stamp, _KEY_BOOK_TABLES
    try:
        # The hot loop of a large log (700,000 entries): tuples unpacked, an _Entry built only for
        # the key book and for the message of an entry that does not fit.
        for page in _chain_pages(conn):
            for raw in page:
                seq, prev_hash, digest, at, actor, action, entity, entity_id, payload, key_id, signature = raw
                expected_seq += 1
                text = "\x1f".join((prev, str(seq), stamp_of(at, seq), actor, action, entity, entity_id, payload))
                if seq != expected_seq or prev_hash != prev or sha256(text.encode()).hexdigest() != digest:
                    _check_entry(_Entry(*raw), expected_seq, prev)
                if book.keys or key_id or signature or entity in special:
                    book.check(_Entry(*raw))
                    book.after()
                prev = digest
        _check_key_table(conn, book, expected_seq)
    except ChainError as err:
        return ChainReport(False, expected_seq, err.seq, err.message, book.signed, len(book.keys))
    count = expected_seq
    head = conn.execute(select(_settings_table.c.value).where(_settings_table.c.key == HEAD_KEY)).scalar()
    if head is None:
        if count:
            return ChainReport(False, count, count, "审计链的链头记录丢失", book.signed, len(book.keys))
        return ChainReport(True, 0, None, "审计日志为空")
    if int(head["seq"]) != expected_seq or head["hash"] != prev:
        missing = expected_seq + 1
        return ChainReport(
            False, count, missing, f"第 {missing} 条及以后的审计记录缺失（被删除）", book.signed, len(book.keys)
        )
    signed = f"，其中 {book.signed} 条已签名、签名全部有效" if book.signed else ""
    return ChainReport(True, count, None, f"审计链完整，共 {count} 条记录{signed}", book.signed, len(book.keys))
