"""One entry point per ledger kind: the sheet(s) to write."""

from __future__ import annotations

from anquan_desk.core.errors import UserInputError
from anquan_desk.core.models import Hazard
from anquan_desk.core.vocabulary import HazardStatus
from anquan_desk.io.ledger import (
    HAZARD_COLUMNS,
    INSPECTION_COLUMNS,
    MAJOR_COLUMNS,
    OVERDUE_COLUMNS,
    PAPER_A3,
    PHOTO_COLUMN,
)
from anquan_desk.services.ledgers.common import KIND_LABELS, KINDS, LedgerContext, LedgerSheet, _count
from anquan_desk.services.ledgers.hazards import (
    LISTED_MAJOR,
    _hazard_stmt,
    hazard_rows,
    major_rows,
    overdue_rows,
)
from anquan_desk.services.ledgers.inspections import _inspection_stmt, inspection_rows
from anquan_desk.services.ledgers.places import PLACE_LEDGER_COLUMNS, _places_stmt, place_rows
from anquan_desk.services.ledgers.statistics import statistics_sheets

# --- one entry point per kind --------------------------------------------------------------------


def _titled(ctx: LedgerContext, kind: str) -> str:
    return f"{ctx.township}{KIND_LABELS[kind]}"


def ledger_sheets(ctx: LedgerContext, kind: str, *, year: int | None = None) -> list[LedgerSheet]:
    """The sheet(s) of a ledger kind: columns (full, before 脱敏), a streaming row iterator, counts."""
    if kind not in KINDS:
        raise UserInputError(f"未知的台账类型“{kind}”，可选：{'、'.join(KINDS)}")
    if kind in ("quarterly", "annual"):
        return statistics_sheets(ctx, kind, year=year)
    session = ctx.session
    sheet: LedgerSheet
    if kind == "hazards":
        columns = (*HAZARD_COLUMNS, PHOTO_COLUMN) if ctx.photos == "column" else HAZARD_COLUMNS
        stmt = _hazard_stmt(ctx)
        sheet = LedgerSheet(kind, _titled(ctx, kind), tuple(columns), hazard_rows(ctx, columns),
                            _count(session, stmt), paper_size=PAPER_A3)
    elif kind == "major":
        stmt = _hazard_stmt(ctx, *LISTED_MAJOR)
        sheet = LedgerSheet(kind, _titled(ctx, kind), MAJOR_COLUMNS, major_rows(ctx), _count(session, stmt),
                            paper_size=PAPER_A3)
    elif kind == "overdue":
        stmt = _hazard_stmt(
            ctx, Hazard.status != HazardStatus.CLOSED.value, Hazard.deadline.is_not(None),
            Hazard.deadline < ctx.as_of,
        )
        sheet = LedgerSheet(kind, _titled(ctx, kind), OVERDUE_COLUMNS, overdue_rows(ctx), _count(session, stmt))
    elif kind == "inspections":
        sheet = LedgerSheet(kind, _titled(ctx, kind), INSPECTION_COLUMNS, inspection_rows(ctx),
                            _count(session, _inspection_stmt(ctx)), paper_size=PAPER_A3)
    else:
        sheet = LedgerSheet(kind, _titled(ctx, kind), PLACE_LEDGER_COLUMNS, place_rows(ctx),
                            _count(session, _places_stmt(ctx)), paper_size=PAPER_A3)
    sheet.deidentified = ctx.deidentified
    return [sheet]
