"""复查: re-inspecting a place's open hazards, then 销号 or a new deadline (and escalation).

A re-inspection records, per hazard, 已整改 / 部分整改 / 未整改 with after-photos beside the
before-photos. On finishing, rectified hazards are closed (已销号, 16号令 closing the loop);
the others get a new deadline and go back to 整改中; a 重大 hazard that is not rectified is
escalated to 挂牌督办.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from anquan_desk.core.attachments import AttachmentStore, attachments_of, prepare_photo
from anquan_desk.core.audit import record_event
from anquan_desk.core.clock import local_to_utc, to_local, utcnow
from anquan_desk.core.errors import NotFoundError, UserInputError
from anquan_desk.core.models import (
    AttachmentLink,
    AuditEntry,
    Hazard,
    Inspection,
    Reinspection,
    ReinspectionResult,
    User,
)
from anquan_desk.core.vocabulary import HazardGrade, HazardStatus, InspectionStatus, ReviewOutcome
from anquan_desk.services import roles
from anquan_desk.services.desk import Desk
from anquan_desk.services.inspections import PhotoView, PreparedPhoto, attach_photos
from anquan_desk.services.laptops import shown_hazard_number
from anquan_desk.services.users import inspectors as active_inspectors


def start_reinspection(
    session: Session,
    *,
    place_id: str,
    hazard_ids: Sequence[str],
    inspector_ids: Sequence[str],
    at: datetime | None = None,
) -> Reinspection:
    if not hazard_ids:
        raise UserInputError("请选择要复查的隐患。")
    users = [session.get(User, uid) for uid in dict.fromkeys(inspector_ids)]
    if len(users) < 2 or any(u is None for u in users):
        raise UserInputError("复查须由两名及以上检查人员进行，请至少选择两人。")
    hazards = [session.get(Hazard, hid) for hid in hazard_ids]
    for hazard in hazards:
        if hazard is None or hazard.place_id != place_id:
            raise NotFoundError("所选隐患不属于该场所。")
        if hazard.status == HazardStatus.CLOSED.value:
            raise UserInputError(f"隐患 {shown_hazard_number(session, hazard.code)} 已销号，无需复查。")
    reinspection = Reinspection(
        place_id=place_id,
        inspected_at=local_to_utc(at) if at else utcnow(),
        inspectors=[{"name": u.name, "cert_no": u.cert_no, "user_id": u.id} for u in users if u is not None],
    )
    session.add(reinspection)
    session.flush()
    for hazard in hazards:
        assert hazard is not None
        session.add(
            ReinspectionResult(
                reinspection_id=reinspection.id,
                hazard_id=hazard.id,
                outcome=ReviewOutcome.NOT_RECTIFIED.value,
            )
        )
        if hazard.status != HazardStatus.AWAITING_REVIEW.value:
            hazard.status = HazardStatus.AWAITING_REVIEW.value
    session.flush()
    return reinspection


def open_hazards_of_place(session: Session, place_id: str) -> list[Hazard]:
    """Hazards of a place that are not closed, from finished inspections."""
    return list(
        session.scalars(
            select(Hazard)
            .join(Inspection, Inspection.id == Hazard.inspection_id)
            .where(
                Hazard.place_id == place_id,
                Hazard.status != HazardStatus.CLOSED.value,
                Inspection.status == InspectionStatus.FINISHED.value,
            )
            .order_by(Hazard.code)
        )
    )


def resume_or_start_reinspection(
    session: Session, *, place_id: str, inspector_ids: Sequence[str], at: datetime | None = None
) -> Reinspection:
    """The place's unfinished 复查 if there is one (work is never lost), else a new one over all
    its open hazards."""
    pending = session.scalars(
        select(Reinspection)
        .where(Reinspection.place_id == place_id, Reinspection.finished.is_(False))
        .order_by(Reinspection.created_at.desc())
    ).first()
    if pending is not None:
        return pending
    hazards = open_hazards_of_place(session, place_id)
    if not hazards:
        raise UserInputError("该场所没有未销号的隐患。")
    return start_reinspection(
        session, place_id=place_id, hazard_ids=[h.id for h in hazards], inspector_ids=inspector_ids, at=at
    )


def _open(session: Session, reinspection_id: str) -> Reinspection:
    reinspection = session.get(Reinspection, reinspection_id)
    if reinspection is None:
        raise NotFoundError("复查记录不存在。")
    if reinspection.finished:
        raise UserInputError("该复查已完成，不能修改。")
    return reinspection


def _result(session: Session, reinspection: Reinspection, hazard_id: str) -> ReinspectionResult:
    for result in reinspection.results:
        if result.hazard_id == hazard_id:
            return result
    raise NotFoundError("该隐患不在本次复查中。")


def record_review(
    session: Session,
    reinspection_id: str,
    hazard_id: str,
    *,
    outcome: str,
    note: str = "",
    new_deadline: date | None = None,
) -> ReinspectionResult:
    reinspection = _open(session, reinspection_id)
    if outcome not in {o.value for o in ReviewOutcome}:
        raise UserInputError(f"复查结论只能是已整改、部分整改或未整改，而不是“{outcome}”。")
    result = _result(session, reinspection, hazard_id)
    result.outcome = outcome
    result.note = note.strip()
    result.new_deadline = new_deadline
    result.closed = outcome == ReviewOutcome.RECTIFIED.value
    session.flush()
    return result


def add_after_photos(
    session: Session, store: AttachmentStore, reinspection_id: str, hazard_id: str, paths: Sequence[Path]
) -> list[AttachmentLink]:
    reinspection = _open(session, reinspection_id)
    _result(session, reinspection, hazard_id)
    prepared = [PreparedPhoto(path.name, prepare_photo(path)) for path in paths]
    return attach_photos(session, store, prepared, "hazard", hazard_id, "after")


def finish_reinspection(
    session: Session, reinspection_id: str, *, opinion: str = "", signer_name: str = ""
) -> None:
    reinspection = _open(session, reinspection_id)
    closed_on = to_local(reinspection.inspected_at).date()
    for result in reinspection.results:
        hazard = result.hazard
        if result.outcome == ReviewOutcome.RECTIFIED.value:
            hazard.status = HazardStatus.CLOSED.value
            hazard.closed_on = closed_on
            continue
        if result.new_deadline is None:
            raise UserInputError(f"隐患 {shown_hazard_number(session, hazard.code)} 未整改完毕，须重新确定整改期限。")
        if result.new_deadline <= closed_on:
            raise UserInputError(f"隐患 {shown_hazard_number(session, hazard.code)} 的新整改期限须晚于复查日期。")
        hazard.deadline = result.new_deadline
        hazard.status = HazardStatus.IN_PROGRESS.value
        if hazard.grade == HazardGrade.MAJOR.value and not hazard.supervised:
            hazard.supervised = True  # escalate: 重大隐患逾期未改 → 挂牌督办
    reinspection.opinion = opinion.strip() or _default_opinion(reinspection)
    reinspection.signer_name = signer_name.strip()
    reinspection.finished = True
    session.flush()
    record_event(
        session,
        "finish",
        "reinspections",
        reinspection.id,
        closed=sum(1 for r in reinspection.results if r.closed),
        open=sum(1 for r in reinspection.results if not r.closed),
    )


def _default_opinion(reinspection: Reinspection) -> str:
    closed = [r.hazard.code for r in reinspection.results if r.closed]
    open_ = [r for r in reinspection.results if not r.closed]
    parts = []
    if closed:
        parts.append(f"经复查，{len(closed)} 项隐患已整改完毕，予以销号")
    for r in open_:
        deadline = r.new_deadline.strftime("%Y年%m月%d日") if r.new_deadline else ""
        parts.append(f"隐患 {r.hazard.code}{r.outcome}，责令于{deadline}前整改完毕")
    return "；".join(parts) + "。"


FIELD_LABELS = {
    "description": "隐患描述",
    "location": "具体位置",
    "grade": "隐患等级",
    "basis": "判定依据",
    "requirement": "整改要求",
    "deadline": "整改期限",
    "rectifier": "整改责任人",
    "fl_responsibility": "五落实（责任）",
    "fl_measures": "五落实（措施）",
    "fl_funds": "五落实（资金）",
    "fl_deadline": "五落实（时限）",
    "fl_plan": "五落实（预案）",
    "supervised": "挂牌督办",
    "notes": "备注",
}


@dataclass(frozen=True)
class HazardEvent:
    at: datetime
    what: str


def hazard_history(session: Session, hazard_id: str) -> list[HazardEvent]:
    """Everything that happened to one hazard: found, edited, re-inspected, closed."""
    hazard = session.get(Hazard, hazard_id)
    if hazard is None:
        raise NotFoundError("隐患不存在。")
    inspection = session.get(Inspection, hazard.inspection_id)
    assert inspection is not None
    inspectors = "、".join(p.name for p in inspection.participants)
    events = [
        HazardEvent(
            inspection.started_at, f"{inspection.method}检查发现（{inspectors}）：{hazard.description}"
        )
    ]
    if inspection.status == InspectionStatus.FINISHED.value and inspection.ended_at:
        deadline = hazard.deadline.isoformat() if hazard.deadline else "立即"
        events.append(HazardEvent(inspection.ended_at, f"检查结束，责令整改，期限 {deadline}"))
    for entry in session.scalars(
        select(AuditEntry).where(
            AuditEntry.entity == "hazards", AuditEntry.entity_id == hazard.id, AuditEntry.action == "update"
        )
    ):
        changes = json.loads(entry.payload)
        labels = "、".join(FIELD_LABELS.get(k, k) for k in sorted(changes) if k in FIELD_LABELS)
        if labels:
            events.append(HazardEvent(entry.at, f"{entry.actor} 修改了 {labels}"))
    results = session.scalars(
        select(ReinspectionResult)
        .join(Reinspection, Reinspection.id == ReinspectionResult.reinspection_id)
        .where(ReinspectionResult.hazard_id == hazard.id, Reinspection.finished.is_(True))
        .order_by(Reinspection.inspected_at)
    )
    for result in results:
        who = "、".join(str(p.get("name", "")) for p in result.reinspection.inspectors)
        text = f"复查（{who}）：{result.outcome}"
        if result.note:
            text += f"，{result.note}"
        if result.closed:
            text += "，予以销号"
        elif result.new_deadline:
            text += f"，新期限 {result.new_deadline.isoformat()}"
        events.append(HazardEvent(result.reinspection.inspected_at, text))
    return sorted(events, key=lambda e: e.at)


# --- entry points of the 复查 dialog and the follow-up list -------------------------------------


@dataclass(frozen=True)
class ReviewItem:
    """One hazard under re-inspection: what was found, the photos before and after, the review so far."""

    hazard_id: str
    code: str
    description: str
    grade: str
    deadline: date | None
    outcome: str
    note: str
    new_deadline: date | None
    before: tuple[PhotoView, ...]
    after: tuple[PhotoView, ...]


@dataclass(frozen=True)
class ReinspectionView:
    id: str
    place_id: str
    place_name: str
    inspectors: tuple[str, ...]
    items: tuple[ReviewItem, ...]
    inspected_on: date  # local date of the 复查 (the day it began, also when resumed later): its documents' date


@dataclass(frozen=True)
class ReviewInput:
    """The conclusion on one hazard, as entered in the 复查 dialog."""

    hazard_id: str
    outcome: str
    note: str = ""
    new_deadline: date | None = None


def _photos(session: Session, hazard_id: str, role: str) -> tuple[PhotoView, ...]:
    return tuple(PhotoView.of(link) for link in attachments_of(session, "hazard", hazard_id, role))


def _view(session: Session, reinspection: Reinspection) -> ReinspectionView:
    results = sorted(reinspection.results, key=lambda r: r.hazard.code)
    items = tuple(
        ReviewItem(
            hazard_id=r.hazard.id,
            code=r.hazard.code,
            description=r.hazard.description,
            grade=r.hazard.grade,
            deadline=r.hazard.deadline,
            outcome=r.outcome,
            note=r.note,
            new_deadline=r.new_deadline,
            before=_photos(session, r.hazard.id, "photo"),
            after=_photos(session, r.hazard.id, "after"),
        )
        for r in results
    )
    place_name = results[0].hazard.place.name if results else ""
    who = tuple(str(p["name"]) for p in reinspection.inspectors)
    return ReinspectionView(
        reinspection.id, reinspection.place_id, place_name, who, items, to_local(reinspection.inspected_at).date()
    )


def _pair(actor_id: str | None, candidates: Iterable[str]) -> list[str]:
    """The acting user and one other inspector (复查 needs two)."""
    others = [uid for uid in candidates if uid != actor_id][:1]
    return [*([actor_id] if actor_id else []), *others]


def open_reinspection(desk: Desk, place_id: str) -> ReinspectionView:
    """The place's unfinished 复查, or a new one over its open hazards by the acting user and one
    other inspector (see :func:`resume_or_start_reinspection`)."""
    with desk.unit() as session:
        roles.check(session, desk.actor, "reinspections.record")
        pair = _pair(desk.actor.user_id, (u.id for u in active_inspectors(session)))
        reinspection = resume_or_start_reinspection(session, place_id=place_id, inspector_ids=pair)
        return _view(session, reinspection)


def attach_after_photos(
    desk: Desk, reinspection_id: str, hazard_id: str, prepared: Sequence[PreparedPhoto]
) -> tuple[PhotoView, ...]:
    """Store after-photos (made ready by ``inspections.prepare_photos``); returns the hazard's after-photos."""
    with desk.unit() as session:
        roles.check(session, desk.actor, "reinspections.record")
        _result(session, _open(session, reinspection_id), hazard_id)
        attach_photos(session, desk.attachments, prepared, "hazard", hazard_id, "after")
        return _photos(session, hazard_id, "after")


def complete_reinspection(
    desk: Desk,
    reinspection_id: str,
    reviews: Sequence[ReviewInput],
    *,
    opinion: str = "",
    signer_name: str = "",
) -> None:
    """Record every hazard's review and finish the 复查 in one transaction: 销号 or a new deadline."""
    with desk.unit() as session:
        roles.check(session, desk.actor, "reinspections.record")
        for review in reviews:
            record_review(
                session,
                reinspection_id,
                review.hazard_id,
                outcome=review.outcome,
                note=review.note,
                new_deadline=review.new_deadline,
            )
        finish_reinspection(session, reinspection_id, opinion=opinion, signer_name=signer_name)


def hazard_events(desk: Desk, hazard_id: str) -> tuple[HazardEvent, ...]:
    """A hazard's history (:func:`hazard_history`)."""
    with desk.query() as session:
        return tuple(hazard_history(session, hazard_id))
