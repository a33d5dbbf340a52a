"""The 检查记录台账: one row per finished inspection."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Select, case, exists, func, select

from anquan_desk.core.models import (
    ChecklistTemplate,
    Grid,
    Hazard,
    Inspection,
    InspectionTemplate,
    Place,
    PlaceSector,
    Village,
)
from anquan_desk.core.vocabulary import DocumentType, HazardGrade, InspectionStatus
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
                _scrub_names(ctx, row, INSPECTION_COLUMNS, names)
            yield row
