"""The program on any day and at any hour: the demo laid out around the day it is made, local
dates (not UTC ones) in the first hours of a Chinese day, and a 复查 resumed on a later day."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from helpers import desk_for, doc_setup
from sqlalchemy import select

from anquan_desk.core import clock
from anquan_desk.core.clock import to_local
from anquan_desk.core.db import Database, open_database
from anquan_desk.core.models import ChecklistItem, Hazard, Inspection, Reinspection, ReinspectionResult
from anquan_desk.core.plans.tasks import monthly_tasks
from anquan_desk.services import documents as docs
from anquan_desk.services import inspections as insp
from anquan_desk.services import reinspections as rein
from anquan_desk.services.demo import create_demo
from anquan_desk.services.statistics import dashboard_numbers

CHINA = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _device(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANQUAN_DEVICE_FILE", str(tmp_path / "device.json"))


def _demo(path: Path, day: date) -> Database:
    db = open_database(path)
    with db.session("demo") as s:
        create_demo(s, scale="small", today=day)
    return db


def _fingerprint(db: Database) -> str:
    """The demo's content without its random ids and bookkeeping times."""
    with db.reader() as s:
        hazards = sorted(
            (h.code, h.place.name, h.description, str(h.deadline), h.status, str(h.closed_on),
             str(h.inspection.started_at), str(h.inspection.ended_at), h.grade, h.supervised)
            for h in s.scalars(select(Hazard))
        )
        checks = sorted((i.place.name, str(i.started_at), i.status, i.method) for i in s.scalars(select(Inspection)))
        reviews = sorted(str(r.inspected_at) for r in s.scalars(select(Reinspection)))
    return hashlib.sha256(repr((hazards, checks, reviews)).encode()).hexdigest()


# A new year, a leap day, a quarter's last and first days, an ordinary Monday.
@pytest.mark.parametrize("day", [date(2027, 1, 1), date(2027, 12, 31), date(2028, 2, 29), date(2029, 6, 30),
                                 date(2030, 3, 1), date(2026, 11, 23)])
def test_the_demo_has_every_state_on_any_day(tmp_path: Path, day: date) -> None:
    # Made in the first minutes of the day (in China): nothing in it may lie after "now".
    with time_machine.travel(datetime.combine(day, time(0, 5), CHINA), tick=False):
        db = _demo(tmp_path / "demo.db", day)
        now = clock.utcnow()
        with db.reader() as s:
            hazards = [h for h in s.scalars(select(Hazard)) if h.inspection.status == "已完成"]
            open_ = [h for h in hazards if h.status != "已销号"]
            overdue = [h for h in open_ if h.deadline is not None and h.deadline < day]
            due = [h for h in open_ if h.deadline is not None and day <= h.deadline <= day + timedelta(days=7)]
            assert overdue and due
            assert {h.status for h in hazards} == {"待整改", "整改中", "待复查", "已销号"}
            numbers = dashboard_numbers(s, day)
            assert (numbers.overdue, numbers.due_this_week) == (len(overdue), len(due))
            assert numbers.major_open >= 1 and numbers.supervised_open >= 1

            checks = list(s.scalars(select(Inspection)))
            assert all(i.started_at < now and (i.ended_at is None or i.ended_at < now) for i in checks)
            drafts = [to_local(i.started_at).date() for i in checks if i.status == "草稿"]
            assert len(drafts) == 3 and all(day - timedelta(days=3) <= d < day for d in drafts)
            finished = [to_local(i.started_at).date() for i in checks if i.status == "已完成"]
            # Spread over the past year: most months of it have checks.
            months = Counter((d.year, d.month) for d in finished)
            assert min(finished) >= day - timedelta(days=335) and len(months) >= 10

            # Every closed hazard was closed by a 复查 after its check, before now.
            for result in s.scalars(select(ReinspectionResult)):
                hazard, review = result.hazard, result.reinspection
                assert hazard.status == "已销号" and hazard.closed_on == to_local(review.inspected_at).date()
                assert hazard.inspection.ended_at is not None
                assert hazard.inspection.ended_at < review.inspected_at < now
            assert sum(h.status == "已销号" for h in hazards) == len(s.scalars(select(ReinspectionResult)).all()) > 50

            # The month's routine visits and hazards due: the 本月任务 list has work in it.
            tasks = [p for g in monthly_tasks(s, day.year, day.month, today=day).grids for p in g.places]
            assert len(tasks) > 50 and any(t.hazards for t in tasks)
        db.dispose()


def test_the_demo_is_the_same_for_the_same_seed_and_day(tmp_path: Path) -> None:
    day = date(2028, 2, 29)
    with time_machine.travel(datetime(2028, 2, 29, 0, 5, tzinfo=CHINA), tick=False):
        first = _demo(tmp_path / "a.db", day)
    with time_machine.travel(datetime(2029, 5, 1, 15, 0, tzinfo=CHINA), tick=False):  # made later, same day given
        second = _demo(tmp_path / "b.db", day)
        other = _demo(tmp_path / "c.db", day + timedelta(days=1))
    try:
        assert _fingerprint(first) == _fingerprint(second) != _fingerprint(other)
    finally:
        for db in (first, second, other):
            db.dispose()


def test_new_years_first_hour_in_china_is_the_new_year(db: Database, tmp_path: Path) -> None:
    """00:30 on 1 January in China is still 31 December in UTC: the check, its hazards, its notice
    and the day's document list are all of the new (local) year and day."""
    with time_machine.travel(datetime(2030, 1, 1, 0, 30, tzinfo=CHINA), tick=True):
        assert clock.today() == date(2030, 1, 1) and clock.utcnow().date() == date(2029, 12, 31)
        ids = doc_setup.finished_check(db, tmp_path)  # its check is of 2026 (fixed dates)
        with db.session("zhang") as s:
            check = insp.start_inspection(
                s, place_id=ids["place"], inspector_ids=[ids["a"], ids["b"]], template_ids=[ids["template"]],
                started_at=datetime(2030, 1, 1, 0, 10),
            )
            for item in s.scalars(select(ChecklistItem).where(ChecklistItem.template_id == ids["template"])):
                found = insp.record_answer(s, check.id, item.id, "不合格" if item.code == "T-1" else "合格")
                if found is not None:  # the gas alarm: 7 days from the day of the check
                    assert found.code.startswith("YH2030-") and found.deadline == date(2030, 1, 8)
            insp.finish_inspection(s, db.attachment_store(), check.id, signer_name="周赟",
                                   signature_png=doc_setup.signature_png())
            check_id = check.id
        issued = docs.obtain_document(desk_for(db, "zhang"), "notice", check_id)
        assert issued.document.number == "青安改〔2030〕第001号"
        assert issued.document.issued_at.date() == date(2030, 1, 1)
        assert [d.id for d in docs.documents_of_day(desk_for(db, "zhang"), date(2030, 1, 1))] == [issued.document.id]
        assert docs.documents_of_day(desk_for(db, "zhang"), date(2029, 12, 31)) == ()
        with db.reader() as s:
            numbers = dashboard_numbers(s)
        # The 2026 hazards are long overdue; the new one is due within the week.
        assert numbers.due_this_week == 1 and numbers.overdue == 3


def test_a_review_resumed_next_day_keeps_its_date(db: Database, tmp_path: Path) -> None:
    ids = doc_setup.finished_check(db, tmp_path)
    desk = desk_for(db, "li")
    with time_machine.travel(datetime(2026, 11, 27, 23, 40, tzinfo=CHINA), tick=True):
        begun = rein.open_reinspection(desk, ids["place"])
    assert begun.inspected_on == date(2026, 11, 27)
    # 稍后继续: resumed after midnight (still 27 November in UTC), and again days later.
    for moment in (datetime(2026, 11, 28, 0, 20, tzinfo=CHINA), datetime(2026, 11, 30, 9, 0, tzinfo=CHINA)):
        with time_machine.travel(moment, tick=True):
            resumed = rein.open_reinspection(desk, ids["place"])
            assert (resumed.id, resumed.inspected_on) == (begun.id, date(2026, 11, 27))
    with time_machine.travel(datetime(2026, 11, 30, 9, 30, tzinfo=CHINA), tick=True):
        reviews = [rein.ReviewInput(item.hazard_id, "已整改") for item in begun.items]
        rein.complete_reinspection(desk, begun.id, reviews, signer_name="周赟")
    with db.reader() as s:
        gas = s.get(Hazard, ids["gas"])
        review = s.get(Reinspection, begun.id)
        assert gas is not None and review is not None
        assert gas.closed_on == date(2026, 11, 27) == review.inspected_at.astimezone(CHINA).date()
