from __future__ import annotations

import pytest

from anquan_desk.core.documents.numbering import (
    BlocksExhaustedError,
    NumberFormat,
    NumberFormatError,
    SerialBlock,
    UsedSerial,
    check_blocks,
    claim_block,
    find_collisions,
    next_serial,
    remaining,
)

TOWNSHIP = NumberFormat("{region}{prefix}〔{year}〕第{serial:03d}号", prefix="安改", region="XX")
ORDER = NumberFormat("（{region}）{prefix}〔{year}〕{serial}号", prefix="应急责改", region="X")


def test_formats_the_two_house_styles_exactly() -> None:
    assert TOWNSHIP.format(2026, 15) == "XX安改〔2026〕第015号"
    assert ORDER.format(2026, 15) == "（X）应急责改〔2026〕15号"
    assert TOWNSHIP.format(2026, 1234) == "XX安改〔2026〕第1234号"


def test_padded_field_uses_serial_width() -> None:
    fmt = NumberFormat("{prefix}〔{year}〕{serial_padded}号", prefix="白沙安改", serial_width=4)
    assert fmt.format(2027, 7) == "白沙安改〔2027〕0007号"
    assert fmt.parse("白沙安改〔2027〕0007号") == (2027, 7)


def test_parse_reads_numbers_back() -> None:
    assert TOWNSHIP.parse("XX安改〔2026〕第015号") == (2026, 15)
    assert ORDER.parse("（X）应急责改〔2026〕15号") == (2026, 15)
    for serial in (1, 9, 10, 99, 100, 999, 1000):
        assert ORDER.parse(ORDER.format(2025, serial)) == (2025, serial)
        assert TOWNSHIP.parse(TOWNSHIP.format(2025, serial)) == (2025, serial)


@pytest.mark.parametrize(
    "text",
    ["XX安改〔2026〕第15号", "YY安改〔2026〕第015号", "XX安改[2026]第015号", "XX安改〔26〕第015号", "（X）应急责改〔2026〕15号"],
)
def test_parse_rejects_other_spellings(text: str) -> None:
    with pytest.raises(NumberFormatError, match="不符合编号格式"):
        TOWNSHIP.parse(text)


def test_bad_templates_are_refused_in_chinese() -> None:
    with pytest.raises(NumberFormatError, match="未知字段"):
        NumberFormat("{prefix}{yr}{serial}", prefix="安改")
    with pytest.raises(NumberFormatError, match="必须包含"):
        NumberFormat("{prefix}{serial}号", prefix="安改")


def test_next_serial_runs_through_own_blocks_without_gaps_and_never_reuses_voids() -> None:
    blocks = [SerialBlock("A", 1, 3), SerialBlock("B", 4, 6), SerialBlock("A", 7, 8)]
    used: list[UsedSerial] = []
    got = []
    for n in range(5):
        serial = next_serial("A", blocks, used)
        got.append(serial)
        used.append(UsedSerial(serial, "A", "voided" if n == 1 else "issued"))
    assert got == [1, 2, 3, 7, 8]
    assert remaining("A", blocks, used) == 0
    with pytest.raises(BlocksExhaustedError, match="编号段已用完"):
        next_serial("A", blocks, used)
    assert next_serial("B", blocks, used) == 4


def test_claim_block_never_overlaps_and_check_blocks_catches_hand_edits() -> None:
    blocks: list[SerialBlock] = []
    for device in ("A", "B", "A", "C"):
        blocks.append(claim_block(blocks, device, 50))
    check_blocks(blocks)
    assert [(b.first, b.last) for b in blocks] == [(1, 50), (51, 100), (101, 150), (151, 200)]
    with pytest.raises(NumberFormatError, match="编号段重叠"):
        check_blocks([*blocks, SerialBlock("D", 150, 160)])


def test_two_laptops_issue_100_notices_each_offline_and_merge_without_repeats() -> None:
    # Before going out, the township admin hands each laptop blocks of 60 (two each).
    blocks: list[SerialBlock] = []
    for device in ("laptop-1", "laptop-2", "laptop-1", "laptop-2"):
        blocks.append(claim_block(blocks, device, 60))
    check_blocks(blocks)

    # Offline: each laptop only sees its own records; every 7th notice is voided (misprint).
    used_by: dict[str, list[UsedSerial]] = {"laptop-1": [], "laptop-2": []}
    for i in range(100):
        for device in ("laptop-1", "laptop-2"):
            serial = next_serial(device, blocks, used_by[device])
            used_by[device].append(UsedSerial(serial, device, "voided" if i % 7 == 6 else "issued"))

    # No gaps on one laptop: its serials are exactly the first 100 of its blocks, in order.
    for device, used in used_by.items():
        own = [s for b in blocks if b.device_id == device for s in range(b.first, b.last + 1)]
        assert [u.serial for u in used] == own[:100]

    merged = used_by["laptop-1"] + used_by["laptop-2"]
    assert find_collisions(merged) == []
    numbers = [TOWNSHIP.format(2026, u.serial) for u in merged]
    assert len(set(numbers)) == 200
    assert sorted(TOWNSHIP.parse(n)[1] for n in numbers) == sorted(u.serial for u in merged)
    # Voided numbers stay taken after the merge.
    voided = {u.serial for u in merged if u.state == "voided"}
    assert len(voided) == 28
    for device in used_by:
        assert next_serial(device, blocks, merged) not in voided


def test_find_collisions_reports_a_serial_used_twice() -> None:
    used = [UsedSerial(5, "A"), UsedSerial(6, "A"), UsedSerial(5, "B")]
    assert find_collisions(used) == [5]
