"""Template selection for place profiles, driven by the [applies] tables in the data files."""

from __future__ import annotations

import pytest

from anquan_desk.core.checklists import ChecklistLibrary, PlaceProfile, select_templates, selected_items


def codes(library: ChecklistLibrary, profile: PlaceProfile) -> list[str]:
    return [t.code for t in select_templates(library, profile)]


def test_restaurant_in_self_built_house_with_bottled_gas(library: ChecklistLibrary) -> None:
    profile = PlaceProfile(
        sectors=frozenset({"九小场所", "燃气", "自建房"}),
        nine_small_kind="小餐饮场所",
        gas_supply="瓶装",
        house_use="经营性",
        densely_populated=True,
    )
    chosen = select_templates(library, profile)
    assert [t.code for t in chosen] == ["NINE-COMMON", "NINE-FOOD", "GAS-LPG", "HOUSE-BIZ"]
    items = selected_items(chosen)
    item_codes = [it.code for _, it in items]
    assert len(item_codes) == len(set(item_codes))
    # The roof-top colour-steel item of HOUSE-BIZ is covered by NINE-COMMON-13 and left out once.
    assert "NINE-COMMON-13" in item_codes and "HOUSE-BIZ-12" not in item_codes
    assert len(items) == sum(len(t.items) for t in chosen) - 1
    # Items come template by template in selection order, then in their own order.
    assert item_codes[0] == "NINE-COMMON-01" and item_codes[-1] == "HOUSE-BIZ-16"


def test_adding_fire_sector_to_a_nine_small_place_adds_no_general_fire_template(
    library: ChecklistLibrary,
) -> None:
    profile = PlaceProfile(sectors=frozenset({"九小场所", "消防"}), nine_small_kind="小餐饮场所",
                           densely_populated=True)
    assert codes(library, profile) == ["NINE-COMMON", "NINE-FOOD"]


@pytest.mark.parametrize(
    ("kind", "specific"),
    [
        ("小学校或幼儿园", "NINE-SCHOOL"), ("小医院", "NINE-CLINIC"), ("小商店", "NINE-SHOP"),
        ("小餐饮场所", "NINE-FOOD"), ("小旅馆", "NINE-HOTEL"), ("小歌舞娱乐场所", "NINE-KTV"),
        ("小网吧", "NINE-NETBAR"), ("小美容洗浴场所", "NINE-SPA"), ("小生产加工企业", "NINE-WORKSHOP"),
    ],
)
def test_each_nine_small_kind_gets_common_plus_its_own_template(
    library: ChecklistLibrary, kind: str, specific: str
) -> None:
    profile = PlaceProfile(sectors=frozenset({"九小场所"}), nine_small_kind=kind)
    chosen = select_templates(library, profile)
    assert [t.code for t in chosen] == ["NINE-COMMON", specific]
    assert chosen[1].item(f"{specific}-01").content  # the specific template has its own items


def test_optional_kind_gets_only_the_common_template(library: ChecklistLibrary) -> None:
    profile = PlaceProfile(sectors=frozenset({"九小场所"}), nine_small_kind="小仓库")
    assert codes(library, profile) == ["NINE-COMMON"]


def test_gas_with_unknown_supply_defaults_to_bottled(library: ChecklistLibrary) -> None:
    assert codes(library, PlaceProfile(sectors=frozenset({"燃气"}))) == ["GAS-LPG"]
    assert codes(library, PlaceProfile(sectors=frozenset({"燃气"}), gas_supply="管道")) == ["GAS-PIPE"]


def test_house_with_unknown_use_depends_on_business_kind(library: ChecklistLibrary) -> None:
    assert codes(library, PlaceProfile(sectors=frozenset({"自建房"}))) == ["HOUSE-RES"]
    shop = PlaceProfile(sectors=frozenset({"自建房"}), nine_small_kind="小商店")
    assert codes(library, shop) == ["HOUSE-BIZ"]
    assert codes(library, PlaceProfile(sectors=frozenset({"自建房"}), house_use="经营性")) == ["HOUSE-BIZ"]
    resolved = shop.resolved(library)
    assert resolved.house_use == "经营性" and resolved.gas_supply is None


def test_general_fire_unit(library: ChecklistLibrary) -> None:
    assert codes(library, PlaceProfile(sectors=frozenset({"消防"}))) == ["FIRE-GEN"]
    crowded = PlaceProfile(sectors=frozenset({"消防"}), densely_populated=True)
    assert codes(library, crowded) == ["FIRE-GEN", "FIRE-CROWD"]
    mixed = PlaceProfile(sectors=frozenset({"消防"}), mixed_residence=True)
    chosen = select_templates(library, mixed)
    assert [t.code for t in chosen] == ["FIRE-GEN", "FIRE-3IN1"]
    item_codes = [it.code for _, it in selected_items(chosen)]
    assert "FIRE-3IN1-07" not in item_codes  # extinguishers/lighting already in FIRE-GEN-03/09
    assert "FIRE-3IN1-02" in item_codes


def test_three_in_one_small_shop_in_self_built_house(library: ChecklistLibrary) -> None:
    profile = PlaceProfile(sectors=frozenset({"九小场所", "自建房"}), nine_small_kind="小商店",
                           mixed_residence=True)
    chosen = select_templates(library, profile)
    assert [t.code for t in chosen] == ["NINE-COMMON", "NINE-SHOP", "FIRE-3IN1", "HOUSE-BIZ"]
    item_codes = [it.code for _, it in selected_items(chosen)]
    assert len(item_codes) == len(set(item_codes))
    # The 3-in-1 items replace the common "no sleeping in the shop" and smoke-alarm items.
    for dropped in ("NINE-COMMON-08", "NINE-COMMON-15", "FIRE-3IN1-07", "HOUSE-BIZ-12"):
        assert dropped not in item_codes
    for kept in ("FIRE-3IN1-01", "FIRE-3IN1-04", "NINE-COMMON-04", "NINE-COMMON-13"):
        assert kept in item_codes


def test_no_sector_selects_nothing(library: ChecklistLibrary) -> None:
    assert select_templates(library, PlaceProfile(sectors=frozenset())) == []


def test_order_is_stable_whatever_the_set_order(library: ChecklistLibrary) -> None:
    a = PlaceProfile(sectors=frozenset(["自建房", "燃气", "九小场所"]), nine_small_kind="小旅馆")
    b = PlaceProfile(sectors=frozenset(["九小场所", "燃气", "自建房"]), nine_small_kind="小旅馆")
    assert codes(library, a) == codes(library, b) == ["NINE-COMMON", "NINE-HOTEL", "GAS-LPG", "HOUSE-BIZ"]


def test_every_full_profile_yields_unique_items(library: ChecklistLibrary) -> None:
    # Whatever combination a place has, no item code appears twice in its checklist.
    for kind in [k.name for k in library.kinds] + [None]:
        for gas in ("瓶装", "管道"):
            for use in ("经营性", "居住"):
                for crowded in (False, True):
                    for mixed in (False, True):
                        profile = PlaceProfile(
                            sectors=frozenset(library.sectors) if kind else frozenset({"消防", "燃气", "自建房"}),
                            nine_small_kind=kind, gas_supply=gas, house_use=use,
                            densely_populated=crowded, mixed_residence=mixed,
                        )
                        chosen = select_templates(library, profile)
                        sectors = {t.sector for t in chosen}
                        # 消防 of a 九小 place is covered by the 九小 templates (plus FIRE-3IN1 when mixed).
                        expected = {"九小场所", "燃气", "自建房"} if kind else {"消防", "燃气", "自建房"}
                        if mixed:
                            expected.add("消防")
                        assert sectors == expected
                        item_codes = [it.code for _, it in selected_items(chosen)]
                        assert len(item_codes) == len(set(item_codes))
