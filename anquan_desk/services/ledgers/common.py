"""What every ledger shares: kinds, filters, the sheet and context types, batch look-ups and 脱敏 helpers."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from anquan_desk.core.attachments import AttachmentStore
from anquan_desk.core.clock import local_to_utc, to_local, today
from anquan_desk.core.errors import DatabaseError, UserInputError
from anquan_desk.core.models import (
    Attachment,
    AttachmentLink,
    Document,
    Grid,
    GridMember,
    Hazard,
    Inspection,
    InspectionParticipant,
    Place,
    PlaceSector,
    Reinspection,
    ReinspectionResult,
    User,
)
from anquan_desk.core.vocabulary import DocumentStatus, DocumentType, HazardStatus, InspectionStatus
from anquan_desk.io.ledger import (
    PAPER_A4,
    Column,
    mask_person_name,
)
from anquan_desk.io.ledger.columns import NameScrubber, person_names
from anquan_desk.services.ground import grid_label
from anquan_desk.services.statistics import NO_SECTOR, sector_filter

log = logging.getLogger(__name__)

BATCH = 1000

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
    signatures: tuple[str, ...] = ()  # signature lines under the table (statistics: 16号令 第十四条)
    seal: str = ""  # the place for the unit's seal
    sheet_name: str | None = None  # the worksheet's tab (else the title, shortened)


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
    _names: NameScrubber | None = field(default=None, init=False, repr=False)

    def known_names(self) -> NameScrubber:
        """Masks, for the 脱敏 variant, every personal name the database knows (read once)."""
        if self._names is None:
            self._names = NameScrubber(_known_names(self.session))
        return self._names


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
        self.keep = sector_filter(session)

    def grid(self, grid: str | None, village: str | None) -> str:
        key = (grid, village)
        label = self.grids.get(key)
        if label is None:
            label = grid_label(grid, village or "") if grid else ""
            self.grids[key] = label
        return label

    def load_sectors(self, place_ids: Iterable[str]) -> None:
        """The places' 行业领域 as the checklist library names them; a sector the library does not
        know (工贸 typed in by hand) is left out, a place with none left is 其他."""
        missing = sorted({p for p in place_ids if p not in self.place_sectors})
        for chunk in _chunks(missing):
            raw: dict[str, list[str]] = {pid: [] for pid in chunk}
            for pid, sector in self.session.execute(
                select(PlaceSector.place_id, PlaceSector.sector)
                .where(PlaceSector.place_id.in_(chunk))
                .order_by(PlaceSector.place_id, PlaceSector.sector)
            ):
                raw[pid].append(sector)
            for pid, sectors in raw.items():
                kept = self.keep(sectors)
                self.place_sectors[pid] = kept or ([NO_SECTOR] if sectors else [])

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
    """Stored photos per owner: (role, path) in the order they were added (photos before 整改后).

    A path that would lead out of the store (a damaged or hostile ``sha256`` value) is left out:
    the export never reads outside the store."""
    photos: dict[str, list[tuple[str, Path]]] = defaultdict(list)
    root = store.root.resolve()
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
            try:
                path = store.path_for(sha, mime)
            except DatabaseError as err:  # the store refuses a damaged record
                log.warning("photo of %s %s left out of the ledger: %s", owner_type, owner_id, err)
                continue
            if path.resolve().is_relative_to(root):
                photos[owner_id].append((role, path))
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


def _known_names(session: Session) -> set[str]:
    """Every personal name the database holds: place heads, grid members, users, inspectors,
    rectifiers, signers, witnesses, accompanying persons, 复查 inspectors."""
    values: set[str] = set()
    for column in (
        Place.responsible_person,
        GridMember.name,
        User.name,
        InspectionParticipant.name,
        Hazard.rectifier,
        Inspection.signer_name,
        Inspection.refusal_witness,
        Inspection.accompanying_person,
        Reinspection.signer_name,
    ):
        values.update(v for v in session.scalars(select(column).distinct()) if v)
    for (inspectors,) in session.execute(select(Reinspection.inspectors)):
        values.update(str(p.get("name")) for p in inspectors or [] if isinstance(p, dict) and p.get("name"))
    return values


def _scrub_names(ctx: LedgerContext, row: Row, columns: Sequence[Column], names: Iterable[str]) -> Row:
    """The 脱敏 pass over the free-text (non-personal) columns of one row: the row's own people
    (``names``) and every other person the database knows are masked wherever they occur. (ID-card
    and phone numbers are masked by the writer's 脱敏 columns, :func:`deidentify`.)"""
    known = ctx.known_names()
    unknown = person_names(names) - known.names  # normally none: the row's people are in the database
    mask = _masker(unknown) if unknown else None
    for column in columns:
        if column.kind == "text" and not column.personal:
            value = row.get(column.key)
            if mask is not None:
                value = mask(value)
            row[column.key] = known(value)
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
