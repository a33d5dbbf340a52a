"""A draft check at a small restaurant with bottled gas, as the GUI tests of the inspection screen
start from: township 红光镇, inspectors 王芳 (``wang``) and 李华 (``li``), the place's checklists."""

from __future__ import annotations

from datetime import datetime

from anquan_desk.core.checklists.store import templates_for_place
from anquan_desk.core.db import Database
from anquan_desk.core.models import Place, PlaceSector, Township
from anquan_desk.services import inspections as svc
from anquan_desk.services.checklists import ensure_builtin_library
from anquan_desk.services.users import create_user

PLACE = "好运来小吃店"


def draft(db: Database, started_at: datetime | None = None) -> tuple[str, str]:
    """(inspection id, place id) of a new draft check at :data:`PLACE` (begun ``started_at``, else now)."""
    with db.session("setup") as s:
        s.add(Township(name="红光镇"))
        wang = create_user(s, username="wang", name="王芳", password="12345678", cert_no="A1")
        li = create_user(s, username="li", name="李华", password="12345678", cert_no="A2")
        place = Place(name=PLACE, address="东湖路5号", responsible_person="刘珺", nine_small_kind="小餐饮场所",
                      gas_supply="瓶装", sector_rows=[PlaceSector(sector="九小场所"), PlaceSector(sector="燃气")])
        s.add(place)
        ensure_builtin_library(s)
        s.flush()
        inspection = svc.start_inspection(
            s, place_id=place.id, inspector_ids=[wang.id, li.id],
            template_ids=[t.id for t in templates_for_place(s, place)], started_at=started_at,
        )
        return inspection.id, place.id
