"""The hazard ledgers: 隐患排查治理台账, 重大隐患挂牌督办台账 and the 超期隐患清单."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from anquan_desk.core.models import Grid, Hazard, Inspection, Place, Reinspection, ReinspectionResult, Village
from anquan_desk.core.vocabulary import HazardGrade, HazardStatus
from anquan_desk.io.ledger import (
    HAZARD_COLUMNS,
    MAJOR_COLUMNS,
    OVERDUE_COLUMNS,
    Column,
)
from anquan_desk.services.ledgers.common import (
    BATCH,
    IMMEDIATE,
    NOTICE_TYPES,
    LedgerContext,
    Row,
    _chunks,
    _document_numbers,
    _hazard_filters,
    _Labels,
    _latest_reviews,
    _local_day,
    _participants,
    _photo_paths,
    _Review,
    _scrub_names,
    _status_text,
)

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
    # 挂牌督办, 治理方案, 整改资金, 验收 (after the place part: the indexes above stay)
    Hazard.listed_on,
    Hazard.supervision_no,
    Hazard.supervising_unit,
    Hazard.treatment_plan,
    Hazard.funds_yuan,
    Hazard.accepted_on,
    Hazard.acceptance,
)

#: The 重大隐患挂牌督办台账 holds the major hazards listed for supervision, and only those.
LISTED_MAJOR = (Hazard.grade == HazardGrade.MAJOR.value, Hazard.supervised.is_(True))
NOT_RECORDED = "未登记"


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
    done: dict[str, str]


def _what_was_done(session: Session, hazard_ids: Sequence[str]) -> dict[str, str]:
    """整改情况 per hazard: what each finished 复查 found done, in order (``2026-07-10复查：…``).

    The hazard's own 复查 note; where there is none and the 复查 covered this hazard alone, its
    复查意见. A 复查 without either adds nothing (the outcome is in 复查结论, the status in 整改状态)."""
    parts: dict[str, list[str]] = defaultdict(list)
    for chunk in _chunks(sorted(set(hazard_ids))):
        sole = (
            select(ReinspectionResult.reinspection_id)
            .group_by(ReinspectionResult.reinspection_id)
            .having(func.count() == 1)
        )
        for hid, at, note, opinion, alone in session.execute(
            select(
                ReinspectionResult.hazard_id,
                Reinspection.inspected_at,
                ReinspectionResult.note,
                Reinspection.opinion,
                Reinspection.id.in_(sole),
            )
            .join(Reinspection, Reinspection.id == ReinspectionResult.reinspection_id)
            .where(ReinspectionResult.hazard_id.in_(chunk), Reinspection.finished.is_(True))
            .order_by(ReinspectionResult.hazard_id, Reinspection.inspected_at)
        ):
            text = (note or "").strip() or ((opinion or "").strip() if alone else "")
            if text:
                day = _local_day(at)
                parts[hid].append(f"{day.isoformat() if day else ''}复查：{text}")
    return {hid: "；".join(texts) for hid, texts in parts.items()}


def _state_text(status: str, deadline: dt.date | None, closed_on: dt.date | None, as_of: dt.date) -> str:
    """整改状态: the status; 逾期整改 where a hazard was closed after its deadline, the days overdue
    where an open one is past it. (立即整改 hazards have no deadline date: a 复查 days later says
    nothing about when they were put right.)"""
    if status == HazardStatus.CLOSED.value:
        if deadline is not None and closed_on is not None and closed_on > deadline:
            return f"{status}（逾期整改）"
        return status
    return _status_text(status, deadline, as_of)


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
            done=_what_was_done(session, hazard_ids),
        )
        yield [(r, labels) for r in part], batch


def _photos_for_row(ctx: LedgerContext, code: str, photos: list[tuple[str, Path]]) -> list[str] | None:
    if ctx.photo_sink is not None and photos:
        ctx.photo_sink(code, photos)
    if ctx.photos == "column":
        return [str(p) for role, p in photos if role != "after"] or [str(p) for _r, p in photos]
    return None


def _supervision_note(supervised: bool, listed_on: dt.date | None, number: str) -> str:
    if not supervised:
        return ""
    details = "，".join(p for p in (f"{listed_on.isoformat()}挂牌" if listed_on else "", number) if p)
    return f"挂牌督办（{details}）" if details else "挂牌督办"


def hazard_rows(ctx: LedgerContext, columns: Sequence[Column] = HAZARD_COLUMNS) -> Iterator[Row]:
    """隐患排查治理台账 rows, one per hazard of a finished inspection, in check-date order."""
    seq = 0
    for part, batch in _hazard_batches(ctx, _hazard_stmt(ctx)):
        for r, labels in part:
            (hid, code, sector, description, location, grade, basis, requirement, deadline, status,
             rectifier, supervised, closed_on, notes, _fr, _fm, _ff, _fd, _fp, iid, started_at, method, pid, place_name,
             address, owner, phone, nine_small, house_use, grid, village, listed_on, supervision_no,
             *_rest) = r
            seq += 1
            review = batch.reviews.get(hid)
            remarks = [part_ for part_ in (_supervision_note(supervised, listed_on, supervision_no), notes) if part_]
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
                "location": location,
                "category": sector,
                "level": grade,
                "basis": basis,
                "measures": requirement,
                "deadline": deadline if deadline is not None else IMMEDIATE,
                "rectify_person": rectifier,
                "notice_no": batch.notices.get(iid, ""),
                "rectification": batch.done.get(hid, ""),
                "rectified_on": rectified_on or closed_on,
                "reviewed_on": review.on if review else None,
                "reviewer": review.reviewers if review else "",
                "review_result": review.outcome if review else "",
                "state": _state_text(status, deadline, closed_on, ctx.as_of),
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
                _scrub_names(ctx, row, columns, names)
            yield row


def major_rows(ctx: LedgerContext) -> Iterator[Row]:
    """重大隐患挂牌督办台账 rows: the 挂牌督办 major hazards with 挂牌日期、督办文号、治理方案、
    五落实 (责任、措施、资金、时限、预案) and the 验收."""
    stmt = _hazard_stmt(ctx, *LISTED_MAJOR)
    seq = 0
    for part, batch in _hazard_batches(ctx, stmt):
        for r, labels in part:
            (hid, code, sector, description, location, _grade, basis, requirement, deadline, status,
             rectifier, _supervised, closed_on, notes, fl_resp, fl_measures, fl_funds, fl_deadline, fl_plan,
             iid, started_at, _method, _pid, place_name, address, owner, _phone, _nine, _house, grid,
             village, listed_on, supervision_no, supervising_unit, treatment_plan, funds_yuan, accepted_on,
             acceptance) = r
            seq += 1
            review = batch.reviews.get(hid)
            closed = status == HazardStatus.CLOSED.value
            progress = _state_text(status, fl_deadline or deadline, closed_on, ctx.as_of)
            done = batch.done.get(hid)
            if done:  # what each 复查 found done
                progress += f"；{done}"
            elif review is not None:
                progress += f"；{review.on.isoformat() if review.on else ''}复查：{review.outcome}"
            row: Row = {
                "seq": seq,
                "hazard_no": code,
                "grid": labels.grid(grid, village),
                "sector": sector,
                "place_name": place_name,
                "address": address,
                "description": description,
                "basis": basis,
                "location": location,
                "found_on": _local_day(started_at),
                "listed_on": listed_on or NOT_RECORDED,
                "supervision_no": supervision_no or NOT_RECORDED,
                "supervising_unit": supervising_unit or ctx.issuer,
                "treatment_plan": treatment_plan,
                "responsible_unit": place_name,
                "responsible_person": fl_resp or rectifier,
                "measures": fl_measures or requirement,
                "funds": round(funds_yuan / 10000, 4) if funds_yuan is not None else fl_funds,
                "deadline": fl_deadline or deadline or IMMEDIATE,
                "contingency_plan": fl_plan,
                "progress": progress,
                "accepted_on": accepted_on,
                "acceptance": acceptance,
                "supervision_status": "已摘牌销号" if closed else "挂牌督办中",
                "delisted_on": closed_on if closed else None,
                "remarks": notes,
            }
            _photos_for_row(ctx, code, batch.photos.get(hid, []))
            if ctx.deidentified:
                names = [owner, rectifier, *batch.inspectors.get(iid, "").split("、")]
                if review is not None:
                    names.extend(review.names)
                _scrub_names(ctx, row, MAJOR_COLUMNS, names)
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
             supervised, _closed, notes, _fr, _fm, _ff, _fd, _fp, iid, _started, _method, _pid, place_name, address, owner,
             phone, _nine, _house, grid, village, listed_on, supervision_no, *_rest) = r
            seq += 1
            remarks = [p for p in (_supervision_note(supervised, listed_on, supervision_no),
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
                _scrub_names(ctx, row, OVERDUE_COLUMNS, names)
            yield row
