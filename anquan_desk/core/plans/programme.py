"""The township's inspection programme built from a district work plan.

A parsed plan (:class:`~anquan_desk.core.plans.parse.PlanSummary`) becomes a :class:`Programme`:

* the sectors the township accepted (the user may untick some), each with the built-in checklist
  templates of that sector (``load_library()``); a sector without one is flagged
  "需乡镇自行添加检查表";
* the special-check calendar of the plan's year: the key-period windows
  (:func:`~anquan_desk.core.plans.calendar.key_periods`) of the periods the plan names, keeping
  the windows that touch the year; 重大活动 has no date and is listed as "undated".

An accepted programme is stored as JSON in the ``plan.current`` setting (no schema change) by
:func:`anquan_desk.services.plans.save_programme`; :func:`load_programme` reads it back. The
monthly task list lives in :mod:`anquan_desk.core.plans.tasks`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from anquan_desk.core import settings
from anquan_desk.core.checklists import ChecklistLibrary, load_library
from anquan_desk.core.errors import UserInputError
from anquan_desk.core.plans.calendar import MAX_YEAR, MIN_YEAR, PeriodWindow, Span, key_periods
from anquan_desk.core.plans.parse import Duty, PeriodDates, PlanSummary, SectorFinding

__all__ = [
    "NO_CHECKLIST",
    "ChecklistRef",
    "Programme",
    "ProgrammeError",
    "SectorPlan",
    "build_programme",
    "load_programme",
    "plan_calendar",
    "plan_spans",
    "sector_checklists",
]

NO_CHECKLIST = "需乡镇自行添加检查表"


class ProgrammeError(UserInputError):
    """The programme cannot be made or read (message in Chinese)."""


@dataclass(frozen=True)
class ChecklistRef:
    """A built-in checklist template, by code and version (the DB row is found by these)."""

    code: str
    version: int
    name: str


@dataclass(frozen=True)
class SectorPlan:
    """One accepted sector of the plan with the checklists to use and the plan's evidence."""

    sector: str
    checklists: tuple[ChecklistRef, ...]
    evidence: tuple[str, ...] = ()

    @property
    def needs_checklist(self) -> bool:
        """True when no built-in checklist covers the sector (the township must add one)."""
        return not self.checklists

    @property
    def note(self) -> str:
        return NO_CHECKLIST if self.needs_checklist else ""


@dataclass(frozen=True)
class Programme:
    year: int
    summary: PlanSummary
    sectors: tuple[SectorPlan, ...]
    calendar: tuple[PeriodWindow, ...]
    undated_periods: tuple[str, ...] = ()  # named by the plan but without a date (重大活动)

    @property
    def sector_names(self) -> tuple[str, ...]:
        return tuple(s.sector for s in self.sectors)

    @property
    def periods(self) -> tuple[str, ...]:
        return self.summary.periods

    @property
    def spans(self) -> dict[str, Span]:
        """The windows the plan gives its weather periods (the calendar's defaults hold for the rest)."""
        return plan_spans(self.summary)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "year": self.year,
            "summary": self.summary.to_dict(),
            "sectors": [
                {
                    "sector": s.sector,
                    "checklists": [{"code": c.code, "version": c.version, "name": c.name} for c in s.checklists],
                    "evidence": list(s.evidence),
                }
                for s in self.sectors
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Programme:
        """Rebuild a stored programme; the calendar is recomputed from the year and periods."""
        try:
            raw = data["summary"]
            summary = PlanSummary(
                title=raw.get("title"),
                year=raw.get("year"),
                issuer=raw.get("issuer"),
                sectors=tuple(
                    SectorFinding(str(f["sector"]), tuple(str(e) for e in f["evidence"])) for f in raw["sectors"]
                ),
                periods=tuple(str(p) for p in raw["periods"]),
                duties=tuple(Duty(str(d["frequency"]), str(d["text"])) for d in raw["duties"]),
                focus=tuple(
                    SectorFinding(str(f["focus"]), tuple(str(e) for e in f["evidence"])) for f in raw.get("focus", ())
                ),
                windows=tuple(PeriodDates.from_dict(w) for w in raw.get("windows", ())),
            )
            year = int(data["year"])
            sectors = tuple(
                SectorPlan(
                    sector=str(s["sector"]),
                    checklists=tuple(
                        ChecklistRef(str(c["code"]), int(c["version"]), str(c["name"])) for c in s["checklists"]
                    ),
                    evidence=tuple(str(e) for e in s.get("evidence", ())),
                )
                for s in data["sectors"]
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ProgrammeError(f"已保存的检查计划格式不正确（{type(exc).__name__}: {exc}）") from exc
        calendar, undated = plan_calendar(year, summary.periods, plan_spans(summary))
        return cls(year, summary, sectors, calendar, undated)


@lru_cache(maxsize=1)
def _shipped_library() -> ChecklistLibrary:
    """The shipped checklist library, read once (a screen rebuilds the programme at every tick)."""
    return load_library()


def sector_checklists(
    sectors: Iterable[str], library: ChecklistLibrary | None = None, evidence: Mapping[str, tuple[str, ...]] | None = None
) -> tuple[SectorPlan, ...]:
    """Each sector with the built-in templates whose ``sector`` is that sector (library order)."""
    lib = library if library is not None else _shipped_library()
    out: list[SectorPlan] = []
    for sector in sectors:
        refs = tuple(ChecklistRef(t.code, t.version, t.name) for t in lib.templates if t.sector == sector)
        out.append(SectorPlan(sector, refs, tuple((evidence or {}).get(sector, ()))))
    return tuple(out)


def plan_spans(summary: PlanSummary) -> dict[str, Span]:
    """The weather periods' windows the plan's text gives (``汛期（6月至9月）``)."""
    return {w.period: Span(w.start, w.end) for w in summary.windows}


def plan_calendar(
    year: int, periods: Iterable[str], spans: Mapping[str, Span] | None = None
) -> tuple[tuple[PeriodWindow, ...], tuple[str, ...]]:
    """The key-period windows of ``periods`` that touch ``year`` (sorted), and the undated periods.

    A season crossing New Year (冬春, 秋冬, 岁末年初, 雨雪冰冻) appears twice: the one ending early
    in ``year`` and the one starting late in it. ``spans`` are the plan's own windows (by name),
    over the calendar's defaults.
    """
    wanted = list(dict.fromkeys(periods))
    windows = [
        w
        for w in key_periods(year, spans=spans)
        if w.name in wanted and w.overlaps(date(year, 1, 1), date(year, 12, 31))
    ]
    dated = {w.name for w in windows}
    undated = tuple(p for p in wanted if p not in dated)
    return tuple(windows), undated


def build_programme(
    summary: PlanSummary,
    *,
    sectors: Iterable[str] | None = None,
    year: int | None = None,
    library: ChecklistLibrary | None = None,
) -> Programme:
    """The programme for ``summary``. ``sectors`` (default: all the plan found) are the accepted
    ones, kept in the plan's order; ``year`` defaults to the plan's year."""
    the_year = year if year is not None else summary.year
    if the_year is None:
        raise ProgrammeError("计划中未注明年度，请指定年度")
    if not MIN_YEAR <= the_year <= MAX_YEAR:
        raise ProgrammeError(f"年度 {the_year} 超出可计算范围（{MIN_YEAR}–{MAX_YEAR}）")
    found = summary.sector_names
    if sectors is None:
        chosen = list(found)
    else:
        wanted = list(dict.fromkeys(sectors))
        chosen = [s for s in found if s in wanted] + [s for s in wanted if s not in found]
    evidence = {f.sector: f.evidence for f in summary.sectors}
    plans = sector_checklists(chosen, library, evidence)
    calendar, undated = plan_calendar(the_year, summary.periods, plan_spans(summary))
    return Programme(the_year, summary, plans, calendar, undated)


# --------------------------------------------------------------------------- settings


def load_programme(session: Session) -> Programme | None:
    """The township's current programme (``plan.current``), or None before one is accepted."""
    data = settings.get(session, settings.PLAN_CURRENT)
    if data is None:
        return None
    return Programme.from_dict(data)
