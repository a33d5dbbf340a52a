"""Anchor codes (审计锚点): made from the chain head, read back however they are typed, a wrong
character refused by the check character; the data check on the demo; the bulk insert entries."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import text

from anquan_desk.core.audit_check import (
    ALPHABET,
    HASH_CHARS,
    AnchorCodeError,
    anchor_code,
    check_anchor,
    check_data,
    current_anchor,
    parse_anchor,
)
from anquan_desk.core.db import Database

DIGEST = hashlib.sha256(b"anchor").hexdigest()


def test_a_code_carries_the_position_and_80_bits_of_the_hash() -> None:
    code = anchor_code(1234, DIGEST)
    parts = code.split("-")
    assert parts[0] == "A" and parts[1] == "1234" and len(parts) == 7
    body = "".join(parts[2:6])
    assert len(body) == HASH_CHARS and HASH_CHARS * 5 >= 80
    assert all(ch in ALPHABET for ch in body + parts[6])
    assert not set("ILOU") & set(body)
    assert int(DIGEST[:20], 16) == sum(ALPHABET.index(ch) << (5 * (15 - i)) for i, ch in enumerate(body))


def test_a_typed_code_is_read_whatever_its_case_spacing_and_look_alikes() -> None:
    code = anchor_code(77, DIGEST)
    parsed = parse_anchor(code)
    assert parsed.seq == 77 and parsed.matches(DIGEST)
    sloppy = code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert parse_anchor(sloppy) == parsed


def test_every_single_wrong_character_and_neighbour_swap_is_refused() -> None:
    code = anchor_code(4096, DIGEST)
    body = code.replace("-", "")[1:]  # position digits, hash characters, check character
    for i, ch in enumerate(body):
        for other in ALPHABET if not ch.isdigit() or i >= 4 else "0123456789":
            if other == ch:
                continue
            typo = "A" + body[:i] + other + body[i + 1 :]
            with pytest.raises(AnchorCodeError):
                parse_anchor(typo if i >= 4 else f"A-{typo[1:5]}-{typo[5:]}")
    for i in range(len(body) - 1):
        if body[i] == body[i + 1]:
            continue
        swapped = body[:i] + body[i + 1] + body[i] + body[i + 2 :]
        with pytest.raises(AnchorCodeError):
            parse_anchor("A" + swapped)


@pytest.mark.parametrize("bad", ["", "A-12", "B-1-0000-0000-0000-0000-0", "A-0-0000-0000-0000-0000-0", "A-1-UUUU-0000-0000-0000-0"])
def test_what_is_not_a_code_is_refused_in_chinese(bad: str) -> None:
    with pytest.raises(AnchorCodeError, match="锚点码"):
        parse_anchor(bad)


def test_the_demo_agrees_with_its_log_and_its_anchor_holds(demo_db: Database) -> None:
    with demo_db.session("system") as session:
        anchor = current_anchor(session)
        conn = session.connection()
        report = check_data(conn)
        assert report.ok, report.problems
        assert report.rows > 2000  # the bulk-written places, checks and hazards are covered
        assert check_anchor(conn, anchor.code).ok
        later = anchor_code(anchor.seq + 5, anchor.hash)
        result = check_anchor(conn, later)
        assert not result.ok and f"该锚点所在的第{anchor.seq + 5}条记录已被删除" in result.message


def test_an_empty_database_is_consistent(db: Database) -> None:
    with db.engine.connect() as conn:
        report = check_data(conn)
    assert report.ok, report.problems


def test_a_bulk_hazard_edited_in_the_demo_is_named_by_its_code(demo_db: Database) -> None:
    with demo_db.engine.begin() as conn:
        code = conn.execute(text("SELECT code FROM hazards WHERE status = '待整改' ORDER BY code LIMIT 1")).scalar_one()
        conn.execute(text("UPDATE hazards SET status = '已销号' WHERE code = :c"), {"c": code})
    with demo_db.engine.connect() as conn:
        report = check_data(conn)
    assert [p.message for p in report.problems] == [
        f"表 hazards 中 {code}（{report.problems[0].row_id}） 的 status 与审计记录不符（数据库被直接改动）："
        "审计记录为“待整改”，数据库中为“已销号”。"
    ]


def test_the_sheet_marks_the_place_of_the_keys_when_there_are_none(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from pypdf import PdfReader

    from anquan_desk.core.audit_check import Anchor, AnchorSheet, KeyLine
    from anquan_desk.io.pdf.anchor_sheet import write_anchor_sheet

    made = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
    anchor = Anchor(812, DIGEST)
    without = tmp_path / "without.pdf"
    write_anchor_sheet(AnchorSheet("白沙镇", made, anchor, None), without)
    flat = "".join((p.extract_text() or "").replace("\n", "").replace(" ", "") for p in PdfReader(without).pages)
    assert "尚未启用用户签名密钥" in flat and anchor.code in flat and "第812条审计记录" in flat
    key = KeyLine("zhang", "张堃", "ab" * 32, made, False)
    with_keys = tmp_path / "with.pdf"
    write_anchor_sheet(AnchorSheet("白沙镇", made, anchor, (key,)), with_keys)
    flat = "".join((p.extract_text() or "").replace("\n", "").replace(" ", "") for p in PdfReader(with_keys).pages)
    assert "张堃（zhang）" in flat and "ab" * 32 in flat and "尚未启用" not in flat
