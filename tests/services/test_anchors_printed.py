"""The audit chain's head goes out on paper: every issued document and every ledger carries the anchor
of the log as it stood, and ``audit verify --anchor`` proves the database still holds it — on both
backends."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from helpers import doc_setup, signed_desk
from openpyxl import load_workbook
from pypdf import PdfReader

from anquan_desk.cli import main as cli_main
from anquan_desk.core.db import Database
from anquan_desk.services import documents as docs
from anquan_desk.services.ledgers.export import ExportOptions, export_ledger

ANCHOR = re.compile(r"审计锚点：(A-[0-9A-Z-]+)")


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def test_documents_and_ledgers_carry_the_anchor_the_log_still_holds(
    db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = doc_setup.finished_check(db, tmp_path, signed=True)
    desk = signed_desk(db, "zhang", doc_setup.PASSWORD)
    notice = docs.obtain_document(desk, "notice", ids["inspection"], served_on=doc_setup.CHECK_DAY)
    found = ANCHOR.findall(_text(notice.pdf))
    assert found and len(set(found)) == 1  # the same anchor on every page
    on_notice = found[0]
    assert docs.obtain_document(desk, "notice", ids["inspection"]).pdf == notice.pdf  # a reprint keeps it

    out = tmp_path / "隐患台账.xlsx"
    export_ledger(desk, ExportOptions(kind="hazards", out=out))
    wb = load_workbook(out)
    ws = wb.active
    assert ws is not None
    on_ledger = ANCHOR.findall(ws.oddFooter.left.text or "")
    assert on_ledger and wb.custom_doc_props["审计锚点"].value == on_ledger[0]
    assert on_ledger[0] != on_notice  # the notice's issue was logged after its anchor was taken

    for code in (on_notice, on_ledger[0]):
        assert cli_main(["audit", "verify", "--db", db.url, "--anchor", code]) == 0, capsys.readouterr()
        assert "核验通过" in capsys.readouterr().out
