"""The database side of importing a district's list of places (场所清单).

``anquan_desk.io.place_import.parse_places`` reads and checks the file without touching the
database; this module feeds it what the database knows and writes the result:

* ``preview_places(session, path)``: the checked preview against this database — its villages
  and grids (``known_villages``), its places (``existing_index``: rows that match a place become
  updates) and the column mapping the user corrected last time for headers like these.
* ``import_places(session, preview)``: writes the preview in the caller's unit of work.
* Entry points for the screens and the command line (they take a :class:`Desk`):
  ``preview_place_list(desk, path)`` (a read) and ``import_place_list(desk, preview)`` (one unit of
  work: all or nothing, also when cancelled part way; ``dry_run`` rolls it back and reports).

Decisions:

* **All or nothing** by default: any error in the preview (or found while writing, e.g. an
  unknown village) raises ``ImportBlockedError`` before anything is written, and since callers
  use one session (``db.session()``), a raise rolls back everything. ``skip_invalid=True`` writes
  only the valid rows and reports the others as skipped.
* **Villages and grids**: an unknown village or grid is an error by default — places are put
  only into the township's known grids, so a typo cannot create a phantom village. With
  ``create_missing=True`` (preview and import) unknown villages and grids named in the file are
  created (a village named "…社区" becomes a 社区, any other a 村); names are matched forgivingly
  (spaces, brackets, 村委会/居委会 spellings) before anything is created.
* **Re-import** updates the place it matches (same credit code, else same name + address): the
  file's non-empty values replace the stored ones, empty cells keep them; 行业领域 named in the
  file are added (never removed: a district list knows only its own classification); risk colour
  and status change only when the file gives them; the file's notes are appended.
* **Mappings**: a mapping the user corrected (a sheet read with ``guessed=False``) is stored on a
  successful import in the ``import.mappings`` setting, keyed by the header fingerprint, and
  ``preview_places`` applies it to the next file with the same headers.
* One audit event (``import``/``places``) summarises the import; every row change is audited by
  the session's flush hook anyway. A file that cannot be read, or whose tables have no data rows,
  is refused by ``preview_places`` (``ImportFileError``) before any unit of work: no audit entry.
* ``ImportResult`` carries the errors (rows not imported) and the warnings (values imported but
  converted or kept in the notes): the command line prints both, also with ``--json``.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from anquan_desk.core import settings
from anquan_desk.core.audit import record_event
from anquan_desk.core.checklists.library import ChecklistLibrary
from anquan_desk.core.checklists.store import default_library
from anquan_desk.core.clock import utcnow
from anquan_desk.core.errors import UserInputError
from anquan_desk.core.models import Grid, Place, PlaceSector, Village, new_uuid
from anquan_desk.core.progress import NO_PROGRESS, Progress
from anquan_desk.core.validators import match_key
from anquan_desk.io.place_import import (
    FIELD_LABELS,
    ExistingIndex,
    PlaceCandidate,
    PlaceImportPreview,
    PreviewRow,
    Problem,
    parse_places,
)
from anquan_desk.io.tabular import ColumnMapping
from anquan_desk.services import roles
from anquan_desk.services.desk import Desk
from anquan_desk.services.ground import current_township

__all__ = [
    "ImportBlockedError",
    "ImportResult",
    "existing_index",
    "import_place_list",
    "import_places",
    "kind_sectors",
    "known_villages",
    "preview_place_list",
    "preview_places",
    "problem_json",
    "remember_mapping",
    "remembered_mapping",
    "remembered_mappings",
]


class ImportBlockedError(UserInputError):
    """The import was refused because of errors; nothing was written. ``problems`` lists them."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = [p for p in problems if p.severity == "error"]
        first = str(self.problems[0]) if self.problems else ""
        more = f"等 {len(self.problems)} 处错误" if len(self.problems) > 1 else ""
        super().__init__(f"导入未进行，数据库未作任何改动：{first}{more}")


@dataclass
class ImportResult:
    imported: int = 0  # new places
    updated: int = 0  # places already in the database
    skipped: int = 0  # invalid rows left out (only with skip_invalid)
    errors: list[Problem] = field(default_factory=list)  # why rows were skipped
    warnings: list[Problem] = field(default_factory=list)  # what was imported but changed or kept in the notes
    created_villages: list[str] = field(default_factory=list)
    created_grids: list[str] = field(default_factory=list)  # "village/grid"
    place_ids: list[str] = field(default_factory=list)  # written places, in file order

    def to_json(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "updated": self.updated,
            "skipped": self.skipped,
            "errors": [problem_json(p) for p in self.errors],
            "warnings": [problem_json(p) for p in self.warnings],
        }


def problem_json(problem: Problem) -> dict[str, Any]:
    """A problem for ``--json``: where (file, sheet, Excel row, column), how bad, what, and the whole
    sentence as the screens show it."""
    return {
        "file": problem.file,
        "sheet": problem.sheet,
        "row": problem.row,
        "column": problem.column_label or None,
        "severity": problem.severity,
        "message": problem.message,
        "text": str(problem),
    }


# --- what the database knows ----------------------------------------------------------------


def known_villages(session: Session) -> dict[str, set[str]]:
    """Village name → names of its grids in use (a retired grid takes no more places)."""
    known: dict[str, set[str]] = {name: set() for name in session.scalars(select(Village.name))}
    rows = session.execute(
        select(Village.name, Grid.name).join(Grid, Grid.village_id == Village.id).where(Grid.active.is_(True))
    )
    for village, grid in rows:
        known[village].add(grid)
    return known


def existing_index(session: Session) -> ExistingIndex:
    return ExistingIndex.from_records(
        session.execute(select(Place.id, Place.name, Place.address, Place.credit_code)).tuples()
    )


def remembered_mappings(session: Session) -> dict[str, ColumnMapping]:
    value = settings.get(session, settings.PLACE_IMPORT_MAPPINGS)
    mappings: dict[str, ColumnMapping] = {}
    for fingerprint, data in value.items():
        try:
            mappings[fingerprint] = ColumnMapping.from_json({"fingerprint": fingerprint, **data})
        except (TypeError, ValueError):
            continue  # a damaged entry is ignored: the guess is used instead
    return mappings


def remembered_mapping(session: Session, fingerprint: str) -> ColumnMapping | None:
    return remembered_mappings(session).get(fingerprint)


def remember_mapping(session: Session, mapping: ColumnMapping, headers: Iterable[str] = ()) -> None:
    """Store ``mapping`` for files whose headers have its fingerprint."""
    value = settings.get(session, settings.PLACE_IMPORT_MAPPINGS)
    value[mapping.fingerprint] = {
        "columns": {f: c for f, c in sorted(mapping.columns.items(), key=lambda kv: kv[1])},
        "headers": list(headers),
        "saved_at": utcnow().isoformat(timespec="seconds"),
    }
    settings.put(session, settings.PLACE_IMPORT_MAPPINGS, value)


#: Every 九小场所 is a place of fire-safety supervision (消防); a kind's ``typical_sectors`` in the
#: checklist library's kinds.toml add the others (小餐饮场所 cooks with gas: 燃气).
KIND_BASE_SECTORS = frozenset({"消防"})


def kind_sectors(library: ChecklistLibrary | None = None) -> dict[str, frozenset[str]]:
    """九小 kind name → the 行业领域 a place of that kind is in, inferred on import."""
    lib = library if library is not None else default_library()
    return {k.name: KIND_BASE_SECTORS | frozenset(k.typical_sectors) for k in lib.kinds}


def preview_places(
    session: Session,
    path: str | Path,
    *,
    mapping: ColumnMapping | None = None,
    create_missing: bool = False,
    progress: Progress = NO_PROGRESS,
) -> PlaceImportPreview:
    """Read and check ``path`` against this database. Writes nothing.

    Without ``mapping``, a mapping remembered for the file's headers is applied. With
    ``create_missing`` unknown villages/grids are not errors (they are created on import).
    Raises ``ImportFileError`` when the file cannot be read within ``PLACE_LIMITS`` or has no data
    rows, ``OperationCancelled`` when
    ``progress`` was cancelled.
    """
    known = None if create_missing else known_villages(session)
    existing = existing_index(session)
    inferred = kind_sectors()
    preview = parse_places(path, mapping=mapping, known_villages=known, existing=existing, progress=progress,
                           kind_sectors=inferred)
    if mapping is None:
        remembered = remembered_mappings(session)
        for sheet in preview.sheets:
            found = remembered.get(sheet.mapping.fingerprint)
            if found is not None:
                return parse_places(path, mapping=found, known_villages=known, existing=existing, progress=progress,
                                    kind_sectors=inferred)
    return preview


# --- writing --------------------------------------------------------------------------------


class _Ground:
    """The township's villages and grids, found forgivingly, created on request."""

    def __init__(self, session: Session, create_missing: bool) -> None:
        self.session = session
        self.create_missing = create_missing
        self.villages = {match_key(v.name): v for v in session.scalars(select(Village))}
        self.grids: dict[tuple[str, str], Grid] = {}
        for grid in session.scalars(select(Grid)):
            self.grids[(grid.village_id, match_key(grid.name))] = grid
        self.created_villages: list[str] = []
        self.created_grids: list[str] = []

    @staticmethod
    def _village_key(name: str) -> str:
        key = match_key(name)
        for long, short in (("村民委员会", "村"), ("村委会", "村"), ("社区居民委员会", "社区"), ("居委会", "社区")):
            if key.endswith(long):
                return key[: -len(long)] + short
        return key

    def village(self, name: str) -> Village | None:
        key = self._village_key(name)
        found = self.villages.get(key)
        if found is None:
            stem = re.sub(r"(村|社区)$", "", key)
            candidates = [v for k, v in self.villages.items() if re.sub(r"(村|社区)$", "", k) == stem]
            found = candidates[0] if len(candidates) == 1 else None
        if found is None and self.create_missing:
            township = current_township(self.session)
            if township is None:
                raise UserInputError("数据库中还没有乡镇（街道），无法新建村（社区）；请先完成乡镇设置。")
            clean = name.strip()
            found = Village(
                township_id=township.id,
                name=clean,
                kind="社区" if clean.endswith("社区") else "村",
                sort_order=len(self.villages) + 1,
            )
            self.session.add(found)
            self.session.flush()
            self.villages[key] = found
            self.created_villages.append(clean)
        return found

    def grid(self, village: Village, name: str) -> Grid | None:
        key = match_key(name)
        found = self.grids.get((village.id, key)) or self.grids.get((village.id, match_key(village.name) + key))
        if found is None and self.create_missing:
            count = sum(1 for vid, _ in self.grids if vid == village.id)
            found = Grid(village_id=village.id, name=name.strip(), sort_order=count + 1)
            self.session.add(found)
            self.session.flush()
            self.grids[(village.id, key)] = found
            self.created_grids.append(f"{village.name}/{found.name}")
        return found


def _row_problem(row: PreviewRow, file: str, fld: str, message: str) -> Problem:
    return Problem(file, row.sheet, row.row, FIELD_LABELS.get(fld), None, message, "error", fld)


def _locate(ground: _Ground, row: PreviewRow, file: str) -> tuple[str | None, Problem | None]:
    """The grid id for a row (None: no grid given), or the problem why it cannot be placed."""
    place = row.place
    if not place.village and not place.grid:
        return None, None
    if not place.village:
        return None, _row_problem(row, file, "grid", f"网格“{place.grid}”无法确定所属村（社区），请填写村（社区）")
    village = ground.village(place.village)
    if village is None:
        return None, _row_problem(row, file, "village", f"村（社区）“{place.village}”不在本乡镇的村（社区）名单中")
    if not place.grid:
        grids = [g for (vid, _), g in ground.grids.items() if vid == village.id and g.active]
        return (grids[0].id if len(grids) == 1 else None), None
    grid = ground.grid(village, place.grid)
    if grid is None:
        return None, _row_problem(row, file, "grid", f"网格“{place.grid}”不在“{village.name}”的网格名单中")
    if not grid.active:
        return None, _row_problem(row, file, "grid", f"网格“{grid.name}”已停用，不能再把场所划入；请改填在用的网格")
    return grid.id, None


def _apply(place: Place, c: PlaceCandidate, grid_id: str | None, *, new: bool) -> None:
    place.name = c.name
    if c.credit_code or new:
        place.credit_code = c.credit_code
    for attr in ("address", "responsible_person", "phone"):
        value = getattr(c, attr)
        if value or new:
            setattr(place, attr, value)
    notes = c.notes_with_extras()
    if new:
        place.notes = notes
    elif notes and notes not in (place.notes or ""):
        place.notes = "；".join(p for p in (place.notes, notes) if p)
    if grid_id is not None:
        place.grid_id = grid_id
    if c.nine_small_kind is not None:
        place.nine_small_kind = c.nine_small_kind
    if c.risk_color is not None:
        place.risk_color = c.risk_color
    if c.status is not None:
        place.status = c.status
    have = set(place.sectors)
    for sector in sorted(set(c.sectors) - have):
        place.sector_rows.append(PlaceSector(sector=sector))


#: Places written between two progress reports (and chances to stop).
_BATCH = 250


def import_places(
    session: Session,
    preview: PlaceImportPreview,
    *,
    skip_invalid: bool = False,
    create_missing: bool = False,
    progress: Progress = NO_PROGRESS,
) -> ImportResult:
    """Write the preview's places in the caller's unit of work (see the module notes).

    Raises ``ImportBlockedError`` (nothing written) when there are errors and ``skip_invalid``
    is False; the caller's session must then be rolled back (``db.session()`` does that).
    ``progress`` hears how many places are written and may stop the work between batches
    (``OperationCancelled``: the caller's rollback then undoes the part already written).
    """
    file = preview.file.name
    problems = [p for p in preview.problems if p.severity == "error"]
    if problems and not skip_invalid:
        raise ImportBlockedError(problems)
    result = ImportResult(errors=list(problems), warnings=[p for p in preview.problems if p.severity == "warning"])
    ground = _Ground(session, create_missing)
    located: list[tuple[PreviewRow, str | None]] = []
    for row in preview.rows:
        if row.action == "invalid":
            result.skipped += 1
            continue
        grid_id, problem = _locate(ground, row, file)
        if problem is not None:
            result.errors.append(problem)
            result.skipped += 1
            continue
        located.append((row, grid_id))
    if result.errors and not skip_invalid:
        raise ImportBlockedError(result.errors)

    total = len(located)
    for index, (row, grid_id) in enumerate(located):
        if index % _BATCH == 0:
            progress.check()
            progress.update(index, total, f"正在写入场所：{index}/{total}…")
            if index:
                session.flush()
                _collect_batch()
        place = session.get(Place, row.existing_id) if row.existing_id else None
        if place is None:
            place = Place(id=new_uuid(), name=row.place.name)
            _apply(place, row.place, grid_id, new=True)
            session.add(place)
            result.imported += 1
        else:
            _apply(place, row.place, grid_id, new=False)
            result.updated += 1
        result.place_ids.append(place.id)
    progress.check()
    progress.update(total, total, "正在保存…")
    session.flush()
    result.created_villages = ground.created_villages
    result.created_grids = ground.created_grids
    for sheet in preview.sheets:
        if not sheet.guessed:
            remember_mapping(session, sheet.mapping, sheet.headers)
    record_event(
        session,
        "import",
        "places",
        file=file,
        imported=result.imported,
        updated=result.updated,
        skipped=result.skipped,
        skip_invalid=skip_invalid,
        created_villages=result.created_villages,
        created_grids=result.created_grids,
    )
    return result


# --- entry points (take a desk, return plain data) -----------------------------------------------


@contextmanager
def _garbage_collected_by_batch() -> Iterator[None]:
    """No automatic garbage collection while a big list is read or written; the youngest
    generation is collected after each written batch (``_collect_batch``) and at the end.

    Why: a workbook of thousands of rows and the ORM objects of thousands of places are many
    objects, and the ORM's are reference cycles that only the collector frees. Left to itself it
    promotes them (still in use in the batch) to the oldest generation and then runs full
    collections, each holding every thread — the UI's too — for a scan of the whole heap (a few
    hundred milliseconds). Collected young, right after their batch is flushed, they cost a few
    milliseconds at a time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.collect(0)
        if enabled:
            gc.enable()


def _collect_batch() -> None:
    """Free a flushed batch's objects while they are young (see ``_garbage_collected_by_batch``)."""
    if not gc.isenabled():
        gc.collect(0)


def preview_place_list(
    desk: Desk,
    path: str | Path,
    *,
    mapping: ColumnMapping | None = None,
    create_missing: bool = False,
    progress: Progress = NO_PROGRESS,
) -> PlaceImportPreview:
    """Read and check a place list against the database (see :func:`preview_places`). Writes nothing."""
    with _garbage_collected_by_batch(), desk.query() as session:
        return preview_places(session, path, mapping=mapping, create_missing=create_missing, progress=progress)


class _DryRun(Exception):
    """Raised inside the unit of work to roll a dry run back."""

    def __init__(self, result: ImportResult) -> None:
        super().__init__("dry run")
        self.result = result


def import_place_list(
    desk: Desk,
    preview: PlaceImportPreview,
    *,
    skip_invalid: bool = False,
    create_missing: bool = False,
    dry_run: bool = False,
    progress: Progress = NO_PROGRESS,
) -> ImportResult:
    """Write a checked preview as the desk's actor, in one unit of work (see :func:`import_places`).

    All or nothing: ``ImportBlockedError`` (errors in the file, ``skip_invalid`` not set) and
    ``OperationCancelled`` (``progress`` cancelled) leave the database unchanged. With ``dry_run``
    everything is done and reported, then rolled back.
    """
    try:
        with _garbage_collected_by_batch(), desk.unit() as session:
            roles.check(session, desk.actor, "places.import")
            result = import_places(
                session, preview, skip_invalid=skip_invalid, create_missing=create_missing, progress=progress
            )
            if dry_run:
                raise _DryRun(result)
    except _DryRun as rolled_back:
        return rolled_back.result
    return result
