"""Checklist templates in the database: built-in sync, versioned edits, parameters, selection."""

from __future__ import annotations

from dataclasses import replace

import pytest
from helpers import desk_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anquan_desk.core.checklists import ChecklistLibrary, render_template
from anquan_desk.core.checklists.store import (
    ItemFields,
    TemplateSummary,
    current_template,
    current_templates,
    is_item_modified,
    items_for_place,
    parameter_overrides,
    raw_item,
    template_versions,
    templates_for_place,
)
from anquan_desk.core.clock import utcnow
from anquan_desk.core.db import Database
from anquan_desk.core.errors import NotFoundError, UserInputError
from anquan_desk.core.models import (
    AuditEntry,
    ChecklistItem,
    ChecklistTemplate,
    Grid,
    Hazard,
    Inspection,
    InspectionTemplate,
    ItemResult,
    Place,
    PlaceSector,
    Township,
    Village,
)
from anquan_desk.core.vocabulary import InspectionStatus
from anquan_desk.services import checklists
from anquan_desk.services.checklists import (
    TemplateChange,
    add_item,
    add_template,
    edit_item,
    remove_item,
    reset_item_to_builtin,
    set_enabled,
    set_parameter_overrides,
    sync_builtin_library,
)
from anquan_desk.services.desk import collect_changes

ITEM_FIELDS = ("code", "seq", "content", "method", "hazard_text", "basis", "default_grade", "major_conditions",
               "requirement", "deadline_days")


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def synced(db: Database, library: ChecklistLibrary) -> Database:
    with db.session("test") as s:
        sync_builtin_library(s, library)
    return db


def test_sync_installs_every_builtin_template_as_version_1(db: Database, library: ChecklistLibrary) -> None:
    with db.session("test") as s:
        report = sync_builtin_library(s, library)
    assert report.installed == [t.code for t in library.templates]
    params = library.parameter_values()
    with db.reader() as s:
        rows = current_templates(s)
        assert [r.code for r in rows] == [t.code for t in library.templates]
        assert _count(s, ChecklistItem) == len(library.items) == sum(len(r.items) for r in rows)
        for row in rows:
            expected = render_template(library.template(row.code), params)
            assert (row.version, row.builtin, row.enabled, row.is_current) == (1, True, True, True)
            assert (row.name, row.sector) == (expected.name, expected.sector)
            for got, want in zip(row.items, expected.items, strict=True):
                assert [getattr(got, f) for f in ITEM_FIELDS] == [getattr(want, f) for f in ITEM_FIELDS]
            assert "{" not in "".join(it.content + it.hazard_text for it in row.items)
        # The raw texts keep their placeholders for re-rendering.
        lpg = current_template(s, "GAS-LPG")
        raw = [raw_item(lpg, it.code).content for it in lpg.items]
        assert any("{lpg_max_kg}" in text for text in raw)
        assert current_template(s, "NINE-FOOD").nine_small_kind == "小餐饮场所"


def test_sync_is_idempotent(synced: Database, library: ChecklistLibrary) -> None:
    with synced.reader() as s:
        before = (_count(s, ChecklistTemplate), _count(s, ChecklistItem), _count(s, AuditEntry))
    with synced.session("test") as s:
        report = sync_builtin_library(s, library)
    assert not report.changed and report.kept_edited == [] and report.conflicts == []
    with synced.reader() as s:
        assert (_count(s, ChecklistTemplate), _count(s, ChecklistItem), _count(s, AuditEntry)) == before


def _newer_library(library: ChecklistLibrary, codes: tuple[str, ...]) -> ChecklistLibrary:
    """The library with the first item of ``codes`` reworded in a version 2."""
    templates = []
    for t in library.templates:
        if t.code in codes:
            first = replace(t.items[0], content=t.items[0].content + "（新版措辞）")
            t = replace(t, version=t.version + 1, items=(first, *t.items[1:]))
        templates.append(t)
    return replace(library, templates=tuple(templates))


def test_newer_builtin_version_only_updates_unedited_templates(synced: Database, library: ChecklistLibrary) -> None:
    with synced.session("test") as s:
        edit_item(s, "NINE-SHOP", "NINE-SHOP-02", method="本乡镇：查看库存台账", library=library)
    newer = _newer_library(library, ("NINE-SHOP", "NINE-FOOD"))
    with synced.session("test") as s:
        report = sync_builtin_library(s, newer)
    assert report.updated == ["NINE-FOOD"] and report.kept_edited == ["NINE-SHOP"] and report.installed == []
    with synced.reader() as s:
        food = current_template(s, "NINE-FOOD")
        assert food.version == 2 and food.items[0].content.endswith("（新版措辞）")
        assert food.definition["builtin_version"] == library.template("NINE-FOOD").version + 1
        assert food.definition["edited"] is False
        shop = current_template(s, "NINE-SHOP")
        assert shop.version == 2 and shop.items[1].method == "本乡镇：查看库存台账"
        assert not shop.items[0].content.endswith("（新版措辞）")
    with synced.session("test") as s:  # and the update is not applied twice
        assert not sync_builtin_library(s, newer).changed


def _finished_inspection(session: Session, template: ChecklistTemplate) -> str:
    place = Place(name="红光镇李记小吃店")
    place.sector_rows.append(PlaceSector(sector="燃气"))
    session.add(place)
    session.flush()
    now = utcnow()
    insp = Inspection(place_id=place.id, started_at=now, ended_at=now, status=InspectionStatus.FINISHED.value)
    insp.templates.append(InspectionTemplate(template_id=template.id))
    for i, item in enumerate(template.items):
        insp.results.append(ItemResult(item_id=item.id, outcome="不合格" if i == 4 else "合格"))
    session.add(insp)
    session.flush()
    return insp.id


def test_editing_makes_a_new_version_and_a_finished_inspection_keeps_its_wording(
    synced: Database, library: ChecklistLibrary
) -> None:
    with synced.session("inspector") as s:
        old = current_template(s, "GAS-LPG")
        old_id, old_texts = old.id, [(it.code, it.content, it.hazard_text) for it in old.items]
        inspection_id = _finished_inspection(s, old)
    with synced.session("admin") as s:
        new = edit_item(s, "GAS-LPG", "GAS-LPG-05", content="液化石油气钢瓶存放总量不超过{lpg_max_kg}千克（本镇规定）",
                        hazard_text="钢瓶超量存放", deadline_days=1, library=library)
        new_id = new.id
    with synced.reader() as s:
        versions = template_versions(s, "GAS-LPG")
        assert [(v.version, v.is_current) for v in versions] == [(1, False), (2, True)]
        assert versions[1].id == new_id != old_id
        assert versions[1].definition["change"] == "修改条目 GAS-LPG-05（检查内容、隐患描述（标准用语）、整改期限（天，0=立即））"
        changed = versions[1].items[4]
        assert (changed.code, changed.content, changed.hazard_text, changed.deadline_days) == (
            "GAS-LPG-05", "液化石油气钢瓶存放总量不超过100千克（本镇规定）", "钢瓶超量存放", 1)
        # Every other item is copied unchanged into the new version.
        assert [(it.code, it.content) for i, it in enumerate(versions[1].items) if i != 4] == [
            (c, t) for i, (c, t, _h) in enumerate(old_texts) if i != 4]
        # The old version and the inspection that used it are untouched.
        assert [(it.code, it.content, it.hazard_text) for it in versions[0].items] == old_texts
        insp = s.get(Inspection, inspection_id)
        assert insp is not None
        assert [t.template_id for t in insp.templates] == [old_id]
        failed = [r for r in insp.results if r.outcome == "不合格"]
        assert [(r.item.code, r.item.content, r.item.hazard_text) for r in failed] == [old_texts[4]]
        assert failed[0].item.template.version == 1


def test_edit_without_change_makes_no_version(synced: Database, library: ChecklistLibrary) -> None:
    with synced.session("t") as s:
        same = raw_item(current_template(s, "GAS-LPG"), "GAS-LPG-01").content
        row = edit_item(s, "GAS-LPG", "GAS-LPG-01", content=same, library=library)
        assert row.version == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"content": "  "}, "“检查内容”不能为空"),
        ({"default_grade": "较大"}, "默认等级“较大”无效"),
        ({"deadline_days": -3}, "整改期限“-3”无效"),
        ({"content": "存放不超过{lpg_max_ton}吨"}, "未定义的参数“{lpg_max_ton}”"),
        ({"colour": "红"}, "未知的条目字段：colour"),
    ],
)
def test_bad_edits_are_refused_and_change_nothing(
    synced: Database, library: ChecklistLibrary, fields: dict[str, object], message: str
) -> None:
    with synced.reader() as s:
        before = _count(s, ChecklistTemplate)
    with pytest.raises(UserInputError, match=message.replace("(", r"\(").replace("{", r"\{")), \
            synced.session("t") as s:
        edit_item(s, "GAS-LPG", "GAS-LPG-05", library=library, **fields)  # type: ignore[arg-type]
    with synced.reader() as s:
        assert _count(s, ChecklistTemplate) == before
        assert current_template(s, "GAS-LPG").version == 1


def test_add_remove_and_reset_items(synced: Database, library: ChecklistLibrary) -> None:
    n = len(library.template("NINE-SHOP").items)
    with synced.session("t") as s:
        row = add_item(s, "NINE-SHOP", ItemFields(content="电动自行车不在店内停放、充电", hazard_text="电动自行车在店内充电",
                                                 basis="《中华人民共和国消防法》第十六条", default_grade="一般",
                                                 requirement="立即移出店外", deadline_days=0), library=library)
        assert (row.version, len(row.items), row.items[-1].code, row.items[-1].seq) == (2, n + 1, "NINE-SHOP-05", 5)
        row = remove_item(s, "NINE-SHOP", "NINE-SHOP-05", library=library)
        assert (row.version, len(row.items)) == (3, n)
        # A removed code is never given again: old inspections may point at it.
        row = add_item(s, "NINE-SHOP", ItemFields(content="消防通道不堆放杂物"), library=library)
        assert row.items[-1].code == "NINE-SHOP-06"
        row = edit_item(s, "NINE-SHOP", "NINE-SHOP-01", content="商品不贴近配电箱", library=library)
        assert is_item_modified(row, "NINE-SHOP-01", library) and not is_item_modified(row, "NINE-SHOP-02", library)
        row = reset_item_to_builtin(s, "NINE-SHOP", "NINE-SHOP-01", library=library)
        assert row.version == 6
        assert row.items[0].content == library.template("NINE-SHOP").items[0].content
        assert not is_item_modified(row, "NINE-SHOP-01", library)
        assert row.definition["edited"] is True  # NINE-SHOP-06 is still an addition
        row = remove_item(s, "NINE-SHOP", "NINE-SHOP-06", library=library)
        assert row.definition["edited"] is True  # sticky once the township changed the item list
        with pytest.raises(NotFoundError):
            remove_item(s, "NINE-SHOP", "NINE-SHOP-99", library=library)


def test_reset_restores_unedited_state(synced: Database, library: ChecklistLibrary) -> None:
    with synced.session("t") as s:
        edit_item(s, "FIRE-GEN", "FIRE-GEN-01", content="改过的文字", library=library)
        row = reset_item_to_builtin(s, "FIRE-GEN", "FIRE-GEN-01", library=library)
        assert row.version == 3 and row.definition["edited"] is False
    # Unedited again: a newer built-in version is applied.
    with synced.session("t") as s:
        assert sync_builtin_library(s, _newer_library(library, ("FIRE-GEN",))).updated == ["FIRE-GEN"]


def test_parameter_override_re_renders_as_new_version(synced: Database, library: ChecklistLibrary) -> None:
    with synced.session("t") as s:
        new_versions = set_parameter_overrides(s, {"lpg_max_kg": 50}, library=library)
        users = {t.code for t in library.templates
                 if any("{lpg_max_kg}" in it.content + it.method + it.hazard_text + it.requirement for it in t.items)}
        assert users and {t.code for t in new_versions} == users
        assert parameter_overrides(s) == {"lpg_max_kg": 50}
    with synced.reader() as s:
        versions = template_versions(s, "GAS-LPG")
        assert [v.version for v in versions] == [1, 2]
        text_v1 = " ".join(it.content for it in versions[0].items)
        text_v2 = " ".join(it.content for it in versions[1].items)
        assert "不超过100千克" in text_v1 and "不超过50千克" in text_v2 and "不超过100千克" not in text_v2
        assert versions[1].definition["parameters"]["lpg_max_kg"] == 50
        assert versions[1].definition["edited"] is False
    with synced.session("t") as s, pytest.raises(UserInputError, match="lpg_max_kgs"):
        set_parameter_overrides(s, {"lpg_max_kgs": 50}, library=library)


def test_disabled_template_is_not_selected(demo_db: Database, library: ChecklistLibrary) -> None:
    with demo_db.session("t") as s:
        place = s.scalars(select(Place).where(Place.nine_small_kind == "小商店")).first()
        assert place is not None
        assert "NINE-SHOP" in [t.code for t in templates_for_place(s, place, library)]
        set_enabled(s, "NINE-SHOP", False)
        assert current_template(s, "NINE-SHOP").version == 1  # a switch, not a new wording
        assert "NINE-SHOP" not in [t.code for t in templates_for_place(s, place, library)]
        assert "NINE-COMMON" in [t.code for t in templates_for_place(s, place, library)]


KIND_TEMPLATE = {
    "小学校或幼儿园": "NINE-SCHOOL", "小医院": "NINE-CLINIC", "小商店": "NINE-SHOP", "小餐饮场所": "NINE-FOOD",
    "小旅馆": "NINE-HOTEL", "小歌舞娱乐场所": "NINE-KTV", "小网吧": "NINE-NETBAR", "小美容洗浴场所": "NINE-SPA",
    "小生产加工企业": "NINE-WORKSHOP",
}


@pytest.mark.parametrize("kind", list(KIND_TEMPLATE))
def test_templates_for_a_demo_place_of_each_kind(demo_db: Database, library: ChecklistLibrary, kind: str) -> None:
    with demo_db.reader() as s:
        places = s.scalars(select(Place).where(Place.nine_small_kind == kind).order_by(Place.route_order)).all()
        assert places
        for place in places[:6]:
            rows = templates_for_place(s, place, library)
            codes = [r.code for r in rows]
            assert codes[:2] == ["NINE-COMMON", KIND_TEMPLATE[kind]]
            assert all(r.is_current and r.enabled for r in rows)
            assert "FIRE-GEN" not in codes and "FIRE-CROWD" not in codes  # covered by the 九小 tables
            sectors = set(place.sectors)
            gas = {"瓶装": "GAS-LPG", "管道": "GAS-PIPE"}
            assert [c for c in codes if c.startswith("GAS-")] == (
                [gas[place.gas_supply or "瓶装"]] if "燃气" in sectors else [])
            assert ("HOUSE-BIZ" in codes) == ("自建房" in sectors)
            assert ("FIRE-3IN1" in codes) == place.mixed_residence
            items = items_for_place(s, place, library)
            assert [it.code for _, it in items] and len({it.id for _, it in items}) == len(items)
            if "HOUSE-BIZ" in codes:  # covered by NINE-COMMON-13
                assert "HOUSE-BIZ-12" not in [it.code for _, it in items]


def test_township_template_for_a_sector_without_builtin_list(demo_db: Database, library: ChecklistLibrary) -> None:
    with demo_db.session("admin") as s:
        enterprise = s.scalars(select(Place).join(PlaceSector).where(PlaceSector.sector == "工贸")).first()
        assert enterprise is not None
        assert templates_for_place(s, enterprise, library) == [] or all(
            t.sector != "工贸" for t in templates_for_place(s, enterprise, library))
        row = add_template(s, name="工贸企业安全生产检查表（本镇）", sector="工贸", library=library, items=[
            ItemFields(content="有限空间作业前检测、审批", hazard_text="有限空间作业未经检测审批",
                       basis="《工贸企业有限空间作业安全规定》（应急管理部令第13号）第十四条", default_grade="重大",
                       requirement="立即停止作业，建立审批制度", deadline_days=0),
            ItemFields(content="粉尘除尘系统定期清理", deadline_days=7),
        ])
        assert (row.code, row.version, row.builtin) == ("ZD-01", 1, False)
        assert [(it.code, it.seq) for it in row.items] == [("ZD-01-01", 1), ("ZD-01-02", 2)]
        assert "ZD-01" in [t.code for t in templates_for_place(s, enterprise, library)]
        second = add_template(s, name="另一个表", sector="工贸", library=library)
        assert second.code == "ZD-02"
        with pytest.raises(UserInputError, match="已被使用"):
            add_template(s, name="重复", sector="燃气", code="GAS-LPG", library=library)
        with pytest.raises(UserInputError, match="没有内置文字"):
            reset_item_to_builtin(s, "ZD-01", "ZD-01-01", library=library)


# --- entry points (a desk, plain data) ---------------------------------------------------------


def test_reading_entry_points_return_plain_data(synced: Database, library: ChecklistLibrary) -> None:
    desk = desk_for(synced, "admin")
    overview = checklists.checklist_overview(desk, library)
    assert [t.code for t in overview.templates] == [t.code for t in library.templates]
    assert overview.sectors == library.sectors
    lpg = next(t for t in overview.templates if t.code == "GAS-LPG")
    builtin = library.template("GAS-LPG")
    assert lpg == TemplateSummary(code="GAS-LPG", name=builtin.name, version=1, sector="燃气", nine_small_kind=None,
                                  builtin=True, enabled=True, edited=False, item_count=len(builtin.items),
                                  change=f"安装内置检查表（内置第{builtin.version}版）")
    detail = checklists.checklist_detail(desk, "GAS-LPG", library)
    assert detail.summary == lpg and [it.code for it in detail.items] == [it.code for it in builtin.items]
    assert [it.seq for it in detail.items] == list(range(1, len(builtin.items) + 1))
    five = detail.item("GAS-LPG-05")
    assert "{lpg_max_kg}" in five.raw.content and "{" not in five.shown.content and "100千克" in five.shown.content
    assert five.shown.code == five.raw.code == "GAS-LPG-05" and not five.modified
    with pytest.raises(NotFoundError):
        detail.item("GAS-LPG-99")
    with pytest.raises(NotFoundError):
        checklists.checklist_detail(desk, "NOPE", library)


def test_writing_entry_points_make_versions_as_the_actor_and_announce_the_tables(
    synced: Database, library: ChecklistLibrary
) -> None:
    desk = desk_for(synced, "admin")
    name = library.template("GAS-LPG").name
    n = len(library.template("GAS-LPG").items)
    with collect_changes() as log:
        change = checklists.edit_checklist_item(desk, "GAS-LPG", "GAS-LPG-05", {"hazard_text": "钢瓶超量存放"},
                                                library=library)
    assert change == TemplateChange(code="GAS-LPG", name=name, version=2, items=n, changed=True)
    assert checklists.library_changed(log.changes) and not checklists.parameters_changed(log.changes)
    assert log.changes.touches("checklist_templates", "checklist_items")
    with synced.reader() as s:
        actors = set(s.scalars(select(AuditEntry.actor).where(AuditEntry.entity == "checklist_templates")))
        assert "admin" in actors
    detail = checklists.checklist_detail(desk, "GAS-LPG", library)
    assert detail.summary.edited and detail.item("GAS-LPG-05").modified
    assert detail.summary.change == "修改条目 GAS-LPG-05（隐患描述（标准用语））"

    with collect_changes() as log:
        same = checklists.edit_checklist_item(desk, "GAS-LPG", "GAS-LPG-05", {"hazard_text": "钢瓶超量存放"},
                                              library=library)
    assert (same.version, same.changed) == (2, False) and not log.changes
    reset = checklists.reset_checklist_item(desk, "GAS-LPG", "GAS-LPG-05", library=library)
    assert (reset.version, reset.changed) == (3, True)
    assert not checklists.checklist_detail(desk, "GAS-LPG", library).item("GAS-LPG-05").modified

    shop = len(library.template("NINE-SHOP").items)
    added = checklists.add_checklist_item(desk, "NINE-SHOP", ItemFields(content="消防通道不堆放杂物"), library=library)
    assert (added.version, added.items, added.item_code, added.changed) == (2, shop + 1, "NINE-SHOP-05", True)
    removed = checklists.remove_checklist_item(desk, "NINE-SHOP", "NINE-SHOP-05", library=library)
    assert (removed.version, removed.items, removed.item_code) == (3, shop, None)
    off = checklists.enable_checklist(desk, "NINE-SHOP", False)
    assert (off.version, off.changed) == (3, True)
    assert not checklists.enable_checklist(desk, "NINE-SHOP", False).changed
    assert not next(t for t in checklists.checklist_overview(desk, library).templates if t.code == "NINE-SHOP").enabled

    created = checklists.create_checklist(desk, name="工贸企业安全检查表（本镇）", sector="工贸", library=library)
    assert (created.code, created.version, created.items, created.created) == ("ZD-01", 1, 0, True)
    assert checklists.checklist_overview(desk, library).sectors == (*library.sectors, "工贸")

    with pytest.raises(UserInputError, match="“检查内容”不能为空"):
        checklists.edit_checklist_item(desk, "GAS-LPG", "GAS-LPG-01", {"content": " "}, library=library)
    assert checklists.checklist_detail(desk, "GAS-LPG", library).summary.version == 3


def test_parameter_entry_points(synced: Database, library: ChecklistLibrary) -> None:
    desk = desk_for(synced, "admin")
    assert checklists.township_parameter_values(desk) == {}
    with collect_changes() as log:
        changed = checklists.save_parameter_values(desk, {"lpg_max_kg": 80}, library=library)
    assert checklists.parameters_changed(log.changes) and checklists.library_changed(log.changes)
    assert "GAS-LPG" in {c.code for c in changed} and all(c.changed for c in changed)
    assert checklists.township_parameter_values(desk) == {"lpg_max_kg": 80}
    assert "不超过80千克" in checklists.checklist_detail(desk, "GAS-LPG", library).item("GAS-LPG-05").shown.content
    with pytest.raises(UserInputError, match="lpg_max_kgs"):
        checklists.save_parameter_values(desk, {"lpg_max_kgs": 50}, library=library)
    assert checklists.township_parameter_values(desk) == {"lpg_max_kg": 80}


def test_install_builtin_library_entry_point(db: Database, library: ChecklistLibrary) -> None:
    desk = desk_for(db)
    assert checklists.install_builtin_library(desk, library).installed == [t.code for t in library.templates]
    with collect_changes() as log:
        assert not checklists.install_builtin_library(desk, library).changed
    assert not log.changes  # nothing written, nothing to announce


# --- the items' legal data (consequence, hand-over, basis kind, references) survive edits ----------


def test_edited_items_keep_consequence_and_handover(synced: Database, library: ChecklistLibrary) -> None:
    from anquan_desk.core.checklists.store import item_legal_data
    from anquan_desk.core.documents import texts

    original = library.template("NINE-COMMON").item("NINE-COMMON-01")
    assert original.consequence and original.handover_to
    with synced.session("test") as s:
        v1 = current_template(s, "NINE-COMMON")
        assert raw_item(v1, "NINE-COMMON-01").consequence == original.consequence
        # The editor's form has no legal fields: an edit of the wording keeps them.
        v2 = edit_item(s, "NINE-COMMON", "NINE-COMMON-01", library=library, content="疏散通道畅通（本镇改写）",
                       requirement="立即清理疏散通道（本镇改写）", deadline_days=0)
        assert v2.version == v1.version + 1
        kept = raw_item(v2, "NINE-COMMON-01")
        assert kept.content == "疏散通道畅通（本镇改写）"
        assert (kept.consequence, kept.handover_to, kept.basis_kind, kept.references) == (
            original.consequence, original.handover_to, original.basis_kind, original.references)
        # The legal data itself is editable, and a wrong basis kind is refused.
        v3 = edit_item(s, "NINE-COMMON", "NINE-COMMON-01", library=library,
                       consequence="《中华人民共和国消防法》第六十条第一款第（三）项", handover_to="派出所")
        assert "法律后果" in str(v3.definition["change"]) and "移交部门" in str(v3.definition["change"])
        with pytest.raises(UserInputError, match="依据类别"):
            edit_item(s, "NINE-COMMON", "NINE-COMMON-01", library=library, basis_kind="随便")
        # Another item's edit, an added item and a spreadsheet-style replacement keep them too.
        v4 = edit_item(s, "NINE-COMMON", "NINE-COMMON-02", library=library, method="看一看")
        assert raw_item(v4, "NINE-COMMON-01").handover_to == "派出所"
        assert raw_item(v4, "NINE-COMMON-02").consequence == library.template("NINE-COMMON").item("NINE-COMMON-02").consequence
        v5 = checklists.replace_items(s, "NINE-COMMON", [replace(it, consequence="", handover_to="")
                                                          for it in checklists.raw_items(v4)], library=library)
        assert raw_item(v5, "NINE-COMMON-01").consequence == "《中华人民共和国消防法》第六十条第一款第（三）项"
        # Reset brings the library's legal data back with its wording.
        v6 = reset_item_to_builtin(s, "NINE-COMMON", "NINE-COMMON-01", library=library)
        assert raw_item(v6, "NINE-COMMON-01").handover_to == original.handover_to
        assert not is_item_modified(v6, "NINE-COMMON-01", library)

        # What a document's consequence paragraph is built from, by item id (as hazards link items).
        ids = {v: next(it.id for it in row.items if it.code == "NINE-COMMON-01") for v, row in
               (("v2", v2), ("v3", v3), ("v6", v6))}
        legal = item_legal_data(s, ids.values(), library)
        assert legal[ids["v2"]].consequence == original.consequence
        assert legal[ids["v2"]].handover_to == original.handover_to
        assert legal[ids["v3"]].consequence == "《中华人民共和国消防法》第六十条第一款第（三）项"
        assert legal[ids["v3"]].handover_to == "派出所"
        assert legal[ids["v6"]].handover_to == original.handover_to
        paragraph = texts.hazard_consequence([(1, legal[ids["v3"]].consequence)], [(1, legal[ids["v3"]].handover_to)],
                                             order=False)
        assert "第六十条第一款第（三）项" in paragraph and "上表第1项隐患属派出所职责范围" in paragraph
        # The documents' own lookup (by the item's code) finds the kept consequence for an edited item.
        from anquan_desk.services.documents import _consequence

        town = Township(name="红光镇")
        village = Village(township=town, name="东湖社区")
        grid = Grid(village=village, name="第一网格")
        s.add_all([town, village, grid])
        s.flush()
        place = Place(grid_id=grid.id, name="甲饭店", sector_rows=[PlaceSector(sector="九小场所")])
        s.add(place)
        s.flush()
        insp = Inspection(place_id=place.id, started_at=utcnow(), status=InspectionStatus.FINISHED.value)
        s.add(insp)
        s.flush()
        s.add(Hazard(code="H1", inspection_id=insp.id, place_id=place.id, sector="九小场所", description="通道堵塞",
                     item_id=ids["v2"], seq=1))
        s.flush()
        s.refresh(insp)
        text = _consequence(s, insp, False)
        assert original.consequence in text and f"属{original.handover_to}职责范围" in text
