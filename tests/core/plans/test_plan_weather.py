"""Weather periods (汛期, 高温, 台风, 雨雪冰冻): the plan's own dates, else the calendar's defaults,
and the monthly task list reports each period only in the months of its window."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from anquan_desk.core.db import Database
from anquan_desk.core.plans.calendar import DEFAULT_SPANS, WEATHER_SPANS, Span
from anquan_desk.core.plans.parse import PeriodDates, parse_plan, weather_windows
from anquan_desk.core.plans.programme import Programme, build_programme
from anquan_desk.core.plans.tasks import monthly_tasks
from anquan_desk.services.plans import save_programme

CHINA = ZoneInfo("Asia/Shanghai")
PLANS = Path(__file__).resolve().parents[2] / "helpers" / "plans"
SEEDS = Path("/work/shared/seeds")

#: A township plan that dates its weather periods (as many 实施方案 do), one crossing New Year.
DATED_PLAN = """\
红光镇人民政府文件
红政发〔2026〕3号
红光镇2026年安全生产隐患排查治理实施方案
各村（社区）、镇属各单位：
一、工作重点
（一）每年5月15日至9月30日为我镇汛期，汛期前组织开展防汛隐患排查。
（二）7月至8月高温天气期间，加强对户外作业场所的检查。
（三）11月至次年3月雨雪冰冻天气多发，开展专项检查。
（四）台风来临前开展建筑工地巡查。
红光镇人民政府
2026年1月10日
"""


@pytest.mark.parametrize(
    ("sentence", "want"),
    [
        ("汛期（6月至9月）加强隐患排查", [("汛期", (6, 1), (9, 30))]),
        ("每年5月1日至9月30日为汛期，开展检查", [("汛期", (5, 1), (9, 30))]),
        ("汛期从五月一日起至九月三十日止，加强巡查", [("汛期", (5, 1), (9, 30))]),
        ("6—9月高温期间加强户外作业检查", [("高温", (6, 1), (9, 30))]),
        ("台风季节（7-10月）开展巡查", [("台风", (7, 1), (10, 31))]),
        ("12月至次年2月雨雪冰冻天气期间开展专项检查", [("雨雪冰冻", (12, 1), (2, 29))]),
        # A work schedule of the year is no window; nor are dates far from the period.
        ("2024年1-6月完成汛期检查", []),
        ("汛期前开展排查，各单位于2026年3月至4月底前上报检查情况，并做好统计汇总和总结工作", []),
    ],
)
def test_dates_given_in_a_sentence(sentence: str, want: list[tuple[str, tuple[int, int], tuple[int, int]]]) -> None:
    assert [(w.period, w.start, w.end) for w in weather_windows(sentence)] == want


def test_a_plan_that_dates_its_weather_periods() -> None:
    summary = parse_plan(DATED_PLAN)
    assert summary.year == 2026
    assert summary.periods == ("汛期", "高温", "台风", "雨雪冰冻")
    assert [(w.period, w.start, w.end) for w in summary.windows] == [
        ("汛期", (5, 15), (9, 30)), ("高温", (7, 1), (8, 31)), ("雨雪冰冻", (11, 1), (3, 31))]
    assert "5月15日至9月30日" in summary.windows[0].evidence
    programme = build_programme(summary)
    windows = [(w.name, w.start, w.end) for w in programme.calendar if w.name in WEATHER_SPANS]
    assert windows == [
        ("雨雪冰冻", date(2025, 11, 1), date(2026, 3, 31)),  # the winter that began in 2025
        ("汛期", date(2026, 5, 15), date(2026, 9, 30)),
        ("高温", date(2026, 7, 1), date(2026, 8, 31)),
        ("台风", date(2026, 7, 1), date(2026, 10, 31)),  # no date in the plan: the default
        ("雨雪冰冻", date(2026, 11, 1), date(2027, 3, 31)),
    ]
    assert programme.undated_periods == ()
    # Stored and read back, the plan's windows hold.
    again = Programme.from_dict(programme.to_dict())
    assert again.summary.windows == summary.windows
    assert again.calendar == programme.calendar


@pytest.mark.parametrize(
    ("path", "year"),
    [
        (PLANS / "xixinan_2023_sange_henzhua.txt", 2023),
        (PLANS / "shaanxi_2024_yuandan_tongzhi.txt", 2023),
        (SEEDS / "003_c733142ae2d7bd43.txt", 2023),
    ],
)
def test_real_plans_use_the_default_windows(path: Path, year: int) -> None:
    if not path.is_file():
        pytest.skip(f"{path} not here")
    summary = parse_plan(path.read_text(encoding="utf-8"))
    weather = [p for p in summary.periods if p in WEATHER_SPANS]
    assert weather and summary.year == year
    assert summary.windows == ()  # none of them dates its weather periods
    programme = build_programme(summary)
    assert not set(weather) & set(programme.undated_periods)
    for name in weather:
        span = DEFAULT_SPANS[name]
        got = [w for w in programme.calendar if w.name == name]
        if span.crosses_new_year:  # the one ending in the plan's year and the one starting in it
            assert [(w.start.year, w.end.year) for w in got] == [(year - 1, year), (year, year + 1)]
        else:
            assert [(w.start, w.end) for w in got] == [
                (date(year, *span.start), date(year, *span.end))]


def _months_with(db: Database, name: str, year: int) -> dict[int, tuple[date, date]]:
    """The months of ``year`` whose task list reports the period ``name``, with its window."""
    found = {}
    with db.reader() as s:
        for month in range(1, 13):
            for w in monthly_tasks(s, year, month).periods:
                if w.name == name:
                    found[month] = (w.start, w.end)
    return found


@pytest.mark.parametrize("today", [date(2026, 6, 15), date(2027, 1, 20), date(2029, 12, 31)])
def test_task_list_reports_the_plan_windows_on_any_day(db: Database, today: date) -> None:
    with time_machine.travel(datetime.combine(today, time(9, 0), CHINA), tick=False):
        with db.session("t") as s:
            save_programme(s, build_programme(parse_plan(DATED_PLAN), year=today.year))
        year = today.year
        flood = _months_with(db, "汛期", year)
        assert flood == {m: (date(year, 5, 15), date(year, 9, 30)) for m in range(5, 10)}
        heat = _months_with(db, "高温", year)
        assert sorted(heat) == [7, 8]
        # Crossing New Year: January–March belong to last winter's window, November–December to
        # the one that ends next March; April–October have none.
        ice = _months_with(db, "雨雪冰冻", year)
        assert sorted(ice) == [1, 2, 3, 11, 12]
        assert ice[1] == (date(year - 1, 11, 1), date(year, 3, 31))
        assert ice[12] == (date(year, 11, 1), date(year + 1, 3, 31))
        # Every window reported for a month overlaps that month.
        with db.reader() as s:
            tasks = monthly_tasks(s, year, 4)
        assert {w.name for w in tasks.periods} & set(WEATHER_SPANS) == set()


def test_task_list_without_a_programme_uses_the_defaults(db: Database) -> None:
    with time_machine.travel(datetime(2027, 12, 5, 9, 0, tzinfo=CHINA), tick=False):
        ice = _months_with(db, "雨雪冰冻", 2028)
        # 2028 is a leap year: the default window ends on 29 February.
        assert ice == {1: (date(2027, 12, 1), date(2028, 2, 29)), 2: (date(2027, 12, 1), date(2028, 2, 29)),
                       12: (date(2028, 12, 1), date(2029, 2, 28))}
        assert sorted(_months_with(db, "台风", 2028)) == [7, 8, 9, 10]
        with db.reader() as s:
            explicit = monthly_tasks(s, 2028, 6, spans={"台风": Span((6, 1), (9, 30))}).periods
        assert ("台风", date(2028, 6, 1), date(2028, 9, 30)) in [(w.name, w.start, w.end) for w in explicit]


def test_period_dates_round_trip() -> None:
    w = PeriodDates("雨雪冰冻", (12, 1), (2, 29), "12月至次年2月")
    assert PeriodDates.from_dict(w.to_dict()) == w
