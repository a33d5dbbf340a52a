"""The preview dialog's 更正… / 作废… buttons and the 核验PDF文件 check (real widgets, qtbot)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import desk_for, doc_setup
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from anquan_desk.core.db import Database
from anquan_desk.core.models import Document, IssuedNumber
from anquan_desk.services import documents as docs
from anquan_desk.ui.documents import (
    DocumentPreviewDialog,
    ServiceDateDialog,
    preview_for,
    verify_file_message,
)

# The documents are issued "now" for the 2026 check of doc_setup: its numbers are of 2026.
pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("document_week")]

NOTICE_1 = "青安改〔2026〕第001号"
NOTICE_2 = "青安改〔2026〕第002号"


@pytest.fixture(autouse=True)
def _device(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANQUAN_DEVICE_FILE", str(tmp_path / "device.json"))


def _issued_notice(qtbot: QtBot, db: Database, tmp_path: Path) -> DocumentPreviewDialog:
    ids = doc_setup.finished_check(db, tmp_path)
    issued = docs.obtain_document(desk_for(db, "zhang"), "notice", ids["inspection"], served_on=doc_setup.CHECK_DAY)
    assert issued.new and issued.document.number == NOTICE_1
    dialog = preview_for(issued.document, issued.pdf, desk=desk_for(db, "zhang"))
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _documents(db: Database) -> dict[str, tuple[str, str | None, str]]:
    """number -> (status, supersedes_id, id)"""
    with db.reader() as s:
        return {d.number: (d.status, d.supersedes_id, d.id) for d in s.scalars(select(Document))}


def _answer_text(monkeypatch: pytest.MonkeyPatch, text: str, ok: bool) -> list[str]:
    asked: list[str] = []

    def fake(_parent: object, title: str, _label: str, *args: object, **kwargs: object) -> tuple[str, bool]:
        asked.append(title)
        return text, ok

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(fake))
    return asked


def test_buttons_only_for_issued_documents(qtbot: QtBot, db: Database, tmp_path: Path) -> None:
    dialog = _issued_notice(qtbot, db, tmp_path)
    assert dialog.correct_button.isVisible() and dialog.correct_button.isEnabled()
    assert dialog.void_button.isVisible() and dialog.void_button.isEnabled()
    assert dialog.correct_button.text() == "更正…" and dialog.void_button.text() == "作废…"
    # a preview without a document (the day batch) offers neither
    plain = DocumentPreviewDialog(dialog.pdf.data, "合并打印")
    qtbot.addWidget(plain)
    plain.show()
    assert not plain.correct_button.isVisible() and not plain.void_button.isVisible()
    assert plain.print_button.isEnabled()


def test_correct_from_dialog_issues_a_new_number(
    qtbot: QtBot, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = _issued_notice(qtbot, db, tmp_path)
    old_id = dialog.document_id
    old_pdf = dialog.pdf.data
    asked = _answer_text(monkeypatch, "  隐患位置写错  ", True)
    # the check was ten days ago: the corrected notice's service date is asked (between the check and today)
    dates: list[object] = []
    monkeypatch.setattr(
        ServiceDateDialog, "ask", classmethod(lambda _cls, act_day, _parent=None: dates.append(act_day) or act_day)
    )
    qtbot.mouseClick(dialog.correct_button, Qt.MouseButton.LeftButton)
    assert asked == ["更正文书"] and dates == [doc_setup.CHECK_DAY]
    found = _documents(db)
    assert found[NOTICE_1][0] == "已更正"
    assert found[NOTICE_2] == ("已签发", old_id, dialog.document_id)
    # the dialog now shows the new document
    assert dialog.document_id != old_id and dialog.status == "已签发"
    assert NOTICE_2 in dialog.windowTitle() and "已签发" in dialog.windowTitle()
    assert NOTICE_1 in dialog.info.text() and "已更正" in dialog.info.text()
    assert dialog.pdf.data != old_pdf and dialog.pdf.ready and dialog.view.document() is dialog.pdf.document
    assert NOTICE_2 in dialog.file_name
    saved = tmp_path / "new.pdf"
    dialog.save_to(saved)
    result = verify_file_message(desk_for(db), saved)
    assert result.ok and result.number == NOTICE_2
    # the new document may be corrected again; the old one is no longer offered
    assert dialog.correct_button.isEnabled() and dialog.print_button.isEnabled()
    old_file = tmp_path / "old.pdf"
    old_file.write_bytes(old_pdf)
    stale = verify_file_message(desk_for(db), old_file)
    assert not stale.ok and stale.kind == "superseded" and NOTICE_2 in stale.message


def test_void_from_dialog_disables_printing(
    qtbot: QtBot, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = _issued_notice(qtbot, db, tmp_path)
    _answer_text(monkeypatch, "送达前发现单位名称有误", True)
    confirmations: list[str] = []

    def yes(_parent: object, title: str, text: str, *args: object, **kwargs: object) -> QMessageBox.StandardButton:
        confirmations.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", staticmethod(yes))
    qtbot.mouseClick(dialog.void_button, Qt.MouseButton.LeftButton)
    assert len(confirmations) == 1 and "送达前发现单位名称有误" in confirmations[0]
    assert _documents(db)[NOTICE_1][0] == "已作废"
    with db.reader() as s:
        number = s.scalars(select(IssuedNumber).where(IssuedNumber.number == NOTICE_1)).one()
        assert number.voided and number.void_reason == "送达前发现单位名称有误"
    assert dialog.status == "已作废" and "已作废" in dialog.windowTitle() and "已作废" in dialog.info.text()
    assert not dialog.print_button.isEnabled()
    assert not dialog.correct_button.isEnabled() and not dialog.void_button.isEnabled()
    # an error from the service is shown in Chinese, nothing changes
    warnings: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "warning", staticmethod(lambda _p, _t, text, *a, **k: warnings.append(text))
    )
    dialog.void("再次作废")
    assert warnings == [f"文书 {NOTICE_1} 已作废。"]
    assert dialog.status == "已作废" and _documents(db)[NOTICE_1][0] == "已作废"


def test_declined_void_confirmation_changes_nothing(
    qtbot: QtBot, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = _issued_notice(qtbot, db, tmp_path)
    _answer_text(monkeypatch, "写错了", True)
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.No))
    qtbot.mouseClick(dialog.void_button, Qt.MouseButton.LeftButton)
    assert _documents(db)[NOTICE_1][0] == "已签发"
    assert dialog.status == "已签发" and dialog.print_button.isEnabled()


@pytest.mark.parametrize("button", ["correct_button", "void_button"])
def test_cancelled_reason_changes_nothing(
    qtbot: QtBot, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, button: str
) -> None:
    dialog = _issued_notice(qtbot, db, tmp_path)
    before = _documents(db)
    pdf = dialog.pdf.data
    asked = _answer_text(monkeypatch, "", False)
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: pytest.fail("no confirmation")))
    qtbot.mouseClick(getattr(dialog, button), Qt.MouseButton.LeftButton)
    assert len(asked) == 1
    assert _documents(db) == before and list(before) == [NOTICE_1]
    with db.reader() as s:
        assert [n.number for n in s.scalars(select(IssuedNumber))] == [NOTICE_1]
    assert dialog.pdf.data == pdf and dialog.status == "已签发" and NOTICE_1 in dialog.windowTitle()
    assert dialog.print_button.isEnabled() and dialog.correct_button.isEnabled()


def test_verify_messages_for_files(qtbot: QtBot, db: Database, tmp_path: Path) -> None:
    dialog = _issued_notice(qtbot, db, tmp_path)
    good = tmp_path / "good.pdf"
    dialog.save_to(good)
    result = verify_file_message(desk_for(db), good)
    assert result.ok and result.message.startswith("核验通过") and NOTICE_1 in result.message
    foreign = tmp_path / "foreign.pdf"
    foreign.write_bytes(b"%PDF-1.4\n%%EOF\n")
    assert verify_file_message(desk_for(db), foreign).kind == "foreign"
