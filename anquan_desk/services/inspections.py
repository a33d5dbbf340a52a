"""The on-site check (现场检查): start, answer items, hazards, photos, finish, amend.

Every call is one small unit of work that the UI commits at once, so an answer given is an
answer saved: killing the program mid-check loses nothing, and the draft resumes exactly.

Rules carried here (not in the UI):
- at least two inspectors (执法人员不得少于两人 — 行政处罚法 第四十二条; 消防监督检查规定 第十四条);
- a failed checklist item becomes a hazard pre-filled from the item (wording, basis, grade,
  requirement, deadline); turning the answer back removes that hazard while still a draft;
- finishing needs the responsible person's signature or a recorded refusal with reason and
  witness (安全生产法 第六十八条), and the 五落实 for every 重大 hazard;
- a finished inspection is read-only; corrections go through :func:`amend_inspection`, which is
  audited with its reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anquan_desk.core.attachments import (
    AttachmentStore,
    StoredFile,
    link_attachment,
    photos_in_folder,
    prepare_photo,
    prepare_png,
    save_attachment,
)
from anquan_desk.core.audit import record_event
from anquan_desk.core.checklists.store import current_templates, items_of_templates, templates_for_place
from anquan_desk.core.clock import local_to_utc, to_local, today, utcnow
from anquan_desk.core.device import this_device
from anquan_desk.core.errors import NotFoundError, UserInputError
from anquan_desk.core.locks import take_write_lock
from anquan_desk.core.models import (
    AttachmentLink,
    ChecklistItem,
    ChecklistTemplate,
    Hazard,
    Inspection,
    InspectionParticipant,
    InspectionTemplate,
    ItemResult,
    Place,
    User,
)
from anquan_desk.core.progress import NO_PROGRESS
from anquan_desk.core.progress import Progress as WorkProgress
from anquan_desk.core.vocabulary import (
    HazardGrade,
    HazardStatus,
    InspectionMethod,
    InspectionStatus,
    ItemOutcome,
)
from anquan_desk.services import roles
from anquan_desk.services.checklists import ensure_builtin_library
from anquan_desk.services.desk import Desk
from anquan_desk.services.laptops import Laptops, remember_laptop
from anquan_desk.services.users import InspectorRow, inspectors

MIN_INSPECTORS = 2

HAZARD_EDITABLE = (
    "description",
    "location",
    "grade",
    "basis",
    "requirement",
    "deadline",
    "rectifier",
    "sector",
    "fl_responsibility",
    "fl_measures",
    "fl_funds",
    "fl_deadline",
    "fl_plan",
    "supervised",
    "notes",
)
FIVE_IMPLEMENTATIONS = {
    "fl_responsibility": "责任",
    "fl_measures": "措施",
    "fl_funds": "资金",
    "fl_deadline": "时限",
    "fl_plan": "预案",
}


def _inspection(session: Session, inspection_id: str) -> Inspection:
    inspection = session.get(Inspection, inspection_id)
    if inspection is None:
        raise NotFoundError(f"检查记录 {inspection_id} 不存在。")
    return inspection


def _draft(session: Session, inspection_id: str) -> Inspection:
    inspection = _inspection(session, inspection_id)
    if inspection.status != InspectionStatus.DRAFT.value:
        raise UserInputError("该检查已完成，不能直接修改；如需更正，请使用“更正检查记录”。")
    return inspection


# --- start --------------------------------------------------------------------------------------


def start_inspection(
    session: Session,
    *,
    place_id: str,
    inspector_ids: Sequence[str],
    template_ids: Sequence[str],
    method: str = InspectionMethod.FOUR_NO_TWO_DIRECT.value,
    started_at: datetime | None = None,
    accompanying_person: str = "",
    location: str = "",
) -> Inspection:
    place = session.get(Place, place_id)
    if place is None:
        raise NotFoundError("场所不存在。")
    if method not in {m.value for m in InspectionMethod}:
        raise UserInputError(f"未知的检查方式“{method}”。")
    unique_ids = list(dict.fromkeys(inspector_ids))
    if len(unique_ids) < MIN_INSPECTORS:
        raise UserInputError("现场检查须由两名及以上检查人员进行，请至少选择两人。")
    users = [session.get(User, uid) for uid in unique_ids]
    if any(u is None for u in users):
        raise NotFoundError("所选检查人员不存在。")
    templates = [session.get(ChecklistTemplate, tid) for tid in dict.fromkeys(template_ids)]
    if any(t is None for t in templates):
        raise NotFoundError("所选检查表不存在。")
    inspection = Inspection(
        place_id=place.id,
        method=method,
        started_at=local_to_utc(started_at) if started_at else utcnow(),
        status=InspectionStatus.DRAFT.value,
        accompanying_person=accompanying_person.strip() or place.responsible_person,
        location=location.strip() or place.address,
        signer_name=place.responsible_person,
    )
    for seq, user in enumerate(users):
        assert user is not None
        inspection.participants.append(
            InspectionParticipant(seq=seq, user_id=user.id, name=user.name, cert_no=user.cert_no)
        )
    for template in templates:
        assert template is not None
        inspection.templates.append(InspectionTemplate(template_id=template.id))
    session.add(inspection)
    session.flush()
    return inspection


# --- walking the items --------------------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistEntry:
    """One item of the check as the inspector walks it."""

    template_code: str
    template_name: str
    item: ChecklistItem
    outcome: str | None
    note: str
    hazard_id: str | None


def checklist_entries(session: Session, inspection_id: str) -> list[ChecklistEntry]:
    """All items of the inspection's template versions, in order, with the answers so far."""
    inspection = _inspection(session, inspection_id)
    results = {r.item_id: r for r in inspection.results}
    hazards = {h.item_id: h.id for h in inspection.hazards if h.item_id}
    entries: list[ChecklistEntry] = []
    for template, item in items_of_templates([link.template for link in inspection.templates]):
        result = results.get(item.id)
        entries.append(
            ChecklistEntry(
                template.code,
                template.name,
                item,
                result.outcome if result else None,
                result.note if result else "",
                hazards.get(item.id),
            )
        )
    return entries


def _next_hazard_code(session: Session, year: int) -> str:
    device = this_device()
    remember_laptop(session, device)  # so other laptops show this one's name, not its code
    prefix = f"YH{year}-{device.short}-"
    take_write_lock(session)  # on a server: one laptop's two windows never take the same number
    codes = session.scalars(select(Hazard.code).where(Hazard.code.like(f"{prefix}%")))
    serials = [int(code[len(prefix):]) for code in codes if code[len(prefix):].isdigit()]
    return f"{prefix}{max(serials, default=0) + 1:04d}"


def shown_hazard_code(code: str, laptops: Laptops | None = None) -> str:
    """A hazard number as shown to users: ``YH2026-XXRT-0001`` → ``YH2026-0001（安监办笔记本1）``,
    the laptop's name (from ``laptops``, by default this laptop's only) instead of its code ``XXRT``,
    which tells a user nothing; ``YH2026-0001（其他电脑 XXRT）`` for a laptop whose name is not
    known. Two different numbers never show the same. Other shapes (``YH2026000117``) as they are."""
    return (laptops or Laptops.local()).shown(code)


def _deadline_for(days: int, start: date) -> date:
    return start + timedelta(days=days)


def record_answer(
    session: Session, inspection_id: str, item_id: str, outcome: str, note: str = ""
) -> Hazard | None:
    """Save one answer. A 不合格 creates the item's hazard (pre-filled); returns it."""
    inspection = _draft(session, inspection_id)
    if outcome not in {o.value for o in ItemOutcome}:
        raise UserInputError(f"检查结果只能是合格、不合格或不涉及，而不是“{outcome}”。")
    item = session.get(ChecklistItem, item_id)
    allowed = {link.template_id for link in inspection.templates}
    if item is None or item.template_id not in allowed:
        raise NotFoundError("该检查项不属于本次检查。")
    result = session.scalar(
        select(ItemResult).where(ItemResult.inspection_id == inspection.id, ItemResult.item_id == item.id)
    )
    if result is None:
        # Through the relationship, so the inspection's loaded collections stay current.
        result = ItemResult(item_id=item.id, outcome=outcome, note=note)
        inspection.results.append(result)
    else:
        result.outcome = outcome
        result.note = note
    hazard = session.scalar(
        select(Hazard).where(Hazard.inspection_id == inspection.id, Hazard.item_id == item.id)
    )
    if outcome == ItemOutcome.FAIL.value:
        if hazard is None:
            start_day = inspection.started_at.astimezone().date()
            hazard = Hazard(
                inspection_id=inspection.id,
                place_id=inspection.place_id,
                item_id=item.id,
                seq=_next_seq(inspection),
                code=_next_hazard_code(session, start_day.year),
                sector=item.template.sector,
                description=item.hazard_text or item.content,
                location="",
                grade=item.default_grade,
                basis=item.basis,
                requirement=item.requirement,
                deadline=_deadline_for(item.deadline_days, start_day),
                rectifier=inspection.place.responsible_person,
                status=HazardStatus.PENDING.value,
            )
            inspection.hazards.append(hazard)
        session.flush()
        return hazard
    if hazard is not None:
        _delete_hazard(session, hazard)
    session.flush()
    return None


def _next_seq(inspection: Inspection) -> int:
    return max((h.seq for h in inspection.hazards), default=0) + 1


def _delete_hazard(session: Session, hazard: Hazard) -> None:
    """Remove a hazard from a draft; its photos stay with the inspection."""
    for link in session.scalars(
        select(AttachmentLink).where(AttachmentLink.owner_type == "hazard", AttachmentLink.owner_id == hazard.id)
    ):
        link.owner_type = "inspection"
        link.owner_id = hazard.inspection_id
    session.delete(hazard)
    with session.no_autoflush:
        if hazard in hazard.inspection.hazards:
            hazard.inspection.hazards.remove(hazard)


def add_hazard(
    session: Session,
    inspection_id: str,
    *,
    description: str,
    location: str = "",
    grade: str = HazardGrade.GENERAL.value,
    basis: str = "",
    requirement: str = "",
    deadline: date | None = None,
    sector: str = "",
) -> Hazard:
    """A hazard no checklist foresaw."""
    inspection = _draft(session, inspection_id)
    if not description.strip():
        raise UserInputError("隐患描述不能为空。")
    start_day = inspection.started_at.astimezone().date()
    hazard = Hazard(
        inspection_id=inspection.id,
        place_id=inspection.place_id,
        seq=_next_seq(inspection),
        code=_next_hazard_code(session, start_day.year),
        sector=sector,
        description=description.strip(),
        location=location.strip(),
        grade=grade,
        basis=basis.strip(),
        requirement=requirement.strip(),
        deadline=deadline if deadline is not None else start_day,
        rectifier=inspection.place.responsible_person,
        status=HazardStatus.PENDING.value,
    )
    _check_grade(grade)
    inspection.hazards.append(hazard)
    session.flush()
    return hazard


def _check_grade(grade: str) -> None:
    if grade not in {g.value for g in HazardGrade}:
        raise UserInputError(f"隐患等级只能是一般或重大，而不是“{grade}”。")


def update_hazard(session: Session, hazard_id: str, **fields: Any) -> Hazard:
    """Edit a hazard of a draft inspection (all pre-filled fields are editable)."""
    hazard = session.get(Hazard, hazard_id)
    if hazard is None:
        raise NotFoundError("隐患不存在。")
    _draft(session, hazard.inspection_id)
    _apply_hazard_fields(hazard, fields)
    session.flush()
    return hazard


def _apply_hazard_fields(hazard: Hazard, fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(HAZARD_EDITABLE)
    if unknown:
        raise UserInputError(f"不能修改隐患的这些字段：{'、'.join(sorted(unknown))}")
    if "grade" in fields:
        _check_grade(fields["grade"])
    if "description" in fields and not str(fields["description"]).strip():
        raise UserInputError("隐患描述不能为空。")
    for key, value in fields.items():
        setattr(hazard, key, value.strip() if isinstance(value, str) else value)


def remove_hazard(session: Session, hazard_id: str) -> None:
    """Remove a hazard from a draft (a free one; a checklist one goes by changing the answer)."""
    hazard = session.get(Hazard, hazard_id)
    if hazard is None:
        raise NotFoundError("隐患不存在。")
    inspection = _draft(session, hazard.inspection_id)
    if hazard.item_id is not None:
        result = session.scalar(
            select(ItemResult).where(
                ItemResult.inspection_id == inspection.id, ItemResult.item_id == hazard.item_id
            )
        )
        if result is not None:
            inspection.results.remove(result)  # delete-orphan removes the row
    _delete_hazard(session, hazard)
    session.flush()


def set_findings(session: Session, inspection_id: str, findings: str) -> None:
    _draft(session, inspection_id).findings = findings


# --- photos -------------------------------------------------------------------------------------


def add_photos(
    session: Session,
    store: AttachmentStore,
    inspection_id: str,
    paths: Sequence[Path],
    hazard_id: str | None = None,
) -> list[AttachmentLink]:
    """Add photos to the inspection, or to one of its hazards. All files are checked first:
    one unreadable file adds none of them."""
    owner_type, owner_id = _photo_owner(session, inspection_id, hazard_id)
    prepared = [PreparedPhoto(path.name, prepare_photo(path)) for path in paths]
    return attach_photos(session, store, prepared, owner_type, owner_id, "photo")


@dataclass(frozen=True)
class PreparedPhoto:
    """A photo read, turned upright and reduced, ready to be stored (plain bytes)."""

    name: str
    stored: StoredFile


def prepare_photos(paths: Sequence[Path], progress: WorkProgress = NO_PROGRESS) -> tuple[PreparedPhoto, ...]:
    """Read and reduce photos (a folder gives the photos in it) — the slow part of adding photos,
    done outside any transaction. One unreadable file stops it (nothing is added)."""
    files: list[Path] = []
    for path in paths:
        files.extend(photos_in_folder(path) if path.is_dir() else [path])
    prepared: list[PreparedPhoto] = []
    for done, path in enumerate(files):
        progress.check()
        progress.update(done, len(files), f"正在处理照片 {done + 1}/{len(files)}：{path.name}")
        prepared.append(PreparedPhoto(path.name, prepare_photo(path)))
    progress.update(len(files), len(files))
    return tuple(prepared)


def attach_photos(
    session: Session,
    store: AttachmentStore,
    prepared: Sequence[PreparedPhoto],
    owner_type: str,
    owner_id: str,
    role: str,
) -> list[AttachmentLink]:
    """Store prepared photos (each file once) and link them to their owner."""
    links = []
    for photo in prepared:
        attachment = save_attachment(session, store, photo.stored, photo.name)
        links.append(link_attachment(session, attachment, owner_type, owner_id, role))
    return links


def _photo_owner(session: Session, inspection_id: str, hazard_id: str | None) -> tuple[str, str]:
    """Who a new photo of the inspection belongs to: one of its hazards, or the inspection."""
    inspection = _inspection(session, inspection_id)
    if hazard_id is None:
        return "inspection", inspection.id
    hazard = session.get(Hazard, hazard_id)
    if hazard is None or hazard.inspection_id != inspection.id:
        raise NotFoundError("隐患不属于本次检查。")
    return "hazard", hazard.id


def move_photo(session: Session, link_id: str, hazard_id: str | None) -> None:
    """Give a photo to one hazard, or back to the inspection as a whole."""
    link = session.get(AttachmentLink, link_id)
    if link is None:
        raise NotFoundError("照片不存在。")
    inspection_id = link.owner_id if link.owner_type == "inspection" else None
    if link.owner_type == "hazard":
        owner = session.get(Hazard, link.owner_id)
        inspection_id = owner.inspection_id if owner else None
    if inspection_id is None:
        raise UserInputError("只能调整检查中的照片。")
    _draft(session, inspection_id)
    if hazard_id is None:
        link.owner_type, link.owner_id = "inspection", inspection_id
    else:
        hazard = session.get(Hazard, hazard_id)
        if hazard is None or hazard.inspection_id != inspection_id:
            raise NotFoundError("隐患不属于本次检查。")
        link.owner_type, link.owner_id = "hazard", hazard.id


def inspection_photos(session: Session, inspection_id: str) -> list[AttachmentLink]:
    """Photos of the inspection and of its hazards."""
    inspection = _inspection(session, inspection_id)
    hazard_ids = [h.id for h in inspection.hazards]
    stmt = select(AttachmentLink).where(
        ((AttachmentLink.owner_type == "inspection") & (AttachmentLink.owner_id == inspection.id))
        | ((AttachmentLink.owner_type == "hazard") & (AttachmentLink.owner_id.in_(hazard_ids))),
        AttachmentLink.role == "photo",
    )
    return list(session.scalars(stmt.order_by(AttachmentLink.created_at)))


# --- finish -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    total: int
    answered: int
    failed: int
    hazards: int

    @property
    def remaining(self) -> int:
        return self.total - self.answered


def progress(session: Session, inspection_id: str) -> Progress:
    entries = checklist_entries(session, inspection_id)
    answered = [e for e in entries if e.outcome]
    hazards = session.scalar(select(func.count()).select_from(Hazard).where(Hazard.inspection_id == inspection_id))
    return Progress(
        len(entries), len(answered), sum(1 for e in answered if e.outcome == ItemOutcome.FAIL.value), int(hazards or 0)
    )


def answer_of(session: Session, inspection_id: str, item_id: str) -> ItemResult | None:
    return session.scalar(
        select(ItemResult).where(ItemResult.inspection_id == inspection_id, ItemResult.item_id == item_id)
    )


def missing_five_implementations(hazard: Hazard) -> list[str]:
    if hazard.grade != HazardGrade.MAJOR.value:
        return []
    return [label for key, label in FIVE_IMPLEMENTATIONS.items() if not getattr(hazard, key)]


def finish_inspection(
    session: Session,
    store: AttachmentStore,
    inspection_id: str,
    *,
    signer_name: str = "",
    signature_png: bytes | None = None,
    refusal_reason: str = "",
    refusal_witness: str = "",
    ended_at: datetime | None = None,
) -> Inspection:
    """Close the check: signature or recorded refusal; hazards become 待整改; read-only after."""
    inspection = _draft(session, inspection_id)
    state = progress(session, inspection_id)
    if state.remaining:
        raise UserInputError(f"还有 {state.remaining} 个检查项未填写结果（可选“不涉及”）。")
    for hazard in inspection.hazards:
        missing = missing_five_implementations(hazard)
        if missing:
            raise UserInputError(
                f"重大隐患“{hazard.description}”须落实“五落实”，尚缺：{'、'.join(missing)}。"
            )
    refused = bool(refusal_reason.strip())
    if signature_png is None and not refused:
        raise UserInputError("请被检查单位负责人签字；拒绝签字的，须记录拒签原因和见证人。")
    if refused and not refusal_witness.strip():
        raise UserInputError("拒绝签字的，须记录见证人（《安全生产法》第六十八条）。")
    if signature_png is not None:
        attachment = save_attachment(session, store, prepare_png(signature_png), "签名.png")
        link_attachment(session, attachment, "inspection", inspection.id, "signature")
        inspection.signature_sha256 = attachment.sha256
    inspection.signer_name = signer_name.strip() or inspection.signer_name
    inspection.signature_refused = refused
    inspection.refusal_reason = refusal_reason.strip()
    inspection.refusal_witness = refusal_witness.strip()
    inspection.ended_at = local_to_utc(ended_at) if ended_at else utcnow()
    for hazard in inspection.hazards:
        hazard.status = HazardStatus.PENDING.value
    inspection.status = InspectionStatus.FINISHED.value
    session.flush()
    record_event(
        session,
        "finish",
        "inspections",
        inspection.id,
        hazards=len(inspection.hazards),
        refused=refused,
    )
    return inspection


def discard_draft(session: Session, inspection_id: str, reason: str) -> None:
    """Discard a draft on purpose (kept, marked 已作废, with the reason in the audit log)."""
    inspection = _draft(session, inspection_id)
    if not reason.strip():
        raise UserInputError("作废草稿须说明原因。")
    for hazard in list(inspection.hazards):
        _delete_hazard(session, hazard)
    inspection.status = InspectionStatus.DISCARDED.value
    session.flush()
    record_event(session, "discard", "inspections", inspection.id, reason=reason.strip())


def open_inspection_title(session: Session, inspection_id: str) -> str:
    """Short tab title: 检查：<place> (草稿)."""
    inspection = _inspection(session, inspection_id)
    suffix = "（草稿）" if inspection.status == InspectionStatus.DRAFT.value else ""
    return f"检查：{inspection.place.name}{suffix}"


def drafts(session: Session, user_id: str | None = None) -> list[Inspection]:
    """Unfinished checks to resume, newest first; with ``user_id`` only those the user takes part in."""
    stmt = select(Inspection).where(Inspection.status == InspectionStatus.DRAFT.value)
    if user_id is not None:
        stmt = stmt.where(
            Inspection.id.in_(
                select(InspectionParticipant.inspection_id).where(InspectionParticipant.user_id == user_id)
            )
        )
    return list(session.scalars(stmt.order_by(Inspection.started_at.desc())))


def amend_inspection(
    session: Session,
    inspection_id: str,
    *,
    reason: str,
    findings: str | None = None,
    hazards: dict[str, dict[str, Any]] | None = None,
) -> None:
    """Correct a finished inspection. The reason and every change are in the audit log."""
    inspection = _inspection(session, inspection_id)
    if inspection.status != InspectionStatus.FINISHED.value:
        raise UserInputError("只有已完成的检查需要更正；草稿可直接修改。")
    if not reason.strip():
        raise UserInputError("更正须说明原因。")
    record_event(session, "amend", "inspections", inspection.id, reason=reason.strip())
    if findings is not None:
        inspection.findings = findings
    for hazard_id, fields in (hazards or {}).items():
        hazard = session.get(Hazard, hazard_id)
        if hazard is None or hazard.inspection_id != inspection.id:
            raise NotFoundError("隐患不属于本次检查。")
        _apply_hazard_fields(hazard, fields)
    session.flush()


# --- follow-up ----------------------------------------------------------------------------------


def _due_filter(
    stmt: Any, *, within_days: int, day: date, grade: str | None, supervised_only: bool
) -> Any:
    stmt = stmt.join(Inspection, Inspection.id == Hazard.inspection_id).where(
        Hazard.status != HazardStatus.CLOSED.value,
        Inspection.status == InspectionStatus.FINISHED.value,
        Hazard.deadline <= day + timedelta(days=within_days),
    )
    if grade is not None:
        stmt = stmt.where(Hazard.grade == grade)
    if supervised_only:
        stmt = stmt.where(Hazard.supervised.is_(True))
    return stmt.order_by(Hazard.deadline, Hazard.code)


def open_hazards_due(
    session: Session,
    *,
    within_days: int = 7,
    on: date | None = None,
    grade: str | None = None,
    supervised_only: bool = False,
) -> list[Hazard]:
    """Open hazards that are overdue or due within ``within_days``, most urgent first."""
    stmt = _due_filter(
        select(Hazard), within_days=within_days, day=on or today(), grade=grade, supervised_only=supervised_only
    )
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class DueHazard:
    """One line of the follow-up list (plain values: cheap for long lists)."""

    id: str
    place_id: str
    code: str
    place_name: str
    description: str
    grade: str
    status: str
    deadline: date | None
    supervised: bool

    def days_overdue(self, day: date) -> int:
        return (day - self.deadline).days if self.deadline is not None and self.deadline < day else 0


def due_hazard_rows(
    session: Session,
    *,
    within_days: int = 7,
    on: date | None = None,
    grade: str | None = None,
    supervised_only: bool = False,
) -> list[DueHazard]:
    """The same list as :func:`open_hazards_due`, as plain rows with the place's name."""
    stmt = _due_filter(
        select(
            Hazard.id,
            Hazard.place_id,
            Hazard.code,
            Place.name,
            Hazard.description,
            Hazard.grade,
            Hazard.status,
            Hazard.deadline,
            Hazard.supervised,
        ).join(Place, Place.id == Hazard.place_id),
        within_days=within_days,
        day=on or today(),
        grade=grade,
        supervised_only=supervised_only,
    )
    return [DueHazard(*row) for row in session.execute(stmt)]


# --- entry points (take a desk, return plain data) -----------------------------------------------


def draft_ids(desk: Desk, *, mine_only: bool = True) -> list[str]:
    """Unfinished checks to resume, newest first (only the actor's own with ``mine_only``)."""
    with desk.query() as session:
        return [d.id for d in drafts(session, desk.actor.user_id if mine_only else None)]


def inspection_title(desk: Desk, inspection_id: str) -> str:
    """Short tab title: 检查：<place> (草稿)."""
    with desk.query() as session:
        return open_inspection_title(session, inspection_id)


# --- entry points of the inspection screen and its dialogs ----------------------------------------


@dataclass(frozen=True)
class CheckItem:
    """One checklist item of an inspection as the screen shows it, with its answer so far."""

    item_id: str
    template_code: str
    template_name: str
    seq: int
    content: str
    method: str
    basis: str
    outcome: str | None
    note: str
    hazard_id: str | None
    code: str = ""  # the item's code in its checklist (NINE-FOOD-02): how the command line names it


@dataclass(frozen=True)
class HazardView:
    """A hazard's editable fields (the screen's hazard form)."""

    id: str
    code: str
    item_id: str | None
    description: str
    location: str
    grade: str
    basis: str
    requirement: str
    deadline: date | None
    rectifier: str
    fl_responsibility: str
    fl_measures: str
    fl_funds: str
    fl_deadline: date | None
    fl_plan: str
    supervised: bool
    status: str

    @staticmethod
    def of(hazard: Hazard) -> HazardView:
        return HazardView(
            hazard.id,
            hazard.code,
            hazard.item_id,
            hazard.description,
            hazard.location,
            hazard.grade,
            hazard.basis,
            hazard.requirement,
            hazard.deadline,
            hazard.rectifier,
            hazard.fl_responsibility,
            hazard.fl_measures,
            hazard.fl_funds,
            hazard.fl_deadline,
            hazard.fl_plan,
            hazard.supervised,
            hazard.status,
        )


@dataclass(frozen=True)
class PhotoView:
    """A photo as a list shows it: its link, owner and the thumbnail's JPEG bytes."""

    link_id: str
    attachment_id: str
    owner_type: str
    owner_id: str
    name: str
    thumbnail: bytes | None

    @staticmethod
    def of(link: AttachmentLink) -> PhotoView:
        attachment = link.attachment
        return PhotoView(
            link.id,
            link.attachment_id,
            link.owner_type,
            link.owner_id,
            attachment.original_name if attachment is not None else "",
            attachment.thumbnail if attachment is not None else None,
        )


@dataclass(frozen=True)
class Participant:
    name: str
    cert_no: str


@dataclass(frozen=True)
class InspectionView:
    """Everything the inspection screen shows of one inspection."""

    id: str
    title: str
    status: str
    place_id: str
    place_name: str
    place_address: str
    method: str
    started_at: datetime  # local time
    participants: tuple[Participant, ...]
    accompanying_person: str
    items: tuple[CheckItem, ...]
    hazards: tuple[HazardView, ...]
    photos: tuple[PhotoView, ...]
    progress: Progress

    @property
    def start_day(self) -> date:
        return self.started_at.date()

    @property
    def read_only(self) -> bool:
        return self.status != InspectionStatus.DRAFT.value

    @property
    def issuable(self) -> bool:
        """Documents can be issued for it (a finished check)."""
        return self.status == InspectionStatus.FINISHED.value


def _photo_views(session: Session, inspection_id: str) -> tuple[PhotoView, ...]:
    return tuple(PhotoView.of(link) for link in inspection_photos(session, inspection_id))


def inspection_view(desk: Desk, inspection_id: str) -> InspectionView:
    """The inspection with its items and answers, hazards, photos (thumbnails) and progress."""
    with desk.query() as session:
        inspection = _inspection(session, inspection_id)
        items = tuple(
            CheckItem(
                e.item.id,
                e.template_code,
                e.template_name,
                e.item.seq,
                e.item.content,
                e.item.method,
                e.item.basis,
                e.outcome,
                e.note,
                e.hazard_id,
                e.item.code,
            )
            for e in checklist_entries(session, inspection_id)
        )
        return InspectionView(
            id=inspection.id,
            title=open_inspection_title(session, inspection_id),
            status=inspection.status,
            place_id=inspection.place_id,
            place_name=inspection.place.name,
            place_address=inspection.place.address,
            method=inspection.method,
            started_at=to_local(inspection.started_at),
            participants=tuple(Participant(p.name, p.cert_no) for p in inspection.participants),
            accompanying_person=inspection.accompanying_person,
            items=items,
            hazards=tuple(HazardView.of(h) for h in inspection.hazards),
            photos=_photo_views(session, inspection_id),
            progress=progress(session, inspection_id),
        )


@dataclass(frozen=True)
class AnswerSaved:
    """An answer as saved; ``hazard`` is the item's hazard after it (None unless 不合格)."""

    item_id: str
    outcome: str
    note: str
    hazard: HazardView | None
    progress: Progress


def save_answer(desk: Desk, inspection_id: str, item_id: str, outcome: str, note: str = "") -> AnswerSaved:
    """Save one answer at once (a 不合格 brings its pre-filled hazard, in the same transaction)."""
    with desk.unit() as session:
        roles.check(session, desk.actor, "inspections.record")
        hazard = record_answer(session, inspection_id, item_id, outcome, note)
        return AnswerSaved(
            item_id, outcome, note, HazardView.of(hazard) if hazard else None, progress(session, inspection_id)
        )


def edit_hazard(desk: Desk, hazard_id: str, fields: Mapping[str, Any]) -> HazardView:
    """Save edited fields of a draft's hazard (see :func:`update_hazard`)."""
    with desk.unit() as session:
        roles.check(session, desk.actor, "inspections.record")
        return HazardView.of(update_hazard(session, hazard_id, **fields))


def add_extra_hazard(desk: Desk, inspection_id: str, description: str) -> HazardView:
    """A hazard no checklist foresaw (检查表外隐患), with its description."""
    with desk.unit() as session:
        roles.check(session, desk.actor, "inspections.record")
        return HazardView.of(add_hazard(session, inspection_id, description=description))


def attach_inspection_photos(
    desk: Desk, inspection_id: str, prepared: Sequence[PreparedPhoto], hazard_id: str | None = None
) -> tuple[PhotoView, ...]:
    """Store photos made ready by :func:`prepare_photos` for the inspection or one of its hazards;
    returns all the inspection's photos."""
    with desk.unit() as session:
        roles.check(session, desk.actor, "inspections.record")
        owner_type, owner_id = _photo_owner(session, inspection_id, hazard_id)
        attach_photos(session, desk.attachments, prepared, owner_type, owner_id, "photo")
        return _photo_views(session, inspection_id)


def add_inspection_photos(
    desk: Desk,
    inspection_id: str,
    paths: Sequence[Path],
    hazard_id: str | None = None,
    progress: WorkProgress = NO_PROGRESS,
) -> tuple[PhotoView, ...]:
    """Read the files (folders give their photos), then store them: :func:`prepare_photos` and
    :func:`attach_inspection_photos` in one call."""
    return attach_inspection_photos(desk, inspection_id, prepare_photos(paths, progress), hazard_id)


@dataclass(frozen=True)
class AnswerInput:
    """One answer given outside the inspection screen (the command line, a file of answers): the
    item's result and, for a 不合格, fields of its hazard (:data:`HAZARD_EDITABLE`) and its photos.
    ``deadline_days`` sets the deadline as days after the check's start day; ``label`` is how an
    error names the answer (第 3 行（NINE-FOOD-02）)."""

    item_id: str
    outcome: str
    note: str = ""
    hazard_fields: Mapping[str, Any] = field(default_factory=dict)
    deadline_days: int | None = None
    photos: tuple[PreparedPhoto, ...] = ()
    label: str = ""


def _record_full_answer(session: Session, store: AttachmentStore, inspection_id: str, answer: AnswerInput) -> Hazard | None:
    hazard = record_answer(session, inspection_id, answer.item_id, answer.outcome, answer.note)
    if hazard is None:
        if answer.hazard_fields or answer.deadline_days is not None or answer.photos:
            raise UserInputError(f"结果为“{answer.outcome}”的检查项没有隐患，不能填写隐患内容或附隐患照片。")
        return None
    fields = dict(answer.hazard_fields)
    start_day = hazard.inspection.started_at.astimezone().date()
    if answer.deadline_days is not None:
        if answer.deadline_days < 0:
            raise UserInputError("整改期限的天数不能是负数（0 表示立即整改）。")
        fields["deadline"] = _deadline_for(answer.deadline_days, start_day)
    deadline = fields.get("deadline")
    if isinstance(deadline, date) and deadline < start_day:
        raise UserInputError(f"整改期限 {deadline.isoformat()} 早于检查日期 {start_day.isoformat()}。")
    if fields:
        _apply_hazard_fields(hazard, fields)
    if answer.photos:
        attach_photos(session, store, answer.photos, "hazard", hazard.id, "photo")
    session.flush()
    return hazard


def save_answers(desk: Desk, inspection_id: str, answers: Sequence[AnswerInput]) -> tuple[AnswerSaved, ...]:
    """Save answers with their hazards' fields and photos, all or none (one transaction): one bad
    answer in a file of answers changes nothing, and its error names it (``label``)."""
    with desk.unit() as session:
        roles.check(session, desk.actor, "inspections.record")
        saved = []
        for answer in answers:
            try:
                hazard = _record_full_answer(session, desk.attachments, inspection_id, answer)
            except (UserInputError, NotFoundError) as exc:
                if not answer.label:
                    raise
                raise UserInputError(f"{answer.label}：{exc}") from exc
            saved.append(AnswerSaved(answer.item_id, answer.outcome, answer.note,
                                     HazardView.of(hazard) if hazard else None, progress(session, inspection_id)))
        return tuple(saved)


def unfinished_reasons(desk: Desk, inspection_id: str) -> tuple[str, ...]:
    """Everything that keeps the draft from being finished, as Chinese sentences (empty: it can
    be finished once signed): the unanswered items (by code), each 重大 hazard without its 五落实."""
    with desk.query() as session:
        inspection = _draft(session, inspection_id)
        reasons = []
        unanswered = [e.item.code for e in checklist_entries(session, inspection_id) if not e.outcome]
        if unanswered:
            reasons.append(f"还有 {len(unanswered)} 个检查项未填写结果（可选“不涉及”）：{'、'.join(unanswered)}。")
        for hazard in inspection.hazards:
            missing = missing_five_implementations(hazard)
            if missing:
                reasons.append(f"重大隐患“{hazard.description}”须落实“五落实”，尚缺：{'、'.join(missing)}。")
        return tuple(reasons)


def discard_inspection(desk: Desk, inspection_id: str, reason: str) -> None:
    """Discard a draft with its reason (audited)."""
    with desk.unit() as session:
        roles.check(session, desk.actor, "inspections.record")
        discard_draft(session, inspection_id, reason)


def amend_check(
    desk: Desk,
    inspection_id: str,
    *,
    reason: str,
    findings: str | None = None,
    hazards: Mapping[str, Mapping[str, Any]] | None = None,
) -> None:
    """Correct a finished inspection (audited with its reason; see :func:`amend_inspection`)."""
    with desk.unit() as session:
        roles.check(session, desk.actor, "inspections.record")
        amend_inspection(
            session,
            inspection_id,
            reason=reason,
            findings=findings,
            hazards={hid: dict(fields) for hid, fields in (hazards or {}).items()},
        )


@dataclass(frozen=True)
class FinishSummary:
    """What the finishing dialog says about the check, and who signs by default."""

    progress: Progress
    signer_name: str


def finish_summary(desk: Desk, inspection_id: str) -> FinishSummary:
    with desk.query() as session:
        inspection = _inspection(session, inspection_id)
        return FinishSummary(progress(session, inspection_id), inspection.signer_name)


def finish_check(
    desk: Desk,
    inspection_id: str,
    *,
    signer_name: str = "",
    signature_png: bytes | None = None,
    refusal_reason: str = "",
    refusal_witness: str = "",
    findings: str | None = None,
) -> None:
    """Close the check with the signature or the recorded refusal (see :func:`finish_inspection`);
    ``findings`` (检查情况) is saved with it, or not at all when the check cannot be finished."""
    with desk.unit() as session:
        roles.check(session, desk.actor, "inspections.record")
        if findings is not None:
            set_findings(session, inspection_id, findings.strip())
        finish_inspection(
            session,
            desk.attachments,
            inspection_id,
            signer_name=signer_name,
            signature_png=signature_png,
            refusal_reason=refusal_reason,
            refusal_witness=refusal_witness,
        )


@dataclass(frozen=True)
class TemplateChoice:
    id: str
    code: str
    sector: str
    name: str
    version: int
    item_count: int


@dataclass(frozen=True)
class StartChoices:
    """What the start dialog offers for a place; ``preselected`` are the templates that fit it."""

    place_name: str
    place_address: str
    responsible_person: str
    templates: tuple[TemplateChoice, ...]
    preselected: frozenset[str]
    inspectors: tuple[InspectorRow, ...]


def start_choices(desk: Desk, place_id: str) -> StartChoices:
    """The checklists (the built-in library is brought up to date first, which may write) and the
    inspectors to choose from for a check at ``place_id``."""
    with desk.unit() as session:
        ensure_builtin_library(session)
        place = session.get(Place, place_id)
        if place is None:
            raise NotFoundError("场所不存在。")
        return StartChoices(
            place_name=place.name,
            place_address=place.address,
            responsible_person=place.responsible_person,
            templates=tuple(
                TemplateChoice(t.id, t.code, t.sector, t.name, t.version, len(t.items))
                for t in current_templates(session, enabled_only=True)
            ),
            preselected=frozenset(t.id for t in templates_for_place(session, place)),
            inspectors=tuple(InspectorRow.of(u) for u in inspectors(session)),
        )


def start_draft(
    desk: Desk,
    *,
    place_id: str,
    inspector_ids: Sequence[str],
    template_ids: Sequence[str],
    method: str = InspectionMethod.FOUR_NO_TWO_DIRECT.value,
    started_at: datetime | None = None,
    accompanying_person: str = "",
) -> str:
    """Start a check (a draft); returns its id."""
    with desk.unit() as session:
        roles.check(session, desk.actor, "inspections.record")
        return start_inspection(
            session,
            place_id=place_id,
            inspector_ids=inspector_ids,
            template_ids=template_ids,
            method=method,
            started_at=started_at,
            accompanying_person=accompanying_person,
        ).id


def due_hazards(
    desk: Desk,
    *,
    within_days: int = 7,
    on: date | None = None,
    grade: str | None = None,
    supervised_only: bool = False,
) -> tuple[DueHazard, ...]:
    """The follow-up list: open hazards overdue or due within ``within_days`` (:func:`due_hazard_rows`)."""
    with desk.query() as session:
        return tuple(
            due_hazard_rows(
                session, within_days=within_days, on=on, grade=grade, supervised_only=supervised_only
            )
        )


# --- unfinished checks and the start-up notice ----------------------------------------------------


@dataclass(frozen=True)
class DraftRow:
    """One unfinished check (草稿) as the follow-up tab lists it."""

    id: str
    place_id: str
    place_name: str
    place_address: str
    method: str
    started_at: datetime  # local time
    inspectors: tuple[str, ...]
    answered: int
    total: int
    hazards: int
    mine: bool  # the actor takes part in it


def draft_rows(desk: Desk, *, mine_only: bool = False) -> tuple[DraftRow, ...]:
    """The unfinished checks, newest first, with their progress (only the actor's own with
    ``mine_only``)."""
    user_id = desk.actor.user_id
    with desk.query() as session:
        rows = []
        for inspection in drafts(session, user_id if mine_only else None):
            done = progress(session, inspection.id)
            rows.append(
                DraftRow(
                    id=inspection.id,
                    place_id=inspection.place_id,
                    place_name=inspection.place.name,
                    place_address=inspection.place.address,
                    method=inspection.method,
                    started_at=to_local(inspection.started_at),
                    inspectors=tuple(p.name for p in inspection.participants),
                    answered=done.answered,
                    total=done.total,
                    hazards=done.hazards,
                    mine=user_id is not None and any(p.user_id == user_id for p in inspection.participants),
                )
            )
        return tuple(rows)


@dataclass(frozen=True)
class StartNotice:
    """What the status bar tells the user after login."""

    my_drafts: int  # unfinished checks the user takes part in
    overdue: int  # open hazards of finished checks past their deadline


def start_notice(desk: Desk, on: date | None = None) -> StartNotice:
    """The user's unfinished checks and the township's overdue hazards (two counts)."""
    day = on or today()
    user_id = desk.actor.user_id
    with desk.query() as session:
        mine = 0
        if user_id is not None:
            mine = int(
                session.scalar(
                    select(func.count())
                    .select_from(Inspection)
                    .where(
                        Inspection.status == InspectionStatus.DRAFT.value,
                        Inspection.id.in_(
                            select(InspectionParticipant.inspection_id).where(
                                InspectionParticipant.user_id == user_id
                            )
                        ),
                    )
                )
                or 0
            )
        # Open hazards of finished checks past their deadline (the dashboard's number); the open
        # statuses, not "not closed", so the (status, deadline) index answers it: 12 ms for 200,000 hazards.
        draft_checks = select(Inspection.id).where(Inspection.status == InspectionStatus.DRAFT.value)
        overdue = int(
            session.scalar(
                select(func.count())
                .select_from(Hazard)
                .where(
                    Hazard.status.in_([st.value for st in HazardStatus if st != HazardStatus.CLOSED]),
                    Hazard.deadline < day,
                    Hazard.inspection_id.not_in(draft_checks),
                )
            )
            or 0
        )
        return StartNotice(my_drafts=mine, overdue=overdue)
