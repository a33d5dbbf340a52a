"""The legal-consequence paragraph of a notice follows each hazard's checklist item (issue 14 §4): the
item's own penalty article (cited to 条/款/项, from the library), the general rule of 安全生产法第一百零二条
for a hazard no library item covers, and a hand-over sentence for matters outside the township's power."""

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
from anquan_desk.core.models import ChecklistItem, Document
from anquan_desk.services import documents as docs

CHECK_NOON = datetime(2026, 11, 20, 12, 0)


@pytest.fixture(autouse=True)
def _device(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANQUAN_DEVICE_FILE", str(tmp_path / "device.json"))


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    return re.sub(r"\s+", "", out.stdout.decode("utf-8"))


def _check_with_library_items(db: Database, tmp_path: Path, *, enforcement: bool) -> dict[str, str]:
    """The finished check of doc_setup, its items renamed to library codes: hazard 1 (T-1) becomes the
    gas alarm GAS-LPG-01, hazard 3 (T-3) the 三合一 item FIRE-3IN1-01 (a 消防救援机构 matter); hazard 2
    keeps a township code no library item has."""
    ids = doc_setup.finished_check(db, tmp_path, enforcement=enforcement)
    with db.session("setup") as s:
        for old, new in (("T-1", "GAS-LPG-01"), ("T-3", "FIRE-3IN1-01")):
            s.scalars(select(ChecklistItem).where(ChecklistItem.code == old)).one().code = new
    return ids


@pytest.mark.parametrize("enforcement", [False, True])
def test_each_hazard_brings_its_own_consequence(db: Database, tmp_path: Path, enforcement: bool) -> None:
    ids = _check_with_library_items(db, tmp_path, enforcement=enforcement)
    kind = "order" if enforcement else "notice"
    with time_machine.travel(CHECK_NOON.astimezone(), tick=False):
        issued = docs.obtain_document(desk_for(db, "zhang"), kind, ids["inspection"])
    text = _text(issued.pdf, tmp_path)
    with db.reader() as s:  # the paragraph is part of the frozen snapshot (a reprint prints it again)
        stored = str(s.get(Document, issued.document.id).content)  # type: ignore[union-attr]
    for cited in ("《中华人民共和国安全生产法》第九十九条第（八）项",  # hazard 1: the gas alarm
                  "《中华人民共和国安全生产法》第一百零二条",  # hazard 2: no library item
                  "《中华人民共和国消防法》第六十一条"):  # hazard 3: 三合一
        assert cited in stored and cited in text
    assert "第六十条" not in text  # the old fixed sentence is gone
    assert "上表第3项隐患属消防救援机构职责范围，将抄告消防救援机构依法处理。" in text
    if enforcement:
        assert "依法予以行政处罚" in text
    else:
        assert "移交有关部门依法查处" in text and "行政处罚" not in text


def test_the_paragraph_lists_each_article_once(db: Database, tmp_path: Path) -> None:
    from anquan_desk.core.documents import texts

    text = texts.hazard_consequence(
        [(1, "《中华人民共和国消防法》第六十一条"), (2, ""), (3, "《中华人民共和国消防法》第六十一条"), (4, "")],
        [(1, "消防救援机构"), (3, "消防救援机构")], order=False,
    )
    assert text == (
        "逾期未整改或者整改不符合要求的，将依照《中华人民共和国消防法》第六十一条、《中华人民共和国安全生产法》"
        "第一百零二条等规定，移交有关部门依法查处。上表第1项、第3项隐患属消防救援机构职责范围，将抄告消防救援机构依法处理。"
    )
