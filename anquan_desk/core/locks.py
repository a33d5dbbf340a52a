"""The server-wide write lock.

On PostgreSQL several laptops write at once. What must come out in one order — the audit chain
(each entry names the one before it), the place change log the search copies follow, document and
hazard numbers (the next free one) — is written under one transaction-scoped advisory lock,
``pg_advisory_xact_lock(WRITE_LOCK)``: taken before the first such write, released when the
transaction commits or rolls back, re-entrant within it. Writers queue for milliseconds; readers
never wait. Revision 0007's trigger on ``places`` takes the same lock (the number is written out
there). SQLite needs nothing: it has one writer at a time anyway.
"""

from __future__ import annotations

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

#: "anqu" — the advisory lock key (a bigint; any fixed value no other program on the server uses).
WRITE_LOCK = 0x616E7175

_LOCK = text(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")


def take_write_lock(where: Session | Connection) -> bool:
    """Wait for the write lock, for the rest of the transaction (PostgreSQL; nothing elsewhere).

    True when a lock was taken: rows the caller read before may have changed meanwhile (another
    laptop committed while this one waited) and must be read again before they are written."""
    conn = where.connection() if isinstance(where, Session) else where
    if conn.dialect.name != "postgresql":
        return False
    conn.execute(_LOCK)
    return True
