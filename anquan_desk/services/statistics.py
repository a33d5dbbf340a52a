"""Statistics: the quarterly/annual tables (16号令 第十四条) and the dashboard's numbers.

Definitions, for a period [start, end] (local dates):
- 检查场所数: distinct places with a finished inspection started in the period;
- 检查次数: finished inspections started in the period;
- 一般/重大隐患: hazards found by those inspections, by grade;
- 已整改: of those, closed (已销号) on or before the period's end;
- 整改率: 已整改 / 隐患总数;
- 逾期未改: of those, still open at the period's end (or today, if earlier) and past their deadline;
- 重大隐患未销号: every 重大 hazard found up to the period's end that is still open at that time;
- 挂牌督办数: hazards listed for supervision (挂牌督办) in the period — by their 挂牌日期, or, for a
  hazard marked 挂牌督办 without a recorded date, by the day it was found;
- 未摘牌: hazards listed up to the period's end and still open at that time;
- 整改资金: the recorded 整改资金 of the hazards found in the period, in 万元.

Grouping is by village/grid or by sector (行业领域: a hazard's own sector; a place counts under
each of its sectors). Sectors are those of the checklist library (燃气、自建房、消防、九小场所 as
shipped); a sector the library does not know (a place typed in as 工贸) counts as 其他. The totals
row counts distinct places, so it is not the sum of the sector rows where places belong to several
sectors.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from anquan_desk.core.clock import local_to_utc, to_local, today
from anquan_desk.core.models import ChecklistTemplate, Hazard, Inspection, Place, PlaceSector
from anquan_desk.core.vocabulary import HazardGrade, HazardStatus, InspectionStatus
from anquan_desk.services.desk import Desk
from anquan_desk.services.ground import grid_choices

GroupBy = Literal["grid", "sector"]
UNASSIGNED = "未划分网格"
NO_SECTOR = "其他"


@dataclass
class StatRow:
    """One line of the statistics table."""

    key: str
    label: str
    places_inspected: int = 0
    inspections: int = 0
    hazards_general: int = 0
    hazards_major: int = 0
    rectified: int = 0
    overdue: int = 0
    major_open: int = 0
    supervised: int = 0
    supervised_open: int = 0
    funds_yuan: int = 0
    places_total: int = 0
    _places: set[str] = field(default_factory=set, repr=False)

    @property
    def funds_wan(self) -> float:
        """整改资金 in 万元."""
        return self.funds_yuan / 10000

    @property
    def hazards(self) -> int:
        return self.hazards_general + self.hazards_major

    @property
    def rectification_rate(self) -> float | None:
        """整改率 as a fraction; None where no hazard was found."""
        return self.rectified / self.hazards if self.hazards else None

    @property
    def coverage(self) -> float | None:
        return self.places_inspected / self.places_total if self.places_total else None


@dataclass(frozen=True)
class StatTable:
    start: date
    end: date
    group_by: GroupBy
    rows: list[StatRow]
    totals: StatRow


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    first = date(year, 3 * (quarter - 1) + 1, 1)
    last_month_end = date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1) - timedelta(days=1)
    return first, last_month_end


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def _utc_range(start: date, end: date) -> tuple[datetime, datetime]:
    return local_to_utc(datetime.combine(start, time())), local_to_utc(
        datetime.combine(end + timedelta(days=1), time())
    )


def library_sectors(session: Session) -> frozenset[str]:
    """The 行业领域 of the checklist library (its enabled templates); empty without a library."""
    return frozenset(
        session.scalars(select(ChecklistTemplate.sector).where(ChecklistTemplate.enabled.is_(True)).distinct())
    )


def sector_filter(session: Session) -> Callable[[Iterable[str]], list[str]]:
    """Keeps the sectors the library knows (every sector when there is no library), in order."""
    known = library_sectors(session)

    def keep(sectors: Iterable[str]) -> list[str]:
        return [s for s in sectors if not known or s in known]

    return keep


def _grid_labels(session: Session) -> dict[str | None, str]:
    labels: dict[str | None, str] = {None: UNASSIGNED}
    labels.update(grid_choices(session))
    return labels


def _grid_order(session: Session) -> list[str | None]:
    return [*(gid for gid, _label in grid_choices(session)), None]


def statistics_table(
    session: Session, start: date, end: date, group_by: GroupBy = "grid", *, as_of: date | None = None
) -> StatTable:
    """The statistics of [start, end] grouped by grid or sector, with totals."""
    if end < start:
        raise ValueError("end before start")
    cutoff = min(end, as_of or today())
    lo, hi = _utc_range(start, end)
    in_period = and_(
        Inspection.status == InspectionStatus.FINISHED.value,
        Inspection.started_at >= lo,
        Inspection.started_at < hi,
    )
    rows: dict[str | None, StatRow] = {}
    totals = StatRow("total", "合计")

    def row(key: str | None, label: str) -> StatRow:
        if key not in rows:
            rows[key] = StatRow(key or "", label)
        return rows[key]

    labels = _grid_labels(session) if group_by == "grid" else {}
    keep = sector_filter(session)

    def sector_key(sector: str | None) -> str:
        return sector if sector and keep([sector]) else NO_SECTOR

    # Places in scope (the denominator of coverage): open places per group.
    if group_by == "grid":
        for grid_id, count in session.execute(
            select(Place.grid_id, func.count()).where(Place.status != "关闭").group_by(Place.grid_id)
        ):
            row(grid_id, labels.get(grid_id, UNASSIGNED)).places_total = int(count)
    else:
        for sector, count in session.execute(
            select(PlaceSector.sector, func.count())
            .join(Place, Place.id == PlaceSector.place_id)
            .where(Place.status != "关闭")
            .group_by(PlaceSector.sector)
        ):
            if keep([sector]):
                row(sector, sector).places_total = int(count)
    totals.places_total = int(
        session.scalar(select(func.count()).select_from(Place).where(Place.status != "关闭")) or 0
    )

    # Inspections and inspected places.
    insp_stmt: Select[tuple[str, str | None]] = (
        select(Inspection.place_id, Place.grid_id)
        .join(Place, Place.id == Inspection.place_id)
        .where(in_period)
    )
    place_sectors: dict[str, list[str]] = defaultdict(list)
    if group_by == "sector":
        inspected_ids = select(Inspection.place_id).where(in_period)
        for place_id, sector in session.execute(
            select(PlaceSector.place_id, PlaceSector.sector).where(PlaceSector.place_id.in_(inspected_ids))
        ):
            place_sectors[place_id].append(sector)
    for place_id, grid_id in session.execute(insp_stmt):
        totals.inspections += 1
        totals._places.add(place_id)
        keys: Iterable[tuple[str | None, str]]
        if group_by == "grid":
            keys = [(grid_id, labels.get(grid_id, UNASSIGNED))]
        else:
            keys = [(s, s) for s in keep(place_sectors.get(place_id, []))] or [(NO_SECTOR, NO_SECTOR)]
        for key, label in keys:
            r = row(key, label)
            r.inspections += 1
            r._places.add(place_id)

    # Hazards found in the period.
    closed_by_end = and_(Hazard.status == HazardStatus.CLOSED.value, Hazard.closed_on <= end)
    group_col = Place.grid_id if group_by == "grid" else Hazard.sector
    found = session.execute(
        select(
            group_col,
            func.sum(case((Hazard.grade == HazardGrade.GENERAL.value, 1), else_=0)),
            func.sum(case((Hazard.grade == HazardGrade.MAJOR.value, 1), else_=0)),
            func.sum(case((closed_by_end, 1), else_=0)),
            func.sum(case((and_(~closed_by_end, Hazard.deadline < cutoff), 1), else_=0)),
            func.sum(func.coalesce(Hazard.funds_yuan, 0)),
        )
        .select_from(Hazard)
        .join(Inspection, Inspection.id == Hazard.inspection_id)
        .join(Place, Place.id == Hazard.place_id)
        .where(in_period)
        .group_by(group_col)
    )
    for key, general, major, rectified, overdue, funds in found:
        if group_by == "grid":
            r = row(key, labels.get(key, UNASSIGNED))
        else:
            r = row(sector_key(key), sector_key(key))
        r.hazards_general += int(general or 0)
        r.hazards_major += int(major or 0)
        r.rectified += int(rectified or 0)
        r.overdue += int(overdue or 0)
        r.funds_yuan += int(funds or 0)

    # Major hazards open at the period's end (found at any time up to then).
    _lo, end_utc = _utc_range(end, end)
    major_open = session.execute(
        select(group_col, func.count())
        .select_from(Hazard)
        .join(Inspection, Inspection.id == Hazard.inspection_id)
        .join(Place, Place.id == Hazard.place_id)
        .where(
            Inspection.status == InspectionStatus.FINISHED.value,
            Inspection.started_at < end_utc,
            Hazard.grade == HazardGrade.MAJOR.value,
            or_(Hazard.status != HazardStatus.CLOSED.value, Hazard.closed_on > end),
        )
        .group_by(group_col)
    )
    for key, count in major_open:
        label = labels.get(key, UNASSIGNED) if group_by == "grid" else sector_key(key)
        row(key if group_by == "grid" else sector_key(key), label).major_open += int(count)

    # 挂牌督办: listed in the period, and listed up to its end but not yet 摘牌 (销号) then.
    supervised = session.execute(
        select(group_col, Hazard.listed_on, Inspection.started_at, Hazard.status, Hazard.closed_on)
        .select_from(Hazard)
        .join(Inspection, Inspection.id == Hazard.inspection_id)
        .join(Place, Place.id == Hazard.place_id)
        .where(
            Inspection.status == InspectionStatus.FINISHED.value,
            Inspection.started_at < end_utc,
            Hazard.supervised.is_(True),
        )
    )
    for key, listed_on, started_at, status, closed_on in supervised:
        listed = listed_on or to_local(started_at).date()
        if listed > end:
            continue
        r = row(key, labels.get(key, UNASSIGNED)) if group_by == "grid" else row(sector_key(key), sector_key(key))
        if listed >= start:
            r.supervised += 1
        if status != HazardStatus.CLOSED.value or (closed_on is not None and closed_on > end):
            r.supervised_open += 1

    for r in rows.values():
        r.places_inspected = len(r._places)
        totals.hazards_general += r.hazards_general
        totals.hazards_major += r.hazards_major
        totals.rectified += r.rectified
        totals.overdue += r.overdue
        totals.major_open += r.major_open
        totals.supervised += r.supervised
        totals.supervised_open += r.supervised_open
        totals.funds_yuan += r.funds_yuan
    totals.places_inspected = len(totals._places)

    if group_by == "grid":
        order = {key: i for i, key in enumerate(_grid_order(session))}
        ordered = sorted(rows.items(), key=lambda kv: order.get(kv[0], len(order)))
    else:
        preferred = ["燃气", "自建房", "消防", "九小场所"]
        ordered = sorted(
            rows.items(),
            key=lambda kv: (preferred.index(kv[0]) if kv[0] in preferred else len(preferred), str(kv[0])),
        )
    return StatTable(start, end, group_by, [r for _k, r in ordered], totals)


# --- dashboard ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DashboardNumbers:
    overdue: int  # open hazards past their deadline
    due_this_week: int  # open hazards due within 7 days (not yet overdue)
    major_open: int
    supervised_open: int  # 挂牌督办
    drafts: int


def dashboard_numbers(session: Session, on: date | None = None) -> DashboardNumbers:
    """The headline numbers, in one pass over the open hazards."""
    day = on or today()
    drafts = select(Inspection.id).where(Inspection.status == InspectionStatus.DRAFT.value)
    counts = session.execute(
        select(
            func.sum(case((Hazard.deadline < day, 1), else_=0)),
            func.sum(
                case((and_(Hazard.deadline >= day, Hazard.deadline <= day + timedelta(days=7)), 1), else_=0)
            ),
            func.sum(case((Hazard.grade == HazardGrade.MAJOR.value, 1), else_=0)),
            func.sum(case((Hazard.supervised.is_(True), 1), else_=0)),
        ).where(Hazard.status != HazardStatus.CLOSED.value, Hazard.inspection_id.not_in(drafts))
    ).one()
    return DashboardNumbers(
        overdue=int(counts[0] or 0),
        due_this_week=int(counts[1] or 0),
        major_open=int(counts[2] or 0),
        supervised_open=int(counts[3] or 0),
        drafts=int(session.scalar(select(func.count()).select_from(drafts.subquery())) or 0),
    )


@dataclass(frozen=True)
class MonthCount:
    month: str  # YYYY-MM
    found: int
    closed: int


def hazards_per_month(session: Session, months: int = 12, on: date | None = None) -> list[MonthCount]:
    """Hazards found (by inspection date) and closed (by 销号 date) in each of the last months."""
    day = on or today()
    first = date(day.year, day.month, 1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    keys = []
    cursor = first
    while cursor <= day:
        keys.append(cursor.strftime("%Y-%m"))
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    # One pass for the closures: at most one row per day.
    closed: dict[str, int] = defaultdict(int)
    for closed_on, count in session.execute(
        select(Hazard.closed_on, func.count()).where(Hazard.closed_on >= first).group_by(Hazard.closed_on)
    ):
        closed[closed_on.strftime("%Y-%m")] += int(count)
    result = []
    for key in keys:
        month_first = date(int(key[:4]), int(key[5:]), 1)
        month_last = (month_first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        lo, hi = _utc_range(month_first, month_last)
        found = session.scalar(
            select(func.count())
            .select_from(Hazard)
            .join(Inspection, Inspection.id == Hazard.inspection_id)
            .where(
                Inspection.status == InspectionStatus.FINISHED.value,
                Inspection.started_at >= lo,
                Inspection.started_at < hi,
            )
        )
        result.append(MonthCount(key, int(found or 0), closed.get(key, 0)))
    return result


# --- the dashboard --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DashboardData:
    """Everything the 工作台 shows, as plain data."""

    day: date
    numbers: DashboardNumbers
    by_grid: StatTable
    by_sector: StatTable
    months: list[MonthCount]


def dashboard(desk: Desk, day: date | None = None) -> DashboardData:
    """All figures of the dashboard on ``day`` (today by default): this quarter up to that day."""
    day = day or today()
    start, end = quarter_bounds(day.year, quarter_of(day))
    with desk.query() as session:
        return DashboardData(
            day=day,
            numbers=dashboard_numbers(session, day),
            by_grid=statistics_table(session, start, min(end, day), "grid", as_of=day),
            by_sector=statistics_table(session, start, min(end, day), "sector", as_of=day),
            months=hazards_per_month(session, 12, day),
        )
