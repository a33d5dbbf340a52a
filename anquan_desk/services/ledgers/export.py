"""The export: a ledger kind written to .xlsx (office layout or the district template), with photos.

Nothing half-written is left by a killed export: each file is written under a partial name beside
its target and renamed when complete, the photo folder is filled under a partial name and renamed
at the end (replacing the folder of an earlier export), XlsxWriter's scratch files go to the data
folder's own temp area, and a pending-writes note tells the next start where to look
(``services/housekeeping.py``). File names built from data (hazard codes) are made safe and checked
to stay inside their folder. A file written inside the data folder is readable by the user only.

The 脱敏 variant exports no photos: a photo can show faces, licence plates or papers that no mask
reaches, so asking for both is refused with a message saying why.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from sqlalchemy.orm import Session

from anquan_desk.core.attachments import AttachmentStore
from anquan_desk.core.audit_check import copy_checked, current_anchor
from anquan_desk.core.clock import today
from anquan_desk.core.errors import UserInputError
from anquan_desk.core.progress import NO_PROGRESS, Progress
from anquan_desk.io.ledger import (
    Column,
    ExportCancelled,
    SheetSpec,
    TemplateMapping,
    deidentify,
    fill_template,
    write_workbook,
)
from anquan_desk.io.ledger._common import path_inside, safe_file_name, temp_path_for
from anquan_desk.services.desk import Desk
from anquan_desk.services.ground import current_township, ground_tree, known_sectors
from anquan_desk.services.housekeeping import pending_writes, temp_area
from anquan_desk.services.ledgers.common import (
    KIND_LABELS,
    KINDS,
    STATUS_CHOICES,
    LedgerContext,
    LedgerFilters,
    LedgerSheet,
    PhotoMode,
    Row,
)
from anquan_desk.services.ledgers.sheets import ledger_sheets
from anquan_desk.services.ledgers.statistics import statistics_period
from anquan_desk.services.ledgers.templates import (
    remember_template_mapping,
    remembered_template_mapping,
    template_mapping_for,
)


def deidentified_row(row: Row, columns: Sequence[Column]) -> Row:
    """A row with the 脱敏 rules applied (for the template filler, which keeps every column)."""
    kept = {c.key: c for c in deidentify(columns)}
    out: Row = dict(row)
    for column in columns:
        if column.key not in kept:
            out[column.key] = None
        else:
            mask = kept[column.key].mask
            if mask is not None:
                out[column.key] = mask(out.get(column.key))
    if "rectified_on" in out and "closed_on" not in kept:
        out["rectified_on"] = None
    return out


# --- the export -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportOptions:
    kind: str
    out: Path
    filters: LedgerFilters = field(default_factory=LedgerFilters)
    deidentified: bool = False
    template: Path | None = None
    made_by: str = ""
    year: int | None = None
    photos: PhotoMode = "none"
    as_of: dt.date | None = None
    made_on: dt.date | None = None


@dataclass(frozen=True)
class ExportResult:
    """What was written: the files, the rows in all, and each sheet's title (file by file, in order:
    the statistics give one workbook with two sheets, so two titles for one path)."""

    paths: tuple[Path, ...]
    rows: int
    photo_folder: Path | None = None
    photos_copied: int = 0
    titles: tuple[str, ...] = ()
    sheets_per_path: tuple[int, ...] = ()

    def titles_by_path(self) -> list[tuple[Path, tuple[str, ...]]]:
        """Each written file with the titles of its sheets."""
        counts = self.sheets_per_path or (1,) * len(self.paths)
        out: list[tuple[Path, tuple[str, ...]]] = []
        i = 0
        for path, n in zip(self.paths, counts, strict=True):
            out.append((path, self.titles[i : i + n]))
            i += n
        return out


def sheet_path(out: Path, sheet: LedgerSheet, index: int) -> Path:
    """Where a sheet goes when it is written to a file of its own (only beside a filled district
    template, which holds the first table): the first at ``out``, the by-sector statistics beside it."""
    if index == 0:
        return out
    tag = "按行业领域" if sheet.kind == "stats_by_sector" else sheet.kind
    return out.with_name(f"{out.stem}-{tag}{out.suffix}")


def photo_folder_for(out: Path) -> Path:
    return out.with_name(f"{out.stem}-照片")


#: Why the 脱敏 variant comes without photos (the export refuses the combination).
NO_PHOTOS_WHEN_DEIDENTIFIED = (
    "脱敏版台账不附现场照片：照片可能拍到人脸、车牌、证件，无法打码。"
    "请选择“不导出照片”，或导出非脱敏版。"
)


class _PhotoCopier:
    """Copies a hazard's stored photos as ``<隐患编号>-1.jpg`` …, ``<隐患编号>-整改后-1.jpg``.

    The files go to a folder with a partial name beside ``folder``; :meth:`publish` renames it to
    ``folder`` (an earlier export's folder is replaced) once the ledger is written, :meth:`discard`
    removes it. The hazard code is made a safe file name (no separators, no ``..``) and every path
    is checked to stay inside the folder.
    """

    def __init__(self, folder: Path, *, private: bool = False) -> None:
        self.folder = folder
        self.private = private
        self.partial = temp_path_for(folder)
        self.copied = 0
        self.created = False
        self.used: set[str] = set()

    def __call__(self, code: str, photos: list[tuple[str, Path]]) -> None:
        if not self.created:
            self.partial.mkdir(mode=0o700 if self.private else 0o777)
            self.created = True
        stem = safe_file_name(code, "未编号隐患")
        n_before = n_after = 0
        for role, source in photos:
            if not source.is_file():
                continue
            if role == "after":
                n_after += 1
                name = f"{stem}-整改后-{n_after}{source.suffix}"
            else:
                n_before += 1
                name = f"{stem}-{n_before}{source.suffix}"
            name = self._unique(name)
            try:
                dest = path_inside(self.partial, name)
            except ValueError as err:
                raise UserInputError(f"隐患编号“{code}”不能用作照片文件名。") from err
            # Audit (issue 16): a stored photo is named by its sha256; one swapped on disk is not shipped.
            if not copy_checked(source, dest, source.stem):
                raise UserInputError(
                    f"隐患 {code} 的照片文件 {source.name} 已被替换或损坏（与记录的校验值不符），台账未导出。"
                    "请运行 anquan-desk audit verify 查明。"
                )
            self.copied += 1

    def _unique(self, name: str) -> str:
        """Two hazards with the same (or same-looking) code do not overwrite each other's photos."""
        candidate, n = name, 1
        stem, dot, suffix = name.rpartition(".")
        while candidate.casefold() in self.used:
            n += 1
            candidate = f"{stem}({n}).{suffix}" if dot else f"{name}({n})"
        self.used.add(candidate.casefold())
        return candidate

    def publish(self) -> None:
        if not self.created:
            return
        aside = None
        if self.folder.exists() or self.folder.is_symlink():
            aside = temp_path_for(self.folder)
            os.replace(self.folder, aside)
        try:
            os.replace(self.partial, self.folder)
        except BaseException:
            if aside is not None:
                os.replace(aside, self.folder)  # the earlier export's folder comes back
            raise
        if aside is not None:
            if aside.is_dir() and not aside.is_symlink():
                shutil.rmtree(aside, ignore_errors=True)
            else:
                with contextlib.suppress(FileNotFoundError):
                    aside.unlink()

    def discard(self) -> None:
        if self.created:
            shutil.rmtree(self.partial, ignore_errors=True)


def write_ledgers(
    session: Session,
    options: ExportOptions,
    *,
    attachments: AttachmentStore | None = None,
    progress: Progress = NO_PROGRESS,
    data_dir: Path | None = None,
) -> ExportResult:
    """Export one ledger kind to ``options.out``, reading through ``session``.

    With a template the district's own workbook is filled (the mapping remembered for its header,
    else the guessed one); without, the office-style ledger is written. The statistics kinds give
    one workbook with two sheets (by village/grid, by sector); filling a district template, the
    by-sector table goes to a file beside it. ``attachments`` is where the
    photos are (needed when ``options.photos`` is not "none"). ``progress`` gets the rows written of
    the rows expected; once it is cancelled the export stops with :class:`ExportCancelled` and
    nothing is left at the target paths (nor a photo folder it created).

    ``data_dir`` is the data folder: XlsxWriter's scratch files go to its temp area (else beside
    the target) and a file written inside it is created readable by the user only. The 脱敏
    variant with photos is refused (:data:`NO_PHOTOS_WHEN_DEIDENTIFIED`).
    """
    out = Path(options.out)
    if out.suffix.lower() != ".xlsx":
        raise UserInputError(f"输出文件“{out.name}”必须是 .xlsx 文件")
    if not out.parent.is_dir():
        raise UserInputError(f"输出文件夹“{out.parent}”不存在")
    if options.template is not None and not Path(options.template).is_file():
        raise UserInputError(f"模板文件“{options.template}”不存在")
    if options.deidentified and options.photos != "none":
        raise UserInputError(NO_PHOTOS_WHEN_DEIDENTIFIED)
    as_of = options.as_of or today()
    scratch = temp_area(data_dir) if data_dir is not None else None
    private = data_dir is not None and out.resolve().is_relative_to(data_dir.resolve())
    copier = _PhotoCopier(photo_folder_for(out), private=private) if options.photos == "folder" else None
    written: list[Path] = []
    total_rows = 0
    titles: list[str] = []
    per_path: list[int] = []

    def cancelled() -> bool:
        return progress.cancelled

    try:
        township = current_township(session)
        ctx = LedgerContext(
            session=session,
            filters=options.filters,
            deidentified=options.deidentified,
            as_of=as_of,
            township=township.name if township else "",
            issuer=(township.issuer or township.name) if township else "",
            photos=options.photos,
            attachments=attachments if options.photos != "none" else None,
            photo_sink=copier,
        )
        mapping = template_mapping_for(session, Path(options.template)) if options.template else None
        anchor = current_anchor(session).code  # the log as it stands when the ledger is made
        sheets = ledger_sheets(ctx, options.kind, year=options.year)
        expected = sum(s.count for s in sheets)
        progress.update(0, expected, _progress_text(0, expected))

        def report(n: int) -> None:
            progress.update(total_rows + n, expected, _progress_text(total_rows + n, expected))

        if progress.cancelled:
            raise ExportCancelled(out, 0)
        if mapping is not None:
            # The district's template holds the first table; any further table (the statistics by
            # sector) cannot go into their workbook and is written beside it.
            rows: Iterable[Row] = sheets[0].rows
            if options.deidentified:
                rows = (deidentified_row(r, sheets[0].columns) for r in sheets[0].rows)
            filled = fill_template(options.template or out, out, mapping, rows, report, cancelled,
                                   ledger_fields=[c.key for c in sheets[0].columns])
            if private:
                os.chmod(out, 0o600)
            written.append(out)
            per_path.append(1)
            titles.append(sheets[0].title)
            total_rows += filled.rows_written
            rest = [(sheet_path(out, sheet, i), [sheet]) for i, sheet in enumerate(sheets) if i > 0]
        else:
            rest = [(out, sheets)]
        for target, group in rest:
            if progress.cancelled:
                raise ExportCancelled(target, total_rows)
            result = write_workbook(
                target,
                [SheetSpec(title=s.title, columns=s.columns, rows=s.rows, totals=s.totals,
                           sheet_name=s.sheet_name if len(group) > 1 else None, paper_size=s.paper_size,
                           signatures=s.signatures, seal=s.seal, anchor=anchor) for s in group],
                unit=ctx.issuer,
                made_by=options.made_by,
                made_on=options.made_on or today(),
                progress=report,
                cancel=cancelled,
                deidentified=options.deidentified,
                scratch_dir=scratch,
                private=private,
            )
            written.append(target)
            per_path.append(len(group))
            titles.extend(s.title for s in group)
            total_rows += result.rows_written
        if copier is not None:
            copier.publish()
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        if copier is not None:
            copier.discard()
        raise
    return ExportResult(
        paths=tuple(written),
        rows=total_rows,
        photo_folder=copier.folder if copier is not None and copier.created else None,
        photos_copied=copier.copied if copier is not None else 0,
        titles=tuple(titles),
        sheets_per_path=tuple(per_path),
    )


def _progress_text(done: int, expected: int) -> str:
    return f"正在导出台账… 已写入 {done} / {expected} 行"


# --- entry points (take a desk, return plain data) ---------------------------------------------------


def export_ledger(desk: Desk, options: ExportOptions, *, progress: Progress = NO_PROGRESS) -> ExportResult:
    """Export one ledger kind to ``options.out`` (see :func:`write_ledgers`) in a read-only session.

    Cancelling ``progress`` stops it with :class:`ExportCancelled` (an ``OperationCancelled``);
    nothing is left at the target paths then. Scratch files go to the data folder's temp area; a
    pending-writes note lets the next start remove what a killed export left beside the target.
    """
    if options.deidentified and options.photos != "none":
        raise UserInputError(NO_PHOTOS_WHEN_DEIDENTIFIED)
    data_dir = desk.db.data_dir
    with pending_writes(data_dir, [Path(options.out).parent]), desk.query() as session:
        return write_ledgers(
            session, options, attachments=desk.attachments, progress=progress, data_dir=data_dir
        )


@dataclass(frozen=True)
class GroundChoice:
    """A village (community) or one of its grids, as the export form offers them."""

    kind: Literal["village", "grid"]
    id: str
    name: str


@dataclass(frozen=True)
class ExportChoices:
    """What the export form offers: the township's name, its villages and grids, the sectors."""

    township: str
    ground: tuple[GroundChoice, ...]  # each village followed by its grids
    sectors: tuple[str, ...]


def export_choices(desk: Desk) -> ExportChoices:
    """The township's name, villages → grids (in their order) and every sector a place has."""
    with desk.query() as session:
        tree = ground_tree(session)
        ground: list[GroundChoice] = []
        for village in tree.villages:
            ground.append(GroundChoice("village", village.id, village.name))
            ground.extend(GroundChoice("grid", grid.id, grid.name) for grid in village.grids)
        return ExportChoices(tree.township, tuple(ground), tuple(known_sectors(session)))


def template_mapping(desk: Desk, template: Path) -> TemplateMapping:
    """How a district template is filled: the mapping remembered for its header, else the guessed one.

    Raises :class:`~anquan_desk.io.ledger.TemplateError` when the file cannot be understood.
    """
    with desk.query() as session:
        return template_mapping_for(session, Path(template))


def save_template_mapping(desk: Desk, mapping: TemplateMapping) -> None:
    """Remember a (corrected) mapping for every template with the same header."""
    with desk.unit() as session:
        remember_template_mapping(session, mapping)


__all__ = [
    "KINDS",
    "KIND_LABELS",
    "NO_PHOTOS_WHEN_DEIDENTIFIED",
    "STATUS_CHOICES",
    "ExportCancelled",
    "ExportChoices",
    "ExportOptions",
    "ExportResult",
    "GroundChoice",
    "LedgerContext",
    "LedgerFilters",
    "LedgerSheet",
    "deidentified_row",
    "export_choices",
    "export_ledger",
    "ledger_sheets",
    "remember_template_mapping",
    "remembered_template_mapping",
    "save_template_mapping",
    "statistics_period",
    "template_mapping",
    "template_mapping_for",
    "write_ledgers",
]
