"""Listing and finding places, page by page (the UI's lazy table asks for one page at a time)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time

from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.orm import Session

from anquan_desk.core.clock import local_to_utc
from anquan_desk.core.models import (
    Grid,
    Hazard,
    HazardStatus,
    Inspection,
    InspectionStatus,
    Place,
    PlaceSector,
    Village,
)
from anquan_desk.core.search import count_matches, normalize_query, place_match_clause


@dataclass(frozen=True)
class PlaceFilter:
    """What the place list shows. Empty fields do not filter."""

    village_id: str | None = None
    grid_id: str | None = None
    unassigned: bool = False  # only places without a grid
    query: str = ""
    sector: str | None = None
    nine_small_kind: str | None = None
    risk_color: str | None = None
    status: str | None = None
    has_overdue: bool = False
    not_inspected_since: date | None = None  # e.g. the first day of this quarter
    today: date | None = None  # for 逾期; defaults to the local date


@dataclass(frozen=True)
class PlaceRow:
    id: str
    name: str
    village: str
    grid: str
    address: str
    responsible_person: str
    phone: str
    sectors: tuple[str, ...]
    nine_small_kind: str
    risk_color: str
    status: str
    credit_code: str = ""
    extra: dict[str, str] = field(default_factory=dict)


SORT_KEYS = {
    "name": Place.name,
    "village": Village.name,
    "grid": Grid.name,
    "address": Place.address,
    "responsible_person": Place.responsible_person,
    "risk_color": Place.risk_color,
    "status": Place.status,
    "nine_small_kind": Place.nine_small_kind,
}


def _base(session: Session, f: PlaceFilter) -> Select[tuple[Place]]:
    stmt = select(Place)
    if f.unassigned:
        stmt = stmt.where(Place.grid_id.is_(None))
    elif f.grid_id:
        stmt = stmt.where(Place.grid_id == f.grid_id)
    elif f.village_id:
        stmt = stmt.where(Place.grid_id.in_(select(Grid.id).where(Grid.village_id == f.village_id)))
    match = place_match_clause(session, f.query)
    if match is not None:
        stmt = stmt.where(match)
    if f.sector:
        stmt = stmt.where(
            exists().where(and_(PlaceSector.place_id == Place.id, PlaceSector.sector == f.sector))
        )
    if f.nine_small_kind:
        stmt = stmt.where(Place.nine_small_kind == f.nine_small_kind)
    if f.risk_color:
        stmt = stmt.where(Place.risk_color == f.risk_color)
    if f.status:
        stmt = stmt.where(Place.status == f.status)
    if f.has_overdue:
        today = f.today or date.today()
        stmt = stmt.where(
            exists().where(
                and_(
                    Hazard.place_id == Place.id,
                    Hazard.status != HazardStatus.CLOSED.value,
                    Hazard.deadline < today,
                )
            )
        )
    if f.not_inspected_since is not None:
        since = local_to_utc(datetime.combine(f.not_inspected_since, time()))
        stmt = stmt.where(
            ~exists().where(
                and_(
                    Inspection.place_id == Place.id,
                    Inspection.status == InspectionStatus.FINISHED.value,
                    Inspection.started_at >= since,
                )
            )
        )
    return stmt


def _only_query(f: PlaceFilter) -> bool:
    return replace(f, query="", today=None) == PlaceFilter()


def count_places(session: Session, f: PlaceFilter, *, cap: int | None = None) -> int:
    """How many places match. With ``cap``, counting stops at ``cap + 1`` (a result above
    ``cap`` means "more than cap"): the list shows "超过 cap 个" instead of scanning everything."""
    if f.query and _only_query(f):
        counted = count_matches(session, f.query) if cap is None or len(normalize_query(f.query)) >= 3 else None
        if counted is not None:
            return counted
    stmt = _base(session, f).with_only_columns(Place.id).order_by(None)
    if cap is not None:
        stmt = stmt.limit(cap + 1)
    return int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)


def fetch_places(
    session: Session, f: PlaceFilter, offset: int, limit: int, sort: str = "name", descending: bool = False
) -> list[PlaceRow]:
    """One page of the filtered list, with village and grid names and sectors."""
    key = SORT_KEYS.get(sort, Place.name)
    order = key.desc() if descending else key.asc()
    stmt = (
        _base(session, f)
        .outerjoin(Grid, Grid.id == Place.grid_id)
        .outerjoin(Village, Village.id == Grid.village_id)
        .with_only_columns(
            Place.id,
            Place.name,
            Village.name,
            Grid.name,
            Place.address,
            Place.responsible_person,
            Place.phone,
            Place.nine_small_kind,
            Place.risk_color,
            Place.status,
            Place.credit_code,
        )
        .order_by(order, Place.id)
        .offset(offset)
        .limit(limit)
    )
    rows = session.execute(stmt).all()
    ids = [r[0] for r in rows]
    sectors: dict[str, list[str]] = {}
    if ids:
        for place_id, sector in session.execute(
            select(PlaceSector.place_id, PlaceSector.sector).where(PlaceSector.place_id.in_(ids))
        ):
            sectors.setdefault(place_id, []).append(sector)
    return [
        PlaceRow(
            id=r[0],
            name=r[1],
            village=r[2] or "",
            grid=r[3] or "",
            address=r[4] or "",
            responsible_person=r[5] or "",
            phone=r[6] or "",
            sectors=tuple(sorted(sectors.get(r[0], []))),
            nine_small_kind=r[7] or "",
            risk_color=r[8],
            status=r[9],
            credit_code=r[10] or "",
        )
        for r in rows
    ]
