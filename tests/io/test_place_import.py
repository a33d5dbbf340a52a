"""Reading a district's messy list of places into a checked preview."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import pytest
from helpers.corpus.xlsx import (
    DATE_SPELLINGS,
    build_empty_rows,
    build_every_date,
    build_hidden_sheet,
    build_million_rows,
    build_shared_string_bomb,
    build_stray_cell,
    build_xfd1048576,
    raw_list,
)
from helpers.district_lists import district_list
from openpyxl import Workbook, load_workbook

from anquan_desk.io.place_import import (
    REPORT_LEGEND,
    ExistingIndex,
    PlaceCandidate,
    PlaceImportPreview,
    classify_sector,
    parse_places,
    parse_risk_color,
    parse_status,
    write_problem_report,
)
from anquan_desk.io.tabular import ColumnMapping, ImportFileError, header_fingerprint

VILLAGES = {"东风村": {"第一网格", "第二网格"}, "西岭村": {"西岭村第一网格"}}


def _messy_workbook(path: Path) -> Path:
    """What districts really send: title rows, a two-row merged header, full-width text, stray
    spaces, a wrong check digit, a duplicate, dates as text, a phone Excel made a float, an unknown
    village, an empty name, an impossible date, and a signature line at the bottom."""
    rows: list[list[object]] = [
        [1, "ＸＸ饭店", "91330100799655058B", " 红光路 １２号 ", "张　三", 13812345678.0, "东风村", "第一网格",
         "餐饮（使用液化气）", "较大风险", "2024.3.5", None],
        [2, " 好又多  超市", "91350100M000100Y44", "东风村3组", "李四", "0571 8765 4321", None, "第二网格", "超市",
         "蓝", 20240305, None],
        [3, "XX饭店", None, "红光路12号", "张三", "13812345678", "东风村委会", "第一网格", "饭店", "橙", None, "重复录入"],
        [4, None, None, "西街1号", "王五", None, "东风村", "第一网格", "网吧", None, None, None],
        [5, "幸福理发店", "9144030071526726XG", "南街8号", "赵六", "1381234567", "南山村", "第一网格", "理发", "一般",
         dt.datetime(2019, 6, 1), None],
        [6, "老王自建房", None, None, "王老五", "0571-87654321", "西岭村", None, "自建房（经营性）", "红",
         "2024年13月1日", "三层"],
    ]
    titles = {"A1": "XX镇九小场所及燃气使用场所排查台账", "A2": "填报单位：XX镇安监办", "I2": "填报日期：2024年3月"}
    return district_list(path, "九小场所", titles, rows)


def _problems(preview: PlaceImportPreview) -> list[tuple[str | None, int | None, str | None, str, str]]:
    return [(p.sheet, p.row, p.column_label, p.severity, p.message) for p in preview.problems]


def test_messy_workbook(tmp_path: Path) -> None:
    preview = parse_places(_messy_workbook(tmp_path / "东风片区.xlsx"), known_villages=VILLAGES)

    [sheet] = preview.sheets
    assert (sheet.sheet, sheet.header_row, sheet.last_header_row, sheet.row_count) == ("九小场所", 3, 4, 7)
    assert sheet.headers[4:6] == ("负责人信息/姓名", "负责人信息/联系电话")
    assert sheet.mapping.columns == {
        "name": 1, "credit_code": 2, "address": 3, "responsible_person": 4, "phone": 5, "village": 6,
        "grid": 7, "sector": 8, "risk_color": 9, "established": 10, "notes": 11,
    }

    # Row 10's 2024年13月1日 cannot be stored: an error now, no longer a warning with the date dropped.
    assert [(r.row, r.action) for r in preview.rows] == [
        (5, "new"), (6, "invalid"), (7, "invalid"), (8, "invalid"), (9, "invalid"), (10, "invalid"),
    ]
    assert preview.rows[0].place == PlaceCandidate(
        name="XX饭店",
        credit_code="91330100799655058B",
        address="红光路 12号",
        responsible_person="张三",
        phone="13812345678",
        village="东风村",
        grid="第一网格",
        sectors=frozenset({"燃气", "九小场所"}),
        nine_small_kind="小餐饮场所",
        risk_color="橙",
        established=dt.date(2024, 3, 5),
    )
    second = preview.rows[1].place
    assert (second.name, second.credit_code, second.phone, second.village, second.grid) == (
        "好又多超市", None, "0571-87654321", "东风村", "第二网格",
    )
    assert (second.nine_small_kind, second.risk_color, second.established) == ("小商店", "蓝", dt.date(2024, 3, 5))
    # 东风村委会 is the known 东风村.
    assert preview.rows[2].place.village == "东风村"
    assert preview.rows[4].place.established == dt.date(2019, 6, 1)
    # The only grid of 西岭村 is filled in.
    assert preview.rows[5].place == PlaceCandidate(
        name="老王自建房",
        responsible_person="王老五",
        phone="0571-87654321",
        village="西岭村",
        grid="西岭村第一网格",
        sectors=frozenset({"自建房"}),
        risk_color="红",
        notes="三层",
    )

    assert _problems(preview) == [
        ("九小场所", 6, "C列（统一社会信用代码）", "error", "统一社会信用代码“91350100M000100Y44”校验位错误（应为 3）"),
        ("九小场所", 7, "B列（单位名称）", "error", "与第5行重复（单位名称和地址相同）"),
        ("九小场所", 8, "B列（单位名称）", "error", "单位名称为空（必填）"),
        ("九小场所", 9, "F列（负责人信息/联系电话）", "warning",
         "联系电话“1381234567”：手机号码应为11位，实为10位；已按原样保留"),
        ("九小场所", 9, "G列（所属村（社区））", "error", "村（社区）“南山村”不在本乡镇的村（社区）名单中"),
        ("九小场所", 10, "D列（地址）", "warning", "未填写地址（强烈建议填写，便于现场查找和查重）"),
        ("九小场所", 10, "K列（开业日期）", "error",
         "“2024年13月1日”不是有效日期（2024年没有13月1日）；日期无法如实保存，请改正后重新导入"),
    ]
    assert str(preview.problems[0]) == (
        "【错误】文件“东风片区.xlsx”工作表“九小场所”第6行C列（统一社会信用代码）："
        "统一社会信用代码“91350100M000100Y44”校验位错误（应为 3）"
    )
    assert preview.summary() == "共 6 行：新增 1，更新 0，有错误 5；错误 5 条，警告 2 条"
    assert preview.has_errors


def test_without_known_villages_names_are_kept(tmp_path: Path) -> None:
    preview = parse_places(_messy_workbook(tmp_path / "a.xlsx"))
    assert [r.place.village for r in preview.rows] == ["东风村", "", "东风村委会", "东风村", "南山村", "西岭村"]
    assert [r.action for r in preview.rows] == ["new", "invalid", "invalid", "invalid", "new", "invalid"]
    assert not any(p.field in {"village", "grid"} for p in preview.problems)


def test_existing_places_become_updates(tmp_path: Path) -> None:
    existing = ExistingIndex.from_records([
        ("id-fandian", "ＸＸ饭店", "红光路12号", None),  # matched by name + address
        ("id-lifadian", "幸福美发", "别处", "9144030071526726XG"),  # matched by credit code
    ])
    preview = parse_places(_messy_workbook(tmp_path / "a.xlsx"), existing=existing)
    assert [(r.row, r.action, r.existing_id) for r in preview.rows] == [
        (5, "update", "id-fandian"),
        (6, "invalid", None),
        (7, "invalid", None),  # duplicate of row 5 inside the file
        (8, "invalid", None),
        (9, "update", "id-lifadian"),
        (10, "invalid", None),  # 2024年13月1日
    ]
    assert preview.summary() == "共 6 行：新增 0，更新 2，有错误 4；错误 4 条，警告 2 条"


def test_two_rows_for_one_existing_place(tmp_path: Path) -> None:
    path = _book(tmp_path / "b.xlsx", [
        ["单位名称", "统一社会信用代码", "地址"],
        ["XX饭店", "91330100799655058B", "红光路12号"],
        ["XX饭店（老店）", None, "红光路 12 号"],
    ])
    existing = ExistingIndex.from_records([("p1", "XX饭店（老店）", "红光路12号", "91330100799655058B")])
    preview = parse_places(path, existing=existing)
    assert [(r.action, r.existing_id) for r in preview.rows] == [("update", "p1"), ("invalid", None)]
    assert _problems(preview) == [
        ("场所", 3, "A列（单位名称）", "error", "与第2行对应库中同一场所（名称和地址相同）"),
    ]


def _book(path: Path, rows: list[list[object]], title: str = "场所") -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_footer_repeated_header_and_column_number_rows_are_skipped(tmp_path: Path) -> None:
    path = _book(tmp_path / "c.xlsx", [
        ["单位名称", "地址", "联系电话"],
        [1, 2, 3],
        ["XX饭店", "红光路12号", "13812345678"],
        ["单位名称", "地址", "联系电话"],
        ["好又多超市", "红光路14号", None],
        ["注：风险等级按红橙黄蓝填写"],
        ["合计", "2家"],
    ])
    preview = parse_places(path)
    assert [(r.row, r.place.name) for r in preview.rows] == [(3, "XX饭店"), (5, "好又多超市")]
    assert preview.problems == []


def test_template_rows_with_only_a_number_are_skipped(tmp_path: Path) -> None:
    rows: list[list[object]] = [["序号", "单位名称", "地址"], [1, "XX饭店", "红光路12号"]]
    rows += [[n, None, None] for n in range(2, 50)]
    preview = parse_places(_book(tmp_path / "t.xlsx", rows))
    assert [(r.row, r.place.name) for r in preview.rows] == [(2, "XX饭店")]
    assert preview.problems == []


def test_credit_code_stored_as_number(tmp_path: Path) -> None:
    path = _book(tmp_path / "n.xlsx", [["单位名称", "统一社会信用代码", "地址"],
                                       ["某公司", 911100001000015860, "东街1号"]])
    preview = parse_places(path)
    assert [r.action for r in preview.rows] == ["invalid"]
    assert _problems(preview) == [
        ("场所", 2, "B列（统一社会信用代码）", "error",
         "统一社会信用代码被 Excel 存成了数字（9.11100001000016E+17），后几位已丢失；请把该列设为“文本”格式后重新填写"),
    ]


def test_empty_workbook(tmp_path: Path) -> None:
    path = tmp_path / "空白.xlsx"
    Workbook().save(path)
    with pytest.raises(ImportFileError) as info:
        parse_places(path)
    assert str(info.value) == "文件“空白.xlsx”：工作簿是空的，没有任何数据"


def test_within_file_duplicates_by_credit_code_across_sheets(tmp_path: Path) -> None:
    wb = Workbook()
    first = wb.active
    assert first is not None
    first.title = "东风村"
    first.append(["单位名称", "统一社会信用代码", "地址"])
    first.append(["XX饭店", "91330100799655058B", "红光路12号"])
    second = wb.create_sheet("西岭村")
    second.append(["单位名称", "统一社会信用代码", "地址"])
    second.append(["XX餐馆", "９１３３０１００７９９６５５０５８ｂ", "西街1号"])
    second.append(["无地址小店", None, None])
    second.append(["无地址小店", None, None])
    path = tmp_path / "d.xlsx"
    wb.save(path)
    preview = parse_places(path, known_villages=VILLAGES)
    # No village column: the sheet name says the village.
    assert [(r.sheet, r.row, r.action, r.place.village, r.place.grid) for r in preview.rows] == [
        ("东风村", 2, "new", "东风村", ""),
        ("西岭村", 2, "invalid", "西岭村", "西岭村第一网格"),
        ("西岭村", 3, "new", "西岭村", "西岭村第一网格"),
        ("西岭村", 4, "new", "西岭村", "西岭村第一网格"),
    ]
    assert _problems(preview) == [
        ("东风村", 2, "", "warning", "未填写网格（“东风村”有2个网格），导入后需手动分配网格"),
        ("西岭村", 2, "B列（统一社会信用代码）", "error", "与工作表“东风村”第2行重复（统一社会信用代码相同）"),
        ("西岭村", 3, "C列（地址）", "warning", "未填写地址（强烈建议填写，便于现场查找和查重）"),
        ("西岭村", 4, "C列（地址）", "warning", "未填写地址（强烈建议填写，便于现场查找和查重）"),
        ("西岭村", 4, "A列（单位名称）", "warning", "与第3行名称相同且未填写地址，可能重复"),
    ]


def test_values_are_read_from_free_text(tmp_path: Path) -> None:
    path = _book(tmp_path / "e.xlsx", [
        ["店名", "社会信用代码", "经营场所", "经营者", "手机", "九小场所类别", "类型", "风险分级", "经营状态",
         "成立日期", "面积", "备注"],
        ["阳光KTV", "", "北街2号", "钱七", "138 0000 1111", "", "ＫＴＶ", "重大风险", "正常营业", 45356, "120㎡", ""],
        ["老李面馆", "330106000123456", "北街3号", "李", 13900001111, "小餐饮", "餐饮、液化气", "黄色", "暂停营业",
         "2024/3/5", 35, "夫妻店"],
        ["阿芳美甲", "", "北街4号", "", "", "", "个体户", "D级", "不知道", "去年", "约一百平", ""],
    ])
    preview = parse_places(path)
    places = [r.place for r in preview.rows]
    assert [(p.sectors, p.nine_small_kind, p.risk_color, p.status) for p in places] == [
        (frozenset({"九小场所"}), "小歌舞娱乐场所", "红", "在营"),
        (frozenset({"九小场所", "燃气"}), "小餐饮场所", "黄", "停业"),
        (frozenset(), None, None, None),
    ]
    assert places[0].established == dt.date(2024, 3, 5)
    assert places[0].area_m2 == 120.0
    assert places[1].credit_code is None
    assert places[1].phone == "13900001111"
    assert places[1].notes == "夫妻店；营业执照注册号：330106000123456"
    assert places[1].notes_with_extras() == "夫妻店；营业执照注册号：330106000123456；成立日期：2024-03-05；面积：35㎡"
    # What cannot be understood is kept in the notes, word for word (it used to be dropped).
    assert places[2].notes == "行业（原文）：个体户；风险等级（原文）：D级；经营状态（原文）：不知道；面积（原文）：约一百平"
    # 去年 is no date at all: the row is not imported.
    assert [r.action for r in preview.rows] == ["new", "new", "invalid"]
    assert _problems(preview) == [
        ("场所", 2, "J列（成立日期）", "warning",
         "数字“45356”按 Excel 日期序号理解为 2024-03-05（单元格可能被设成了“常规”或“文本”格式），请核对"),
        ("场所", 3, "B列（社会信用代码）", "warning",
         "“330106000123456”是15位旧营业执照注册号，不是统一社会信用代码；已记入备注"),
        ("场所", 4, "G列（类型）", "warning", "未能识别行业领域“个体户”；已记入备注"),
        ("场所", 4, "H列（风险分级）", "warning",
         "风险等级“D级”无法识别（应为红、橙、黄、蓝，或重大、较大、一般、低风险）；原文已记入备注"),
        ("场所", 4, "I列（经营状态）", "warning", "经营状态“不知道”无法识别（应为在营、停业或关闭）；原文已记入备注"),
        ("场所", 4, "J列（成立日期）", "error",
         "“去年”不是可识别的日期（请写成 2024-03-05 或 2024年3月5日）；日期无法如实保存，请改正后重新导入"),
        ("场所", 4, "K列（面积）", "warning", "“约一百平”不是数字；原文已记入备注"),
    ]


def test_name_classifies_when_no_sector_column(tmp_path: Path) -> None:
    path = _book(tmp_path / "f.xlsx", [["单位名称", "地址"], ["平安诊所", "东街1号"], ["张家民房", "东街2号"],
                                       ["红星机械厂", "东街3号"], ["某某公司", "东街4号"]])
    preview = parse_places(path)
    assert [(r.place.sectors, r.place.nine_small_kind) for r in preview.rows] == [
        (frozenset({"九小场所"}), "小医院"),
        (frozenset({"自建房"}), None),
        (frozenset({"九小场所"}), "小生产加工企业"),
        (frozenset(), None),
    ]


def test_unknown_grid_and_grid_implies_village(tmp_path: Path) -> None:
    path = _book(tmp_path / "g.xlsx", [
        ["单位名称", "地址", "所属村", "所属网格"],
        ["甲店", "东街1号", "东风", "第三网格"],
        ["乙店", "东街2号", None, "西岭村第一网格"],
        ["丙店", "东街3号", None, "第一网格"],
        ["丁店", "东街4号", "西岭村民委员会", "第一网格"],
    ])
    # 第一网格 exists in two villages.
    preview = parse_places(path, known_villages={**VILLAGES, "南坪社区": {"第一网格"}})
    assert [(r.action, r.place.village, r.place.grid) for r in preview.rows] == [
        ("invalid", "东风村", "第三网格"),
        ("new", "西岭村", "西岭村第一网格"),
        ("invalid", "", "第一网格"),
        ("new", "西岭村", "西岭村第一网格"),
    ]
    assert _problems(preview) == [
        ("场所", 2, "D列（所属网格）", "error", "网格“第三网格”不在“东风村”的网格名单中"),
        ("场所", 4, "D列（所属网格）", "error", "网格“第一网格”无法确定所属村（社区），请填写村（社区）"),
    ]


def test_remembered_mapping_is_applied(tmp_path: Path) -> None:
    rows: list[list[object]] = [["户名", "门牌地址", "电话"], ["张三家", "东街1号", "13812345678"]]
    path = _book(tmp_path / "h.xlsx", rows)
    preview = parse_places(path)
    [sheet] = preview.sheets
    assert sheet.mapping.columns == {"address": 1, "phone": 2}
    assert preview.rows == []
    assert _problems(preview) == [
        ("场所", 1, "", "error", "未找到“单位名称”列，请在列对应关系中指定哪一列是单位名称"),
    ]
    corrected = ColumnMapping.from_json({"fingerprint": sheet.mapping.fingerprint,
                                         "columns": {"name": 0, "address": 1, "phone": 2}})
    preview = parse_places(path, mapping=corrected)
    assert preview.sheets[0].guessed is False
    assert [(r.action, r.place.name, r.place.address) for r in preview.rows] == [("new", "张三家", "东街1号")]
    assert preview.problems == []

    # A header the synonyms cannot find at all is found again by the remembered fingerprint.
    path = _book(tmp_path / "h2.xlsx", [["说明：本表自建房"], ["户名", "门牌", "电话"], ["李四家", "东街2号", None]])
    with pytest.raises(ImportFileError):
        parse_places(path)
    remembered = ColumnMapping(columns={"name": 0, "address": 1, "phone": 2},
                               fingerprint=header_fingerprint(["户名", "门牌", "电话"]))
    preview = parse_places(path, mapping=remembered)
    assert preview.sheets[0].header_row == 2
    assert [(r.row, r.place.name, r.place.address) for r in preview.rows] == [(3, "李四家", "东街2号")]

    other = ColumnMapping(columns={"name": 2}, fingerprint="0000000000000000")
    preview = parse_places(_book(tmp_path / "i.xlsx", [["单位名称", "地址"], ["甲店", "东街1号"]]), mapping=other)
    assert [r.place.name for r in preview.rows] == ["甲店"]
    assert _problems(preview) == [
        (None, None, "", "warning", "保存的列对应关系与本文件的表头不一致，已按表头自动识别各列，请核对"),
    ]


def test_file_without_any_header(tmp_path: Path) -> None:
    path = _book(tmp_path / "说明.xlsx", [["请按附件格式填报"], ["谢谢"]])
    with pytest.raises(ImportFileError) as info:
        parse_places(path)
    assert str(info.value) == "文件“说明.xlsx”：在所有工作表中都没有找到场所表头（需要“单位名称”“地址”等列）"


def test_bad_file_is_reported_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "场所清单.xlsx"
    path.write_text("不是表格", encoding="utf-8")
    with pytest.raises(ImportFileError) as info:
        parse_places(path)
    assert info.value.file == "场所清单.xlsx"


def test_problem_report(tmp_path: Path) -> None:
    preview = parse_places(_messy_workbook(tmp_path / "东风片区.xlsx"), known_villages=VILLAGES)
    out = write_problem_report(preview, tmp_path / "报告" / "问题清单.xlsx")
    ws = load_workbook(out).active
    assert ws is not None
    assert ws["A1"].value == "场所导入问题清单：东风片区.xlsx"
    assert ws["A2"].value == "共 6 行：新增 1，更新 0，有错误 5；错误 5 条，警告 2 条。" + REPORT_LEGEND
    table = [[c.value for c in row] for row in ws.iter_rows(min_row=3, max_col=6)]
    assert table == [
        ["文件", "工作表", "行", "列", "级别", "问题"],
        ["东风片区.xlsx", "九小场所", 6, "C列（统一社会信用代码）", "错误", "统一社会信用代码“91350100M000100Y44”校验位错误（应为 3）"],
        ["东风片区.xlsx", "九小场所", 7, "B列（单位名称）", "错误", "与第5行重复（单位名称和地址相同）"],
        ["东风片区.xlsx", "九小场所", 8, "B列（单位名称）", "错误", "单位名称为空（必填）"],
        ["东风片区.xlsx", "九小场所", 9, "G列（所属村（社区））", "错误", "村（社区）“南山村”不在本乡镇的村（社区）名单中"],
        ["东风片区.xlsx", "九小场所", 9, "F列（负责人信息/联系电话）", "警告",
         "联系电话“1381234567”：手机号码应为11位，实为10位；已按原样保留"],
        ["东风片区.xlsx", "九小场所", 10, "K列（开业日期）", "错误",
         "“2024年13月1日”不是有效日期（2024年没有13月1日）；日期无法如实保存，请改正后重新导入"],
        ["东风片区.xlsx", "九小场所", 10, "D列（地址）", "警告", "未填写地址（强烈建议填写，便于现场查找和查重）"],
    ]
    assert ws.freeze_panes == "A4"
    assert ws.auto_filter.ref == "A3:F10"
    assert ws["F4"].font.color.rgb == "00C00000"


@pytest.mark.parametrize(
    ("text", "sectors", "kind"),
    [
        ("餐饮", {"九小场所"}, "小餐饮场所"),
        ("小吃店（液化气）", {"九小场所", "燃气"}, "小餐饮场所"),
        ("燃气", {"燃气"}, None),
        ("民房出租", {"自建房"}, None),
        ("民宿", {"九小场所"}, "小旅馆"),
        ("网吧", {"九小场所"}, "小网吧"),
        ("足浴", {"九小场所"}, "小美容洗浴场所"),
        ("KTV", {"九小场所"}, "小歌舞娱乐场所"),
        ("村卫生室", {"九小场所"}, "小医院"),
        ("培训机构", {"九小场所"}, "小学校或幼儿园"),
        ("便利店", {"九小场所"}, "小商店"),
        ("食品加工作坊", {"九小场所"}, "小生产加工企业"),
        ("九小场所", {"九小场所"}, None),
        ("消防重点", {"消防"}, None),
        ("其他", set(), None),
    ],
)
def test_classify_sector(text: str, sectors: set[str], kind: str | None) -> None:
    assert classify_sector(text) == (frozenset(sectors), kind)


@pytest.mark.parametrize(
    ("text", "color"),
    [("红", "红"), ("红色", "红"), ("重大风险", "红"), ("橙色", "橙"), ("较大", "橙"), ("黄", "黄"), ("一般风险", "黄"),
     ("蓝色", "蓝"), ("低风险", "蓝"), ("未评定", None)],
)
def test_parse_risk_color(text: str, color: str | None) -> None:
    assert parse_risk_color(text) == color


@pytest.mark.parametrize(
    ("text", "status"),
    [("在营", "在营"), ("正常营业", "在营"), ("存续", "在营"), ("停业", "停业"), ("歇业", "停业"), ("暂停营业", "停业"),
     ("已注销", "关闭"), ("关闭", "关闭"), ("拆除", "关闭"), ("？", None)],
)
def test_parse_status(text: str, status: str | None) -> None:
    assert parse_status(text) == status


def test_progress_is_reported_and_reading_stops_when_cancelled(tmp_path: Path) -> None:
    from anquan_desk.core.errors import OperationCancelled
    from anquan_desk.core.progress import Progress

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "名单"
    ws.append(["单位名称", "地址"])
    for i in range(250):
        ws.append([f"商店{i}", f"人民路{i}号"])
    file = tmp_path / "名单.xlsx"
    wb.save(file)
    progress = Progress()
    assert len(parse_places(file, progress=progress).rows) == 250
    assert progress.state()[1].text == "正在检查工作表“名单”：第 201/250 行…"
    progress.cancel()
    with pytest.raises(OperationCancelled):
        parse_places(file, progress=progress)


# --- nothing dropped silently --------------------------------------------------------------------

TODAY = dt.date(2026, 6, 1)


def test_every_date_spelling_a_district_uses(tmp_path: Path) -> None:
    preview = parse_places(build_every_date(tmp_path / "日期.xlsx"), today=TODAY)
    assert [r.action for r in preview.rows] == ["new"] * len(DATE_SPELLINGS)
    expected = [dt.date(2024, 12, 31) if "十二月" in str(v) else dt.date(2024, 3, 25) if v == "25/3/2024"
                else dt.date(2024, 3, 5) for v, _note in DATE_SPELLINGS]
    assert [r.place.established for r in preview.rows] == expected
    warnings = [(p.row, p.column_label, p.message) for p in preview.problems if p.field == "established"]
    assert [(row, col) for row, col, _m in warnings] == [
        (i + 2, "I列（开业日期）") for i, (_v, note) in enumerate(DATE_SPELLINGS) if note]
    assert all(note in message for (_r, _c, message), note in zip(
        warnings, [n for _v, n in DATE_SPELLINGS if n], strict=True))
    assert {p.severity for p in preview.problems if p.field == "established"} == {"warning"}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2024-02-30", "“2024-02-30”不是有效日期（2024年没有2月30日）；日期无法如实保存，请改正后重新导入"),
        ("3/5/2024", "“3/5/2024”无法确定是2024年3月5日还是2024年5月3日，请写成 2024-03-05 或 2024年3月5日；"
                     "日期无法如实保存，请改正后重新导入"),
        ("9999-12-31", "日期“9999-12-31”晚于今天（2026-06-01），不是可信的开业日期；请改正后重新导入"),
        ("2026-06-02", "日期“2026-06-02”晚于今天（2026-06-01），不是可信的开业日期；请改正后重新导入"),
        ("1948-12-31", "日期“1948-12-31”早于1949年，不是可信的开业日期（常见于空白日期被 Excel 显示成 1900 年）；"
                       "请改正后重新导入"),
        (dt.datetime(1900, 1, 1), "日期“1900-01-01”早于1949年，不是可信的开业日期（常见于空白日期被 Excel 显示成 1900 年）；"
                                  "请改正后重新导入"),
    ],
)
def test_dates_that_cannot_be_stored_are_errors(tmp_path: Path, value: object, message: str) -> None:
    path = _book(tmp_path / "d.xlsx", [["单位名称", "地址", "开业日期"], ["甲店", "东街1号", value]])
    preview = parse_places(path, today=TODAY)
    assert [r.action for r in preview.rows] == ["invalid"]
    assert _problems(preview) == [("场所", 2, "C列（开业日期）", "error", message)]
    assert parse_places(_book(tmp_path / "ok.xlsx", [["单位名称", "地址", "开业日期"], ["甲店", "东街1号", "1949-01-01"]]),
                        today=TODAY).rows[0].place.established == dt.date(1949, 1, 1)


def test_control_characters_bidi_and_escapes(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        [1, "XX_x0001_饭店", None, "红光路12号"],
        [2, "XX\u202e店饭", None, "红光路14号"],
        [3, "好又多_x0009_超市", None, "红光路_x000D_16号"],
        [4, "幸福理发店", None, "红光路18号", "王\u2067五"],
    ]
    preview = parse_places(raw_list(*rows)(tmp_path / "字符.xlsx"))
    assert [r.action for r in preview.rows] == ["invalid", "invalid", "new", "invalid"]
    control = ("error", "含有不可见的控制字符（U+0001，文件中写作 _x0001_），无法如实保存；请删除该字符"
                        "（常见于从网页或其他系统复制的文字）后重新导入")
    bidi = "含有改变文字显示方向的隐藏字符（U+{}），显示出来的文字与实际内容不同，无法如实保存；请删除后重新导入"
    cr_tab = ("warning", "含有回车符或制表符（文件中写作 _x000D_、_x0009_），已换成空格，请核对")
    found = [(p.row, p.column_label, p.severity, p.message) for p in preview.problems if p.message.startswith("含有")]
    assert found == [
        (2, "B列（单位名称）", *control),
        (3, "B列（单位名称）", "error", bidi.format("202E")),
        (4, "B列（单位名称）", *cr_tab),
        (4, "D列（地址）", *cr_tab),
        (5, "E列（负责人）", "error", bidi.format("2067")),
    ]
    # The carriage return and the tab became spaces (and, between two Chinese characters, nothing).
    assert (preview.rows[2].place.name, preview.rows[2].place.address) == ("好又多超市", "红光路 16号")


def test_formulas_without_results_and_error_values(tmp_path: Path) -> None:
    error = '<c r="{ref}" t="e"><f>VLOOKUP(A3,X!A:B,2,0)</f><v>#N/A</v></c>'
    path = raw_list(
        [1, ("raw", '<c r="{ref}"><f>A2&amp;"店"</f></c>'), None, "东街1号"],
        [2, ("raw", error), None, "东街2号"],
        [3, ("raw", '<c r="{ref}" t="str"><f>"丙"&amp;"店"</f><v>丙店</v></c>'), None, "东街3号"],
        [4, "丁店", None, ("raw", '<c r="{ref}"><f>X!A1</f></c>')],
    )(tmp_path / "公式.xlsx")
    preview = parse_places(path)
    assert [(r.row, r.action, r.place.name) for r in preview.rows] == [
        (2, "invalid", ""), (3, "invalid", ""), (4, "new", "丙店"), (5, "invalid", "丁店")]
    never_saved = ("，但文件中没有保存公式的计算结果（多为程序生成的文件）；请在 Excel/WPS 中打开并保存一次，"
                   "或把公式“选择性粘贴”为数值后再导入")
    assert [(p.row, p.column_label, p.severity, p.message) for p in preview.problems] == [
        (2, "B列（单位名称）", "error", "单元格是公式（=A2&\"店\"）" + never_saved),
        (3, "B列（单位名称）", "error", "单元格是错误值“#N/A”（公式出错），请改正后再导入"),
        (5, "D列（地址）", "error", "单元格是公式（=X!A1）" + never_saved),
    ]


def test_a_second_column_of_the_same_name(tmp_path: Path) -> None:
    path = _book(tmp_path / "重名.xlsx", [
        ["序号", "单位名称", "联系电话", "地址", "联系电话", "单位名称"],
        [1, "XX饭店", "13812345678", "红光路12号", "0571-87654321", None],
        [2, "好又多超市", "13912345678", "红光路14号", "13912345678", "好又多超市"],
        [3, "幸福理发店", "13712345678", "红光路16号", None, "幸福美发店"],
    ])
    preview = parse_places(path)
    assert [r.action for r in preview.rows] == ["new", "new", "invalid"]
    # The second phone is kept in the notes; equal or empty values say nothing; a second name that
    # differs leaves no way to choose.
    assert preview.rows[0].place.notes == "联系电话（E列）：0571-87654321"
    assert _problems(preview) == [
        ("场所", None, "E列（联系电话）", "warning", "与C列同为“联系电话”，只按C列导入；本列中与C列不同的值逐行列出"),
        ("场所", None, "F列（单位名称）", "warning", "与B列同为“单位名称”，只按B列导入；本列中与B列不同的值逐行列出"),
        ("场所", 2, "E列（联系电话）", "warning",
         "与C列（联系电话）同名的另一列，值“0571-87654321”与C列（联系电话）不同；只按后者导入，本列的值已记入备注"),
        ("场所", 4, "F列（单位名称）", "error",
         "与B列（单位名称）同名的另一列，值“幸福美发店”与B列（单位名称）的“幸福理发店”不同，无法确定以哪一列为准；"
         "请删除或改名多余的列后重新导入"),
    ]


def test_a_header_without_data_rows_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError) as info:
        parse_places(_book(tmp_path / "空表.xlsx", [["单位名称", "地址"], ["填表人：王五"]]))
    assert str(info.value) == ("文件“空表.xlsx”，工作表“场所”：只有表头（第1行），没有数据行，没有可导入的场所；"
                               "请确认选对了文件，或把场所逐行填在表头下面后再导入")
    # Next to a sheet with places, an empty one is a warning.
    wb = Workbook()
    first = wb.active
    assert first is not None
    first.title = "东风村"
    first.append(["单位名称", "地址"])
    first.append(["甲店", "东街1号"])
    wb.create_sheet("西岭村").append(["单位名称", "地址"])
    wb.save(tmp_path / "两村.xlsx")
    preview = parse_places(tmp_path / "两村.xlsx")
    assert [r.place.name for r in preview.rows] == ["甲店"]
    assert _problems(preview) == [("西岭村", None, "", "warning", "只有表头（第1行），没有数据行，已跳过此工作表")]


def test_hidden_sheets_are_named_not_skipped_silently(tmp_path: Path) -> None:
    preview = parse_places(build_hidden_sheet(tmp_path / "隐藏.xlsx", visible_rows=1))
    assert [r.sheet for r in preview.rows] == ["场所"]
    assert _problems(preview) == [("旧名单", None, "", "warning", "这是隐藏的工作表，其中的 2 行没有导入；如需导入，"
                                   "请在 Excel/WPS 中取消隐藏（右键工作表标签→取消隐藏）后重新导入")]
    with pytest.raises(ImportFileError) as info:
        parse_places(build_hidden_sheet(tmp_path / "只有隐藏.xlsx", visible_rows=0))
    assert info.value.reason == "场所表在隐藏的工作表“旧名单”中；请在 Excel/WPS 中取消隐藏（右键工作表标签→取消隐藏）后重新导入"


@pytest.mark.parametrize(
    ("build", "where", "start"),
    [
        (build_xfd1048576, ("Sheet1", None, None), "工作表声明的数据范围是 XFD1048576"),
        (build_stray_cell, ("场所", 1048576, "XFD"), "这个单元格有内容，超出了场所清单的范围"),
        (build_shared_string_bomb, (None, None, None), "文件解压后共有 1024 MB"),
        (lambda p: build_million_rows(p, dimension=False), ("Sheet1", None, None), "本工作表解压后有 107 MB"),
        (lambda p: build_million_rows(p, dimension=False, rows=65_536), ("Sheet1", 50_001, None), "数据超过 50,000 行"),
    ],
)
def test_hostile_files_are_refused_before_the_work(tmp_path: Path, build: Any, where: tuple[object, ...],
                                                   start: str) -> None:
    started = time.perf_counter()
    with pytest.raises(ImportFileError) as info:
        parse_places(build(tmp_path / "f.xlsx"))
    assert time.perf_counter() - started < 10
    err = info.value
    assert (err.file, err.sheet, err.row, err.column) == ("f.xlsx", *where)
    assert err.reason.startswith(start)


def test_a_sheet_of_a_million_empty_rows_is_read(tmp_path: Path) -> None:
    preview = parse_places(build_empty_rows(tmp_path / "空行.xlsx"))
    assert [r.place.name for r in preview.rows] == ["平安便利店1号", "平安便利店2号"]
