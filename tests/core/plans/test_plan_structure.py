"""Title, year, issuer, sectors and key periods read from the structure of a 公文, on real plans the
reader was not written against (tests/helpers/plans/, each file's first line names its source page).

Each row was written by reading the plan by hand. The stored texts are the public pages' opening
parts, so a plan's sectors are those of the part that is stored.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from helpers import PLANS

from anquan_desk.core.plans.parse import FOCUS, parse_plan, sectors_in


def _plan_text(name: str) -> str:
    """The stored plan without its first line (``# 来源: <address>``)."""
    text = (PLANS / name).read_text(encoding="utf-8")
    first, rest = text.split("\n", 1)
    assert first.startswith("# 来源: http")
    return rest


@dataclass(frozen=True)
class Expected:
    name: str
    title: str
    year: int
    issuer: str | None
    sectors: frozenset[str] = frozenset()
    periods: tuple[str, ...] = ()


NEW_PLANS: tuple[Expected, ...] = (
    # 县安委会 印发 notice: 发文字号 张安委〔2023〕7号, 版头 张家川县安全生产委员会 above 关于印发《…》的通知,
    # 落款 with date. Only 指导思想/工作目标 are stored (background); the title names 燃气.
    Expected("zhangjiachuan_2023_ranqi_fangan.txt", "张家川县城镇燃气安全专项整治工作方案", 2023,
             "张家川县安全生产委员会", frozenset({"燃气"})),
    # 旗安委会 工作要点 with the publication metadata (发文字号 达安委会发〔2024〕8号; 发文机关: 应急管理局 is the
    # web publisher, the 落款 says 达拉特旗安全生产委员会). Its title is split over two lines after the 落款.
    Expected("dalate_2024_anweihui_yaodian.txt", "达拉特旗安全生产委员会2024年工作要点", 2024,
             "达拉特旗安全生产委员会"),
    # 旗人民政府 notice 关于印发推进…方案(2024-2026年)的通知 without 《》: the cover text names the plan in 《》.
    # The year is the first of 2024-2026, not 2026.
    Expected("dalate_2024_chengshi_anquan_fangan.txt", "达拉特旗推进城市安全发展三年行动方案(2024-2026年)", 2024,
             "达拉特旗人民政府"),
    # 县政府办公室 notice: 于府办发〔2022〕33号, 版头 于都县人民政府办公室, 落款 has the date only.
    Expected("yudu_2022_wuge_quanfugai_fangan.txt", "于都县应急管理工作“五个全覆盖”工作方案", 2022,
             "于都县人民政府办公室"),
    # 镇人民政府 notice (not an 印发): the issuer is the title's 发文机关 before 关于; the year is the 文件编号
    # 牟政发〔2017〕20号; the title names 五一. "旅游、购物等出行人员多" states a fact, not a task.
    Expected("moushan_2017_wuyi_tongzhi.txt", "牟山镇人民政府关于加强“五一节”期间安全生产工作的通知", 2017,
             "牟山镇人民政府", periods=("五一",)),
    # 镇 专项整治工作计划: the page starts at 主送; the 落款 is a date in Chinese numerals without an issuer.
    # The 专项整治安排表 rows are tasks: 烟花爆竹, 危险化学品, 建筑施工, 特种设备, 景区 → 文化旅游
    # (交通运输 is ambiguous; 养老机构, 网吧, 学校 … are places, not sectors).
    Expected("xuzhuang_2017_zhuanxiang_jihua.txt", "徐庄镇2017年度安全生产专项整治工作计划", 2017, None,
             frozenset({"烟花爆竹", "危险化学品", "建筑施工", "特种设备", "文化旅游"})),
    # 区安委会 印发 notice whose 标题 is split (…规划的 / 通    知); 菏定安发〔2016〕17号; 一、现状和面临的形势
    # is background.
    Expected("dingtao_2016_shisanwu_guihua.txt", "菏泽市定陶区安全生产“十三五”规划", 2016,
             "菏泽市定陶区人民政府安全生产委员会"),
    # 省安委办 notice: 发文字号 陕安委办〔2023〕198号 but the title's year 2024 is the year the work is for;
    # 发布机构 (a division of the 应急管理厅) is the publisher, the title names the issuer. 二: 矿山 (ambiguous),
    # 道路交通、危险化学品、建筑施工、消防. 一: 岁末年初 …关键期, 元旦, 低温、雨雪、冰冻 weather.
    Expected("shaanxi_2024_yuandan_tongzhi.txt", "陕西省安全生产委员会办公室关于做好2024年元旦期间安全生产工作的通知",
             2024, "陕西省安全生产委员会办公室", frozenset({"道路交通", "危险化学品", "建筑施工", "消防"}),
             ("元旦", "雨雪冰冻", "岁末年初")),
)


@pytest.mark.parametrize("expected", NEW_PLANS, ids=lambda e: e.name)
def test_unseen_real_plans(expected: Expected) -> None:
    summary = parse_plan(_plan_text(expected.name))
    assert (summary.title, summary.year, summary.issuer) == (expected.title, expected.year, expected.issuer)
    assert set(summary.sector_names) == expected.sectors
    assert summary.periods == expected.periods
    for finding in summary.sectors:
        assert all(finding.sector in sectors_in(sentence) for sentence in finding.evidence)


def test_at_least_six_new_plans_of_different_kinds() -> None:
    assert len(NEW_PLANS) >= 6
    issuers = {e.issuer for e in NEW_PLANS}
    assert {"达拉特旗人民政府", "于都县人民政府办公室", "牟山镇人民政府", "张家川县安全生产委员会"} <= issuers


def test_title_evidence_is_the_title() -> None:
    summary = parse_plan(_plan_text("zhangjiachuan_2023_ranqi_fangan.txt"))
    assert summary.evidence_for("燃气") == ("张家川县城镇燃气安全专项整治工作方案",)


# ----------------------------------------------------------------------------- crafted 公文


RED_HEAD = """某市人民政府文件

某政发〔2020〕1号

某市人民政府
关于加强汛期安全生产工作的通知

各县（区）人民政府，市政府各部门：
现就有关事项通知如下：
一、开展隐患排查
1.汛期前对燃气设施开展检查。
2.“三合一”场所消防安全专项整治。
二、工作要求
各地要严格值班值守。

某市人民政府
2020年5月20日
"""


def test_red_head_is_the_issuer_not_the_title() -> None:
    summary = parse_plan(RED_HEAD)
    assert summary.title == "某市人民政府关于加强汛期安全生产工作的通知"
    assert summary.issuer == "某市人民政府"
    assert summary.year == 2020
    assert summary.sector_names == ("消防", "燃气")
    assert summary.periods == ("汛期",)


def test_red_head_alone_gives_issuer_and_document_number_gives_year() -> None:
    text = "某县安全生产委员会办公室文件\n某安委办〔2024〕3号\n关于印发《某县2024年安全生产工作要点》的通知\n各乡镇：\n"
    summary = parse_plan(text)
    assert (summary.title, summary.year, summary.issuer) == ("某县2024年安全生产工作要点", 2024, "某县安全生产委员会办公室")
    no_year_title = "某县安全生产委员会办公室文件\n某安委办〔2024〕3号\n关于做好安全生产工作的通知\n各乡镇：\n"
    assert parse_plan(no_year_title).year == 2024


def test_organisation_line_above_the_document_number_is_the_red_head() -> None:
    text = "某县安全生产委员会办公室\n某安委办〔2024〕3号\n关于开展燃气安全检查的通知\n各乡镇：\n一、任务\n开展燃气安全检查。\n"
    summary = parse_plan(text)
    assert (summary.title, summary.year, summary.issuer) == ("关于开展燃气安全检查的通知", 2024, "某县安全生产委员会办公室")
    assert summary.sector_names == ("燃气",)


def test_year_from_signature_date_in_chinese_numerals() -> None:
    text = "某镇安全生产实施方案\n一、任务\n开展燃气检查。\n某镇人民政府\n二〇二五年三月一日\n"
    summary = parse_plan(text)
    assert (summary.title, summary.year, summary.issuer) == ("某镇安全生产实施方案", 2025, "某镇人民政府")


def test_signature_on_one_line() -> None:
    text = "某镇工作方案\n一、任务\n开展燃气检查。\n某镇人民政府  2026年1月5日\n"
    summary = parse_plan(text)
    assert (summary.year, summary.issuer) == (2026, "某镇人民政府")


@pytest.mark.parametrize(
    ("sentence", "periods"),
    [
        ("主汛期前开展防汛隐患排查", ("汛期",)),
        ("高温天气期间加强户外作业检查", ("高温",)),
        ("台风来临前开展建筑工地巡查", ("台风",)),
        ("做好低温雨雪冰冻天气隐患排查", ("雨雪冰冻",)),
        ("针对雨雪、冰冻天气开展专项检查", ("雨雪冰冻",)),
        ("抓好高温熔融金属作业专项治理", ()),
        ("加强室内冰雪场所安全监管", ()),
    ],
)
def test_weather_periods(sentence: str, periods: tuple[str, ...]) -> None:
    assert parse_plan(f"某镇工作方案\n一、任务\n1.{sentence}。").periods == periods


def test_place_types_are_not_sectors_on_new_plans() -> None:
    for expected in NEW_PLANS:
        assert not set(parse_plan(_plan_text(expected.name)).sector_names) & set(FOCUS)
