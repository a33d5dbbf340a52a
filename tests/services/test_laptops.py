"""Hazard numbers show the laptop's name instead of its code, and never the same for two numbers."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from helpers import desk_for

from anquan_desk.core import settings
from anquan_desk.core.checklists.store import templates_for_place
from anquan_desk.core.db import Database
from anquan_desk.core.device import rename_this_device, this_device
from anquan_desk.core.errors import UserInputError
from anquan_desk.core.models import Place, PlaceSector, Township
from anquan_desk.services import inspections as svc
from anquan_desk.services.checklists import ensure_builtin_library
from anquan_desk.services.laptops import Laptops, laptops, name_this_laptop
from anquan_desk.services.users import create_user


@pytest.fixture(autouse=True)
def device_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "device.json"
    monkeypatch.setenv("ANQUAN_DEVICE_FILE", str(path))
    return path


KNOWN = Laptops("XXRT", {"XXRT": "安监办笔记本1", "7KQM": "王芳的电脑", "AB23": "李华", "CD45": "李华"})


def test_the_shown_number_names_the_laptop() -> None:
    assert svc.shown_hazard_code("YH2026-XXRT-0001", KNOWN) == "YH2026-0001（安监办笔记本1）"
    assert svc.shown_hazard_code("YH2026-7KQM-0001", KNOWN) == "YH2026-0001（王芳的电脑）"
    # No name recorded for the code: said so, with the code.
    assert svc.shown_hazard_code("YH2027-ZZ99-0012", KNOWN) == "YH2027-0012（其他电脑 ZZ99）"
    # Two laptops of one name: the code tells them apart.
    assert svc.shown_hazard_code("YH2026-AB23-0003", KNOWN) == "YH2026-0003（李华·AB23）"
    assert svc.shown_hazard_code("YH2026-CD45-0003", KNOWN) == "YH2026-0003（李华·CD45）"
    # Older numbers as they are.
    assert svc.shown_hazard_code("YH2026000117", KNOWN) == "YH2026000117"


def test_two_numbers_never_show_the_same() -> None:
    shorts = ("XXRT", "7KQM", "AB23", "CD45", "ZZ99", "ZZ98")
    codes = [f"YH{year}-{short}-{serial:04d}" for year, short, serial in
             itertools.product((2026, 2027), shorts, (1, 2, 117))] + ["YH2026000117", "YH2026000118"]
    for known in (KNOWN, Laptops("XXRT", {"XXRT": "李华"}), Laptops("XXRT", {})):
        shown = [svc.shown_hazard_code(code, known) for code in codes]
        assert len(set(shown)) == len(codes)


def test_without_the_names_this_laptop_is_named_from_its_file() -> None:
    device = rename_this_device("镇安办2号机")
    assert svc.shown_hazard_code(f"YH2026-{device.short}-0005") == "YH2026-0005（镇安办2号机）"
    other = "XXRT" if device.short != "XXRT" else "YYRT"
    assert svc.shown_hazard_code(f"YH2026-{other}-0005") == f"YH2026-0005（其他电脑 {other}）"


def _failed_item(db: Database) -> str:
    """A draft check at a restaurant with its first item answered 不合格; the hazard's number."""
    with db.session("setup") as s:
        s.add(Township(name="红光镇"))
        wang = create_user(s, username="wang", name="王芳", password="wang-2026-pass", cert_no="A1")
        li = create_user(s, username="li", name="李华", password="li-2026-passw", cert_no="A2")
        place = Place(name="好运来小吃店", address="东湖路5号", nine_small_kind="小餐饮场所", gas_supply="瓶装",
                      sector_rows=[PlaceSector(sector="九小场所"), PlaceSector(sector="燃气")])
        s.add(place)
        ensure_builtin_library(s)
        s.flush()
        inspection = svc.start_inspection(s, place_id=place.id, inspector_ids=[wang.id, li.id],
                                          template_ids=[t.id for t in templates_for_place(s, place)])
        item_id = svc.checklist_entries(s, inspection.id)[0].item.id
        hazard = svc.record_answer(s, inspection.id, item_id, "不合格")
        assert hazard is not None
        return hazard.code


def test_a_laptop_that_numbers_a_hazard_records_its_name(db: Database) -> None:
    device = rename_this_device("安监办笔记本1")
    code = _failed_item(db)
    assert code.split("-")[1] == device.short
    with db.reader() as s:
        assert settings.get(s, settings.LAPTOP_NAMES) == {device.short: "安监办笔记本1"}
    # Another laptop on the same data sees the name, not the code.
    other = Laptops("ZZ99", {**laptops(desk_for(db)).names, "ZZ99": "另一台"})
    assert svc.shown_hazard_code(code, other).endswith("（安监办笔记本1）")


def test_renaming_the_laptop(db: Database) -> None:
    desk = desk_for(db)
    device = this_device()
    known = name_this_laptop(desk, " 镇安办 1号机 ")
    assert this_device().name == "镇安办 1号机" and this_device().short == device.short
    assert known.label(device.short) == "镇安办 1号机"
    assert laptops(desk).names[device.short] == "镇安办 1号机"
    # A name another laptop has is refused; so are names that read like a label.
    with db.session("other laptop") as s:
        names = settings.get(s, settings.LAPTOP_NAMES)
        settings.put(s, settings.LAPTOP_NAMES, {**names, "ZZ99": "王芳的电脑"})
    for bad, message in (("王芳的电脑", "另一台电脑已叫"), ("其他电脑 ZZ99", "不能以"), ("李华·AB23", "不能以")):
        with pytest.raises(UserInputError, match=message):
            name_this_laptop(desk, bad)
    assert this_device().name == "镇安办 1号机"
