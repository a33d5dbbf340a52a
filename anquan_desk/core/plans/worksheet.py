"""The grid's work sheet (网格巡查单) for one day's round: the data, ready to print.

Every place of the grid that is not closed, in route order (``Place.route_order``, then name),
with its risk colour, last finished inspection, open hazards (those due for 复查 by the day are
marked) and whether a routine visit is due this month (see :mod:`anquan_desk.core.plans.tasks`).
Rendering is in :mod:`anquan_desk.io.pdf.worksheet`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from anquan_desk.core.errors import NotFoundError
from anquan_desk.core.models import Grid, GridMember, Place, Township, Village
from anquan_desk.core.plans.tasks import (
    DueHazard,
    due_hazard,
    last_finished_inspections,
    monthly_tasks,
    open_hazards,
    place_sectors,
)
from anquan_desk.core.vocabulary import PlaceStatus

__all__ = ["SheetRow", "Worksheet", "find_grid", "grid_worksheet"]


@dataclass(frozen=True)
class SheetRow:
    seq: int
    place_id: str
    name: str
    address: str
    responsible: str  # 负责人 and phone
    risk_color: str
    sectors: tuple[str, ...]
    last_inspected: date | None
    hazards: tuple[DueHazard, ...]  # every open hazard
    due_review: tuple[str, ...]  # codes of the hazards due for 复查 by the sheet's day
    routine_due: bool  # a routine visit is due this month
    priority: bool  # in a sector of the current plan
    status: str


@dataclass(frozen=True)
class Worksheet:
    township: str
    village: str
    grid: str
    day: date
    members: tuple[str, ...]  # "网格长 张三" …
    rows: tuple[SheetRow, ...]

    @property
    def title(self) -> str:
        grid = self.grid if self.grid.startswith(self.village) else f"{self.village}{self.grid}"
        return f"{grid}安全巡查单"


def find_grid(session: Session, name_or_id: str) -> Grid:
    """A grid by id, by name, or by "村名 网格名"/"村名网格名"; an ambiguous name is an error."""
    grid = session.get(Grid, name_or_id)
    if grid is not None:
        return grid
    text = name_or_id.strip()
    matches = session.scalars(select(Grid).where(Grid.name == text)).all()
    if not matches:
        matches = [
            g
            for g, v in session.execute(select(Grid, Village).join(Village, Grid.village_id == Village.id)).tuples()
            if text in (f"{v.name}{g.name}", f"{v.name} {g.name}", f"{v.name}/{g.name}")
        ]
    if not matches:
        raise NotFoundError(f"找不到网格“{name_or_id}”")
    if len(matches) > 1:
        raise NotFoundError(f"有 {len(matches)} 个网格都叫“{name_or_id}”，请写成“村名 网格名”")
    return matches[0]


def grid_worksheet(
    session: Session, grid_id: str, day: date, *, plan_sectors: Iterable[str] | None = None
) -> Worksheet:
    """The work sheet of the grid for ``day``; ``plan_sectors`` default to the stored programme's."""
    grid = session.get(Grid, grid_id)
    if grid is None:
        raise NotFoundError(f"找不到网格（编号 {grid_id}）")
    village = session.get(Village, grid.village_id)
    township = session.get(Township, village.township_id) if village is not None else None
    places = session.scalars(
        select(Place)
        .where(Place.grid_id == grid_id, Place.status != PlaceStatus.CLOSED.value)
        .order_by(Place.route_order, Place.name)
    ).all()
    ids = [p.id for p in places]
    last_seen = last_finished_inspections(session, ids, day + timedelta(days=1))
    hazards = open_hazards(session, ids)
    sectors = place_sectors(session, ids)
    tasks = monthly_tasks(session, day.year, day.month, grid_id=grid_id, plan_sectors=plan_sectors, today=day)
    routine = {t.place_id for g in tasks.grids for t in g.places if t.routine_due}
    priority = {t.place_id for g in tasks.grids for t in g.places if t.priority}
    rows = []
    for seq, place in enumerate(places, start=1):
        open_ = tuple(due_hazard(h, day) for h in hazards.get(place.id, []))
        due = tuple(h.code for h in open_ if h.deadline is None or h.deadline <= day)
        responsible = " ".join(x for x in (place.responsible_person, place.phone) if x)
        rows.append(
            SheetRow(
                seq=seq,
                place_id=place.id,
                name=place.name,
                address=place.address,
                responsible=responsible,
                risk_color=place.risk_color,
                sectors=tuple(sectors.get(place.id, [])),
                last_inspected=last_seen.get(place.id),
                hazards=open_,
                due_review=due,
                routine_due=place.id in routine,
                priority=place.id in priority,
                status=place.status,
            )
        )
    members = tuple(
        f"{m.role} {m.name}"
        for m in session.scalars(select(GridMember).where(GridMember.grid_id == grid_id).order_by(GridMember.role))
    )
    return Worksheet(
        township=township.name if township is not None else "",
        village=village.name if village is not None else "",
        grid=grid.name,
        day=day,
        members=members,
        rows=tuple(rows),
    )
