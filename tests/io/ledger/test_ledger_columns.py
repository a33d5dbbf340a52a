from __future__ import annotations

from anquan_desk.io.ledger.columns import (
    HAZARD_COLUMNS,
    INSPECTION_COLUMNS,
    LEDGER_KINDS,
    MAJOR_COLUMNS,
    PLACE_COLUMNS,
    deidentify,
    mask_credit_code,
    mask_person_name,
    mask_phone,
    scrub_phone_numbers,
    statistics_totals,
)


def test_hazard_ledger_has_the_issue_columns_in_order() -> None:
    assert [c.header for c in HAZARD_COLUMNS] == [
        "序号", "隐患编号", "村(社区)/网格", "行业领域", "场所类别", "单位名称", "地址", "负责人", "联系电话",
        "检查日期", "检查方式", "检查人员", "隐患描述", "隐患部位", "隐患类别", "隐患等级", "判定依据",
        "整改措施/要求", "整改期限", "整改责任人", "文书编号", "整改情况", "复查日期", "复查人", "复查结论",
        "整改状态", "销号日期", "备注",
    ]  # fmt: skip


def test_every_ledger_has_unique_keys() -> None:
    for _title, columns in LEDGER_KINDS.values():
        keys = [c.key for c in columns]
        assert len(keys) == len(set(keys))


def test_major_ledger_groups_the_five_implementations() -> None:
    group = [c.header for c in MAJOR_COLUMNS if c.group == "五落实"]
    assert group == ["责任单位", "责任人", "整改措施", "资金(万元)", "整改时限", "应急预案"]


def test_mask_phone_and_scrub_free_text() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert (
        scrub_phone_numbers("老板电话13812345678，座机0571-87654321")
        == "老板电话138****5678，座机0571-****4321"
    )
    # Longer digit runs (e.g. a credit code or an ID) are not phone numbers and stay as they are.
    assert scrub_phone_numbers("编号913301001234567890") == "编号913301001234567890"


def test_mask_person_name() -> None:
    assert mask_person_name("张三") == "张*"
    assert mask_person_name("欧阳娜娜") == "欧***"
    assert mask_person_name("李四、王五") == "李*、王*"


def test_credit_code_masked_only_for_individual_businesses() -> None:
    assert mask_credit_code("92330100MA2ABCDE1X") == "923301********DE1X"
    assert mask_credit_code("91330100MA2ABCDE1X") == "91330100MA2ABCDE1X"


def test_deidentify_drops_names_and_phones_and_masks_credit_code() -> None:
    for columns in (HAZARD_COLUMNS, INSPECTION_COLUMNS, PLACE_COLUMNS):
        kept = deidentify(columns)
        headers = {c.header for c in kept}
        assert not {"负责人", "联系电话", "检查人员", "整改责任人", "复查人", "包保网格员"} & headers
        assert all(not c.personal or c.mask is not None for c in kept)
    credit = next(c for c in deidentify(PLACE_COLUMNS) if c.key == "credit_code")
    assert credit.mask is not None and credit.mask("92330100MA2ABCDE1X") == "923301********DE1X"
    description = next(c for c in deidentify(HAZARD_COLUMNS) if c.key == "description")
    assert description.mask is not None and description.mask("电话13912345678") == "电话139****5678"


def test_statistics_totals_recomputes_the_rate() -> None:
    rows = [
        {"places_inspected": 10, "inspections": 12, "hazards_general": 4, "hazards_major": 1,
         "hazards_total": 5, "rectified": 4, "rectification_rate": 0.8, "overdue": 1, "major_open": 1},
        {"places_inspected": 5, "inspections": 5, "hazards_general": 3, "hazards_major": 0,
         "hazards_total": 3, "rectified": 3, "rectification_rate": 1.0, "overdue": 0, "major_open": 0},
    ]  # fmt: skip
    totals = statistics_totals(rows)
    assert totals["places_inspected"] == 15
    assert totals["hazards_total"] == 8
    assert totals["rectified"] == 7
    assert totals["rectification_rate"] == 7 / 8
    assert statistics_totals([])["rectification_rate"] is None
