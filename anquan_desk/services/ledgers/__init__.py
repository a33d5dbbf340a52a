"""Ledgers (台账) from the database: column sets, streaming rows and the export itself.

Each ledger kind has a builder that returns a :class:`LedgerSheet`: the title, the column set and a
*streaming* row iterator. The rows are read as plain columns (joins, no ORM objects) in batches of
``BATCH`` (``yield_per``); what belongs to many rows — inspectors, document numbers, the latest
复查, place sectors, photos — is looked up once per batch, keyed by id. So a ledger of 200,000
hazards is written with flat memory.

Entry points (take a :class:`~anquan_desk.services.desk.Desk`, return plain data):
:func:`export_ledger` (with a :class:`~anquan_desk.core.progress.Progress`, cancellable),
:func:`export_choices` (what the export form offers), :func:`template_mapping` and
:func:`save_template_mapping`. The session-level building blocks (:func:`write_ledgers`,
:func:`ledger_sheets`, the row builders, :func:`template_mapping_for`) are what they compose.

The quarterly and annual statistics come from :func:`statistics_table` (16号令 第十四条); they are
not recomputed here.

The 脱敏 variant uses the engine's :func:`deidentify` (personal columns dropped or masked, phone
numbers in free text masked); in addition, the builders mask the names of the people they know
of (responsible persons, inspectors, rectifiers, reviewers, signers) wherever they occur in free
text — a self-built house is often named after its owner (“王建国自建房”).
"""

from __future__ import annotations

from anquan_desk.services.ledgers.common import (
    BATCH,
    IMMEDIATE,
    KIND_LABELS,
    KINDS,
    NOTICE_TYPES,
    STATUS_CHOICES,
    STATUS_OPEN,
    STATUS_OVERDUE,
    LedgerContext,
    LedgerFilters,
    LedgerKind,
    LedgerSheet,
    PhotoMode,
    Row,
)
from anquan_desk.services.ledgers.export import (
    ExportChoices,
    ExportOptions,
    ExportResult,
    GroundChoice,
    deidentified_row,
    export_choices,
    export_ledger,
    photo_folder_for,
    save_template_mapping,
    sheet_path,
    template_mapping,
    write_ledgers,
)
from anquan_desk.services.ledgers.hazards import hazard_rows, major_rows, overdue_rows
from anquan_desk.services.ledgers.inspections import inspection_rows
from anquan_desk.services.ledgers.places import PLACE_LEDGER_COLUMNS, place_rows
from anquan_desk.services.ledgers.sheets import ledger_sheets
from anquan_desk.services.ledgers.statistics import (
    last_finished_quarter,
    statistics_period,
    statistics_sheets,
)
from anquan_desk.services.ledgers.templates import (
    remember_template_mapping,
    remembered_template_mapping,
    template_mapping_for,
)

__all__ = [
    "BATCH",
    "IMMEDIATE",
    "KINDS",
    "KIND_LABELS",
    "NOTICE_TYPES",
    "PLACE_LEDGER_COLUMNS",
    "STATUS_CHOICES",
    "STATUS_OPEN",
    "STATUS_OVERDUE",
    "ExportChoices",
    "ExportOptions",
    "ExportResult",
    "GroundChoice",
    "LedgerContext",
    "LedgerFilters",
    "LedgerKind",
    "LedgerSheet",
    "PhotoMode",
    "Row",
    "deidentified_row",
    "export_choices",
    "export_ledger",
    "hazard_rows",
    "inspection_rows",
    "last_finished_quarter",
    "ledger_sheets",
    "major_rows",
    "overdue_rows",
    "photo_folder_for",
    "place_rows",
    "remember_template_mapping",
    "remembered_template_mapping",
    "save_template_mapping",
    "sheet_path",
    "statistics_period",
    "statistics_sheets",
    "template_mapping",
    "template_mapping_for",
    "write_ledgers",
]
