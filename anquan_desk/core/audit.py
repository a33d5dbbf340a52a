"""Append-only, hash-chained audit log (执法全过程记录).

Every insert, update and delete that goes through an ORM session is written to
``audit_log`` in the same transaction by a flush hook, so no service can forget it.
Bulk work that bypasses the ORM records one summary event with :func:`record_event`.

Each entry's hash covers the previous entry's hash and the entry's own content; the
current head (last seq and hash) is kept in ``settings`` as well, so deleting entries
from the end is detected too.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, insert, inspect, select
from sqlalchemy.orm import Session

from anquan_desk.core.changes import note_change
from anquan_desk.core.clock import utcnow
from anquan_desk.core.models import AuditEntry, Base
from anquan_desk.core.settings import AUDIT_HEAD

GENESIS = "0" * 64
HEAD_KEY = AUDIT_HEAD.key

_audit_table = Base.metadata.tables["audit_log"]
_settings_table = Base.metadata.tables["settings"]


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


def append_entries(conn: Connection, actor: str, entries: list[tuple[str, str, str, dict[str, Any]]]) -> None:
    """Append ``(action, entity, entity_id, payload)`` entries to the chain on ``conn``."""
    if not entries:
        return
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


def record_event(session: Session, action: str, entity: str, entity_id: str = "", **payload: Any) -> None:
    """Audit something that is not a plain row change (bulk import, login, export …)."""
    session.flush()
    actor = str(session.info.get("actor", "system"))
    append_entries(session.connection(), actor, [(action, entity, entity_id, payload)])
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
        append_entries(session.connection(), actor, entries)


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    entries: int
    first_bad_seq: int | None = None
    message: str = ""


def verify_chain(conn: Connection) -> ChainReport:
    """Recompute the whole chain; report the first entry that does not fit."""
    prev = GENESIS
    expected_seq = 0
    count = 0
    result = conn.execute(select(_audit_table).order_by(_audit_table.c.seq))
    for row in result:
        expected_seq += 1
        count += 1
        if row.seq != expected_seq:
            return ChainReport(False, count, expected_seq, f"第 {expected_seq} 条审计记录缺失（被删除）")
        if row.prev_hash != prev:
            return ChainReport(False, count, row.seq, f"第 {row.seq} 条审计记录的前序哈希不符（链条被改动）")
        digest = entry_hash(
            prev, row.seq, row.at, row.actor, row.action, row.entity, row.entity_id, row.payload
        )
        if digest != row.hash:
            return ChainReport(False, count, row.seq, f"第 {row.seq} 条审计记录内容被改动（哈希不符）")
        prev = row.hash
    head = conn.execute(select(_settings_table.c.value).where(_settings_table.c.key == HEAD_KEY)).scalar()
    if head is None:
        if count:
            return ChainReport(False, count, count, "审计链的链头记录丢失")
        return ChainReport(True, 0, None, "审计日志为空")
    if int(head["seq"]) != expected_seq or head["hash"] != prev:
        missing = expected_seq + 1
        return ChainReport(False, count, missing, f"第 {missing} 条及以后的审计记录缺失（被删除）")
    return ChainReport(True, count, None, f"审计链完整，共 {count} 条记录")

