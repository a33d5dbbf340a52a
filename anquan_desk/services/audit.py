"""Checking the audit log (执法全过程记录)."""

from __future__ import annotations

from anquan_desk.core.audit import ChainReport, verify_chain
from anquan_desk.services.desk import Desk


def verify(desk: Desk) -> ChainReport:
    """Recompute the whole hash chain and report the first entry that does not fit."""
    with desk.db.engine.connect() as conn:
        return verify_chain(conn)
