"""Monthly task list per grid: which places to visit in a month, and why.

Rules
-----
* **Routine visit by risk colour.** Each colour has a frequency in months (default 红 1, 橙 2,
  黄 3, 蓝 6; stored in the ``plan.frequency`` setting as ``{"红": 1, …}`` by
  :func:`anquan_desk.services.plans.set_frequency`). A place of frequency
  *f* is due in month *M* when it has no finished inspection (status 已完成) from the first day of
  month *M − f + 1* up to the end of *M* — i.e. its last visit is older than the period ending with
  *M*, or it was never inspected. A red place inspected on 11-15 is due again in December; an
  orange one is not (the 2-month period Nov–Dec already has a visit).
* **Re-inspection (复查).** Every open hazard (not 已销号) whose deadline is on or before the last
  day of *M* — or that had to be put right at once (no deadline) — makes its place due.
* **Plan sectors.** A place in one of the programme's sectors is marked as a priority (重点); a
  place marked 人员密集场所 counts as that sector too.
* **Status.** Closed places (关闭) are left out; suspended ones (停业) get no routine visit but
  still appear for a due re-inspection.

Places are listed per grid in route order (``Place.route_order``, then name); places without a
grid come last under "未划分网格". Dates are local dates.
"""

from __future__ import annotations

import calendar as _cal
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anquan_desk.core import settings
from anquan_desk.core.clock import local_to_utc, to_local
from anquan_desk.core.errors import UserInputError
from anquan_desk.core.models import Grid, Hazard, Inspection, Place, PlaceSector, Village
from anquan_desk.core.plans.calendar import PeriodWindow, Span, periods_in_month
from anquan_desk.core.plans.programme import load_programme
from anquan_desk.core.vocabulary import HazardStatus, InspectionStatus, PlaceStatus, RiskColor

__all__ = [
    "DEFAULT_FREQUENCY",
    "UNASSIGNED_GRID",
    "DueHazard",
    "GridTasks",
    "MonthTasks",
    "PlaceTask",
    "TaskError",
    "check_frequency",
    "get_frequency",
    "last_finished_inspections",
    "monthly_tasks",
    "open_hazards",
    "parse_month",
]

DEFAULT_FREQUENCY: Mapping[str, int] = {"红": 1, "橙": 2, "黄": 3, "蓝": 6}
UNASSIGNED_GRID = "未划分网格"
REASON_ROUTINE = "定期巡查"
REASON_REVIEW = "隐患复查"
CROWDED = "人员密集场所"


class TaskError(UserInputError):
    """Bad month, frequency or grid (message in Chinese)."""


@dataclass(frozen=True)
class DueHazard:
    id: str
    code: str
    description: str
    deadline: date | None
    status: str
    grade: str
    overdue: bool  # past its deadline on the reference day


@dataclass(frozen=True)
class PlaceTask:
    place_id: str
    name: str
    address: str
    risk_color: str
    route_order: int
    sectors: tuple[str, ...]
    last_inspected: date | None
    routine_due: bool
    hazards: tuple[DueHazard, ...]  # open hazards due for 复查 this month
    priority: bool  # in one of the plan's sectors
    plan_sectors: tuple[str, ...] = ()  # which of the plan's sectors

    @property
    def reasons(self) -> tuple[str, ...]:
        out = []
        if self.routine_due:
            out.append(REASON_ROUTINE)
        if self.hazards:
            out.append(REASON_REVIEW)
        return tuple(out)


@dataclass(frozen=True)
class GridTasks:
    grid_id: str | None
    grid: str
    village: str
    places: tuple[PlaceTask, ...]

    @property
    def label(self) -> str:
        if not self.village or self.grid.startswith(self.village):
            return self.grid
        return f"{self.village} {self.grid}"


@dataclass(frozen=True)
class MonthTasks:
    year: int
    month: int
    frequency: Mapping[str, int]
    plan_sectors: tuple[str, ...]
    periods: tuple[PeriodWindow, ...]  # key-period windows overlapping the month
    grids: tuple[GridTasks, ...] = field(default=())

    @property
    def place_count(self) -> int:
        return sum(len(g.places) for g in self.grids)

    def to_dict(self) -> dict[str, Any]:
        return {
            "month": f"{self.year:04d}-{self.month:02d}",
            "frequency": dict(self.frequency),
            "plan_sectors": list(self.plan_sectors),
            "periods": [
                {"name": w.name, "start": w.start.isoformat(), "end": w.end.isoformat()} for w in self.periods
            ],
            "grids": [
                {
                    "grid": g.grid,
                    "village": g.village,
                    "places": [
                        {
                            "id": p.place_id,
                            "name": p.name,
                            "risk_color": p.risk_color,
                            "route_order": p.route_order,
                            "last_inspected": p.last_inspected.isoformat() if p.last_inspected else None,
                            "reasons": list(p.reasons),
                            "priority": p.priority,
                            "plan_sectors": list(p.plan_sectors),
                            "hazards": [
                                {
                                    "code": h.code,
                                    "description": h.description,
                                    "deadline": h.deadline.isoformat() if h.deadline else None,
                                    "status": h.status,
                                    "overdue": h.overdue,
                                }
                                for h in p.hazards
                            ],
                        }
                        for p in g.places
                    ],
                }
                for g in self.grids
            ],
        }


# --------------------------------------------------------------------------- frequency


def check_frequency(data: Mapping[str, Any]) -> dict[str, int]:
    """The defaults overridden by ``data`` (colour → months, 1–12); a bad entry is a :class:`TaskError`."""
    out = dict(DEFAULT_FREQUENCY)
    for colour, months in data.items():
        if colour not in DEFAULT_FREQUENCY:
            raise TaskError(f"风险等级“{colour}”不存在（应为 红、橙、黄、蓝）")
        if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 12:
            raise TaskError(f"{colour}色场所的检查周期应为 1–12 个月，现为“{months}”")
        out[colour] = months
    return out


def get_frequency(session: Session) -> dict[str, int]:
    """Months between routine visits per risk colour (the setting over the defaults)."""
    data = settings.get(session, settings.PLAN_FREQUENCY)
    if not data:
        return dict(DEFAULT_FREQUENCY)
    return check_frequency(data)


# --------------------------------------------------------------------------- helpers


def parse_month(text: str) -> tuple[int, int]:
    """``"2026-12"`` (or ``2026/12``, ``2026年12月``) → ``(2026, 12)``."""
    cleaned = text.strip().replace("年", "-").replace("月", "").replace("/", "-").replace(".", "-")
    parts = cleaned.split("-")
    try:
        year, month = int(parts[0]), int(parts[1])
        if len(parts) != 2 or not 1 <= month <= 12 or not 1901 <= year <= 2099:
            raise ValueError
    except (ValueError, IndexError) as exc:
        raise TaskError(f"月份“{text}”格式不对，应为 年-月，如 2026-12") from exc
    return year, month


def _month_add(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def _start_utc(day: date) -> datetime:
    return local_to_utc(datetime.combine(day, time()))


def last_finished_inspections(
    session: Session, place_ids: Sequence[str] | None, before: date
) -> dict[str, date]:
    """Local date of each place's last finished inspection started before ``before``."""
    stmt = (
        select(Inspection.place_id, func.max(Inspection.started_at))
        .where(Inspection.status == InspectionStatus.FINISHED.value, Inspection.started_at < _start_utc(before))
        .group_by(Inspection.place_id)
    )
    if place_ids is not None:
        stmt = stmt.where(Inspection.place_id.in_(list(place_ids)))
    out: dict[str, date] = {}
    for place_id, started in session.execute(stmt).tuples():
        if started is not None:
            moment = started if isinstance(started, datetime) else datetime.fromisoformat(str(started))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            out[place_id] = to_local(moment).date()
    return out


def open_hazards(session: Session, place_ids: Sequence[str] | None) -> dict[str, list[Hazard]]:
    """Open (not 已销号) hazards per place, by deadline (immediate ones first) then code."""
    stmt = select(Hazard).where(Hazard.status != HazardStatus.CLOSED.value)
    if place_ids is not None:
        stmt = stmt.where(Hazard.place_id.in_(list(place_ids)))
    out: dict[str, list[Hazard]] = defaultdict(list)
    for hazard in session.scalars(stmt):
        out[hazard.place_id].append(hazard)
    for items in out.values():
        items.sort(key=lambda h: (h.deadline or date.min, h.code))
    return dict(out)


def place_sectors(session: Session, place_ids: Sequence[str] | None) -> dict[str, list[str]]:
    stmt = select(PlaceSector.place_id, PlaceSector.sector).order_by(PlaceSector.sector)
    if place_ids is not None:
        stmt = stmt.where(PlaceSector.place_id.in_(list(place_ids)))
    out: dict[str, list[str]] = defaultdict(list)
    for place_id, sector in session.execute(stmt).tuples():
        out[place_id].append(sector)
    return dict(out)


def _effective_sectors(place: Place, rows: Iterable[str]) -> tuple[str, ...]:
    sectors = list(rows)
    if place.densely_populated and CROWDED not in sectors:
        sectors.append(CROWDED)
    return tuple(sectors)


def due_hazard(hazard: Hazard, today: date) -> DueHazard:
    return DueHazard(
        id=hazard.id,
        code=hazard.code,
        description=hazard.description,
        deadline=hazard.deadline,
        status=hazard.status,
        grade=hazard.grade,
        overdue=hazard.is_overdue(today),
    )


# --------------------------------------------------------------------------- the task list


def monthly_tasks(
    session: Session,
    year: int,
    month: int,
    *,
    grid_id: str | None = None,
    frequency: Mapping[str, int] | None = None,
    plan_sectors: Iterable[str] | None = None,
    periods: Iterable[str] | None = None,
    today: date | None = None,
    spans: Mapping[str, Span] | None = None,
) -> MonthTasks:
    """The places due in ``year``-``month``, per grid (see the module docstring for the rules).

    ``frequency`` defaults to the stored setting; ``plan_sectors`` and ``periods`` default to the
    stored programme's (``plan.current``; without one: no priority sectors, every key period);
    ``periods`` (names) restricts the key-period windows reported for the month; ``today`` (default: the month's first day or
    the real date, whichever is later) decides what counts as 逾期. ``spans`` are the windows of the
    weather periods (汛期, 高温 …) as the plan gives them; by default the stored programme's, over
    the calendar's defaults.
    """
    if not 1 <= month <= 12:
        raise TaskError(f"月份 {month} 不存在")
    freq = check_frequency(frequency) if frequency is not None else get_frequency(session)
    if plan_sectors is None or periods is None or spans is None:
        programme = load_programme(session)
        if plan_sectors is None:
            plan_sectors = programme.sector_names if programme is not None else ()
        if periods is None and programme is not None:
            periods = programme.periods
        if spans is None and programme is not None:
            spans = programme.spans
    sectors_wanted = tuple(dict.fromkeys(plan_sectors))
    first = date(year, month, 1)
    last = date(year, month, _cal.monthrange(year, month)[1])
    after_last = last + timedelta(days=1)
    ref_day = today or max(first, date.today())

    stmt = (
        select(Place, Grid, Village)
        .outerjoin(Grid, Place.grid_id == Grid.id)
        .outerjoin(Village, Grid.village_id == Village.id)
        .where(Place.status != PlaceStatus.CLOSED.value)
    )
    if grid_id is not None:
        stmt = stmt.where(Place.grid_id == grid_id)
    rows = session.execute(stmt).tuples().all()
    ids = [p.id for p, _g, _v in rows] if grid_id is not None else None
    last_seen = last_finished_inspections(session, ids, after_last)
    hazards = open_hazards(session, ids)
    sector_rows = place_sectors(session, ids)

    by_grid: dict[str | None, tuple[str, str, tuple[int, int, str], list[PlaceTask]]] = {}
    for place, grid, village in rows:
        months = freq.get(place.risk_color, freq[RiskColor.BLUE.value])
        sy, sm = _month_add(year, month, -(months - 1))
        window_start = date(sy, sm, 1)
        seen = last_seen.get(place.id)
        routine = place.status == PlaceStatus.OPEN.value and (seen is None or seen < window_start)
        due = tuple(
            due_hazard(h, ref_day) for h in hazards.get(place.id, []) if h.deadline is None or h.deadline <= last
        )
        if not routine and not due:
            continue
        effective = _effective_sectors(place, sector_rows.get(place.id, []))
        matched = tuple(s for s in sectors_wanted if s in effective)
        task = PlaceTask(
            place_id=place.id,
            name=place.name,
            address=place.address,
            risk_color=place.risk_color,
            route_order=place.route_order,
            sectors=effective,
            last_inspected=seen,
            routine_due=routine,
            hazards=due,
            priority=bool(matched),
            plan_sectors=matched,
        )
        key = grid.id if grid is not None else None
        if key not in by_grid:
            order = (
                (village.sort_order if village else 0, grid.sort_order, f"{village.name if village else ''}{grid.name}")
                if grid is not None
                else (1 << 30, 0, "")
            )
            by_grid[key] = (
                grid.name if grid is not None else UNASSIGNED_GRID,
                village.name if village is not None else "",
                order,
                [],
            )
        by_grid[key][3].append(task)

    grids = []
    for gkey, (name, village_name, _order, tasks) in sorted(by_grid.items(), key=lambda kv: kv[1][2]):
        tasks.sort(key=lambda t: (t.route_order, t.name))
        grids.append(GridTasks(gkey, name, village_name, tuple(tasks)))
    windows = periods_in_month(year, month, spans=spans)
    if periods is not None:
        names = set(periods)
        windows = [w for w in windows if w.name in names]
    return MonthTasks(year, month, dict(freq), sectors_wanted, tuple(windows), tuple(grids))
