"""Festival dates and key-period windows."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import pytest
from lunardate import LunarDate

from anquan_desk.core.plans.calendar import (
    DEFAULT_SPANS,
    Span,
    WindowRule,
    festival_dates,
    key_periods,
    periods_in_month,
    periods_on,
    qingming,
)
from anquan_desk.core.plans.parse import PERIOD_ORDER


def test_2026_lunar_festivals() -> None:
    days = festival_dates(2026)
    assert days["春节"] == date(2026, 2, 17)
    assert days["除夕"] == date(2026, 2, 16)
    assert days["端午"] == date(2026, 6, 19)
    assert days["中秋"] == date(2026, 9, 25)
    assert days["元宵"] == date(2026, 3, 3)
    # The same dates straight from lunardate, as a cross-check of the wiring.
    assert LunarDate.from_solar_date(2026, 2, 17) == LunarDate(2026, 1, 1)
    assert LunarDate.from_solar_date(2026, 6, 19) == LunarDate(2026, 5, 5)
    assert LunarDate.from_solar_date(2026, 9, 25) == LunarDate(2026, 8, 15)


def test_fixed_festivals_and_qingming_2026() -> None:
    days = festival_dates(2026)
    assert days["元旦"] == date(2026, 1, 1)
    assert days["五一"] == date(2026, 5, 1)
    assert days["国庆"] == date(2026, 10, 1)
    assert days["清明"] == date(2026, 4, 5)


@pytest.mark.parametrize(
    ("year", "day"),
    [(2000, 4), (2008, 4), (2020, 4), (2021, 4), (2022, 5), (2023, 5), (2024, 4), (2025, 4), (2026, 5),
     (2027, 5), (2028, 4), (1999, 5)],
)
def test_qingming_known_dates(year: int, day: int) -> None:
    assert qingming(year) == date(year, 4, day)


def _sun_longitude(jd: float) -> float:
    """Apparent solar longitude in degrees (Meeus, Astronomical Algorithms ch. 25, low precision)."""
    t = (jd - 2451545.0) / 36525
    l0 = 280.46646 + 36000.76983 * t + 0.0003032 * t * t
    m = math.radians(357.52911 + 35999.05029 * t - 0.0001537 * t * t)
    c = (
        (1.914602 - 0.004817 * t - 0.000014 * t * t) * math.sin(m)
        + (0.019993 - 0.000101 * t) * math.sin(2 * m)
        + 0.000289 * math.sin(3 * m)
    )
    omega = math.radians(125.04 - 1934.136 * t)
    return (l0 + c - 0.00569 - 0.00478 * math.sin(omega)) % 360


def _qingming_by_sun(year: int) -> datetime:
    """The Beijing-time moment the sun reaches 15°, found by bisection between 4-2 and 4-7 (UT)."""
    epoch = datetime(2000, 1, 1, 12)  # JD 2451545.0
    lo, hi = datetime(year, 4, 2), datetime(year, 4, 7)

    def jd(moment: datetime) -> float:
        return 2451545.0 + (moment - epoch).total_seconds() / 86400

    while hi - lo > timedelta(seconds=30):
        mid = lo + (hi - lo) / 2
        if _sun_longitude(jd(mid)) < 15:
            lo = mid
        else:
            hi = mid
    return lo + timedelta(hours=8)


def test_qingming_formula_agrees_with_solar_longitude_1901_2099() -> None:
    checked = 0
    for year in range(1901, 2100):
        moment = _qingming_by_sun(year)
        minutes_from_midnight = min(moment.hour * 60 + moment.minute, 24 * 60 - moment.hour * 60 - moment.minute)
        if minutes_from_midnight < 30:
            continue  # too close to midnight for a low-precision check to decide the day
        assert qingming(year) == moment.date(), year
        checked += 1
    assert checked >= 185


def test_default_windows_2026() -> None:
    windows = {(w.name, w.start.year): w for w in key_periods(2026)}
    spring = windows[("春节", 2026)]
    assert (spring.anchor, spring.start, spring.end) == (date(2026, 2, 17), date(2026, 2, 2), date(2026, 2, 24))
    national = windows[("国庆", 2026)]
    assert (national.start, national.end) == (date(2026, 9, 21), date(2026, 10, 8))
    two_sessions = windows[("全国两会", 2026)]
    assert (two_sessions.start, two_sessions.end, two_sessions.anchor) == (date(2026, 3, 4), date(2026, 3, 11), None)
    flood = windows[("汛期", 2026)]
    assert (flood.start, flood.end) == (date(2026, 5, 1), date(2026, 9, 30))
    # The weather periods' defaults (a plan may give its own, see test_plan_weather.py).
    assert (windows[("高温", 2026)].start, windows[("高温", 2026)].end) == (date(2026, 6, 1), date(2026, 9, 30))
    assert (windows[("台风", 2026)].start, windows[("台风", 2026)].end) == (date(2026, 7, 1), date(2026, 10, 31))
    ice = [(w.start, w.end) for w in key_periods(2027) if w.name == "雨雪冰冻"]
    assert ice == [(date(2026, 12, 1), date(2027, 2, 28)), (date(2027, 12, 1), date(2028, 2, 29))]
    # Seasons across New Year: the one ending in 2026 and the one starting in 2026.
    winter = [w for w in key_periods(2026) if w.name == "冬春"]
    assert [(w.start, w.end) for w in winter] == [
        (date(2025, 11, 1), date(2026, 3, 31)),
        (date(2026, 11, 1), date(2027, 3, 31)),
    ]
    autumn = [w for w in key_periods(2027) if w.name == "秋冬"]
    # "End of February" is clamped: 2027-02-28, and 2028-02-29 in the leap year.
    assert [(w.start, w.end) for w in autumn] == [
        (date(2026, 10, 1), date(2027, 2, 28)),
        (date(2027, 10, 1), date(2028, 2, 29)),
    ]


def test_windows_are_sorted_and_cover_the_parser_vocabulary() -> None:
    windows = key_periods(2026)
    assert [w.start for w in windows] == sorted(w.start for w in windows)
    assert all(w.start <= w.end for w in windows)
    # Every period the plan parser can report has a window, except 重大活动 (no fixed date); the
    # weather periods 汛期, 高温, 台风, 雨雪冰冻 have a default a plan may correct.
    assert {w.name for w in windows} == set(PERIOD_ORDER) - {"重大活动"}
    for w in windows:
        if w.anchor is not None:
            assert w.contains(w.anchor)


def test_rules_and_spans_are_configurable() -> None:
    windows = key_periods(
        2026,
        rules={"春节": WindowRule(before=3, after=1)},
        spans={"汛期": Span((5, 15), (10, 15)), "高温": Span((7, 1), (8, 31))},
    )
    by_name = {w.name: w for w in windows if w.start.year == 2026}
    assert (by_name["春节"].start, by_name["春节"].end) == (date(2026, 2, 14), date(2026, 2, 18))
    assert (by_name["汛期"].start, by_name["汛期"].end) == (date(2026, 5, 15), date(2026, 10, 15))
    assert (by_name["高温"].start, by_name["高温"].end) == (date(2026, 7, 1), date(2026, 8, 31))
    # Defaults are untouched by an override.
    assert DEFAULT_SPANS["汛期"] == Span((5, 1), (9, 30))
    with pytest.raises(ValueError, match="负数"):
        WindowRule(before=-1, after=0)


def test_periods_on_a_day() -> None:
    names = [w.name for w in periods_on(date(2026, 2, 17))]
    assert set(names) == {"春节", "冬春", "秋冬", "岁末年初", "雨雪冰冻"}
    # 2025-12-28: 元旦 2026 window (12-25 … 1-4) belongs to next year's calendar.
    around_new_year = {w.name for w in periods_on(date(2025, 12, 28))}
    assert around_new_year == {"元旦", "冬春", "秋冬", "岁末年初", "雨雪冰冻"}
    assert periods_on(date(2026, 8, 1))[0].name == "汛期"
    assert [w.name for w in periods_on(date(2026, 8, 1))] == ["汛期", "高温", "台风"]


def test_periods_in_month() -> None:
    names = [w.name for w in periods_in_month(2026, 3)]
    assert set(names) == {"冬春", "全国两会", "清明"}  # 清明 window starts 3-29
    september = {w.name for w in periods_in_month(2026, 9)}
    assert september == {"中秋", "国庆", "汛期", "高温", "台风"}


def test_years_out_of_range() -> None:
    with pytest.raises(ValueError, match="超出可计算范围"):
        festival_dates(1900)
    with pytest.raises(ValueError, match="超出可计算范围"):
        qingming(2100)
