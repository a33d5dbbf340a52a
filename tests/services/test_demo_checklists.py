"""The demo's checks walk real checklist templates: each finished check has the templates a real
check of its place would get, an answer per item, and each hazard tied to a failed item."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from anquan_desk.core.checklists.store import items_of_templates, templates_for_place
from anquan_desk.core.db import Database
from anquan_desk.core.models import (
    ChecklistItem,
    ChecklistTemplate,
    Hazard,
    Inspection,
    InspectionTemplate,
    ItemResult,
)
from anquan_desk.core.vocabulary import InspectionStatus, ItemOutcome


def test_demo_checks_use_the_library_and_hazards_fail_items(demo_db: Database) -> None:
    with demo_db.reader() as s:
        finished = s.scalars(select(Inspection).where(Inspection.status == InspectionStatus.FINISHED.value)).all()
        assert len(finished) > 400
        used: dict[str, set[str]] = defaultdict(set)
        for insp_id, template_id in s.execute(select(InspectionTemplate.inspection_id, InspectionTemplate.template_id)):
            used[insp_id].add(template_id)
        answers: dict[str, dict[str, str]] = defaultdict(dict)
        for insp_id, item_id, outcome in s.execute(
            select(ItemResult.inspection_id, ItemResult.item_id, ItemResult.outcome)
        ):
            answers[insp_id][item_id] = outcome
        items = {it.id: it for it in s.scalars(select(ChecklistItem))}
        templates = {t.id: t for t in s.scalars(select(ChecklistTemplate))}
        hazards: dict[str, list[Hazard]] = defaultdict(list)
        for h in s.scalars(select(Hazard)):
            hazards[h.inspection_id].append(h)
        for insp in finished:
            # The templates a real check of this place gets, and one answer for each of their items.
            want = templates_for_place(s, insp.place)
            assert used[insp.id] == {t.id for t in want}, insp.place.name
            walked = {it.id for _t, it in items_of_templates(want)}
            assert set(answers[insp.id]) == walked
            failed = {i for i, o in answers[insp.id].items() if o == ItemOutcome.FAIL.value}
            # Each hazard is one failed item, worded and cited as the item says.
            mine = hazards[insp.id]
            assert {h.item_id for h in mine} == failed and len(failed) == len(mine)
            for h in mine:
                item = items[h.item_id or ""]
                assert h.description == (item.hazard_text or h.description)
                assert h.basis == (item.basis or h.basis)
                assert templates[item.template_id].is_current
        assert sum(len(v) for v in hazards.values()) > 100
