"""The shipped checklist library loads, validates and says what a township inspector needs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from anquan_desk.core.checklists import (
    ChecklistError,
    ChecklistLibrary,
    UnknownParameterError,
    load_library,
    render_item,
    render_template,
    render_text,
)
from anquan_desk.core.checklists.library import GRADES, PLACEHOLDER_RE, ParameterDef, placeholders
from anquan_desk.resources import resources_dir

# Statutes whose full text is in the team's shared/laws folder, plus the rules and standards named in
# the sources of DOMAIN.md. Every 《…》 in an item's 依据 must be one of these.
ALLOWED_TITLES = {
    "中华人民共和国消防法",
    "中华人民共和国安全生产法",
    "城镇燃气管理条例",
    "建设工程质量管理条例",
    "中华人民共和国城乡规划法",
    "中华人民共和国建筑法",
    "互联网上网服务营业场所管理条例",
    "机关、团体、企业、事业单位消防安全管理规定",  # 公安部令第61号
    "消防监督检查规定",  # 公安部令第120号
    "住宿与生产储存经营合用场所消防安全技术要求",  # GA 703-2007
    "重大火灾隐患判定规则",  # GB 35181-2025
    "城镇燃气经营安全重大隐患判定标准",  # 建城规〔2023〕4号
    "高层民用建筑消防安全管理规定",  # 应急管理部令第5号
    "安全生产事故隐患排查治理暂行规定",
    "全国自建房安全专项整治工作方案",  # 国办发明电〔2022〕10号
    "关于加强经营性自建房安全管理的通知",  # 建村〔2023〕18号
}
# Which document number must accompany a rule/standard title when it is cited.
REQUIRED_NUMBER = {
    "机关、团体、企业、事业单位消防安全管理规定": "公安部令第61号",
    "住宿与生产储存经营合用场所消防安全技术要求": "GA 703",
    "城镇燃气经营安全重大隐患判定标准": "建城规〔2023〕4号",
    "高层民用建筑消防安全管理规定": "应急管理部令第5号",
    "全国自建房安全专项整治工作方案": "国办发明电〔2022〕10号",
    "关于加强经营性自建房安全管理的通知": "建村〔2023〕18号",
}
# Statutes (laws and State Council regulations) must be cited down to the article.
STATUTES = {
    "中华人民共和国消防法", "中华人民共和国安全生产法", "城镇燃气管理条例", "建设工程质量管理条例",
    "中华人民共和国城乡规划法", "中华人民共和国建筑法", "互联网上网服务营业场所管理条例",
}
ARTICLE_RE = re.compile(r"^第[一二三四五六七八九十百零]+条")


def test_resources_dir_points_at_the_checkout() -> None:
    assert (resources_dir() / "checklists" / "library.toml").is_file()


def test_library_loads_from_default_and_explicit_directory(library: ChecklistLibrary) -> None:
    again = load_library(resources_dir() / "checklists")
    assert [t.code for t in again.templates] == [t.code for t in library.templates]
    assert library.version == 2
    assert library.sectors == ("九小场所", "消防", "燃气", "自建房")


def test_required_templates_exist_with_version_one(library: ChecklistLibrary) -> None:
    codes = {t.code for t in library.templates}
    required = {
        "GAS-LPG", "GAS-PIPE", "HOUSE-BIZ", "HOUSE-RES", "FIRE-GEN", "FIRE-CROWD", "FIRE-3IN1",
        "NINE-COMMON", "NINE-SCHOOL", "NINE-CLINIC", "NINE-SHOP", "NINE-FOOD", "NINE-HOTEL", "NINE-KTV",
        "NINE-NETBAR", "NINE-SPA", "NINE-WORKSHOP",
    }
    assert required <= codes
    # Version 2: the citations were corrected and 法律后果/移交部门 added (issue 14).
    assert all(t.version == 2 for t in library.templates)
    assert library.template("GAS-LPG").name == "燃气安全检查表（餐饮等场所使用瓶装液化石油气）"
    assert library.template("GAS-LPG").sector == "燃气"


def test_at_least_80_items_with_unique_codes_and_plain_fields(library: ChecklistLibrary) -> None:
    items = library.items
    assert len(items) >= 80
    codes = [it.code for it in items]
    assert len(set(codes)) == len(codes)
    for t in library.templates:
        assert [it.seq for it in t.items] == list(range(1, len(t.items) + 1))
        for it in t.items:
            assert it.code.startswith(t.code + "-")
            assert it.default_grade in GRADES
            assert it.deadline_days >= 0
            for text in (it.content, it.method, it.hazard_text, it.requirement):
                assert text.strip(), it.code
            # An item rests either on a statute (依据) or on a standard/local rule/notice (参照).
            assert (it.basis if it.is_legal_duty else it.references).strip(), it.code


def test_every_item_cites_an_allowed_statute_or_rule(library: ChecklistLibrary) -> None:
    for it in library.items:
        cited = re.findall(r"《([^》]+)》([^《；]*)", it.basis)
        assert cited or not it.is_legal_duty, f"{it.code} 没有依据"
        for title, tail in cited:
            assert title in ALLOWED_TITLES, f"{it.code} 引用了未列入白名单的“{title}”"
            if title in REQUIRED_NUMBER:
                assert REQUIRED_NUMBER[title] in tail, f"{it.code} 引用“{title}”未写文号"
            if title in STATUTES:
                assert ARTICLE_RE.match(tail.strip()), f"{it.code} 引用“{title}”未写明条款：{tail}"


def test_fire_basis_cites_the_articles_domain_names(library: ChecklistLibrary) -> None:
    # Spot checks against the statute text: 疏散通道 -> 消防法第二十八条; 燃气报警 -> 安全生产法第三十六条第四款;
    # 承重结构 -> 建设工程质量管理条例第十五条.
    assert "《中华人民共和国消防法》第二十八条" in library.template("NINE-COMMON").item("NINE-COMMON-06").basis
    assert "第三十六条第四款" in library.template("GAS-LPG").item("GAS-LPG-01").basis
    assert "《建设工程质量管理条例》第十五条" in library.template("HOUSE-BIZ").item("HOUSE-BIZ-05").basis
    assert "第四十一条" in library.template("HOUSE-RES").item("HOUSE-RES-05").basis
    assert "第六十五条" in library.template("HOUSE-RES").item("HOUSE-RES-05").consequence


def test_major_grade_items_and_conditions(library: ChecklistLibrary) -> None:
    can_be_major = [it for it in library.items if it.can_be_major]
    assert len(can_be_major) >= 20
    lpg_basement = library.template("GAS-LPG").item("GAS-LPG-06")
    assert "地下室" in lpg_basement.major_conditions
    assert "第九条第（一）项" in lpg_basement.major_conditions
    # Items that can never be major say so with an empty condition.
    assert library.template("NINE-COMMON").item("NINE-COMMON-01").major_conditions == ""
    assert library.template("NINE-COMMON").item("NINE-COMMON-01").can_be_major is False
    assert library.template("HOUSE-BIZ").item("HOUSE-BIZ-02").default_grade == "重大"


def test_deadline_text(library: ChecklistLibrary) -> None:
    assert library.template("NINE-COMMON").item("NINE-COMMON-06").deadline_text == "立即整改"
    assert library.template("NINE-COMMON").item("NINE-COMMON-04").deadline_text == "3日内整改"


def test_house_templates_carry_assessment_classes(library: ChecklistLibrary) -> None:
    for code in ("HOUSE-BIZ", "HOUSE-RES"):
        classes = library.template(code).assessment_classes
        assert [c.name for c in classes] == ["存在严重安全隐患", "存在一定安全隐患", "未发现安全隐患"]
        assert "倒塌" in classes[0].definition
        assert all(c.handling for c in classes)
    assert library.template("GAS-LPG").assessment_classes == ()


def test_parameters_are_declared_with_unit_and_basis(library: ChecklistLibrary) -> None:
    params = library.parameters
    assert params["lpg_max_kg"].value == 100 and params["lpg_max_kg"].unit == "千克"
    assert params["lpg_max_cylinders"].value == 4
    assert params["gas_hose_max_m"].value == 2
    assert params["lpg_stove_distance_m"].value == 1
    assert params["extinguisher_area_m2"].value == 50
    for p in params.values():
        assert p.description and p.basis
    used = {name for it in library.items for f in (it.content, it.hazard_text, it.requirement,
                                                    it.major_conditions) for name in placeholders(f)}
    assert {"lpg_max_kg", "lpg_max_cylinders", "gas_hose_max_m", "lpg_stove_distance_m",
            "extinguisher_area_m2"} <= used
    unused = set(params) - used
    assert not unused, f"未被任何条目引用的参数：{unused}"


def test_rendering_fills_every_placeholder(library: ChecklistLibrary) -> None:
    values = library.parameter_values()
    for t in library.templates:
        rendered = render_template(t, values)
        for it in rendered.items:
            for text in (it.content, it.method, it.hazard_text, it.basis, it.major_conditions, it.requirement):
                assert not PLACEHOLDER_RE.search(text), (it.code, text)
    lpg05 = render_item(library.template("GAS-LPG").item("GAS-LPG-05"), values)
    assert "不超过100千克，且不超过4瓶" in lpg05.content
    assert lpg05.code == "GAS-LPG-05" and lpg05.seq == 5


def test_township_override_changes_the_text(library: ChecklistLibrary) -> None:
    values = library.parameter_values({"lpg_max_kg": 50, "lpg_stove_distance_m": 0.5})
    assert values["lpg_max_kg"].value == 50
    assert library.parameters["lpg_max_kg"].value == 100  # library itself unchanged
    item = render_item(library.template("GAS-LPG").item("GAS-LPG-09"), values)
    assert "不小于0.5米" in item.content
    item = render_item(library.template("GAS-LPG").item("GAS-LPG-05"), values)
    assert "不超过50千克" in item.content and "不超过4瓶" in item.content


def test_override_of_unknown_or_wrongly_typed_parameter_is_refused(library: ChecklistLibrary) -> None:
    with pytest.raises(UnknownParameterError, match="lpg_max_tons"):
        library.parameter_values({"lpg_max_tons": 1})
    with pytest.raises(ChecklistError, match="应为数值"):
        library.parameter_values({"lpg_max_kg": "一百"})
    with pytest.raises(ChecklistError, match="不能为负数"):
        library.parameter_values({"lpg_max_kg": -1})


def test_render_text_accepts_plain_values_and_reports_missing() -> None:
    assert render_text("不超过{a}千克、{b}米", {"a": 100, "b": 1.5}) == "不超过100千克、1.5米"
    assert render_text("{a}", {"a": 2.0}) == "2"
    p = ParameterDef(name="a", value=3, unit="瓶", description="d", basis="b")
    assert render_text("{a}瓶", {"a": p}) == "3瓶"
    assert render_text("无参数 {Not_a_placeholder} 文字", {}) == "无参数 {Not_a_placeholder} 文字"
    with pytest.raises(UnknownParameterError, match="“missing”"):
        render_text("x{missing}", {})


def test_nine_small_kinds_configuration(library: ChecklistLibrary) -> None:
    common = [k.name for k in library.kinds if not k.optional]
    assert common == ["小学校或幼儿园", "小医院", "小商店", "小餐饮场所", "小旅馆", "小歌舞娱乐场所", "小网吧",
                      "小美容洗浴场所", "小生产加工企业"]
    optional = {k.name: k.variant for k in library.kinds if k.optional}
    assert "小仓库" in optional and "小作坊" in optional
    assert "十小场所" in optional["小休闲健身场所"]
    assert all(k.size_rule for k in library.kinds)
    assert "100人以下" in library.kind("小餐饮场所").size_rule
    assert library.kind("FOOD").typical_sectors == ("燃气",)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("餐饮", "小餐饮场所"), ("饭店", "小餐饮场所"), ("小吃", "小餐饮场所"), ("张记小吃店", "小餐饮场所"),
        ("幼儿园", "小学校或幼儿园"), ("阳光幼儿园", "小学校或幼儿园"), ("社区卫生服务站", "小医院"),
        ("便利店", "小商店"), ("如家民宿", "小旅馆"), ("KTV", "小歌舞娱乐场所"), ("星空网咖", "小网吧"),
        ("足浴店", "小美容洗浴场所"), ("服装厂", "小生产加工企业"), ("小作坊", "小作坊"), ("小仓库", "小仓库"),
        ("FOOD", "小餐饮场所"),
    ],
)
def test_resolve_kind_by_synonym(library: ChecklistLibrary, text: str, kind: str) -> None:
    found = library.resolve_kind(text)
    assert found is not None and found.name == kind


def test_resolve_kind_unknown(library: ChecklistLibrary) -> None:
    assert library.resolve_kind("") is None
    assert library.resolve_kind("加油站综合楼") is None


def test_library_files_are_the_only_source_of_text() -> None:
    # No checklist wording in Python: the package source must not contain item texts.
    pkg = Path(__file__).resolve().parents[3] / "anquan_desk" / "core" / "checklists"
    source = "".join(p.read_text(encoding="utf-8") for p in pkg.glob("*.py"))
    assert "液化石油气" not in source and "疏散通道" not in source


def test_definitions_are_immutable_and_hashable(library: ChecklistLibrary) -> None:
    template = library.template("GAS-LPG")
    assert len({template, library.template("GAS-PIPE"), library}) == 3
    with pytest.raises(TypeError):
        library.parameters["lpg_max_kg"] = library.parameters["lpg_max_cylinders"]  # type: ignore[index]
    with pytest.raises(TypeError):
        template.applies["sectors"] = frozenset()  # type: ignore[index]
