"""The 检查记录台账: one row per finished inspection."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Select, case, exists, func, select
from sqlalchemy.orm import Session

from anquan_desk.core.models import (
    ChecklistTemplate,
    Grid,
    Hazard,
    HouseAssessment,
    Inspection,
    InspectionTemplate,
    ItemResult,
    Place,
    PlaceSector,
    Village,
)
from anquan_desk.core.vocabulary import DocumentType, HazardGrade, InspectionStatus, ItemOutcome
from anquan_desk.io.ledger import (
    INSPECTION_COLUMNS,
)
from anquan_desk.services.ledgers.common import (
    BATCH,
    NOTICE_TYPES,
    LedgerContext,
    Row,
    _chunks,
    _day_bounds,
    _document_numbers,
    _Labels,
    _local_day,
    _participants,
    _scrub_names,
)
from anquan_desk.services.ledgers.hazards import _PLACE_SELECT

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


HOUSE_SECTOR = "自建房"
NOT_RECORDED = "未记录"
NOT_APPRAISED = "未鉴定"


def _items_checked(session: Session, ids: Sequence[str]) -> dict[str, dict[str, int]]:
    """Per inspection: how many checklist items were answered, by outcome (合格/不合格/不涉及)."""
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for chunk in _chunks(sorted(set(ids))):
        for iid, outcome, count in session.execute(
            select(ItemResult.inspection_id, ItemResult.outcome, func.count())
            .where(ItemResult.inspection_id.in_(chunk))
            .group_by(ItemResult.inspection_id, ItemResult.outcome)
        ):
            counts[iid][outcome] = int(count)
    return counts


def _content(templates: Sequence[str], checked: dict[str, int] | None, sectors: Sequence[str], findings: str) -> str:
    """检查内容: the checklists used and the items checked, then the written 检查情况. An inspection
    recorded without a checklist says which 行业领域 it covered."""
    scope = f"{'、'.join(sectors)}安全检查" if sectors else "安全检查"
    text = "、".join(templates) if templates else scope
    if checked:
        total = sum(checked.values())
        parts = "、".join(f"{o.value}{checked[o.value]}项" for o in ItemOutcome if checked.get(o.value))
        text += f"（检查{total}项：{parts}）"
    findings = findings.strip()
    return f"{text}；{findings}" if findings else text


def _house_assessments(ctx: LedgerContext, part: Sequence[Any]) -> dict[str, tuple[str, str]]:
    """Per inspection of a 自建房: its 初判类别 and the house's latest 鉴定等级 up to ``as_of``."""
    session = ctx.session
    by_place: dict[str, list[str]] = defaultdict(list)
    for r in part:
        by_place[r[9]].append(r[0])
    classes: dict[str, str] = {}
    grades: dict[str, str] = {}
    for chunk in _chunks(sorted(by_place)):
        for iid, preliminary in session.execute(
            select(HouseAssessment.inspection_id, HouseAssessment.preliminary_class)
            .where(HouseAssessment.place_id.in_(chunk), HouseAssessment.preliminary_class != "")
            .order_by(HouseAssessment.assessed_on, HouseAssessment.updated_at)
        ):
            if iid is not None:
                classes[iid] = preliminary  # the latest entry wins
        for pid, grade, on in session.execute(
            select(HouseAssessment.place_id, HouseAssessment.appraisal_grade, HouseAssessment.assessed_on)
            .where(
                HouseAssessment.place_id.in_(chunk),
                HouseAssessment.appraisal_grade != "",
                HouseAssessment.assessed_on <= ctx.as_of,
            )
            .order_by(HouseAssessment.assessed_on, HouseAssessment.updated_at)
        ):
            grades[pid] = f"{grade}级（{on.isoformat()}鉴定）"
    return {
        iid: (classes.get(iid, NOT_RECORDED), grades.get(pid, NOT_APPRAISED))
        for pid, iids in by_place.items()
        for iid in iids
    }


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
        checked = _items_checked(session, ids)
        houses = _house_assessments(ctx, part)
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
            sectors = labels.place_sectors.get(pid, [])
            content = _content(templates.get(iid, []), checked.get(iid), sectors, findings)
            house_class, house_grade = houses.get(iid, ("", "")) if HOUSE_SECTOR in sectors else ("", "")
            refusal = ""
            if refused:
                refusal = "拒绝签字" + (f"：{reason}" if reason else "") + (f"（见证人：{witness}）" if witness else "")
            total, major = counts.get(iid, (0, 0))
            row: Row = {
                "seq": seq,
                "inspection_no": records.get(iid, ""),
                "inspected_on": _local_day(started_at),
                "grid": labels.grid(grid, village),
                "sector": "、".join(sectors),
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
                "house_class": house_class,
                "house_grade": house_grade,
                "notice_no": notices.get(iid, ""),
                "signed_by": "" if refused else signer,
                "refused_sign": refusal,
                "remarks": f"陪同人员：{accompanying}" if accompanying and not ctx.deidentified else "",
            }
            if ctx.deidentified:
                names = [owner, signer, witness, accompanying, *inspectors.get(iid, "").split("、")]
                _scrub_names(ctx, row, INSPECTION_COLUMNS, names)
            yield row
