"""A notice or order with a 重大事故隐患 never gives that hazard a plain 整改期限 before saying what a major
hazard requires (issue 14 §4): its 治理 deadline is said after the 治理方案 (16号令第十五条)."""

from __future__ import annotations

import re
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
import time_machine
from helpers import desk_for, doc_setup

from anquan_desk.core.db import Database
from anquan_desk.services import documents as docs
from anquan_desk.services import users

CHECK_NOON = datetime(2026, 11, 20, 12, 0)


@pytest.fixture(autouse=True)
def _env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANQUAN_DEVICE_FILE", str(tmp_path / "device.json"))
    monkeypatch.setattr(users, "MIN_PASSWORD_LENGTH", min(users.MIN_PASSWORD_LENGTH, 6))


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    text = out.stdout.decode("utf-8")
    text = re.sub(r"核验码：\S+|共\s*\d+\s*页\s*第\s*\d+\s*页|草稿：未签发，无编号，不得送达", "", text)
    return re.sub(r"\s+", "", text)


def _issue(db: Database, tmp_path: Path, enforcement: bool) -> str:
    """doc_setup's check: hazard 1 (7 days, 2026-11-27), 2 (立即), 3 (3 days, 2026-11-23) — 3 is 重大."""
    ids = doc_setup.finished_check(db, tmp_path, enforcement=enforcement)
    doc_setup.on_library_items(db, ids)
    kind = "order" if enforcement else "notice"
    with time_machine.travel(CHECK_NOON.astimezone(), tick=False):
        return _text(docs.obtain_document(desk_for(db, "zhang"), kind, ids["inspection"]).pdf, tmp_path)


def test_order_says_the_major_deadline_after_its_requirements(db: Database, tmp_path: Path) -> None:
    text = _issue(db, tmp_path, enforcement=True)
    block = text.index("重大事故隐患治理要求：")
    before = text[:block]
    # the general hazards keep their deadlines in the 现责令 sentence; the major one is pointed to the block
    assert "对上述第2项问题立即整改" in before and "对上述第1项问题于2026年11月27日前整改完毕" in before
    assert "对上述第3项重大事故隐患按下列治理要求治理" in before
    assert "2026年11月23日" not in before  # no plain deadline of the major hazard before its requirements
    assert "第3项问题于" not in before
    after = text[block:]
    assert "将治理方案书面报送本机关，并按方案于2026年11月23日前治理完毕" in after
    assert after.index("治理方案") < after.index("2026年11月23日前治理完毕")


def test_notice_says_the_major_deadline_after_its_requirements(db: Database, tmp_path: Path) -> None:
    text = _issue(db, tmp_path, enforcement=False)
    block = text.index("重大事故隐患治理要求：")
    before = text[:block]
    assert "2026年11月23日" not in before  # the table gives the major hazard no plain 整改期限
    assert "按治理方案（见下文重大事故隐患治理要求）" in before
    assert "2026年11月27日前" in before  # a general hazard keeps its deadline in the table
    after = text[block:]
    assert "将治理方案书面报送青溪县白沙镇人民政府，并按方案于2026年11月23日前治理完毕" in after
    assert "责令" not in text


@pytest.mark.parametrize("enforcement", [False, True])
def test_without_a_major_hazard_the_deadlines_stay_plain(db: Database, tmp_path: Path, enforcement: bool) -> None:
    ids = doc_setup.finished_check(db, tmp_path, enforcement=enforcement)
    with time_machine.travel(CHECK_NOON.astimezone(), tick=False):
        pdf = docs.obtain_document(desk_for(db, "zhang"), "order" if enforcement else "notice", ids["inspection"]).pdf
    text = _text(pdf, tmp_path)
    assert "2026年11月23日前" in text and "治理方案" not in text and "重大事故隐患" not in text
