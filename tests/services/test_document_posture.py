"""The legal posture of every issued document, read back from the PDF text: a township that is not
authorised to enforce issues work documents in its own name (no 应急 in numbers, no 执法文书
heading, 检查人员 and 工作证号, its notice never called a 决定); an authorised one follows the 2017
安全生产执法文书式样 with its heading line."""

from __future__ import annotations

import re
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
import time_machine
from helpers import desk_for, doc_setup
from sqlalchemy import select

from anquan_desk.core.db import Database
from anquan_desk.core.documents.snapshot import DocType
from anquan_desk.core.models import Township
from anquan_desk.services import documents as docs

CHECK_NOON = datetime(2026, 11, 20, 12, 0)
REVIEW_NOON = datetime(2026, 11, 27, 12, 0)


@pytest.fixture(autouse=True)
def _device(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANQUAN_DEVICE_FILE", str(tmp_path / "device.json"))


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    return re.sub(r"\s+", "", out.stdout.decode("utf-8"))


def _issue_all(db: Database, tmp_path: Path, enforcement: bool) -> dict[DocType, tuple[str, str]]:
    """Every document of the scenario issued on the day of its act: type → (number, PDF text)."""
    ids = doc_setup.finished_check(db, tmp_path, enforcement=enforcement)
    rid = doc_setup.finished_review(db, tmp_path, ids)
    desk = desk_for(db, "zhang")
    notice: DocType = "order" if enforcement else "notice"
    out: dict[DocType, tuple[str, str]] = {}
    with time_machine.travel(CHECK_NOON.astimezone(), tick=False):
        for kind in ("record", notice, "photos"):
            issued = docs.obtain_document(desk, kind, ids["inspection"])
            out[kind] = (issued.document.number, _text(issued.pdf, tmp_path))
    with time_machine.travel(REVIEW_NOON.astimezone(), tick=False):
        issued = docs.obtain_document(desk, "review", ids["inspection"], rid)
        out["review"] = (issued.document.number, _text(issued.pdf, tmp_path))
    return out


def test_township_documents_never_claim_enforcement_power(db: Database, tmp_path: Path) -> None:
    issued = _issue_all(db, tmp_path, enforcement=False)
    assert {kind: number for kind, (number, _text) in issued.items()} == {
        "record": "青检记〔2026〕第001号",
        "notice": "青安改〔2026〕第001号",
        "photos": "青检记〔2026〕第001号照片附页",
        "review": "青复查〔2026〕第001号",
    }
    for kind, (number, text) in issued.items():
        assert number.removesuffix("照片附页") in text, kind
        for claim in ("应急", "安全生产行政执法文书", "行政执法人员", "执法人员", "执法证号", "33010020230015", "决定"):
            assert claim not in text, (kind, claim)
        assert text.startswith(doc_setup.ISSUER), kind  # the township's own name heads every page
    record, notice, review = issued["record"][1], issued["notice"][1], issued["review"][1]
    assert "我们是青溪县白沙镇人民政府检查人员张堃（工作证号：BS-2023-015）、李喆（工作证号：BS-2023-027）" in record
    assert "现依照《中华人民共和国安全生产法》第九条的规定对你单位进行安全检查" in record
    assert "检查人员（签名）" in record and "工作证号：BS-2023-027" in record
    assert "安全隐患整改通知书" in notice and "张堃（工作证号：BS-2023-015）" in notice
    assert "行政复议" not in notice
    # the 复查 refers to the notice as a 通知书 served on its date, not to a 决定 of 本机关
    assert review.startswith("青溪县白沙镇人民政府整改复查意见青复查〔2026〕第001号")
    assert (
        "青溪县白沙镇人民政府于2026年11月20日向你单位（场所）送达了《安全隐患整改通知书》（青安改〔2026〕第001号），"
        "并于2026年11月27日10时00分对你单位整改情况进行了复查" in review
    )
    assert "本机关" not in review and "工作证号：BS-2023-015" in review


def test_authorised_township_follows_the_2017_forms(db: Database, tmp_path: Path) -> None:
    issued = _issue_all(db, tmp_path, enforcement=True)
    record, order, review = issued["record"], issued["order"], issued["review"]
    assert record[1].startswith("安全生产行政执法文书现场检查记录（青）应急检记〔2026〕1号")
    assert "我们是青溪县白沙镇人民政府行政执法人员张堃、李喆，证件号码为33010020230015、33010020230027" in record[1]
    assert "工作证号" not in record[1]
    assert order[1].startswith("安全生产行政执法文书责令限期整改指令书（青）应急责改〔2026〕1号")
    assert "安全生产监管行政执法人员（签名）" in order[1] and "证号：33010020230027" in order[1]
    assert "如果不服本指令，可以依法在60日内向青溪县人民政府申请行政复议" in order[1]
    assert review[1].startswith("安全生产行政执法文书整改复查意见书（青）应急复查〔2026〕1号")
    assert "本机关于2026年11月20日作出了责令限期整改的决定[（青）应急责改〔2026〕1号]" in review[1]
    assert "安全生产监管行政执法人员（签名）" in review[1] and "33010020230015" in review[1]
    # the photo appendix is no 执法文书 of its own
    assert issued["photos"][1].startswith(doc_setup.ISSUER + "隐患整改照片对照表")


def test_the_township_s_own_number_formats_win(db: Database, tmp_path: Path) -> None:
    ids = doc_setup.finished_check(db, tmp_path, enforcement=True)
    with db.session("setup") as s:
        township = s.scalars(select(Township)).one()
        township.number_formats = {
            "record": {"template": "{region}{prefix}〔{year}〕{serial_padded}号", "prefix": "查记", "serial_width": 2},
        }
    with time_machine.travel(CHECK_NOON.astimezone(), tick=False):
        record = docs.obtain_document(desk_for(db, "zhang"), "record", ids["inspection"])
        order = docs.obtain_document(desk_for(db, "zhang"), "order", ids["inspection"])
    assert record.document.number == "青查记〔2026〕01号"  # configured
    assert order.document.number == "（青）应急责改〔2026〕1号"  # the authorised default
    assert "青查记〔2026〕01号" in _text(record.pdf, tmp_path)
