"""Finding sectors, key periods and duties in real district work plans and in crafted texts.

The expected sets for the three real plans were written down by reading each plan by hand
(see the comments); the parser must find exactly these — nothing missing, nothing extra.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import PLANS

from anquan_desk.core.plans.parse import FOCUS, PERIOD_ORDER, SECTORS, focus_in, parse_plan, sectors_in

DATA: Path = PLANS


def _read(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


# 恩阳区 2023 工作要点 (巴中市恩阳区应急管理局).
# 7: 非煤矿山、危化品、道路交通、水上交通、烟花爆竹、建筑施工、工贸、消防、特种设备;
# 10: 道路交通, 船只/渡运 → 水上交通; 11: 危险化学品, 油气长输管道, 烟花爆竹, 民爆; 12: 消防,
# 经营性自建房, “九小场所”, “三合一” (消防); 13: 自建房, 施工; 14: 燃气; 15: 工贸, 特种设备,
# 民用爆炸物品; 16: 旅游景区 → 文化旅游. 人员密集场所 (7, 15 公众聚集场所) and 电动自行车 (12, 16)
# are place types / campaigns, reported as focus, not sectors.
# Not: 自然灾害 (only in "结合…自然灾害防治工作实际" framing an emergency-plan task), 煤矿 (never named;
# "矿山" alone in 22 is ambiguous and only names rescue teams).
ENYANG_SECTORS = {
    "消防", "燃气", "自建房", "九小场所", "危险化学品", "道路交通", "建筑施工", "特种设备", "非煤矿山",
    "烟花爆竹", "工贸", "水上交通", "民爆物品", "油气管道", "文化旅游",
}
# 8: 元旦、春节、清明、五一、端午、中秋、国庆 and 全国“两会”; 12: 冬春 (消防专项整治).
ENYANG_PERIODS = ("元旦", "春节", "清明", "五一", "端午", "中秋", "国庆", "全国两会", "冬春")

# 西溪南镇 “三个狠抓” 专项行动实施方案 (2023-01-19, 徽州区西溪南镇人民政府).
# 总体要求: 消防、道路交通、建筑施工、危化品、特种设备、城镇燃气、自建房、森林防火、自备船;
# 4(3) 宾馆、商场、旅游景区等人员密集场所 (focus); 7(2) 厂房、场所“三合一” → 消防 (not 九小场所, which the
# plan never names); 8(3) 自然灾害检查; 13(1) 消防 + 电动自行车 (focus); 13(4) 建筑施工, 特种设备, 金属冶炼;
# 13(8) 森林防灭火; 13(10) 油气管线、民爆物品、水上交通、旅游、工商贸.
# Not: 非煤矿山, 煤矿, 烟花爆竹 (never named).
XIXINAN_SECTORS = {
    "消防", "燃气", "自建房", "危险化学品", "道路交通", "建筑施工", "特种设备", "工贸",
    "森林防火", "水上交通", "民爆物品", "油气管道", "文化旅游", "自然灾害",
}
# 8(2) 春节、元旦、清明、五一、十一、党的重要会议; 8(3) 在雨雪冰冻、汛期、高温、台风等自然灾害来临时 …检查;
# 13(8) 秋冬季 …专项检查, 元旦、春节. (13(4) 高温熔融金属作业 is a process, not a period.)
XIXINAN_PERIODS = (
    "元旦", "春节", "清明", "五一", "国庆", "汛期", "高温", "台风", "秋冬", "雨雪冰冻", "重大活动",
)

# 岳阳楼区 2021 工作要点 (no issuer stated). 6: 危险化学品、非煤矿山、粉尘涉爆、涉氨制冷、建筑施工、
# 民爆物品; 14: 危险化学品, 长输油气管线; 15: 三超一疲劳, 校车, 电动自行车头盔 (focus); 16: 人员密集场所
# (focus), 农村房屋/自建房; 17: 消防, “多合一” (消防), “九小场所”; 18: 工贸, 烟花爆竹, 瓶装液化石油气, 电梯/起重机械/
# 压力容器, 旅游景区; 19: 自然灾害, 森林火险; 20: 道路及水上交通, 特种设备, 农村房屋. Not: 煤矿.
YUEYANGLOU_SECTORS = set(SECTORS) - {"煤矿"}
# 12: “五一”、中秋、国庆、全国“两会”、建党100周年等重大活动、岁末年初.
YUEYANGLOU_PERIODS = ("五一", "中秋", "国庆", "全国两会", "岁末年初", "重大活动")


@pytest.mark.parametrize(
    ("name", "sectors", "periods"),
    [
        ("enyang_2023_gongzuo_yaodian.txt", ENYANG_SECTORS, ENYANG_PERIODS),
        ("xixinan_2023_sange_henzhua.txt", XIXINAN_SECTORS, XIXINAN_PERIODS),
        ("yueyanglou_2021_gongzuo_yaodian.txt", YUEYANGLOU_SECTORS, YUEYANGLOU_PERIODS),
    ],
)
def test_real_plans_sectors_and_periods_exactly(name: str, sectors: set[str], periods: tuple[str, ...]) -> None:
    summary = parse_plan(_read(name))
    assert set(summary.sector_names) == sectors
    assert summary.periods == periods
    # All three single out 人员密集场所 and 电动自行车 — as focus, never as sectors.
    assert summary.focus_names == FOCUS
    for focus in summary.focus:
        assert all(focus.sector in focus_in(sentence) for sentence in focus.evidence)
    # Reported in canonical order, each with at least one sentence that names it.
    assert list(summary.sector_names) == [s for s in SECTORS if s in sectors]
    for finding in summary.sectors:
        assert finding.evidence
        for sentence in finding.evidence:
            assert finding.sector in sectors_in(sentence)


def test_real_plan_headers() -> None:
    enyang = parse_plan(_read("enyang_2023_gongzuo_yaodian.txt"))
    assert (enyang.title, enyang.year, enyang.issuer) == (
        "2023年巴中市恩阳区安全生产工作要点", 2023, "巴中市恩阳区应急管理局",
    )
    xixinan = parse_plan(_read("xixinan_2023_sange_henzhua.txt"))
    assert (xixinan.title, xixinan.year, xixinan.issuer) == (
        "西溪南镇安全生产“三个狠抓”专项行动实施方案", 2023, "徽州区西溪南镇人民政府",
    )
    yueyanglou = parse_plan(_read("yueyanglou_2021_gongzuo_yaodian.txt"))
    assert (yueyanglou.title, yueyanglou.year, yueyanglou.issuer) == ("岳阳楼区2021年安全生产工作要点", 2021, None)


def test_real_plan_evidence_is_task_text_not_preamble() -> None:
    enyang = parse_plan(_read("enyang_2023_gongzuo_yaodian.txt"))
    gas = enyang.evidence_for("燃气")
    assert "14.强化燃气安全整治" in gas
    assert any(s.startswith("持续开展城镇燃气安全隐患专项整治") and "瓶装液化石油气" in s for s in gas)
    all_evidence = [s for f in enyang.sectors for s in f.evidence]
    # Department lists 〔责任单位:…〕 never leak into evidence.
    assert not any("责任单位" in s for s in all_evidence)
    xixinan = parse_plan(_read("xixinan_2023_sange_henzhua.txt"))
    # The cover letter (关于印发…的通知, 根据市安委会《…》) is preamble.
    assert not any("关于印发" in s or "黄安〔2022〕" in s for f in xixinan.sectors for s in f.evidence)
    # “三合一” is a fire-safety matter: evidence for 消防, and no 九小场所 sector from it.
    assert any("“三合一”" in s for s in xixinan.evidence_for("消防"))
    assert "九小场所" not in xixinan.sector_names
    yueyanglou = parse_plan(_read("yueyanglou_2021_gongzuo_yaodian.txt"))
    # 消防救援站/队伍 are organisations, not fire-safety tasks.
    assert not any("消防救援站" in s for s in yueyanglou.evidence_for("消防"))


def test_real_plan_duties() -> None:
    enyang = parse_plan(_read("enyang_2023_gongzuo_yaodian.txt"))
    assert {d.frequency for d in enyang.duties} == {"每月", "每季度", "每年"}
    assert any(
        d.frequency == "每月" and d.text.startswith("坚持每月安全形势分析") for d in enyang.duties
    )
    assert any(
        d.frequency == "每年" and "每年至少主持召开2次政府常务会" in d.text for d in enyang.duties
    )
    xixinan = parse_plan(_read("xixinan_2023_sange_henzhua.txt"))
    expected = [
        ("每季度", "企业每季度至少组织开展一次全面安全检查"),
        ("每年", "主要负责人每年向职工大会或职工代表大会报告"),
        ("每半年", "每半年至少组织1次生产安全事故应急预案演练"),
        ("每月", "各部门负责同志，每月应当结合分管领域工作"),
    ]
    assert len(xixinan.duties) == len(expected)
    for duty, (frequency, start) in zip(xixinan.duties, expected, strict=True):
        assert duty.frequency == frequency and duty.text.startswith(start)
    # A clause with two frequencies: each gets its own part, no sentence is listed twice.
    for plan in (enyang, xixinan):
        texts = [d.text for d in plan.duties]
        assert len(texts) == len(set(texts))
    yueyanglou = parse_plan(_read("yueyanglou_2021_gongzuo_yaodian.txt"))
    assert [d.frequency for d in yueyanglou.duties] == ["每年", "每季度"]
    assert "每季随机抽考" in yueyanglou.duties[1].text


def test_to_dict_has_the_cli_json_shape() -> None:
    data = parse_plan(_read("xixinan_2023_sange_henzhua.txt")).to_dict()
    assert list(data) == ["title", "year", "issuer", "sectors", "periods", "duties", "focus", "windows"]
    assert data["windows"] == []  # it names 汛期、高温、台风、雨雪冰冻 without dates
    assert [f["focus"] for f in data["focus"]] == ["人员密集场所", "电动自行车"]
    assert data["sectors"][0] == {
        "sector": "消防",
        "evidence": list(parse_plan(_read("xixinan_2023_sange_henzhua.txt")).evidence_for("消防")),
    }
    assert all(set(d) == {"frequency", "text"} for d in data["duties"])
    assert data["periods"][0] == "元旦"


# ----------------------------------------------------------------------------- wording


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("持续开展城镇燃气安全隐患专项整治", {"燃气"}),
        ("严格瓶装液化石油气安全监管", {"燃气"}),
        ("督促餐饮经营场所安装燃气泄漏报警装置", {"燃气"}),
        ("强化危化品运输监管", {"危险化学品"}),
        ("加强危险化学品安全监管", {"危险化学品"}),
        ("加快实施经营性自建房安全隐患整改", {"自建房"}),
        ("完成农村房屋安全隐患排查", {"自建房"}),
        ("整治“九小场所”消防隐患", {"九小场所", "消防"}),
        ("排查“三合一”场所", {"消防"}),
        ("治理“多合一”隐患集中区域", {"消防"}),
        ("深入开展非煤矿山治理", {"非煤矿山"}),
        ("开展煤矿安全专项监察", {"煤矿"}),
        ("打击森林火灾违法行为", {"森林防火"}),
        ("强化工贸企业安全隐患整治", {"工贸"}),
        ("完善道路及水上交通安全制度", {"道路交通", "水上交通"}),
        ("严厉打击“三超一疲劳”", {"道路交通"}),
        ("加强大型游乐设施、气瓶等特种设备安全监管", {"特种设备"}),
        ("强化民用爆炸物品安全监管", {"民爆物品"}),
        ("对长输油气管线高后果区开展排查", {"油气管道"}),
        ("整治电动自行车违规停放充电", set()),
        ("强化旅游景区设备设施安全隐患排查", {"文化旅游"}),
        ("全力防范自然灾害引发安全事故", {"自然灾害"}),
        ("加强商场等人员密集场所检查", set()),
        ("推进烟花爆竹安全隐患排查整治", {"烟花爆竹"}),
        ("开展危大工程建筑施工安全专项治理", {"建筑施工"}),
        ("对矿山开展检查", set()),
        ("加强交通运输行业管理", set()),
    ],
)
def test_wording_maps_to_canonical_sectors(text: str, expected: set[str]) -> None:
    assert sectors_in(text) == expected
    assert set(parse_plan(f"某镇工作方案\n一、重点任务\n1.{text}。").sector_names) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("整治电动自行车违规停放充电", {"电动自行车"}),
        ("严禁电动车进楼入户充电", {"电动自行车"}),
        ("加强商场等人员密集场所检查", {"人员密集场所"}),
        ("排查公众聚集场所消防安全", {"人员密集场所"}),
        ("排查“三合一”场所", set()),
    ],
)
def test_place_types_and_campaigns_are_focus_not_sectors(text: str, expected: set[str]) -> None:
    assert focus_in(text) == expected
    summary = parse_plan(f"某镇工作方案\n一、重点任务\n1.{text}。")
    assert set(summary.focus_names) == expected
    assert not set(summary.sector_names) & set(FOCUS)


CRAFTED = """某镇2025年安全生产工作方案
发布日期：2025-02-10  信息来源：某镇安全生产委员会办公室

去年某地一餐馆发生燃气爆炸事故，造成多人伤亡，教训深刻，各单位要举一反三。
一、指导思想
坚决防范烟花爆竹、危险化学品事故，持续开展非煤矿山整治。
二、重点任务
1.认真贯彻《关于加强电动自行车安全管理工作的意见》，开展消防安全专项整治。（责任单位：镇消防救援大队、镇交通运输局、镇文旅办）
2.组织开展“全国交通安全日”“119消防宣传月”主题宣传活动。
3.结合森林防火工作实际，做好安全生产宣传。
4.本镇共有餐饮店120家，其中使用瓶装液化气的80家。
5.春节期间放假七天。国庆期间开展自建房安全隐患排查。
6.严格执行刑法修正案(十一)，每月开展一次九小场所检查。
"""


def test_passing_words_are_not_sectors() -> None:
    summary = parse_plan(CRAFTED)
    # Accident in the preamble, sectors under 指导思想, a law's title, the department list,
    # campaign days, a 结合…实际 frame and a sentence that states a fact are all ignored.
    assert summary.sector_names == ("消防", "自建房", "九小场所")
    assert summary.evidence_for("消防") == (
        "1.认真贯彻《关于加强电动自行车安全管理工作的意见》，开展消防安全专项整治",
    )
    assert summary.evidence_for("九小场所") == ("6.严格执行刑法修正案(十一)，每月开展一次九小场所检查",)
    # 春节 without a check is not a period; 国庆 with a check is; 十一 of 刑法修正案 is not 国庆.
    assert summary.periods == ("国庆",)
    assert [(d.frequency, d.text) for d in summary.duties] == [
        ("每月", "6.严格执行刑法修正案(十一)，每月开展一次九小场所检查"),
    ]
    assert (summary.title, summary.year, summary.issuer) == (
        "某镇2025年安全生产工作方案", 2025, "某镇安全生产委员会办公室",
    )


def test_shiyi_in_a_holiday_list_is_guoqing() -> None:
    summary = parse_plan("方案\n一、任务\n在五一、十一等节日前开展隐患排查。\n十一、附则\n")
    assert summary.periods == ("五一", "国庆")


def test_plan_without_headings_is_all_body_after_title() -> None:
    summary = parse_plan("燃气安全检查通知\n请各村在端午节前完成燃气用户安全检查。")
    assert summary.title == "燃气安全检查通知"
    assert summary.sector_names == ("燃气",)
    assert summary.periods == ("端午",)
    assert summary.year is None and summary.issuer is None


def test_period_vocabulary_order_is_the_report_order() -> None:
    text = "方案\n一、任务\n" + "".join(
        f"在{p}期间开展专项检查。" for p in ("重大活动", "汛期", "冬春", "中秋", "元旦", "全国两会")
    )
    assert parse_plan(text).periods == tuple(
        p for p in PERIOD_ORDER if p in {"重大活动", "汛期", "冬春", "中秋", "元旦", "全国两会"}
    )


def test_line_broken_mid_sentence_is_joined() -> None:
    # Page break in the middle of "结合…自然灾害防治工作实际" must not expose 自然灾害.
    text = (
        "方案\n一、任务\n22.紧密结合各地各部门各企业的安全生产和自然灾害防治工作实际,进一步修订完善各地的生产\n\n"
        "安全事故应急救援预案。\n"
    )
    assert parse_plan(text).sector_names == ()
