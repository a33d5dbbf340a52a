"""Editing a place with validation, and the place page's details (history, hazards, documents, photos)."""

from __future__ import annotations

from datetime import date

import pytest
from helpers import desk_for
from sqlalchemy import func, select

from anquan_desk.core.db import Database
from anquan_desk.core.errors import NotFoundError, UserInputError
from anquan_desk.core.models import Attachment, AttachmentLink, AuditEntry, Grid, Hazard, Inspection, Place
from anquan_desk.core.validators import credit_code_check_char
from anquan_desk.services import places
from anquan_desk.services.places import (
    PlaceEditError,
    PlaceFilter,
    fetch_places,
    grid_choices,
    place_details,
    update_place,
    validate_place_fields,
)

VALID_CODE = "91320115MA1M9XG2T" + credit_code_check_char("91320115MA1M9XG2T")


@pytest.fixture
def place_id(demo_db: Database) -> str:
    with demo_db.session("t") as s:
        place = Place(name="张记小馆", address="红光路12号", responsible_person="张三", phone="13812345678")
        s.add(place)
        s.flush()
        return place.id


def _get(db: Database, pid: str) -> Place:
    with db.reader() as s:
        place = s.get(Place, pid)
        assert place is not None
        _ = place.sectors
        return place


def test_invalid_values_change_nothing(demo_db: Database, place_id: str) -> None:
    with demo_db.reader() as s:
        audit_before = s.scalar(select(func.count()).select_from(AuditEntry))
    bad_code = VALID_CODE[:-1] + ("0" if VALID_CODE[-1] != "0" else "1")
    with pytest.raises(PlaceEditError) as caught, demo_db.session("t") as s:
        update_place(s, place_id, name="张记小馆（新）", credit_code=bad_code, phone="1381234", risk_color="紫",
                     status="在营")
    assert isinstance(caught.value, UserInputError)
    assert caught.value.errors == {
        "credit_code": f"统一社会信用代码“{bad_code}”校验位错误（应为 {VALID_CODE[-1]}）",
        "phone": "联系电话“1381234”：手机号码应为11位，实为7位",
        "risk_color": "风险等级“紫”无效（可选：红、橙、黄、蓝）",
    }
    place = _get(demo_db, place_id)
    assert (place.name, place.credit_code, place.phone) == ("张记小馆", None, "13812345678")
    with demo_db.reader() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == audit_before


def test_valid_edit_is_cleaned_saved_audited_and_searchable(demo_db: Database, place_id: str) -> None:
    with demo_db.reader() as s:
        grid_id = s.scalars(select(Grid.id).where(Grid.name == "东湖社区第一网格")).one()
    with demo_db.session("editor") as s:
        update_place(
            s, place_id, name="  张记  小馆 ", credit_code=VALID_CODE.lower(), phone="0571 8765 4321",
            risk_color="橙", status="停业", grid_id=grid_id, nine_small_kind="小餐饮场所", gas_supply="瓶装",
            sectors=["燃气"], densely_populated=1,
        )
    place = _get(demo_db, place_id)
    assert (place.name, place.credit_code, place.phone, place.risk_color, place.status) == (
        "张记小馆", VALID_CODE, "0571-87654321", "橙", "停业",  # spaces between Chinese dropped
    )
    assert place.grid_id == grid_id and place.gas_supply == "瓶装" and place.densely_populated is True
    assert place.sectors == ["九小场所", "燃气"]  # a 九小 kind implies the sector
    with demo_db.reader() as s:
        entry = s.scalars(
            select(AuditEntry).where(AuditEntry.entity == "places", AuditEntry.entity_id == place_id)
            .order_by(AuditEntry.seq.desc())
        ).first()
        assert entry is not None and entry.action == "update" and entry.actor == "editor"
        assert [r.name for r in fetch_places(s, PlaceFilter(query=VALID_CODE[4:12]), 0, 5)] == ["张记小馆"]
    with demo_db.session("editor") as s:
        update_place(s, place_id, sectors=[], nine_small_kind="", credit_code=" ")
    place = _get(demo_db, place_id)
    assert place.sectors == [] and place.nine_small_kind is None and place.credit_code is None


def test_credit_code_must_be_unique_and_place_must_exist(demo_db: Database, place_id: str) -> None:
    with demo_db.reader() as s:
        other_name, other_code = s.execute(
            select(Place.name, Place.credit_code).where(Place.credit_code.is_not(None)).limit(1)
        ).one()
    with pytest.raises(PlaceEditError) as caught, demo_db.session("t") as s:
        update_place(s, place_id, credit_code=other_code)
    assert caught.value.errors == {"credit_code": f"统一社会信用代码“{other_code}”已属于场所“{other_name}”"}
    with pytest.raises(NotFoundError), demo_db.session("t") as s:
        update_place(s, "no-such-place", name="x")
    with pytest.raises(PlaceEditError) as caught:
        validate_place_fields(None, None, {"name": " ", "house_use": "仓库"})
    assert caught.value.errors == {"name": "场所名称不能为空", "house_use": "房屋用途“仓库”无效（可选：经营性、居住）"}


def test_place_details(demo_db: Database) -> None:
    with demo_db.reader() as s:
        # A demo place with inspections and an open hazard.
        pid = s.scalars(
            select(Hazard.place_id).where(Hazard.status != "已销号").group_by(Hazard.place_id)
            .order_by(func.count().desc()).limit(1)
        ).one()
        inspections = s.scalar(select(func.count()).select_from(Inspection).where(Inspection.place_id == pid))
        open_hazards = s.scalar(select(func.count()).select_from(Hazard).where(Hazard.place_id == pid,
                                                                                  Hazard.status != "已销号"))
        inspection_id = s.scalars(select(Inspection.id).where(Inspection.place_id == pid).limit(1)).one()
    with demo_db.session("t") as s:
        photo = Attachment(sha256="a" * 64, size=10, thumbnail=b"\x89PNG-thumb", original_name="门头.jpg")
        other = Attachment(sha256="b" * 64, size=10, thumbnail=None)
        s.add_all([photo, other])
        s.flush()
        s.add_all([
            AttachmentLink(attachment_id=photo.id, owner_type="place", owner_id=pid, caption="门头"),
            AttachmentLink(attachment_id=other.id, owner_type="inspection", owner_id=inspection_id, caption="现场"),
            AttachmentLink(attachment_id=other.id, owner_type="inspection", owner_id=inspection_id, role="signature"),
        ])
    with demo_db.reader() as s:
        details = place_details(s, pid, today=date(2026, 11, 23))
        place = s.get(Place, pid)
        assert place is not None
        assert details.values["name"] == place.name and details.values["sectors"] == sorted(place.sectors)
        assert details.grid == (place.grid.name if place.grid else "")
    assert len(details.inspections) == inspections
    starts = [i.started_at for i in details.inspections]
    assert starts == sorted(starts, reverse=True)
    assert len(details.open_hazards) == open_hazards and all(h.status != "已销号" for h in details.open_hazards)
    assert sorted((p.owner_type, p.caption, p.thumbnail) for p in details.photos) == [
        ("inspection", "现场", None), ("place", "门头", b"\x89PNG-thumb"),
    ]
    with demo_db.reader() as s:
        choices = grid_choices(s)
    assert len(choices) == 20 and choices[0][1].endswith("第一网格")


def test_place_editor_and_edit_place_entry_points(demo_db: Database, place_id: str) -> None:
    desk = desk_for(demo_db, "editor")
    editor = places.place_editor(desk, place_id)
    assert editor.details.id == place_id and editor.details.values["name"] == "张记小馆"
    with demo_db.reader() as s:
        assert editor.grids == tuple(grid_choices(s))
    details = places.edit_place(desk, place_id, {"phone": "0571 8765 4321", "sectors": ["燃气"]})
    assert details.values["phone"] == "0571-87654321" and details.values["sectors"] == ["燃气"]  # as stored
    with demo_db.reader() as s:
        entry = s.scalars(
            select(AuditEntry).where(AuditEntry.entity == "places", AuditEntry.entity_id == place_id)
            .order_by(AuditEntry.seq.desc())
        ).first()
        assert entry is not None and entry.actor == "editor"  # the desk's actor
    with pytest.raises(PlaceEditError) as caught:
        places.edit_place(desk, place_id, {"name": " ", "phone": "0571 8765 4322"})
    assert caught.value.errors == {"name": "场所名称不能为空"}
    assert _get(demo_db, place_id).phone == "0571-87654321"  # nothing changed
    with pytest.raises(NotFoundError):
        places.place_editor(desk, "no-such-place")
