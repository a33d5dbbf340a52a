"""Document preview, printing to a PDF printer, the inspection screen's 打印文书 menu and the day batch."""

from __future__ import annotations

import io
import re
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from helpers import desk_for, doc_setup
from pypdf import PdfReader
from PySide6.QtCore import QDate, Qt
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from anquan_desk.core.db import Database
from anquan_desk.core.models import Document, IssuedNumber
from anquan_desk.services import documents as docs
from anquan_desk.ui.documents import (
    BatchPrintDialog,
    DocumentListModel,
    DocumentPreviewDialog,
    DraftDialog,
    ServiceDateDialog,
    a4_printer,
    documents_menu,
    preview_for,
    verify_pdf_dialog,
)
from anquan_desk.ui.inspection.screen import InspectionWidget

# The documents are issued "now" for the 2026 check of doc_setup: its numbers are of 2026.
pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("document_week")]


@pytest.fixture(autouse=True)
def _device(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANQUAN_DEVICE_FILE", str(tmp_path / "device.json"))


def _text(path: Path) -> str:
    return "".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout.split())


def test_preview_print_and_save(qtbot: QtBot, db: Database, tmp_path: Path) -> None:
    ids = doc_setup.finished_check(db, tmp_path)
    issued = docs.obtain_document(desk_for(db, "zhang"), "notice", ids["inspection"], served_on=doc_setup.CHECK_DAY)
    document, pdf = issued.document, issued.pdf
    assert issued.new and document.number == "青安改〔2026〕第001号"
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
    again = docs.obtain_document(desk_for(db, "zhang"), "notice", ids["inspection"], served_on=doc_setup.CHECK_DAY)
    assert (again.document.id, again.pdf, again.new) == (document.id, pdf, False)
    with db.reader() as s:
        assert len(s.scalars(select(IssuedNumber)).all()) == 1


def test_inspection_screen_documents_menu(qtbot: QtBot, db: Database, tmp_path: Path) -> None:
    ids = doc_setup.finished_check(db, tmp_path)
    widget = InspectionWidget(desk_for(db, "zhang"), ids["inspection"])
    qtbot.addWidget(widget)
    widget.show()
    assert widget.documents_button.isVisible() and widget.documents_button.text() == "打印文书…"
    labels = [(c.doc_type, c.label, c.enabled) for c in docs.document_choices(desk_for(db), ids["inspection"])]
    assert labels == [("record", "现场检查记录", True), ("notice", "安全隐患整改通知书", True), ("photos", "照片附页", True)]
    menu = documents_menu(desk_for(db, "zhang"), ids["inspection"], widget)
    texts = [a.text() for a in menu.actions()]
    assert texts == ["现场检查记录（未签发）…", "安全隐患整改通知书（未签发）…", "照片附页（未签发）…"]
    # 照片附页 issues the record first, then the appendix
    document = docs.obtain_document(desk_for(db, "zhang"), "photos", ids["inspection"], served_on=doc_setup.CHECK_DAY).document
    assert document.number == "青检记〔2026〕第001号照片附页"
    menu = documents_menu(desk_for(db, "zhang"), ids["inspection"], widget)
    assert menu.actions()[0].text() == "现场检查记录（青检记〔2026〕第001号）…"


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
    assert docs.document_choices(desk_for(db), draft) == ()


def test_batch_dialog_exports_the_day(qtbot: QtBot, db: Database, tmp_path: Path) -> None:
    ids = doc_setup.finished_check(db, tmp_path)
    store = db.attachment_store()
    with db.session("zhang") as s:
        docs.issue_record(s, store, ids["inspection"], issued_at=datetime(2026, 11, 23, 10, 0))
        notice, _ = docs.issue_notice(s, store, ids["inspection"], issued_at=datetime(2026, 11, 23, 10, 5), served_on=doc_setup.CHECK_DAY)
        docs.void_document(s, notice.id, "送达前发现错误")
        docs.issue_notice(s, store, ids["inspection"], issued_at=datetime(2026, 11, 23, 10, 9), served_on=doc_setup.CHECK_DAY)
    dialog = BatchPrintDialog(desk_for(db), day=datetime(2026, 11, 22).date())
    qtbot.addWidget(dialog)
    dialog.show()
    model = dialog.table.model()
    assert model is dialog.model and model.rowCount() == 0 and not dialog.export_button.isEnabled()
    assert dialog.count_label.text() == "当日没有签发的文书"
    dialog.date_edit.setDate(QDate(2026, 11, 23))
    assert model.rowCount() == 2  # the voided notice is left out
    numbers = [model.index(r, DocumentListModel.COL_NUMBER).data() for r in range(2)]
    assert numbers == ["青检记〔2026〕第001号", "青安改〔2026〕第002号"]
    assert model.index(0, DocumentListModel.COL_PLACE).data() == doc_setup.PLACE_NAME
    out = tmp_path / "day.pdf"
    dialog.export_to(out)
    text = _text(out)
    assert "青检记〔2026〕第001号" in text and "青安改〔2026〕第002号" in text and "青安改〔2026〕第001号" not in text
    dialog.preview()
    preview = dialog.preview_dialog
    assert isinstance(preview, DocumentPreviewDialog)
    qtbot.addWidget(preview)
    assert preview.pdf.document.status() == QPdfDocument.Status.Ready and preview.pdf.page_count() >= 3
    with db.reader() as s:
        assert len(s.scalars(select(Document)).all()) == 3


def test_document_list_model(qtbot: QtBot, qtmodeltester: Any, db: Database, tmp_path: Path) -> None:
    ids = doc_setup.finished_check(db, tmp_path)
    desk = desk_for(db, "zhang")
    for minute, kind in enumerate(("record", "notice", "photos")):
        docs.obtain_document(desk, kind, ids["inspection"], issued_at=datetime(2026, 11, 23, 10, minute), served_on=doc_setup.CHECK_DAY)  # type: ignore[arg-type]
    rows = docs.documents_of_day(desk, datetime(2026, 11, 23).date())
    model = DocumentListModel()
    model.set_rows(rows)
    qtmodeltester.check(model)
    assert model.rowCount() == 3 and model.columnCount() == 4
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(4)] == ["文书", "编号", "被检查单位", "签发时间"]
    assert model.index(1, DocumentListModel.COL_TYPE).data() == "安全隐患整改通知书"
    assert model.index(1, DocumentListModel.COL_TIME).data() == "10:01"
    assert model.index(2, 0).data(DocumentListModel.DOCUMENT_ID_ROLE) == rows[2].id
    model.set_rows(())
    qtmodeltester.check(model)
    dialog = BatchPrintDialog(desk, day=datetime(2026, 11, 23).date())
    qtbot.addWidget(dialog)
    qtmodeltester.check(dialog.model)
    assert dialog.document_ids == [r.id for r in rows]


def test_menu_issues_in_an_operation_and_the_day_list_follows(
    qtbot: QtBot, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = doc_setup.finished_check(db, tmp_path)
    desk = desk_for(db, "zhang")
    screen = QWidget()
    qtbot.addWidget(screen)
    screen.show()
    day = BatchPrintDialog(desk)  # today: nothing issued yet
    qtbot.addWidget(day)
    day.show()
    assert day.model.rowCount() == 0
    asked: list[object] = []
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: pytest.fail("no 是/否 any more")))
    monkeypatch.setattr(
        ServiceDateDialog, "ask", classmethod(lambda _cls, act_day, _parent=None: asked.append(act_day) or act_day)
    )
    menu = documents_menu(desk, ids["inspection"], screen)
    notice = next(a for a in menu.actions() if a.data() == "notice")
    # first a draft: the check was ten days ago, so its service date is asked; no number is taken
    notice.trigger()
    assert asked == [doc_setup.CHECK_DAY]
    (draft,) = screen.findChildren(DraftDialog)
    assert draft.isVisible() and "草稿" in draft.windowTitle() and draft.issue_button.text() == "签发"
    draft_file = tmp_path / "draft.pdf"
    draft_file.write_bytes(draft.pdf.data)
    assert "（草稿，签发时编号）" in _text(draft_file) and "青安改" not in _text(draft_file)
    with db.reader() as s:
        assert s.scalars(select(IssuedNumber)).all() == [] and s.scalars(select(Document)).all() == []
    assert not screen.findChildren(DocumentPreviewDialog)
    # 取消 leaves everything as it was
    qtbot.mouseClick(draft.cancel_button, Qt.MouseButton.LeftButton)
    with db.reader() as s:
        assert s.scalars(select(IssuedNumber)).all() == []
    # again, and 签发: the number is taken now
    notice.trigger()
    draft = next(d for d in screen.findChildren(DraftDialog) if d.isVisible())
    qtbot.mouseClick(draft.issue_button, Qt.MouseButton.LeftButton)
    (preview,) = screen.findChildren(DocumentPreviewDialog)
    assert preview.isVisible() and "青安改〔2026〕第001号" in preview.windowTitle()
    assert preview.document is not None and preview.status == "已签发" and preview.correct_button.isEnabled()
    # the day's list heard of the new document
    assert [day.model.index(r, DocumentListModel.COL_NUMBER).data() for r in range(day.model.rowCount())] == [
        "青安改〔2026〕第001号"
    ]
    assert day.count_label.text() == "共 1 份文书"
    # chosen again: reprinted without asking, same bytes
    menu = documents_menu(desk, ids["inspection"], screen)
    assert [a.text() for a in menu.actions()][1] == "安全隐患整改通知书（青安改〔2026〕第001号）…"
    next(a for a in menu.actions() if a.data() == "notice").trigger()
    assert len(asked) == 2  # a reprint asks nothing
    second = [d for d in screen.findChildren(DocumentPreviewDialog) if d is not preview]
    assert len(second) == 1 and second[0].pdf.data == preview.pdf.data
    # voided in one preview, the other shows it too
    second[0].void("送达前发现错误")
    assert second[0].status == "已作废" and preview.status == "已作废" and not preview.print_button.isEnabled()
    with db.reader() as s:
        assert len(s.scalars(select(IssuedNumber)).all()) == 1


def test_batch_print_runs_as_an_operation(
    qtbot: QtBot, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = doc_setup.finished_check(db, tmp_path)
    desk = desk_for(db, "zhang")
    for kind in ("record", "notice"):
        docs.obtain_document(desk, kind, ids["inspection"], issued_at=datetime(2026, 11, 23, 10, 0), served_on=doc_setup.CHECK_DAY)
    dialog = BatchPrintDialog(desk, day=datetime(2026, 11, 23).date())
    qtbot.addWidget(dialog)
    out = tmp_path / "printed-day.pdf"
    monkeypatch.setattr("anquan_desk.ui.documents._print_dialog", lambda *_a: a4_printer(out))
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)$", info, re.M).group(1))  # type: ignore[union-attr]
    with db.reader() as s:
        batch = docs.render_batch(s, docs.documents_issued_on(s, datetime(2026, 11, 23).date()))
    assert pages == len(PdfReader(io.BytesIO(batch)).pages) >= 2
    # the export reports a file it cannot write in Chinese
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda _p, _t, text, *a, **k: warnings.append(text)))
    dialog.export_to(tmp_path / "no-such-folder" / "day.pdf")
    assert len(warnings) == 1 and warnings[0].startswith("无法保存到")


def test_verify_pdf_dialog(qtbot: QtBot, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = doc_setup.finished_check(db, tmp_path)
    issued = docs.obtain_document(desk_for(db, "zhang"), "notice", ids["inspection"], served_on=doc_setup.CHECK_DAY)
    good, foreign = tmp_path / "good.pdf", tmp_path / "foreign.pdf"
    good.write_bytes(issued.pdf)
    foreign.write_bytes(b"%PDF-1.4\n%%EOF\n")
    chosen: list[Path] = [good, foreign]
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(chosen.pop(0)), "")))
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda _p, t, text, *a, **k: shown.append(("i", text))))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda _p, t, text, *a, **k: shown.append(("w", text))))
    verify_pdf_dialog(desk_for(db))
    verify_pdf_dialog(desk_for(db))
    assert shown[0][0] == "i" and shown[0][1].startswith("核验通过") and "青安改〔2026〕第001号" in shown[0][1]
    assert shown[1][0] == "w" and "不是本系统签发的文书" in shown[1][1]
