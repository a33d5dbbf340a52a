"""Ledgers (台账) from the database: column sets, streaming rows and the export itself.

Each ledger kind has a builder that returns a :class:`LedgerSheet`: the title, the column set and a
*streaming* row iterator. The rows are read as plain columns (joins, no ORM objects) in batches of
``BATCH`` (``yield_per``); what belongs to many rows — inspectors, document numbers, the latest
复查, place sectors, photos — is looked up once per batch, keyed by id. So a ledger of 200,000
hazards is written with flat memory.

The quarterly and annual statistics come from :func:`statistics_table` (16号令 第十四条); they are
not recomputed here.

The 脱敏 variant uses the engine's :func:`deidentify` (personal columns dropped or masked, phone
numbers in free text masked); in addition, the builders mask the names of the people they know
of (responsible persons, inspectors, rectifiers, reviewers, signers) wherever they occur in free
text — a self-built house is often named after its owner (“王建国自建房”).
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Select, and_, case, exists, func, select
from sqlalchemy.orm import Session

from anquan_desk.core.attachments import AttachmentStore
from anquan_desk.core.clock import local_to_utc, to_local, today
from anquan_desk.core.db import Database
from anquan_desk.core.errors import UserInputError
from anquan_desk.core.models import (
    Attachment,
    AttachmentLink,
    ChecklistTemplate,
    Document,
    DocumentStatus,
    DocumentType,
    Grid,
    GridMember,
    Hazard,
    HazardGrade,
    HazardStatus,
    Inspection,
    InspectionParticipant,
    InspectionStatus,
    InspectionTemplate,
    Place,
    PlaceSector,
    PlaceStatus,
    Reinspection,
    ReinspectionResult,
    Setting,
    Village,
)
from anquan_desk.io.ledger import (
    HAZARD_COLUMNS,
    INSPECTION_COLUMNS,
    LEDGER_KINDS,
    MAJOR_COLUMNS,
    OVERDUE_COLUMNS,
    PAPER_A3,
    PAPER_A4,
    PHOTO_COLUMN,
    PLACE_COLUMNS,
    STATS_BY_GRID_COLUMNS,
    STATS_BY_SECTOR_COLUMNS,
    Column,
    ExportCancelled,
    TemplateMapping,
    deidentify,
    detect_template,
    fill_template,
    mask_person_name,
    write_ledger,
)
from anquan_desk.services.ground import current_township, grid_label
from anquan_desk.services.statistics import (
    StatRow,
    StatTable,
    quarter_bounds,
    quarter_of,
    statistics_table,
)

BATCH = 1000
#: Setting holding the template mappings the user confirmed: {fingerprint: TemplateMapping JSON}.
TEMPLATE_MAPPINGS_KEY = "ledger.template_mappings"

LedgerKind = Literal["hazards", "inspections", "places", "major", "overdue", "quarterly", "annual"]
KINDS: tuple[LedgerKind, ...] = ("hazards", "inspections", "places", "major", "overdue", "quarterly", "annual")
KIND_LABELS: Mapping[str, str] = {
    "hazards": "隐患排查治理台账",
    "inspections": "检查记录台账",
    "places": "场所基础台账",
    "major": "重大隐患挂牌督办台账",
    "overdue": "超期隐患清单",
    "quarterly": "季度统计表",
    "annual": "年度统计表",
}
#: Status filter values besides the stored hazard statuses.
STATUS_OPEN = "未销号"
STATUS_OVERDUE = "逾期"
STATUS_CHOICES: tuple[str, ...] = (*(s.value for s in HazardStatus), STATUS_OPEN, STATUS_OVERDUE)
IMMEDIATE = "立即整改"

Row = dict[str, object]
Progress = Callable[[int, int], None]  # rows done, rows expected (0 = unknown)
PhotoMode = Literal["none", "folder", "column"]


@dataclass(frozen=True)
class LedgerFilters:
    """Which rows a ledger holds. Dates are check dates (local), both ends included."""

    start: dt.date | None = None
    end: dt.date | None = None
    village_id: str | None = None
    grid_id: str | None = None
    sector: str | None = None
    status: str | None = None  # a HazardStatus value, 未销号 or 逾期 (hazard ledgers); PlaceStatus (places)


@dataclass
class LedgerSheet:
    """One sheet to write: its title, columns, row stream, expected row count and totals."""

    kind: str
    title: str
    columns: tuple[Column, ...]
    rows: Iterable[Row]
    count: int
    totals: Mapping[str, object] | None = None
    paper_size: int = PAPER_A4
    deidentified: bool = False


@dataclass
class LedgerContext:
    """What every builder needs besides the filters."""

    session: Session
    filters: LedgerFilters = field(default_factory=LedgerFilters)
    deidentified: bool = False
    as_of: dt.date = field(default_factory=today)
    township: str = ""
    issuer: str = ""
    photos: PhotoMode = "none"
    attachments: AttachmentStore | None = None
    photo_sink: Callable[[str, list[tuple[str, Path]]], None] | None = None


# --- small helpers ------------------------------------------------------------------------------


def _day_bounds(start: dt.date | None, end: dt.date | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    lo = local_to_utc(dt.datetime.combine(start, dt.time())) if start else None
    hi = local_to_utc(dt.datetime.combine(end + dt.timedelta(days=1), dt.time())) if end else None
    return lo, hi


def _local_day(moment: dt.datetime | None) -> dt.date | None:
    return to_local(moment).date() if moment is not None else None


def _chunks(items: Sequence[str], size: int = BATCH) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class _Labels:
    """Grid labels and place types, cached per export (bounded by grids and places, not rows)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.grids: dict[tuple[str | None, str | None], str] = {}
        self.place_sectors: dict[str, list[str]] = {}

    def grid(self, grid: str | None, village: str | None) -> str:
        key = (grid, village)
        label = self.grids.get(key)
        if label is None:
            label = grid_label(grid, village or "") if grid else ""
            self.grids[key] = label
        return label

    def load_sectors(self, place_ids: Iterable[str]) -> None:
        missing = sorted({p for p in place_ids if p not in self.place_sectors})
        for chunk in _chunks(missing):
            for pid in chunk:
                self.place_sectors[pid] = []
            for pid, sector in self.session.execute(
                select(PlaceSector.place_id, PlaceSector.sector)
                .where(PlaceSector.place_id.in_(chunk))
                .order_by(PlaceSector.place_id, PlaceSector.sector)
            ):
                self.place_sectors[pid].append(sector)

    def place_type(self, place_id: str, nine_small_kind: str | None, house_use: str | None) -> str:
        """场所类别: the 九小 kind, else the place's sectors (自建房 with its use)."""
        if nine_small_kind:
            return nine_small_kind
        parts = []
        for sector in self.place_sectors.get(place_id, []):
            if sector == "自建房" and house_use:
                parts.append(f"自建房（{house_use}）")
            else:
                parts.append(sector)
        return "、".join(parts)


def _participants(session: Session, inspection_ids: Sequence[str]) -> dict[str, str]:
    """检查人员 per inspection: names in their order, joined with 、."""
    names: dict[str, list[str]] = defaultdict(list)
    for chunk in _chunks(sorted(set(inspection_ids))):
        for iid, name in session.execute(
            select(InspectionParticipant.inspection_id, InspectionParticipant.name)
            .where(InspectionParticipant.inspection_id.in_(chunk))
            .order_by(InspectionParticipant.inspection_id, InspectionParticipant.seq)
        ):
            names[iid].append(name)
    return {iid: "、".join(n) for iid, n in names.items()}


NOTICE_TYPES = (DocumentType.NOTICE.value, DocumentType.ORDER.value)


def _document_numbers(session: Session, inspection_ids: Sequence[str], doc_types: Sequence[str]) -> dict[str, str]:
    """The number of the valid (已签发) document of these types per inspection (the latest)."""
    numbers: dict[str, str] = {}
    for chunk in _chunks(sorted(set(inspection_ids))):
        for iid, number in session.execute(
            select(Document.inspection_id, Document.number)
            .where(
                Document.inspection_id.in_(chunk),
                Document.doc_type.in_(doc_types),
                Document.status == DocumentStatus.ISSUED.value,
            )
            .order_by(Document.inspection_id, Document.issued_at, Document.number)
        ):
            if iid is not None:
                numbers[iid] = number  # ordered by time: the last one wins
    return numbers


@dataclass(frozen=True)
class _Review:
    on: dt.date | None
    reviewers: str
    outcome: str
    names: tuple[str, ...]


def _latest_reviews(session: Session, hazard_ids: Sequence[str]) -> dict[str, _Review]:
    """The latest finished 复查 result of each hazard."""
    reviews: dict[str, _Review] = {}
    for chunk in _chunks(sorted(set(hazard_ids))):
        for hid, at, inspectors, outcome in session.execute(
            select(
                ReinspectionResult.hazard_id,
                Reinspection.inspected_at,
                Reinspection.inspectors,
                ReinspectionResult.outcome,
            )
            .join(Reinspection, Reinspection.id == ReinspectionResult.reinspection_id)
            .where(ReinspectionResult.hazard_id.in_(chunk), Reinspection.finished.is_(True))
            .order_by(ReinspectionResult.hazard_id, Reinspection.inspected_at)
        ):
            names = tuple(
                str(p.get("name", "")) for p in (inspectors or []) if isinstance(p, dict) and p.get("name")
            )
            reviews[hid] = _Review(_local_day(at), "、".join(names), outcome, names)
    return reviews


def _photo_paths(
    session: Session, store: AttachmentStore, owner_ids: Sequence[str], owner_type: str = "hazard"
) -> dict[str, list[tuple[str, Path]]]:
    """Stored photos per owner: (role, path) in the order they were added (photos before 整改后)."""
    photos: dict[str, list[tuple[str, Path]]] = defaultdict(list)
    for chunk in _chunks(sorted(set(owner_ids))):
        for owner_id, role, sha, mime in session.execute(
            select(AttachmentLink.owner_id, AttachmentLink.role, Attachment.sha256, Attachment.mime)
            .join(Attachment, Attachment.id == AttachmentLink.attachment_id)
            .where(
                AttachmentLink.owner_type == owner_type,
                AttachmentLink.owner_id.in_(chunk),
                AttachmentLink.role.in_(("photo", "before", "after")),
            )
            .order_by(AttachmentLink.owner_id, AttachmentLink.created_at, AttachmentLink.id)
        ):
            photos[owner_id].append((role, store.path_for(sha, mime)))
    for items in photos.values():
        items.sort(key=lambda item: item[0] == "after")  # stable: 整改前 first
    return photos


def _masker(names: Iterable[str]) -> Callable[[object], object]:
    """Replace each known personal name inside free text by its masked form."""
    pairs = sorted(
        ((n, str(mask_person_name(n))) for n in {n.strip() for n in names} if len(n) >= 2),
        key=lambda p: -len(p[0]),
    )

    def mask(value: object) -> object:
        if not isinstance(value, str) or not value:
            return value
        for name, masked in pairs:
            if name in value:
                value = value.replace(name, masked)
        return value

    return mask


def _scrub_names(row: Row, columns: Sequence[Column], names: Iterable[str]) -> Row:
    """The 脱敏 pass over the free-text (non-personal) columns of one row."""
    mask = _masker(names)
    for column in columns:
        if column.kind == "text" and not column.personal:
            row[column.key] = mask(row.get(column.key))
    return row


def _status_text(status: str, deadline: dt.date | None, as_of: dt.date) -> str:
    """整改情况: the status, marked 逾期 where an open hazard is past its deadline."""
    if status != HazardStatus.CLOSED.value and deadline is not None and deadline < as_of:
        return f"{status}（已逾期{(as_of - deadline).days}天）"
    return status


def _hazard_filters(ctx: LedgerContext) -> list[Any]:
    f = ctx.filters
    conds: list[Any] = [Inspection.status == InspectionStatus.FINISHED.value]
    lo, hi = _day_bounds(f.start, f.end)
    if lo is not None:
        conds.append(Inspection.started_at >= lo)
    if hi is not None:
        conds.append(Inspection.started_at < hi)
    if f.grid_id:
        conds.append(Place.grid_id == f.grid_id)
    if f.village_id:
        conds.append(Grid.village_id == f.village_id)
    if f.sector:
        conds.append(Hazard.sector == f.sector)
    if f.status == STATUS_OPEN:
        conds.append(Hazard.status != HazardStatus.CLOSED.value)
    elif f.status == STATUS_OVERDUE:
        conds.append(and_(Hazard.status != HazardStatus.CLOSED.value, Hazard.deadline < ctx.as_of))
    elif f.status:
        if f.status not in {s.value for s in HazardStatus}:
            raise UserInputError(f"未知的隐患状态“{f.status}”，可选：{'、'.join(STATUS_CHOICES)}")
        conds.append(Hazard.status == f.status)
    return conds


def _count(session: Session, stmt: Select[Any]) -> int:
    return int(session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)


# --- hazards, major hazards, overdue hazards ------------------------------------------------------

# The place part of a hazard or inspection row, last in both (rows are unpacked by position).
_PLACE_SELECT = (
    Place.id,
    Place.name,
    Place.address,
    Place.responsible_person,
    Place.phone,
    Place.nine_small_kind,
    Place.house_use,
    Grid.name,
    Village.name,
)

_HAZARD_SELECT = (
    Hazard.id,
    Hazard.code,
    Hazard.sector,
    Hazard.description,
    Hazard.location,
    Hazard.grade,
    Hazard.basis,
    Hazard.requirement,
    Hazard.deadline,
    Hazard.status,
    Hazard.rectifier,
    Hazard.supervised,
    Hazard.closed_on,
    Hazard.notes,
    Hazard.fl_responsibility,
    Hazard.fl_measures,
    Hazard.fl_funds,
    Hazard.fl_deadline,
    Hazard.fl_plan,
    Inspection.id,
    Inspection.started_at,
    Inspection.method,
    *_PLACE_SELECT,
)


def _hazard_stmt(ctx: LedgerContext, *extra: Any) -> Select[Any]:
    return (
        select(*_HAZARD_SELECT)
        .select_from(Hazard)
        .join(Inspection, Inspection.id == Hazard.inspection_id)
        .join(Place, Place.id == Hazard.place_id)
        .outerjoin(Grid, Grid.id == Place.grid_id)
        .outerjoin(Village, Village.id == Grid.village_id)
        .where(*_hazard_filters(ctx), *extra)
        .order_by(Inspection.started_at, Inspection.id, Hazard.seq, Hazard.code)
    )


@dataclass(frozen=True)
class _HazardBatch:
    inspectors: dict[str, str]
    notices: dict[str, str]
    reviews: dict[str, _Review]
    photos: dict[str, list[tuple[str, Path]]]


def _hazard_batches(ctx: LedgerContext, stmt: Select[Any]) -> Iterator[tuple[Sequence[Any], _HazardBatch]]:
    session = ctx.session
    labels = _Labels(session)
    result = session.execute(stmt.execution_options(yield_per=BATCH))
    for part in result.partitions():
        inspection_ids = [r[19] for r in part]
        hazard_ids = [r[0] for r in part]
        labels.load_sectors(r[22] for r in part)
        photos: dict[str, list[tuple[str, Path]]] = {}
        if ctx.photos != "none" and ctx.attachments is not None:
            photos = _photo_paths(session, ctx.attachments, hazard_ids)
        batch = _HazardBatch(
            inspectors=_participants(session, inspection_ids),
            notices=_document_numbers(session, inspection_ids, NOTICE_TYPES),
            reviews=_latest_reviews(session, hazard_ids),
            photos=photos,
        )
        yield [(r, labels) for r in part], batch


def _photos_for_row(ctx: LedgerContext, code: str, photos: list[tuple[str, Path]]) -> list[str] | None:
    if ctx.photo_sink is not None and photos:
        ctx.photo_sink(code, photos)
    if ctx.photos == "column":
        return [str(p) for role, p in photos if role != "after"] or [str(p) for _r, p in photos]
    return None


def hazard_rows(ctx: LedgerContext, columns: Sequence[Column] = HAZARD_COLUMNS) -> Iterator[Row]:
    """隐患排查治理台账 rows, one per hazard of a finished inspection, in check-date order."""
    seq = 0
    for part, batch in _hazard_batches(ctx, _hazard_stmt(ctx)):
        for r, labels in part:
            (hid, code, sector, description, location, grade, basis, requirement, deadline, status,
             rectifier, supervised, closed_on, notes, *_fl, iid, started_at, method, pid, place_name,
             address, owner, phone, nine_small, house_use, grid, village) = r
            seq += 1
            review = batch.reviews.get(hid)
            remarks = [part_ for part_ in (
                "挂牌督办" if supervised else "",
                f"隐患部位：{location}" if location else "",
                notes,
            ) if part_]
            rectified_on = None
            if review is not None and review.outcome == "已整改":
                rectified_on = review.on
            row: Row = {
                "seq": seq,
                "hazard_no": code,
                "grid": labels.grid(grid, village),
                "sector": sector,
                "place_type": labels.place_type(pid, nine_small, house_use),
                "place_name": place_name,
                "address": address,
                "owner": owner,
                "phone": phone,
                "inspected_on": _local_day(started_at),
                "method": method,
                "inspectors": batch.inspectors.get(iid, ""),
                "description": description,
                "category": sector,
                "level": grade,
                "basis": basis,
                "measures": requirement,
                "deadline": deadline if deadline is not None else IMMEDIATE,
                "rectify_person": rectifier,
                "notice_no": batch.notices.get(iid, ""),
                "rectification": _status_text(status, deadline, ctx.as_of),
                "rectified_on": rectified_on or closed_on,
                "reviewed_on": review.on if review else None,
                "reviewer": review.reviewers if review else "",
                "review_result": review.outcome if review else "",
                "closed_on": closed_on,
                "remarks": "；".join(remarks),
            }
            photos = _photos_for_row(ctx, code, batch.photos.get(hid, []))
            if photos is not None:
                row["photos"] = photos
            if ctx.deidentified:
                names = [owner, rectifier, *batch.inspectors.get(iid, "").split("、")]
                if review is not None:
                    names.extend(review.names)
                _scrub_names(row, columns, names)
            yield row


def major_rows(ctx: LedgerContext) -> Iterator[Row]:
    """重大隐患挂牌督办台账 rows with 五落实 (责任、措施、资金、时限、预案)."""
    stmt = _hazard_stmt(ctx, Hazard.grade == HazardGrade.MAJOR.value)
    seq = 0
    for part, batch in _hazard_batches(ctx, stmt):
        for r, labels in part:
            (hid, code, sector, description, location, _grade, basis, requirement, deadline, status,
             rectifier, supervised, closed_on, notes, fl_resp, fl_measures, fl_funds, fl_deadline, fl_plan,
             iid, started_at, _method, _pid, place_name, address, owner, _phone, _nine, _house, grid,
             village) = r
            seq += 1
            review = batch.reviews.get(hid)
            closed = status == HazardStatus.CLOSED.value
            supervision = ("已摘牌销号" if closed else "挂牌督办中") if supervised else "未挂牌"
            progress = _status_text(status, fl_deadline or deadline, ctx.as_of)
            if review is not None:
                progress += f"；{review.on.isoformat() if review.on else ''}复查：{review.outcome}"
            remarks = [p for p in (f"隐患部位：{location}" if location else "", notes) if p]
            row: Row = {
                "seq": seq,
                "hazard_no": code,
                "grid": labels.grid(grid, village),
                "sector": sector,
                "place_name": place_name,
                "address": address,
                "description": description,
                "basis": basis,
                "found_on": _local_day(started_at),
                "listed_on": None,  # the 挂牌 date is not recorded
                "supervising_unit": ctx.issuer if supervised else "",
                "responsible_unit": place_name,
                "responsible_person": fl_resp or rectifier,
                "measures": fl_measures or requirement,
                "funds": fl_funds,
                "deadline": fl_deadline or deadline or IMMEDIATE,
                "contingency_plan": fl_plan,
                "progress": progress,
                "supervision_status": supervision,
                "delisted_on": closed_on if closed else None,
                "remarks": "；".join(remarks),
            }
            _photos_for_row(ctx, code, batch.photos.get(hid, []))
            if ctx.deidentified:
                names = [owner, rectifier, *batch.inspectors.get(iid, "").split("、")]
                if review is not None:
                    names.extend(review.names)
                _scrub_names(row, MAJOR_COLUMNS, names)
            yield row


def overdue_rows(ctx: LedgerContext) -> Iterator[Row]:
    """超期隐患清单: open hazards past their deadline on ``as_of``, with the days overdue."""
    stmt = _hazard_stmt(
        ctx,
        Hazard.status != HazardStatus.CLOSED.value,
        Hazard.deadline.is_not(None),
        Hazard.deadline < ctx.as_of,
    )
    seq = 0
    for part, batch in _hazard_batches(ctx, stmt):
        for r, labels in part:
            (hid, code, sector, description, location, grade, _basis, _req, deadline, status, rectifier,
             supervised, _closed, notes, *_fl, iid, _started, _method, _pid, place_name, address, owner,
             phone, _nine, _house, grid, village) = r
            seq += 1
            remarks = [p for p in ("挂牌督办" if supervised else "",
                                   f"隐患部位：{location}" if location else "", notes) if p]
            row: Row = {
                "seq": seq,
                "hazard_no": code,
                "grid": labels.grid(grid, village),
                "sector": sector,
                "place_name": place_name,
                "address": address,
                "owner": owner,
                "phone": phone,
                "description": description,
                "level": grade,
                "deadline": deadline,
                "overdue_days": (ctx.as_of - deadline).days,
                "rectify_person": rectifier,
                "notice_no": batch.notices.get(iid, ""),
                "status": status,
                "remarks": "；".join(remarks),
            }
            _photos_for_row(ctx, code, batch.photos.get(hid, []))
            if ctx.deidentified:
                review = batch.reviews.get(hid)
                names = [owner, rectifier, *batch.inspectors.get(iid, "").split("、")]
                if review is not None:
                    names.extend(review.names)
                _scrub_names(row, OVERDUE_COLUMNS, names)
            yield row


# --- inspections ------------------------------------------------------------------------------------


def _place_scope(ctx: LedgerContext) -> list[Any]:
    f = ctx.filters
    conds: list[Any] = []
    if f.grid_id:
        conds.append(Place.grid_id == f.grid_id)
    if f.village_id:
        conds.append(Grid.village_id == f.village_id)
    if f.sector:
        conds.append(
            exists().where(PlaceSector.place_id == Place.id, PlaceSector.sector == f.sector)
        )
    return conds


def _inspection_stmt(ctx: LedgerContext) -> Select[Any]:
    lo, hi = _day_bounds(ctx.filters.start, ctx.filters.end)
    conds: list[Any] = [Inspection.status == InspectionStatus.FINISHED.value, *_place_scope(ctx)]
    if lo is not None:
        conds.append(Inspection.started_at >= lo)
    if hi is not None:
        conds.append(Inspection.started_at < hi)
    return (
        select(
            Inspection.id,
            Inspection.started_at,
            Inspection.method,
            Inspection.findings,
            Inspection.signer_name,
            Inspection.signature_refused,
            Inspection.refusal_reason,
            Inspection.refusal_witness,
            Inspection.accompanying_person,
            *_PLACE_SELECT,
        )
        .select_from(Inspection)
        .join(Place, Place.id == Inspection.place_id)
        .outerjoin(Grid, Grid.id == Place.grid_id)
        .outerjoin(Village, Village.id == Grid.village_id)
        .where(*conds)
        .order_by(Inspection.started_at, Inspection.id)
    )


def inspection_rows(ctx: LedgerContext) -> Iterator[Row]:
    """检查记录台账 rows, one per finished inspection."""
    session = ctx.session
    labels = _Labels(session)
    result = session.execute(_inspection_stmt(ctx).execution_options(yield_per=BATCH))
    seq = 0
    for part in result.partitions():
        ids = [r[0] for r in part]
        labels.load_sectors(r[9] for r in part)
        inspectors = _participants(session, ids)
        records = _document_numbers(session, ids, (DocumentType.RECORD.value,))
        notices = _document_numbers(session, ids, NOTICE_TYPES)
        counts: dict[str, tuple[int, int]] = {}
        templates: dict[str, list[str]] = defaultdict(list)
        for chunk in _chunks(sorted(set(ids))):
            for iid, total, major in session.execute(
                select(
                    Hazard.inspection_id,
                    func.count(),
                    func.sum(case((Hazard.grade == HazardGrade.MAJOR.value, 1), else_=0)),
                )
                .where(Hazard.inspection_id.in_(chunk))
                .group_by(Hazard.inspection_id)
            ):
                counts[iid] = (int(total), int(major or 0))
            for iid, name in session.execute(
                select(InspectionTemplate.inspection_id, ChecklistTemplate.name)
                .join(ChecklistTemplate, ChecklistTemplate.id == InspectionTemplate.template_id)
                .where(InspectionTemplate.inspection_id.in_(chunk))
                .order_by(InspectionTemplate.inspection_id, ChecklistTemplate.name)
            ):
                templates[iid].append(name)
        for (iid, started_at, method, findings, signer, refused, reason, witness, accompanying, pid,
             place_name, address, owner, phone, nine_small, house_use, grid, village) in part:
            seq += 1
            content = "、".join(templates.get(iid, []))
            if findings:
                content = f"{content}；{findings}" if content else findings
            refusal = ""
            if refused:
                refusal = "拒绝签字" + (f"：{reason}" if reason else "") + (f"（见证人：{witness}）" if witness else "")
            total, major = counts.get(iid, (0, 0))
            row: Row = {
                "seq": seq,
                "inspection_no": records.get(iid, ""),
                "inspected_on": _local_day(started_at),
                "grid": labels.grid(grid, village),
                "sector": "、".join(labels.place_sectors.get(pid, [])),
                "place_type": labels.place_type(pid, nine_small, house_use),
                "place_name": place_name,
                "address": address,
                "owner": owner,
                "phone": phone,
                "method": method,
                "inspectors": inspectors.get(iid, ""),
                "content": content,
                "hazards_found": total,
                "major_found": major,
                "notice_no": notices.get(iid, ""),
                "signed_by": "" if refused else signer,
                "refused_sign": refusal,
                "remarks": f"陪同人员：{accompanying}" if accompanying and not ctx.deidentified else "",
            }
            if ctx.deidentified:
                names = [owner, signer, witness, accompanying, *inspectors.get(iid, "").split("、")]
                _scrub_names(row, INSPECTION_COLUMNS, names)
            yield row


# --- places -------------------------------------------------------------------------------------


def _places_stmt(ctx: LedgerContext) -> Select[Any]:
    conds = _place_scope(ctx)
    status = ctx.filters.status
    if status:
        if status not in {s.value for s in PlaceStatus}:
            raise UserInputError(f"未知的场所状态“{status}”，可选：{'、'.join(s.value for s in PlaceStatus)}")
        conds.append(Place.status == status)
    return (
        select(
            Place.id,
            Place.name,
            Place.credit_code,
            Place.address,
            Place.responsible_person,
            Place.phone,
            Place.nine_small_kind,
            Place.house_use,
            Place.status,
            Place.grid_id,
            Place.notes,
            Grid.name,
            Village.name,
        )
        .select_from(Place)
        .outerjoin(Grid, Grid.id == Place.grid_id)
        .outerjoin(Village, Village.id == Grid.village_id)
        .where(*conds)
        .order_by(
            case((Grid.id.is_(None), 1), else_=0),
            Village.sort_order,
            Village.name,
            Grid.sort_order,
            Grid.name,
            Place.route_order,
            Place.name,
            Place.id,
        )
    )


PLACE_LEDGER_COLUMNS: tuple[Column, ...] = tuple(
    c for c in PLACE_COLUMNS if c.key not in ("place_no", "floor_area")
)
"""场所基础台账 without the columns the database does not hold (场所编号, 建筑面积)."""


def place_rows(ctx: LedgerContext) -> Iterator[Row]:
    """场所基础台账 rows with the last inspection, the inspections counted and the open hazards."""
    session = ctx.session
    labels = _Labels(session)
    lo, hi = _day_bounds(ctx.filters.start, ctx.filters.end)
    period: list[Any] = [Inspection.status == InspectionStatus.FINISHED.value]
    if lo is not None:
        period.append(Inspection.started_at >= lo)
    if hi is not None:
        period.append(Inspection.started_at < hi)
    members: dict[str, list[str]] = defaultdict(list)
    for grid_id, name in session.execute(
        select(GridMember.grid_id, GridMember.name)
        .where(GridMember.role == "网格员")
        .order_by(GridMember.grid_id, GridMember.created_at, GridMember.name)
    ):
        members[grid_id].append(name)
    result = session.execute(_places_stmt(ctx).execution_options(yield_per=BATCH))
    seq = 0
    for part in result.partitions():
        ids = [r[0] for r in part]
        labels.load_sectors(ids)
        last: dict[str, tuple[dt.datetime | None, int]] = {}
        open_hazards: dict[str, int] = {}
        for chunk in _chunks(sorted(set(ids))):
            for pid, latest, count in session.execute(
                select(Inspection.place_id, func.max(Inspection.started_at), func.count())
                .where(Inspection.place_id.in_(chunk), *period)
                .group_by(Inspection.place_id)
            ):
                last[pid] = (latest, int(count))
            for pid, count in session.execute(
                select(Hazard.place_id, func.count())
                .join(Inspection, Inspection.id == Hazard.inspection_id)
                .where(
                    Hazard.place_id.in_(chunk),
                    Hazard.status != HazardStatus.CLOSED.value,
                    Inspection.status == InspectionStatus.FINISHED.value,
                )
                .group_by(Hazard.place_id)
            ):
                open_hazards[pid] = int(count)
        for (pid, name, credit_code, address, owner, phone, nine_small, house_use, status, grid_id, notes,
             grid, village) in part:
            seq += 1
            latest, count = last.get(pid, (None, 0))
            sectors = labels.place_sectors.get(pid, [])
            remarks = [p for p in (f"{status}" if status != PlaceStatus.OPEN.value else "", notes) if p]
            # func.max() of a UTCDateTime comes back as text on SQLite: parse it as naive UTC.
            if isinstance(latest, str):
                latest = dt.datetime.fromisoformat(latest).replace(tzinfo=dt.UTC)
            elif isinstance(latest, dt.datetime) and latest.tzinfo is None:
                latest = latest.replace(tzinfo=dt.UTC)
            row: Row = {
                "seq": seq,
                "grid": labels.grid(grid, village),
                "sector": "、".join(sectors),
                "place_type": labels.place_type(pid, nine_small, house_use),
                "place_name": name,
                "credit_code": credit_code or "",
                "address": address,
                "owner": owner,
                "phone": phone,
                "self_built": ("是" if house_use == "经营性" else "否") if "自建房" in sectors else "否",
                "grid_member": "、".join(members.get(grid_id, [])) if grid_id else "",
                "last_inspected_on": _local_day(latest),
                "inspections_count": count,
                "open_hazards": open_hazards.get(pid, 0),
                "remarks": "；".join(remarks),
            }
            if ctx.deidentified:
                _scrub_names(row, PLACE_LEDGER_COLUMNS, [owner, *members.get(grid_id or "", [])])
            yield row


# --- statistics (16号令 第十四条) -----------------------------------------------------------------


def last_finished_quarter(on: dt.date) -> tuple[int, int]:
    q = quarter_of(on) - 1
    return (on.year, q) if q >= 1 else (on.year - 1, 4)


def statistics_period(kind: str, start: dt.date | None, year: int | None, as_of: dt.date) -> tuple[dt.date, dt.date, str]:
    """[start, end] and the label (``2026年第3季度`` / ``2026年度``) of a statistics table.

    Quarterly: the quarter containing ``start``, else the last finished quarter. Annual: ``year``,
    else the year of ``start``, else the current year.
    """
    if kind == "annual":
        y = year or (start.year if start else as_of.year)
        return dt.date(y, 1, 1), dt.date(y, 12, 31), f"{y}年度"
    if start is not None:
        y, q = start.year, quarter_of(start)
    else:
        y, q = last_finished_quarter(as_of)
    first, last = quarter_bounds(y, q)
    return first, last, f"{y}年第{q}季度"


def _stat_row(row: StatRow, label_key: str, seq: int | None) -> Row:
    return {
        "seq": seq,
        label_key: row.label,
        "places_inspected": row.places_inspected,
        "inspections": row.inspections,
        "hazards_general": row.hazards_general,
        "hazards_major": row.hazards_major,
        "hazards_total": row.hazards,
        "rectified": row.rectified,
        "rectification_rate": row.rectification_rate,
        "overdue": row.overdue,
        "major_open": row.major_open,
        "remarks": "",
    }


def statistics_sheets(
    ctx: LedgerContext, kind: str, *, year: int | None = None
) -> list[LedgerSheet]:
    """The statistics table by village/grid and by sector (two sheets), from statistics_table."""
    start, end, label = statistics_period(kind, ctx.filters.start, year, ctx.as_of)
    sheets = []
    for group_by, ledger_kind, columns in (
        ("grid", "stats_by_grid", STATS_BY_GRID_COLUMNS),
        ("sector", "stats_by_sector", STATS_BY_SECTOR_COLUMNS),
    ):
        table: StatTable = statistics_table(ctx.session, start, end, group_by, as_of=ctx.as_of)  # type: ignore[arg-type]
        suffix = LEDGER_KINDS[ledger_kind][0].replace("季度", "")
        rows = [_stat_row(r, group_by, i) for i, r in enumerate(table.rows, start=1)]
        totals = _stat_row(table.totals, group_by, None)
        totals[group_by] = ""
        sheets.append(
            LedgerSheet(
                kind=ledger_kind,
                title=f"{ctx.township}{label}{suffix}",
                columns=tuple(columns),
                rows=rows,
                count=len(rows),
                totals=totals,
            )
        )
    return sheets


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
        stmt = _hazard_stmt(ctx, Hazard.grade == HazardGrade.MAJOR.value)
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


# --- template mappings (remembered per template fingerprint) -----------------------------------------


def remembered_template_mapping(session: Session, fingerprint: str) -> TemplateMapping | None:
    row = session.get(Setting, TEMPLATE_MAPPINGS_KEY)
    value = row.value if row is not None and isinstance(row.value, dict) else {}
    data = value.get(fingerprint)
    if not isinstance(data, dict):
        return None
    try:
        return TemplateMapping.from_json(data)
    except ValueError:
        return None  # a damaged entry: the guess is used instead


def remember_template_mapping(session: Session, mapping: TemplateMapping) -> None:
    row = session.get(Setting, TEMPLATE_MAPPINGS_KEY)
    value = dict(row.value) if row is not None and isinstance(row.value, dict) else {}
    value[mapping.fingerprint] = mapping.to_json()
    if row is None:
        session.add(Setting(key=TEMPLATE_MAPPINGS_KEY, value=value))
    else:
        row.value = value  # a new dict, so the JSON column sees the change


def template_mapping_for(session: Session, template: Path) -> TemplateMapping:
    """The remembered mapping for this template's header, else the guessed one."""
    guessed = detect_template(template)
    remembered = remembered_template_mapping(session, guessed.fingerprint)
    if remembered is not None and remembered.sheet == guessed.sheet:
        return remembered
    return guessed


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
    paths: tuple[Path, ...]
    rows: int
    photo_folder: Path | None = None
    photos_copied: int = 0
    titles: tuple[str, ...] = ()


def sheet_path(out: Path, sheet: LedgerSheet, index: int) -> Path:
    """Where a sheet goes: the first at ``out``, the by-sector statistics beside it."""
    if index == 0:
        return out
    tag = "按行业领域" if sheet.kind == "stats_by_sector" else sheet.kind
    return out.with_name(f"{out.stem}-{tag}{out.suffix}")


def photo_folder_for(out: Path) -> Path:
    return out.with_name(f"{out.stem}-照片")


class _PhotoCopier:
    """Copies a hazard's stored photos as ``<隐患编号>-1.jpg`` …, ``<隐患编号>-整改后-1.jpg``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.copied = 0
        self.created = False

    def __call__(self, code: str, photos: list[tuple[str, Path]]) -> None:
        if not self.created:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.created = True
        n_before = n_after = 0
        for role, source in photos:
            if not source.is_file():
                continue
            if role == "after":
                n_after += 1
                name = f"{code}-整改后-{n_after}{source.suffix}"
            else:
                n_before += 1
                name = f"{code}-{n_before}{source.suffix}"
            shutil.copyfile(source, self.folder / name)
            self.copied += 1


def export_ledger(
    db: Database,
    options: ExportOptions,
    *,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> ExportResult:
    """Export one ledger kind to ``options.out`` (its own read session; safe in a worker thread).

    With a template the district's own workbook is filled (the mapping remembered for its header,
    else the guessed one); without, the office-style ledger is written. The statistics kinds give
    two files (by village/grid at ``out``, by sector beside it). Raises :class:`ExportCancelled`
    when ``cancel`` returns True; nothing is left at the target paths then.
    """
    out = Path(options.out)
    if out.suffix.lower() != ".xlsx":
        raise UserInputError(f"输出文件“{out.name}”必须是 .xlsx 文件")
    if not out.parent.is_dir():
        raise UserInputError(f"输出文件夹“{out.parent}”不存在")
    if options.template is not None and not Path(options.template).is_file():
        raise UserInputError(f"模板文件“{options.template}”不存在")
    as_of = options.as_of or today()
    copier = _PhotoCopier(photo_folder_for(out)) if options.photos == "folder" else None
    written: list[Path] = []
    total_rows = 0
    titles: list[str] = []
    session = db.reader()
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
            attachments=AttachmentStore(db.attachments_dir) if options.photos != "none" else None,
            photo_sink=copier,
        )
        mapping = template_mapping_for(session, Path(options.template)) if options.template else None
        sheets = ledger_sheets(ctx, options.kind, year=options.year)
        expected = sum(s.count for s in sheets)
        for index, sheet in enumerate(sheets):
            target = sheet_path(out, sheet, index)
            done_before = total_rows

            def report(n: int, base: int = done_before) -> None:
                if progress is not None:
                    progress(base + n, expected)

            if mapping is not None and index == 0:
                rows: Iterable[Row] = sheet.rows
                if options.deidentified:
                    rows = (deidentified_row(r, sheet.columns) for r in sheet.rows)
                filled = fill_template(options.template or out, target, mapping, rows, report, cancel)
                n = filled.rows_written
            else:
                columns = sheet.columns
                result = write_ledger(
                    target,
                    title=sheet.title,
                    unit=ctx.issuer,
                    made_by=options.made_by,
                    made_on=options.made_on or today(),
                    columns=columns,
                    rows=sheet.rows,
                    progress=report,
                    cancel=cancel,
                    totals=sheet.totals,
                    deidentified=options.deidentified,
                    paper_size=sheet.paper_size,
                )
                n = result.rows_written
            written.append(target)
            titles.append(sheet.title)
            total_rows += n
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        if copier is not None and copier.created:
            shutil.rmtree(copier.folder, ignore_errors=True)
        raise
    finally:
        session.close()
    return ExportResult(
        paths=tuple(written),
        rows=total_rows,
        photo_folder=copier.folder if copier is not None and copier.created else None,
        photos_copied=copier.copied if copier is not None else 0,
        titles=tuple(titles),
    )


__all__ = [
    "KINDS",
    "KIND_LABELS",
    "STATUS_CHOICES",
    "TEMPLATE_MAPPINGS_KEY",
    "ExportCancelled",
    "ExportOptions",
    "ExportResult",
    "LedgerContext",
    "LedgerFilters",
    "LedgerSheet",
    "deidentified_row",
    "export_ledger",
    "ledger_sheets",
    "remember_template_mapping",
    "remembered_template_mapping",
    "statistics_period",
    "template_mapping_for",
]
