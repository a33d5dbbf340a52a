"""Excel ledgers (台账): streaming office-style writer and filler of the district's own templates."""

from anquan_desk.io.ledger.columns import (
    HAZARD_COLUMNS,
    INSPECTION_COLUMNS,
    LEDGER_KINDS,
    MAJOR_COLUMNS,
    OVERDUE_COLUMNS,
    PLACE_COLUMNS,
    STATS_BY_GRID_COLUMNS,
    STATS_BY_SECTOR_COLUMNS,
    Column,
    deidentify,
    mask_credit_code,
    mask_person_name,
    mask_phone,
    scrub_phone_numbers,
    statistics_totals,
)
from anquan_desk.io.ledger.errors import ExportCancelled, TemplateError
from anquan_desk.io.ledger.writer import LedgerResult, write_ledger

__all__ = [
    "HAZARD_COLUMNS",
    "INSPECTION_COLUMNS",
    "LEDGER_KINDS",
    "MAJOR_COLUMNS",
    "OVERDUE_COLUMNS",
    "PLACE_COLUMNS",
    "STATS_BY_GRID_COLUMNS",
    "STATS_BY_SECTOR_COLUMNS",
    "Column",
    "ExportCancelled",
    "LedgerResult",
    "TemplateError",
    "deidentify",
    "mask_credit_code",
    "mask_person_name",
    "mask_phone",
    "scrub_phone_numbers",
    "statistics_totals",
    "write_ledger",
]
