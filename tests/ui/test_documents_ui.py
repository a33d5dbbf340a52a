"""Document preview, printing to a PDF printer, the inspection screen's 打印文书 menu and the day batch."""

from __future__ import annotations

import re
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from helpers import desk_for, doc_setup
from PySide6.QtCore import QDate
from PySide6.QtPdf import QPdfDocument
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from anquan_desk.core.attachments import AttachmentStore
from anquan_desk.core.db import Database
from anquan_desk.core.models import Document, IssuedNumber
from anquan_desk.services import documents as docs
from anquan_desk.ui.documents import (
    BatchPrintDialog,
    DocumentPreviewDialog,
    a4_printer,
    document_choices,
    documents_menu,
    obtain_document,
    preview_for,
)
from anquan_desk.ui.inspection.screen import InspectionWidget

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def _device(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANQUAN_DEVICE_FILE", str(tmp_path / "device.json"))


def _text(path: Path) -> str:
    return "".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout.split())


def test_preview_print_and_save(qtbot: QtBot, db: Database, tmp_path: Path) -> None:
    ids = doc_setup.finished_check(db, tmp_path)
    document, pdf, new = obtain_document(desk_for(db, "zhang"), "notice", ids["inspection"])
    assert new and document.number == "青安改〔2026〕第001号"
    dialog = preview_for(document, pdf)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.pdf.document.status() == QPdfDocument.Status.Ready
    assert dialog.pdf.page_count() >= 1
    assert dialog.view.document() is dialog.pdf.document
    assert "青安改〔2026〕第001号" in dialog.windowTitle() and document.short_code in dialog.windowTitle()
    # print to a PDF file through QPrinter (no dialog): one printed page per document page
    out = tmp_path / "printed.pdf"
    assert dialog.print_to(a4_printer(out)) == dialog.pdf.page_count()
    assert out.exists() and out.stat().st_size > 10_000
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+(\d+)$", info, re.M).group(1) == str(dialog.pdf.page_count())  # type: ignore[union-attr]
    assert "(A4)" in info
    # 另存为 writes the issued bytes themselves: they verify
    saved = tmp_path / "saved.pdf"
    dialog.save_to(saved)
    with db.reader() as s:
        assert docs.verify_pdf(s, saved.read_bytes()).ok
    # a second request reprints the same document (no new number)
    again, pdf2, new2 = obtain_document(desk_for(db, "zhang"), "notice", ids["inspection"])
    assert (again.id, pdf2, new2) == (document.id, pdf, False)
    with db.reader() as s:
        assert len(s.scalars(select(IssuedNumber)).all()) == 1


def test_inspection_screen_documents_menu(qtbot: QtBot, db: Database, tmp_path: Path) -> None:
    ids = doc_setup.finished_check(db, tmp_path)
    widget = InspectionWidget(desk_for(db, "zhang"), ids["inspection"])
    qtbot.addWidget(widget)
    widget.show()
    assert widget.documents_button.isVisible() and widget.documents_button.text() == "打印文书…"
    labels = [(t, label, enabled) for t, label, enabled, _state in document_choices(desk_for(db), ids["inspection"])]
    assert labels == [("record", "现场检查记录", True), ("notice", "安全隐患整改通知书", True), ("photos", "照片附页", True)]
    menu = documents_menu(desk_for(db, "zhang"), ids["inspection"], widget)
    texts = [a.text() for a in menu.actions()]
    assert texts == ["现场检查记录（未签发）…", "安全隐患整改通知书（未签发）…", "照片附页（未签发）…"]
    # 照片附页 issues the record first, then the appendix
    document, _pdf, _new = obtain_document(desk_for(db, "zhang"), "photos", ids["inspection"])
    assert document.number == "（青）应急检记〔2026〕1号照片附页"
    menu = documents_menu(desk_for(db, "zhang"), ids["inspection"], widget)
    assert menu.actions()[0].text() == "现场检查记录（（青）应急检记〔2026〕1号）…"


def test_draft_has_no_documents_button(qtbot: QtBot, db: Database, tmp_path: Path) -> None:
    from anquan_desk.services import inspections as insp

    ids = doc_setup.finished_check(db, tmp_path)
    with db.session("zhang") as s:
        draft = insp.start_inspection(
            s, place_id=ids["place"], inspector_ids=[ids["a"], ids["b"]], template_ids=[ids["template"]]
        ).id
    widget = InspectionWidget(desk_for(db, "zhang"), draft)
    qtbot.addWidget(widget)
    widget.show()
    assert not widget.documents_button.isVisible()
    assert document_choices(desk_for(db), draft) == []


def test_batch_dialog_exports_the_day(qtbot: QtBot, db: Database, tmp_path: Path) -> None:
    ids = doc_setup.finished_check(db, tmp_path)
    store = AttachmentStore(db.attachments_dir)
    with db.session("zhang") as s:
        docs.issue_record(s, store, ids["inspection"], issued_at=datetime(2026, 11, 23, 10, 0))
        notice, _ = docs.issue_notice(s, store, ids["inspection"], issued_at=datetime(2026, 11, 23, 10, 5))
        docs.void_document(s, notice.id, "送达前发现错误")
        docs.issue_notice(s, store, ids["inspection"], issued_at=datetime(2026, 11, 23, 10, 9))
    dialog = BatchPrintDialog(desk_for(db), day=datetime(2026, 11, 22).date())
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.table.rowCount() == 0 and not dialog.export_button.isEnabled()
    assert dialog.count_label.text() == "当日没有签发的文书"
    dialog.date_edit.setDate(QDate(2026, 11, 23))
    assert dialog.table.rowCount() == 2  # the voided notice is left out
    assert [dialog.table.item(r, 1).text() for r in range(2)] == ["（青）应急检记〔2026〕1号", "青安改〔2026〕第002号"]
    assert dialog.table.item(0, 2).text() == doc_setup.PLACE_NAME
    out = tmp_path / "day.pdf"
    dialog.export_to(out)
    text = _text(out)
    assert "（青）应急检记〔2026〕1号" in text and "青安改〔2026〕第002号" in text and "第001号" not in text
    preview = dialog.preview()
    assert isinstance(preview, DocumentPreviewDialog)
    qtbot.addWidget(preview)
    assert preview.pdf.document.status() == QPdfDocument.Status.Ready and preview.pdf.page_count() >= 3
    with db.reader() as s:
        assert len(s.scalars(select(Document)).all()) == 3
