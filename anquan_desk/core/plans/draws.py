"""双随机 with the township's data: the pools, the draw, and the stored record (read side).

* Place pool: places that are not closed, filtered by sector / grid / village / risk colour
  (:class:`DrawScope`). Places are identified in the draw by their UUID (stable on every laptop).
* Inspector pool: active users with a 执法证号, identified by the 执法证号 (printed on the record,
  so the draw can be repeated from the paper).
* :func:`prepare_draw` makes a draw from the pools (reading only); the plans service
  (:func:`anquan_desk.services.plans.make_draw`) appends it to the ``plan.draws`` setting as
  ``{"record": DrawRecord.to_dict(), "drawn_by", "scope", "places": {id: {name, grid}},
  "inspectors": {cert: name}}`` — the names are frozen with the record so that the print-out stays
  the same after a place is renamed. :func:`anquan_desk.core.plans.draw.verify_draw` repeats any
  stored draw.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session

from anquan_desk.core import settings
from anquan_desk.core.models import Grid, Place, PlaceSector, User, Village
from anquan_desk.core.plans.draw import DrawError, DrawRecord, random_draw
from anquan_desk.core.vocabulary import PlaceStatus

__all__ = [
    "DrawScope",
    "InspectorCandidate",
    "PlaceCandidate",
    "StoredDraw",
    "candidate_inspectors",
    "candidate_places",
    "prepare_draw",
    "stored_draws",
]


@dataclass(frozen=True)
class DrawScope:
    """Which places take part. Empty fields do not filter."""

    sector: str | None = None
    grid_id: str | None = None
    village_id: str | None = None
    risk_color: str | None = None

    def describe(self, session: Session) -> str:
        parts = []
        if self.village_id:
            village = session.get(Village, self.village_id)
            parts.append(f"村（社区）：{village.name if village else self.village_id}")
        if self.grid_id:
            grid = session.get(Grid, self.grid_id)
            parts.append(f"网格：{grid.name if grid else self.grid_id}")
        if self.sector:
            parts.append(f"行业领域：{self.sector}")
        if self.risk_color:
            parts.append(f"风险等级：{self.risk_color}")
        return "；".join(parts) if parts else "全部在册场所（不含已关闭）"


@dataclass(frozen=True)
class PlaceCandidate:
    id: str
    name: str
    grid: str


@dataclass(frozen=True)
class InspectorCandidate:
    cert_no: str
    name: str
    user_id: str


@dataclass(frozen=True)
class StoredDraw:
    record: DrawRecord
    drawn_by: str
    scope: str
    places: Mapping[str, PlaceCandidate] = field(hash=False)
    inspectors: Mapping[str, str] = field(hash=False)  # 执法证号 -> name

    def place_name(self, place_id: str) -> str:
        p = self.places.get(place_id)
        return p.name if p else place_id

    def inspector_label(self, cert_no: str) -> str:
        name = self.inspectors.get(cert_no, "")
        return f"{name}（{cert_no}）" if name else cert_no

    def to_dict(self) -> dict[str, Any]:
        return {
            "record": self.record.to_dict(),
            "drawn_by": self.drawn_by,
            "scope": self.scope,
            "places": {k: {"name": v.name, "grid": v.grid} for k, v in self.places.items()},
            "inspectors": dict(self.inspectors),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StoredDraw:
        try:
            return cls(
                record=DrawRecord.from_dict(data["record"]),
                drawn_by=str(data.get("drawn_by", "")),
                scope=str(data.get("scope", "")),
                places={
                    str(k): PlaceCandidate(str(k), str(v["name"]), str(v.get("grid", "")))
                    for k, v in data.get("places", {}).items()
                },
                inspectors={str(k): str(v) for k, v in data.get("inspectors", {}).items()},
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise DrawError(f"已保存的抽取记录格式不正确（{type(exc).__name__}: {exc}）") from exc


def candidate_places(session: Session, scope: DrawScope = DrawScope()) -> list[PlaceCandidate]:
    """The places in ``scope`` (not closed), by grid then name."""
    stmt = (
        select(Place.id, Place.name, Grid.name, Village.name)
        .outerjoin(Grid, Place.grid_id == Grid.id)
        .outerjoin(Village, Grid.village_id == Village.id)
        .where(Place.status != PlaceStatus.CLOSED.value)
    )
    if scope.grid_id:
        stmt = stmt.where(Place.grid_id == scope.grid_id)
    if scope.village_id:
        stmt = stmt.where(Grid.village_id == scope.village_id)
    if scope.sector:
        stmt = stmt.where(
            exists().where(and_(PlaceSector.place_id == Place.id, PlaceSector.sector == scope.sector))
        )
    if scope.risk_color:
        stmt = stmt.where(Place.risk_color == scope.risk_color)
    out = [
        PlaceCandidate(pid, name, _grid_label(village, grid)) for pid, name, grid, village in session.execute(stmt).tuples()
    ]
    out.sort(key=lambda c: (c.grid, c.name, c.id))
    return out


def _grid_label(village: str | None, grid: str | None) -> str:
    if grid is None:
        return "未划分网格"
    if not village or grid.startswith(village):
        return grid
    return f"{village}{grid}"


def candidate_inspectors(session: Session) -> list[InspectorCandidate]:
    """Active users holding a 执法证号, by 执法证号."""
    users = session.scalars(select(User).where(User.active.is_(True), User.cert_no != "").order_by(User.cert_no))
    return [InspectorCandidate(u.cert_no.strip(), u.name, u.id) for u in users if u.cert_no.strip()]


def prepare_draw(
    session: Session,
    *,
    scope: DrawScope,
    count: int,
    drawn_by: str,
    inspectors: Iterable[str] | None = None,
    exclusions: Iterable[tuple[str, str]] = (),
    seed: str | int | None = None,
    now: datetime | None = None,
) -> StoredDraw:
    """Draw ``count`` places of ``scope`` with inspector pairs (nothing is stored here).
    ``inspectors`` (执法证号) defaults to every candidate inspector; ``exclusions`` are
    ``(执法证号, place id)`` pairs (回避)."""
    places = candidate_places(session, scope)
    people = {c.cert_no: c.name for c in candidate_inspectors(session)}
    chosen = list(people) if inspectors is None else list(dict.fromkeys(inspectors))
    unknown = [c for c in chosen if c not in people]
    if unknown:
        raise DrawError(f"执法证号“{'、'.join(unknown)}”不属于任何在岗检查人员")
    try:
        record = random_draw([p.id for p in places], chosen, count, seed=seed, exclusions=exclusions, now=now)
    except DrawError as exc:
        message = str(exc)
        for p in places:  # the draw speaks of ids; the user knows names
            message = message.replace(f"“{p.id}”", f"“{p.name}”")
        raise DrawError(message) from exc
    return StoredDraw(
        record=record,
        drawn_by=drawn_by,
        scope=scope.describe(session),
        places={p.id: p for p in places},
        inspectors={c: people[c] for c in chosen},
    )


def stored_draws(session: Session) -> list[StoredDraw]:
    """Every stored draw, oldest first."""
    return [StoredDraw.from_dict(item) for item in settings.get(session, settings.PLAN_DRAWS)]
