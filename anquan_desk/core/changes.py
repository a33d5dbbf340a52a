"""What a unit of work changed, so that screens can refresh what they show.

The audited session notes every row it writes (:func:`note_change`, called by the audit flush hook
and by :func:`anquan_desk.core.audit.record_event` for bulk work), so no service has to declare
what it touched and none can forget to. After the commit the service layer hands the
:class:`Changes` on; the UI announces them to every screen (``changed(kind, ids)``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from sqlalchemy.orm import Session

#: Stands for "rows not named one by one" (a bulk import, a bulk update).
SOME_ROWS = "*"
_INFO_KEY = "changes"


@dataclass(frozen=True)
class Changes:
    """Table name → ids of the rows inserted, updated or deleted (``SOME_ROWS`` when not named)."""

    tables: Mapping[str, frozenset[str]] = field(default_factory=lambda: MappingProxyType({}))

    def __bool__(self) -> bool:
        return bool(self.tables)

    def touches(self, *tables: str) -> bool:
        return any(t in self.tables for t in tables)

    def ids(self, table: str) -> frozenset[str]:
        return self.tables.get(table, frozenset())

    def touches_row(self, table: str, row_id: str) -> bool:
        ids = self.ids(table)
        return row_id in ids or SOME_ROWS in ids

    def merged(self, other: Changes) -> Changes:
        if not other:
            return self
        if not self:
            return other
        tables = {t: set(ids) for t, ids in self.tables.items()}
        for table, ids in other.tables.items():
            tables.setdefault(table, set()).update(ids)
        return Changes.of(tables)

    @staticmethod
    def of(tables: Mapping[str, Iterable[str]]) -> Changes:
        return Changes(MappingProxyType({t: frozenset(ids) for t, ids in tables.items()}))

    def __repr__(self) -> str:
        return "Changes(" + ", ".join(f"{t}:{len(ids)}" for t, ids in sorted(self.tables.items())) + ")"


NO_CHANGES = Changes()


def note_change(session: Session, table: str, row_id: str = SOME_ROWS) -> None:
    """Remember that ``session`` wrote a row of ``table`` (kept until the session is discarded)."""
    noted: dict[str, set[str]] = session.info.setdefault(_INFO_KEY, {})
    noted.setdefault(table, set()).add(row_id or SOME_ROWS)


def session_changes(session: Session) -> Changes:
    """Everything ``session`` wrote (call after its commit)."""
    noted: dict[str, set[str]] = session.info.get(_INFO_KEY, {})
    return Changes.of(noted) if noted else NO_CHANGES


def forget_changes(session: Session) -> None:
    """After a rollback: what was noted was never written."""
    session.info.pop(_INFO_KEY, None)
