"""The township's ground: villages/communities and grids, with place counts."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anquan_desk.core import settings
from anquan_desk.core.models import Grid, Place, PlaceSector, Township, Village
from anquan_desk.services.desk import Desk


@dataclass
class GridNode:
    id: str
    name: str
    places: int


@dataclass
class VillageNode:
    id: str
    name: str
    kind: str
    grids: list[GridNode] = field(default_factory=list)

    @property
    def places(self) -> int:
        return sum(g.places for g in self.grids)


@dataclass
class GroundTree:
    township: str
    villages: list[VillageNode]
    unassigned: int  # places without a grid

    @property
    def places(self) -> int:
        return sum(v.places for v in self.villages) + self.unassigned


def current_township(session: Session) -> Township | None:
    return session.scalars(select(Township).order_by(Township.created_at).limit(1)).first()


def ground_tree(session: Session) -> GroundTree:
    """Villages → grids with the number of places in each (one grouped query)."""
    township = current_township(session)
    counts = dict(
        session.execute(select(Place.grid_id, func.count()).group_by(Place.grid_id)).tuples().all()
    )
    villages: list[VillageNode] = []
    for village in session.scalars(select(Village).order_by(Village.sort_order, Village.name)):
        node = VillageNode(village.id, village.name, village.kind)
        for grid in session.scalars(
            select(Grid).where(Grid.village_id == village.id).order_by(Grid.sort_order, Grid.name)
        ):
            node.grids.append(GridNode(grid.id, grid.name, int(counts.get(grid.id, 0))))
        villages.append(node)
    return GroundTree(township.name if township else "", villages, int(counts.get(None, 0)))


def grid_label(grid: str, village: str) -> str:
    """“村 网格”, without repeating the village when the grid's name already starts with it."""
    return grid if grid.startswith(village) else f"{village} {grid}"


def grid_choices(session: Session) -> list[tuple[str, str]]:
    """(grid id, label) in village and grid order."""
    rows = session.execute(
        select(Grid.id, Grid.name, Village.name)
        .join(Village, Grid.village_id == Village.id)
        .order_by(Village.sort_order, Village.name, Grid.sort_order, Grid.name)
    ).tuples()
    return [(gid, grid_label(name, village)) for gid, name, village in rows]


def known_sectors(session: Session) -> list[str]:
    """Every sector some place belongs to."""
    return list(session.scalars(select(PlaceSector.sector).distinct().order_by(PlaceSector.sector)))


# --- entry points (take a desk, return plain data) -----------------------------------------------


@dataclass(frozen=True)
class TownshipInfo:
    name: str
    demo: bool


def township_info(desk: Desk) -> TownshipInfo | None:
    """The township's name and whether this is a demo database (None before the setup)."""
    with desk.query() as session:
        township = current_township(session)
        if township is None:
            return None
        return TownshipInfo(township.name, settings.township_get(township, settings.DEMO))


def load_ground_tree(desk: Desk) -> GroundTree:
    """Villages and grids with their place counts (plain data, for the tree beside the place list)."""
    with desk.query() as session:
        return ground_tree(session)
