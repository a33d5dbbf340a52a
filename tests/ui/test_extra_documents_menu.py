"""The 打印文书 menu of a finished inspection offers the 挂牌督办通知书, the 隐患移交抄告函 and the 送达回证
(issue 14 §4): each is issued through the real dialogs — 送达日期 / 送达回证, the 草稿 preview, 签发 — and
the PDF text is read back."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import desk_for, doc_setup
from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from anquan_desk.core.db import Database
from anquan_desk.core.models import IssuedNumber
from anquan_desk.services import documents as docs
from anquan_desk.services import hazards, users
from anquan_desk.services.laptops import shown_hazard_number
from anquan_desk.ui.documents import (
    DocumentPreviewDialog,
    DraftDialog,
    ReceiptDialog,
    ServiceDateDialog,
    documents_menu,
)

# "now" is Monday 2026-11-30, ten days after the check: every new document asks its 送达日期.
pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("document_week")]
SUPERVISION_NO = "白安委督〔2026〕1号"


@pytest.fixture(autouse=True)
def _env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANQUAN_DEVICE_FILE", str(tmp_path / "device.json"))
    monkeypatch.setattr(users, "MIN_PASSWORD_LENGTH", min(users.MIN_PASSWORD_LENGTH, 6))


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return "".join(out.split())


def _setup(db: Database, tmp_path: Path) -> dict[str, str]:
    """doc_setup's check on library items: the cylinder goes to the 燃气管理部门, 三合一 (重大, 挂牌督办 on
    the day of the check) to the 消防救援机构."""
    ids = doc_setup.finished_check(db, tmp_path)
    code = doc_setup.on_library_items(db, ids)
    with db.reader() as s:
        ids["exit_code"] = shown_hazard_number(s, code)  # as the screens say it: the laptop's name
    hazards.supervise(desk_for(db, "zhang"), ids["exit"], listed_on=doc_setup.CHECK_DAY, supervision_no=SUPERVISION_NO)
    return ids


def _when_modal(qtbot: QtBot, kind: type[QWidget], act: Callable[[QWidget], None]) -> list[QWidget]:
    """Act on the next modal dialog of ``kind`` as soon as it is shown (its exec() blocks the test)."""
    seen: list[QWidget] = []

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, kind) and dialog.isVisible():
            seen.append(dialog)
            act(dialog)
        else:
            QTimer.singleShot(10, poll)

    QTimer.singleShot(0, poll)
    return seen


def _set_date(dialog: QWidget, day: QDate) -> None:
    assert isinstance(dialog, ServiceDateDialog | ReceiptDialog)
    dialog.date_edit.setDate(day)


def _trigger(screen: QWidget, db: Database, inspection_id: str, data: str) -> None:
    menu = documents_menu(desk_for(db, "zhang"), inspection_id, screen)
    action = next(a for a in menu.actions() if a.data() == data)
    assert action.isEnabled()
    action.trigger()


def _issue_from_draft(qtbot: QtBot, screen: QWidget, db: Database, before: int) -> DocumentPreviewDialog:
    """The draft is shown (no number taken); 签发 issues it and shows the issued document."""
    draft = next(d for d in screen.findChildren(DraftDialog) if d.isVisible())
    with db.reader() as s:
        assert len(s.scalars(select(IssuedNumber)).all()) == before  # the draft took no number
    shown = set(screen.findChildren(DocumentPreviewDialog))
    qtbot.mouseClick(draft.issue_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(set(screen.findChildren(DocumentPreviewDialog)) - shown) == 1)
    (preview,) = set(screen.findChildren(DocumentPreviewDialog)) - shown
    return preview


def test_menu_issues_supervision_handover_and_receipt(qtbot: QtBot, db: Database, tmp_path: Path) -> None:
    ids = _setup(db, tmp_path)
    desk = desk_for(db, "zhang")
    screen = QWidget()
    qtbot.addWidget(screen)
    screen.resize(1366, 768)
    screen.show()
    texts = [a.text() for a in documents_menu(desk, ids["inspection"], screen).actions() if not a.isSeparator()]
    assert texts == [
        "现场检查记录（未签发）…", "安全隐患整改通知书（未签发）…", "照片附页（未签发）…",
        f"重大事故隐患挂牌督办通知书（隐患 {ids['exit_code']}）（未签发）…",
        "安全隐患移交抄告函（燃气管理部门）（未签发）…", "安全隐患移交抄告函（消防救援机构）（未签发）…",
    ]

    # 挂牌督办通知书: 送达日期 (the 挂牌 was ten days ago), draft, 签发
    asked = _when_modal(qtbot, ServiceDateDialog, lambda d: (_set_date(d, QDate(2026, 11, 20)), d.accept()))
    _trigger(screen, db, ids["inspection"], f"supervision:{ids['exit']}")
    assert len(asked) == 1
    draft = next(d for d in screen.findChildren(DraftDialog) if d.isVisible())
    assert "草稿" in _text(draft.pdf.data, tmp_path) and "青督办" not in _text(draft.pdf.data, tmp_path)
    preview = _issue_from_draft(qtbot, screen, db, 0)
    assert "青督办〔2026〕第001号" in preview.windowTitle()
    text = _text(preview.pdf.data, tmp_path)
    for words in ("重大事故隐患挂牌督办通知书", doc_setup.HAZARD_EXIT, f"督办文号{SUPERVISION_NO}", "2026年11月20日"):
        assert words in text, words

    # 隐患移交抄告函 to the 燃气管理部门
    _when_modal(qtbot, ServiceDateDialog, lambda d: (_set_date(d, QDate(2026, 11, 21)), d.accept()))
    _trigger(screen, db, ids["inspection"], "handover:燃气管理部门")
    letter = _issue_from_draft(qtbot, screen, db, 1)
    assert "青移交〔2026〕第001号" in letter.windowTitle()
    text = _text(letter.pdf.data, tmp_path)
    assert "燃气管理部门：" in text and doc_setup.HAZARD_CYLINDER in text and doc_setup.HAZARD_EXIT not in text
    assert "2026年11月21日" in text

    # the notice issued elsewhere: a 送达回证 is offered for it and for the two documents above
    notice = docs.obtain_document(desk, "notice", ids["inspection"], served_on=doc_setup.CHECK_DAY).document
    menu = documents_menu(desk, ids["inspection"], screen)
    receipts = [a.text() for a in menu.actions() if str(a.data()).startswith("receipt:")]
    assert sorted(receipts) == sorted([
        "送达回证（青督办〔2026〕第001号）（未签发）…", "送达回证（青移交〔2026〕第001号）（未签发）…",
        f"送达回证（{notice.number}）（未签发）…",
    ])
    assert "挂牌督办通知书（隐患" in next(a.text() for a in menu.actions() if str(a.data()).startswith("supervision:"))
    assert "（青督办〔2026〕第001号）" in next(a.text() for a in menu.actions() if str(a.data()).startswith("supervision:"))

    # 送达回证 of the notice: 留置送达 without a witness is refused in the dialog, then filled in
    def serve(dialog: QWidget) -> None:
        assert isinstance(dialog, ReceiptDialog)
        dialog.left.setChecked(True)
        assert dialog.witness.isEnabled()
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        assert dialog.isVisible() and "见证人" in dialog.error.text()
        dialog.witness.setText("王五（红光村村委会主任）")
        dialog.reason.setText("负责人拒绝签收")
        dialog.date_edit.setDate(QDate(2026, 11, 19))  # before the notice: the range stops it
        assert dialog.chosen().isoformat() == "2026-11-20"
        dialog.date_edit.setDate(QDate(2026, 11, 22))
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    served = _when_modal(qtbot, ReceiptDialog, serve)
    _trigger(screen, db, ids["inspection"], f"receipt:{notice.id}")
    assert len(served) == 1
    receipt = _issue_from_draft(qtbot, screen, db, 3)
    assert f"{notice.number}送达回证" in receipt.windowTitle()
    text = _text(receipt.pdf.data, tmp_path)
    for words in ("送达回证", "《安全隐患整改通知书》", notice.number, "送达方式留置送达", "王五（红光村村委会主任）",
                  "留置送达事由负责人拒绝签收", "2026年11月22日"):
        assert words in text, words

    # chosen again: reprinted, nothing asked
    _trigger(screen, db, ids["inspection"], f"receipt:{notice.id}")
    qtbot.waitUntil(lambda: sum(d.pdf.data == receipt.pdf.data for d in screen.findChildren(DocumentPreviewDialog)) == 2)
    with db.reader() as s:
        assert len(s.scalars(select(IssuedNumber)).all()) == 3  # supervision, letter, notice (a receipt has none)


def test_receipt_dialog_fits_a_small_screen(qtbot: QtBot, tmp_path: Path) -> None:
    choice = docs.ExtraChoice("receipt", "送达回证（青安改〔2026〕第001号）", "x", True, "未签发", False,
                              since=doc_setup.CHECK_DAY)
    dialog = ReceiptDialog(choice, today=doc_setup.REVIEW_DAY)
    qtbot.addWidget(dialog)
    dialog.show()
    hint = dialog.sizeHint()
    assert hint.width() <= 1366 and hint.height() <= 700
    assert not dialog.witness.isEnabled() and not dialog.reason.isEnabled()
    assert dialog.request() == docs.ReceiptRequest()
    assert dialog.chosen() == doc_setup.CHECK_DAY  # by default served the day the document bears
    dialog.grab().save(str(tmp_path / "receipt-dialog.png"))
