"""Work plans with the township's data: the accepted programme, the routine-visit frequency, the
双随机 draws, the monthly task list and the grid work sheet.

The rules live in :mod:`anquan_desk.core.plans` (parsing a plan, the festival calendar, the draw
algorithm, which places are due); the read queries there take a session. Here are the writes
(building blocks taking a ``Session``: :func:`save_programme`, :func:`set_frequency`,
:func:`make_draw`) and the entry points that screens and commands call: they take a
:class:`~anquan_desk.services.desk.Desk` and return plain data (frozen dataclasses, tuples, bytes).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from anquan_desk.core import settings
from anquan_desk.core.changes import Changes
from anquan_desk.core.plans.draws import (
    DrawScope,
    InspectorCandidate,
    PlaceCandidate,
    StoredDraw,
    candidate_inspectors,
    candidate_places,
    prepare_draw,
    stored_draws,
)
from anquan_desk.core.plans.parse import PlanSummary, parse_plan
from anquan_desk.core.plans.programme import Programme, load_programme
from anquan_desk.core.plans.tasks import MonthTasks, check_frequency, get_frequency, monthly_tasks
from anquan_desk.core.plans.worksheet import Worksheet, find_grid, grid_worksheet
from anquan_desk.core.progress import NO_PROGRESS, Progress
from anquan_desk.io.pdf.worksheet import render_draw_record, render_worksheet
from anquan_desk.io.plan_text import read_plan_text
from anquan_desk.services import roles
from anquan_desk.services.desk import Desk
from anquan_desk.services.ground import current_township, grid_choices, known_sectors

__all__ = [
    "TASK_TABLES",
    "DrawSetup",
    "WorksheetPdf",
    "accept_programme",
    "affects_tasks",
    "change_frequency",
    "current_programme",
    "draw_history",
    "draw_lots",
    "draw_pool",
    "draw_record_pdf",
    "draw_setup",
    "frequency",
    "grid_id_of",
    "grid_options",
    "make_draw",
    "read_plan",
    "save_programme",
    "set_frequency",
    "tasks_for_month",
    "worksheet_pdf",
]

#: A change to any of these tables can change the monthly task list (``settings``: the programme
#: and the frequency).
TASK_TABLES = ("inspections", "hazards", "places", "place_sectors", "grids", "villages", "settings")


def affects_tasks(changes: Changes) -> bool:
    """True when ``changes`` may change which places are due (the task list refreshes then)."""
    return changes.touches(*TASK_TABLES)


# --------------------------------------------------------------------------- building blocks (writes)


def save_programme(session: Session, programme: Programme) -> None:
    """Store ``programme`` as the township's current one (audited with the session)."""
    settings.put(session, settings.PLAN_CURRENT, programme.to_dict())


def set_frequency(session: Session, frequency: Mapping[str, int]) -> dict[str, int]:
    """Store the months between routine visits per risk colour (checked; the defaults fill the
    colours not given); returns what is now in force."""
    checked = check_frequency(frequency)
    settings.put(session, settings.PLAN_FREQUENCY, checked)
    return checked


def make_draw(
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
    """Draw ``count`` places of ``scope`` with inspector pairs (see
    :func:`~anquan_desk.core.plans.draws.prepare_draw`) and append the record to the ``plan.draws``
    setting. A draw that cannot be made (:class:`~anquan_desk.core.plans.draw.DrawError`) stores
    nothing."""
    stored = prepare_draw(
        session,
        scope=scope,
        count=count,
        drawn_by=drawn_by,
        inspectors=inspectors,
        exclusions=exclusions,
        seed=seed,
        now=now,
    )
    entries = settings.get(session, settings.PLAN_DRAWS)
    entries.append(stored.to_dict())
    settings.put(session, settings.PLAN_DRAWS, entries)
    return stored


# --------------------------------------------------------------------------- entry points: programme


def read_plan(path: str | Path, progress: Progress = NO_PROGRESS) -> PlanSummary:
    """Read a plan file (``.txt``/``.docx``/``.pdf``) and find its sectors, periods and duties.

    Raises :class:`~anquan_desk.io.plan_text.PlanReadError` (Chinese, naming the file); cancellable
    between the pages of a PDF and before the analysis."""
    progress.update(0, 0, f"正在读取“{Path(path).name}”…")
    text = read_plan_text(path, progress)
    progress.check()
    progress.update(0, 0, "正在分析计划内容…")
    return parse_plan(text)


def current_programme(desk: Desk) -> Programme | None:
    """The township's current programme, or None before one is accepted."""
    with desk.query() as session:
        return load_programme(session)


def accept_programme(desk: Desk, programme: Programme) -> Programme:
    """Store ``programme`` as the township's current one; returns it."""
    with desk.unit() as session:
        roles.check(session, desk.actor, "plans.manage")
        save_programme(session, programme)
    return programme


def frequency(desk: Desk) -> dict[str, int]:
    """Months between routine visits per risk colour (the setting over the defaults)."""
    with desk.query() as session:
        return get_frequency(session)


def change_frequency(desk: Desk, months: Mapping[str, int]) -> dict[str, int]:
    """Store the routine-visit frequency (colour → months, 1–12); returns what is now in force."""
    with desk.unit() as session:
        roles.check(session, desk.actor, "plans.manage")
        return set_frequency(session, months)


# --------------------------------------------------------------------------- entry points: grids and tasks


def grid_options(desk: Desk) -> tuple[tuple[str, str], ...]:
    """(grid id, "村 网格") for every grid, in village and grid order."""
    with desk.query() as session:
        return tuple(grid_choices(session))


def grid_id_of(desk: Desk, name_or_id: str) -> str:
    """The id of the grid named ``name_or_id`` (id, name, or "村名 网格名"); NotFoundError when
    there is none or the name is ambiguous."""
    with desk.query() as session:
        return find_grid(session, name_or_id).id


def tasks_for_month(
    desk: Desk,
    year: int,
    month: int,
    *,
    grid_id: str | None = None,
    plan_sectors: Iterable[str] | None = None,
    periods: Iterable[str] | None = None,
    today: date | None = None,
) -> MonthTasks:
    """The places due in ``year``-``month`` per grid (see :mod:`anquan_desk.core.plans.tasks`);
    ``plan_sectors`` and ``periods`` default to the stored programme's."""
    with desk.query() as session:
        return monthly_tasks(
            session, year, month, grid_id=grid_id, plan_sectors=plan_sectors, periods=periods, today=today
        )


@dataclass(frozen=True)
class WorksheetPdf:
    """A grid's work sheet and its PDF."""

    sheet: Worksheet
    pdf: bytes


def worksheet_pdf(desk: Desk, grid_id: str, day: date, progress: Progress = NO_PROGRESS) -> WorksheetPdf:
    """The work sheet of the grid for ``day``, rendered (A4 landscape)."""
    progress.update(0, 2, "正在整理网格场所…")
    with desk.query() as session:
        sheet = grid_worksheet(session, grid_id, day)
    progress.check()
    progress.update(1, 2, f"正在生成{sheet.title}（{len(sheet.rows)} 处场所）…")
    data = render_worksheet(sheet)
    progress.update(2, 2)
    return WorksheetPdf(sheet, data)


# --------------------------------------------------------------------------- entry points: 双随机


@dataclass(frozen=True)
class DrawSetup:
    """What the draw dialog offers: sectors (the plan's first), grids, inspectors with a 执法证号."""

    sectors: tuple[str, ...]
    grids: tuple[tuple[str, str], ...]
    inspectors: tuple[InspectorCandidate, ...]


def draw_setup(desk: Desk) -> DrawSetup:
    with desk.query() as session:
        sectors = known_sectors(session)
        programme = load_programme(session)
        grids = tuple(grid_choices(session))
        people = tuple(candidate_inspectors(session))
    if programme is not None:  # the plan's sectors first
        planned = programme.sector_names
        sectors = [x for x in planned if x in sectors] + [x for x in sectors if x not in planned]
    return DrawSetup(tuple(sectors), grids, people)


def draw_pool(desk: Desk, scope: DrawScope | None = None) -> tuple[PlaceCandidate, ...]:
    """The places in ``scope`` (default: every place that is not closed), by grid then name."""
    with desk.query() as session:
        return tuple(candidate_places(session, scope or DrawScope()))


def draw_lots(
    desk: Desk,
    *,
    scope: DrawScope,
    count: int,
    inspectors: Iterable[str] | None = None,
    exclusions: Iterable[tuple[str, str]] = (),
    seed: str | int | None = None,
    now: datetime | None = None,
) -> StoredDraw:
    """Make a 双随机 draw and store its record, drawn by the desk's actor (see :func:`make_draw`)."""
    with desk.unit() as session:
        roles.check(session, desk.actor, "plans.manage")
        return make_draw(
            session,
            scope=scope,
            count=count,
            drawn_by=desk.actor.name,
            inspectors=inspectors,
            exclusions=exclusions,
            seed=seed,
            now=now,
        )


def draw_history(desk: Desk) -> tuple[StoredDraw, ...]:
    """Every stored draw, oldest first."""
    with desk.query() as session:
        return tuple(stored_draws(session))


def draw_record_pdf(desk: Desk, draw: StoredDraw, progress: Progress = NO_PROGRESS) -> bytes:
    """The printable record of ``draw`` (A4 portrait), headed with the township's name."""
    progress.update(0, 1, "正在生成抽取记录…")
    with desk.query() as session:
        township = current_township(session)
        name = township.name if township is not None else ""
    progress.check()
    data = render_draw_record(draw, township=name)
    progress.update(1, 1)
    return data
