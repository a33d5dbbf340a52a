"""Key periods for special checks (重点时段): festival dates and the check window around each.

Kinds of period
---------------
* **Holidays with a day** (元旦 1-1, 五一 5-1, 国庆 10-1; lunar 春节 = 正月初一, 端午 = 五月初五,
  中秋 = 八月十五 via ``lunardate``; 清明 from the solar-term formula below). The window is
  ``day - before … day + after`` (``WindowRule``); defaults in ``DEFAULT_RULES`` (春节: 15 days
  before, 7 after — the pre-festival safety push starts around 腊月十五 and the holiday week ends
  about 初七).
* **Fixed spans** in the year: 全国两会 (default 3-4 … 3-11: the CPPCC opens about 3-4, the NPC
  closes about 3-11). Configurable.
* **Weather periods** (汛期, 高温, 台风, 雨雪冰冻): their dates depend on the region. A plan that
  gives them (``汛期（6月至9月）``) sets them (``parse.PeriodDates``); otherwise these defaults for
  mainland China hold — 汛期 5-1 … 9-30 (most provinces' 防汛 rules open the flood season between
  4-15 and 6-1 and close it 9-30; 5-1 is the common middle), 高温 6-1 … 9-30 (days of 35 °C and
  more fall in June to September), 台风 7-1 … 10-31 (most landfalls are July to October) and
  雨雪冰冻 12-1 … next 2-end (it crosses New Year, like the seasons below).
* **Seasons that cross New Year**: 冬春 (11-1 … next 3-31: the heating and fire season), 秋冬
  (10-1 … next 2-end: the autumn-winter forest-fire season), 岁末年初 (12-1 … next 2-end).
  A plan for year *Y* meets two of each: the one that began in *Y-1* and ends in *Y*, and the one
  that begins in *Y* and ends in *Y+1*; :func:`key_periods` returns both.
* 重大活动 has no date of its own; it is not in the calendar.

清明 is the day the sun reaches ecliptic longitude 15°. It is computed with the standard
"[Y·D + C] − L" formula (Y = last two digits of the year, D = 0.2422, L = ⌊Y/4⌋, C = 4.81 for
2000–2099 and 5.59 for 1901–1999). Checked against an independent solar-longitude computation
(Meeus, ch. 25) for every year 1901–2099: all agree (4-4 or 4-5 in this century; 2026: 4-5).
"""

from __future__ import annotations

import calendar as _cal
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from types import MappingProxyType

from lunardate import LunarDate

__all__ = [
    "DEFAULT_RULES",
    "DEFAULT_SPANS",
    "MAX_YEAR",
    "MIN_YEAR",
    "WEATHER_SPANS",
    "PeriodWindow",
    "Span",
    "WindowRule",
    "festival_dates",
    "key_periods",
    "periods_in_month",
    "periods_on",
    "qingming",
]

MIN_YEAR = 1901
MAX_YEAR = 2099


@dataclass(frozen=True)
class WindowRule:
    """How many days before and after a holiday the special check runs."""

    before: int
    after: int

    def __post_init__(self) -> None:
        if self.before < 0 or self.after < 0:
            raise ValueError("检查时段的提前/延后天数不能为负数")


@dataclass(frozen=True)
class Span:
    """A span given by month/day of start and end; ``end`` before ``start`` means next year.

    A day past the end of its month (e.g. 2-29 in a common year, or 2-31 for "end of February")
    is clamped to the month's last day.
    """

    start: tuple[int, int]
    end: tuple[int, int]

    @property
    def crosses_new_year(self) -> bool:
        return self.end < self.start


@dataclass(frozen=True)
class PeriodWindow:
    """One occurrence of a key period: ``anchor`` is the holiday itself (None for spans)."""

    name: str
    start: date
    end: date
    anchor: date | None = None

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def overlaps(self, first: date, last: date) -> bool:
        return self.start <= last and first <= self.end


DEFAULT_RULES: Mapping[str, WindowRule] = MappingProxyType(
    {
        "元旦": WindowRule(7, 3),
        "春节": WindowRule(15, 7),
        "清明": WindowRule(7, 3),
        "五一": WindowRule(7, 5),
        "端午": WindowRule(5, 3),
        "中秋": WindowRule(7, 3),
        "国庆": WindowRule(10, 7),
    }
)

DEFAULT_SPANS: Mapping[str, Span] = MappingProxyType(
    {
        "全国两会": Span((3, 4), (3, 11)),
        "汛期": Span((5, 1), (9, 30)),
        "高温": Span((6, 1), (9, 30)),
        "台风": Span((7, 1), (10, 31)),
        "雨雪冰冻": Span((12, 1), (2, 31)),
        "冬春": Span((11, 1), (3, 31)),
        "秋冬": Span((10, 1), (2, 31)),
        "岁末年初": Span((12, 1), (2, 31)),
    }
)

# Report order: the same as the plan parser's period order.
_ORDER: tuple[str, ...] = (
    "元旦", "春节", "清明", "五一", "端午", "中秋", "国庆", "全国两会", "汛期", "高温", "台风", "冬春", "秋冬",
    "雨雪冰冻", "岁末年初",
)
#: The periods whose default window is a regional guess a plan may correct.
WEATHER_SPANS: tuple[str, ...] = ("汛期", "高温", "台风", "雨雪冰冻")


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"年份 {year} 超出可计算范围（{MIN_YEAR}–{MAX_YEAR}）")


def _day(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, _cal.monthrange(year, month)[1]))


def qingming(year: int) -> date:
    """The date of 清明 (solar term, sun at 15°) for 1901–2099."""
    _check_year(year)
    y = year % 100
    # Integer arithmetic for [Y*D + C], in units of 1/10000: D = 0.2422, C = 4.81 or 5.59.
    c = 48100 if year >= 2000 else 55900
    day = (y * 2422 + c) // 10000 - y // 4
    return date(year, 4, day)


def _lunar(year: int, month: int, day: int) -> date:
    solar: date = LunarDate(year, month, day).to_solar_date()
    return solar


def festival_dates(year: int) -> dict[str, date]:
    """Gregorian dates of the holidays in ``year``: 元旦, 除夕, 春节, 元宵, 清明, 五一, 端午, 中秋, 国庆.

    除夕 is the day before 春节, so it may fall in the previous Gregorian year's calendar only in
    principle (it never does in 1901–2099: 春节 is always between 1-21 and 2-20).
    """
    _check_year(year)
    spring = _lunar(year, 1, 1)
    return {
        "元旦": date(year, 1, 1),
        "除夕": spring - timedelta(days=1),
        "春节": spring,
        "元宵": _lunar(year, 1, 15),
        "清明": qingming(year),
        "五一": date(year, 5, 1),
        "端午": _lunar(year, 5, 5),
        "中秋": _lunar(year, 8, 15),
        "国庆": date(year, 10, 1),
    }


def _span_windows(name: str, span: Span, year: int) -> list[PeriodWindow]:
    if not span.crosses_new_year:
        return [PeriodWindow(name, _day(year, *span.start), _day(year, *span.end))]
    return [
        PeriodWindow(name, _day(year - 1, *span.start), _day(year, *span.end)),
        PeriodWindow(name, _day(year, *span.start), _day(year + 1, *span.end)),
    ]


def key_periods(
    year: int,
    *,
    rules: Mapping[str, WindowRule] | None = None,
    spans: Mapping[str, Span] | None = None,
) -> list[PeriodWindow]:
    """All key-period windows that touch ``year``, sorted by start date.

    ``rules`` and ``spans`` override the defaults name by name (pass only what differs); a span
    with a new name is added. To leave a period out, filter the result by ``name``.
    """
    _check_year(year)
    merged_rules = dict(DEFAULT_RULES)
    merged_rules.update(rules or {})
    merged_spans = dict(DEFAULT_SPANS)
    merged_spans.update(spans or {})
    days = festival_dates(year)
    windows: list[PeriodWindow] = []
    for name in _ORDER:
        if name in merged_rules:
            rule = merged_rules[name]
            anchor = days[name]
            windows.append(
                PeriodWindow(name, anchor - timedelta(days=rule.before), anchor + timedelta(days=rule.after), anchor)
            )
        elif name in merged_spans:
            windows.extend(_span_windows(name, merged_spans[name], year))
    for name, span in merged_spans.items():
        if name not in _ORDER:
            windows.extend(_span_windows(name, span, year))
    rank = {name: i for i, name in enumerate(_ORDER)}
    windows.sort(key=lambda w: (w.start, rank.get(w.name, len(rank)), w.end))
    return windows


def periods_on(
    day: date,
    *,
    rules: Mapping[str, WindowRule] | None = None,
    spans: Mapping[str, Span] | None = None,
) -> list[PeriodWindow]:
    """The key-period windows that contain ``day`` (a window of a neighbouring year counts too)."""
    found: dict[tuple[str, date], PeriodWindow] = {}
    for year in (day.year - 1, day.year, day.year + 1):
        if MIN_YEAR <= year <= MAX_YEAR:
            for w in key_periods(year, rules=rules, spans=spans):
                if w.contains(day):
                    found[(w.name, w.start)] = w
    return sorted(found.values(), key=lambda w: (w.start, w.name))


def periods_in_month(
    year: int,
    month: int,
    *,
    rules: Mapping[str, WindowRule] | None = None,
    spans: Mapping[str, Span] | None = None,
) -> list[PeriodWindow]:
    """The key-period windows that overlap the given month (for the monthly task list)."""
    first = date(year, month, 1)
    last = _day(year, month, 31)
    found: dict[tuple[str, date], PeriodWindow] = {}
    for y in (year - 1, year, year + 1):
        if MIN_YEAR <= y <= MAX_YEAR:
            for w in key_periods(y, rules=rules, spans=spans):
                if w.overlaps(first, last):
                    found[(w.name, w.start)] = w
    return sorted(found.values(), key=lambda w: (w.start, w.name))
