"""The 场所基础台账: one row per place."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Select, case, func, select

from anquan_desk.core.errors import UserInputError
from anquan_desk.core.models import Grid, GridMember, Hazard, Inspection, Place, Village
from anquan_desk.core.vocabulary import HazardStatus, InspectionStatus, PlaceStatus
from anquan_desk.io.ledger import (
    PLACE_COLUMNS,
    Column,
)
from anquan_desk.services.ledgers.common import (
    BATCH,
    LedgerContext,
    Row,
    _chunks,
    _day_bounds,
    _Labels,
    _local_day,
    _scrub_names,
)
from anquan_desk.services.ledgers.inspections import _place_scope

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
                _scrub_names(ctx, row, PLACE_LEDGER_COLUMNS, [owner, *members.get(grid_id or "", [])])
            yield row
