"""A finished check at a small restaurant with one 重大事故隐患 (the first item failed, graded 重大
with its 五落实), as the 挂牌督办 tests of the inspection screen start from: township 红光镇,
inspectors 王芳 (``wang``, 检查员) and 李华 (``li``)."""

from __future__ import annotations

from datetime import date, datetime

from anquan_desk.core.db import Database
from anquan_desk.core.vocabulary import HazardGrade, ItemOutcome
from anquan_desk.services import inspections as svc
from helpers import desk_for, restaurant

PLACE = restaurant.PLACE
CHECK_DAY = date(2027, 3, 10)


def major_hazard(db: Database, *, finished: bool = True) -> tuple[str, str]:
    """(inspection id, hazard id): a check on :data:`CHECK_DAY` with one major hazard; finished
    (the responsible person's refusal recorded) unless ``finished`` is false."""
    inspection_id, _place = restaurant.draft(db, datetime(CHECK_DAY.year, CHECK_DAY.month, CHECK_DAY.day, 9, 30))
    with db.session("setup") as s:
        entries = svc.checklist_entries(s, inspection_id)
        hazard = svc.record_answer(s, inspection_id, entries[0].item.id, ItemOutcome.FAIL.value)
        assert hazard is not None
        for entry in entries[1:]:
            svc.record_answer(s, inspection_id, entry.item.id, ItemOutcome.PASS.value)
        svc.update_hazard(
            s, hazard.id, grade=HazardGrade.MAJOR.value, location="后厨液化气瓶间",
            fl_responsibility="刘珺", fl_measures="停用气瓶间，改设独立气瓶间", fl_funds="店方自筹2万元",
            fl_deadline=date(2027, 4, 10), fl_plan="燃气泄漏应急处置卡",
        )
        ids = inspection_id, hazard.id
    if finished:
        svc.finish_check(desk_for(db, "wang"), ids[0], refusal_reason="负责人不在场", refusal_witness="村委会主任 张强")
    return ids
