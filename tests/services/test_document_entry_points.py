"""The document entry points (a Desk, plain data): issuing renders the PDF with no write transaction
open, a number once taken is never given again — also when rendering or storing fails, or the
process dies half-way — and the day's batch reports progress and can be cancelled."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import date, datetime
from pathlib import Path

import pytest
from helpers import desk_for, doc_setup
from sqlalchemy import select, text

from anquan_desk.core.db import Database
from anquan_desk.core.documents.snapshot import DocumentSnapshot
from anquan_desk.core.errors import OperationCancelled, UserInputError
from anquan_desk.core.models import AuditEntry, Document, IssuedNumber
from anquan_desk.core.progress import Progress
from anquan_desk.io.pdf.render import render_document
from anquan_desk.services import documents as docs
from anquan_desk.services import inspections as insp
from anquan_desk.services.desk import collect_changes
from anquan_desk.services.numbering import spend_number

# Documents issued "now" for the 2026 check of doc_setup are numbered in 2026.
pytestmark = pytest.mark.usefixtures("document_week")

NOTICE_1 = "青安改〔2026〕第001号"
NOTICE_2 = "青安改〔2026〕第002号"
NOTICE_3 = "青安改〔2026〕第003号"
ISSUED = datetime(2026, 11, 20, 10, 30)


@pytest.fixture(autouse=True)
def _device(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANQUAN_DEVICE_FILE", str(tmp_path / "device.json"))


def _numbers(db: Database) -> dict[str, tuple[bool, str, str | None]]:
    """number -> (voided, void reason, document id)"""
    with db.reader() as s:
        return {n.number: (n.voided, n.void_reason, n.document_id) for n in s.scalars(select(IssuedNumber))}


def _documents(db: Database) -> dict[str, str]:
    """number -> status"""
    with db.reader() as s:
        return {d.number: d.status for d in s.scalars(select(Document))}


def _no_writer(db: Database) -> bool:
    """True when no connection holds a write transaction on the database right now."""
    if db.path is None:  # PostgreSQL: a session that has written holds a transaction id
        with db.engine.connect() as conn:
            return not conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
            )).scalar()
    probe = sqlite3.connect(str(db.path), timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        probe.close()


def _watch_rendering(monkeypatch: pytest.MonkeyPatch, db: Database) -> list[bool]:
    """Record, for every PDF rendered, whether the database was free of writers meanwhile."""
    seen: list[bool] = []
    real = render_document

    def watched(snapshot: DocumentSnapshot) -> bytes:
        seen.append(_no_writer(db))
        return real(snapshot)

    monkeypatch.setattr(docs, "render_document", watched)
    return seen


def test_issue_renders_outside_any_write_transaction(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = doc_setup.finished_check(db, tmp_path)
    seen = _watch_rendering(monkeypatch, db)
    # the probe itself: the session-level path renders inside its transaction, after taking the number
    with db.session("zhang") as s:
        record, _pdf = docs.issue_record(s, db.attachment_store(), ids["inspection"], issued_at=ISSUED)
        record_number = record.number
    assert seen == [False]
    seen.clear()
    progress = Progress()
    with collect_changes() as log:
        issued = docs.obtain_document(desk_for(db, "zhang"), "notice", ids["inspection"], progress=progress, served_on=doc_setup.CHECK_DAY)
    assert seen == [True]  # the entry point renders with no write transaction open
    assert issued.new and issued.document.number == NOTICE_1 and issued.document.status == "已签发"
    assert issued.document.place_name == doc_setup.PLACE_NAME and issued.document.doc_type == "安全隐患整改通知书"
    assert progress.state()[1].percent == 100
    assert log.changes.touches_row("documents", issued.document.id) and log.changes.touches("issued_numbers")
    with db.reader() as s:
        stored = s.get(Document, issued.document.id)
        assert stored is not None and stored.pdf_sha256 == hashlib.sha256(issued.pdf).hexdigest()
        assert stored.content["content"]["record_number"] == record_number
        assert docs.verify_pdf(s, issued.pdf).ok
    assert _numbers(db)[NOTICE_1] == (False, "", issued.document.id)
    with db.session("zhang") as s:  # a number given to a document is never marked unused
        number_id = s.scalars(select(IssuedNumber.id).where(IssuedNumber.number == NOTICE_1)).one()
        assert not spend_number(s, number_id, "x")
    # asked again: the same bytes — the file kept when it was issued, nothing rendered — no new number
    seen.clear()
    again = docs.obtain_document(desk_for(db, "zhang"), "notice", ids["inspection"], served_on=doc_setup.CHECK_DAY)
    assert (again.new, again.document.id, again.pdf) == (False, issued.document.id, issued.pdf)
    assert seen == []
    if db.path is not None:  # the kept file lost: rendered again from the snapshot, with no transaction open
        db.attachment_store().path_for(hashlib.sha256(issued.pdf).hexdigest(), "application/pdf").unlink()
        again = docs.obtain_document(desk_for(db, "zhang"), "notice", ids["inspection"], served_on=doc_setup.CHECK_DAY)
        assert again.pdf == issued.pdf and seen == [True]
    assert set(_numbers(db)) == {record_number, NOTICE_1}
    with db.reader() as s:
        actions = [e.action for e in s.scalars(select(AuditEntry).where(AuditEntry.entity == "documents"))]
    assert actions.count("issue") == 2 and actions.count("reprint") == (2 if db.path is not None else 1)


def test_failed_rendering_spends_the_number(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = doc_setup.finished_check(db, tmp_path)
    desk = desk_for(db, "zhang")

    def broken(_snapshot: DocumentSnapshot) -> bytes:
        raise RuntimeError("reportlab ran out of paper")

    monkeypatch.setattr(docs, "render_document", broken)
    with pytest.raises(RuntimeError, match="out of paper"):
        docs.obtain_document(desk, "notice", ids["inspection"], served_on=doc_setup.CHECK_DAY)
    # no document; the number taken stays recorded, voided with the reason
    assert _documents(db) == {}
    voided, reason, document_id = _numbers(db)[NOTICE_1]
    assert voided and document_id is None and reason.startswith("签发未完成") and "out of paper" in reason
    monkeypatch.undo()
    monkeypatch.setenv("ANQUAN_DEVICE_FILE", str(tmp_path / "device.json"))
    issued = docs.obtain_document(desk, "notice", ids["inspection"], served_on=doc_setup.CHECK_DAY)
    assert issued.document.number == NOTICE_2  # 001 is never given again
    assert _documents(db) == {NOTICE_2: "已签发"}


def test_a_crash_after_taking_the_number_never_reuses_it(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process dies while the PDF is drawn: nothing marks the number, yet it is spent."""
    ids = doc_setup.finished_check(db, tmp_path)
    desk = desk_for(db, "zhang")

    class Crash(BaseException):
        pass

    def crash(_snapshot: DocumentSnapshot) -> bytes:
        raise Crash()

    monkeypatch.setattr(docs, "render_document", crash)
    monkeypatch.setattr(docs, "_spend", lambda *_a: None)  # a dead process cleans nothing up
    with pytest.raises(Crash):
        docs.obtain_document(desk, "notice", ids["inspection"], served_on=doc_setup.CHECK_DAY)
    assert _documents(db) == {}
    assert _numbers(db) == {NOTICE_1: (False, "", None)}  # taken, without a document
    monkeypatch.undo()
    monkeypatch.setenv("ANQUAN_DEVICE_FILE", str(tmp_path / "device.json"))
    assert docs.obtain_document(desk, "notice", ids["inspection"], served_on=doc_setup.CHECK_DAY).document.number == NOTICE_2
    numbers = _numbers(db)
    assert numbers[NOTICE_1] == (False, "", None) and numbers[NOTICE_2][2] is not None


def test_failed_store_rolls_back_and_spends_the_number(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = doc_setup.finished_check(db, tmp_path)
    real = docs.store_issued

    def half_stored(*args: object) -> Document:
        real(*args)  # type: ignore[arg-type]
        raise OSError("disk full")

    monkeypatch.setattr(docs, "store_issued", half_stored)
    with pytest.raises(OSError, match="disk full"):
        docs.obtain_document(desk_for(db, "zhang"), "notice", ids["inspection"], served_on=doc_setup.CHECK_DAY)
    assert _documents(db) == {}  # the document written in the failed unit was rolled back
    voided, reason, document_id = _numbers(db)[NOTICE_1]
    assert voided and document_id is None and "disk full" in reason


def test_refused_requests_take_no_number(db: Database, tmp_path: Path) -> None:
    ids = doc_setup.finished_check(db, tmp_path)
    store = db.attachment_store()
    desk = desk_for(db, "zhang")
    with db.session("zhang") as s:
        clean = insp.start_inspection(
            s, place_id=ids["place"], inspector_ids=[ids["a"], ids["b"]], template_ids=[ids["template"]],
            started_at=datetime(2026, 11, 22, 9, 0),
        ).id
        for entry in insp.checklist_entries(s, clean):
            insp.record_answer(s, clean, entry.item.id, "合格")
    with db.session("zhang") as s:
        insp.finish_inspection(s, store, clean, signature_png=doc_setup.signature_png())
    with pytest.raises(UserInputError, match="未发现隐患"):
        docs.obtain_document(desk, "notice", clean, served_on=doc_setup.CHECK_DAY)
    # no photos to attach: refused before the 现场检查记录 it would be attached to takes a number
    with pytest.raises(UserInputError, match="没有可附的照片"):
        docs.obtain_document(desk, "photos", clean, served_on=doc_setup.CHECK_DAY)
    with pytest.raises(UserInputError, match="出具的是安全隐患整改通知书"):
        docs.obtain_document(desk, "order", ids["inspection"], served_on=doc_setup.CHECK_DAY)
    assert _numbers(db) == {} and _documents(db) == {}
    assert [c.state for c in docs.document_choices(desk, clean)] == ["未签发", "无隐患", "未签发"]


def test_correct_and_void_through_entry_points(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = doc_setup.finished_check(db, tmp_path)
    desk = desk_for(db, "zhang")
    first = docs.obtain_document(desk, "notice", ids["inspection"], served_on=doc_setup.CHECK_DAY).document
    seen = _watch_rendering(monkeypatch, db)
    corrected = docs.correct_issued(desk, first.id, "隐患位置写错", served_on=doc_setup.CHECK_DAY)
    assert seen == [True]
    assert corrected.new and corrected.document.number == NOTICE_2 and corrected.document.supersedes_id == first.id
    assert docs.document_info(desk, first.id).status == "已更正"
    # a correction whose PDF cannot be drawn changes nothing but the number it took
    monkeypatch.setattr(docs, "render_document", lambda _s: (_ for _ in ()).throw(RuntimeError("no fonts")))
    with pytest.raises(RuntimeError):
        docs.correct_issued(desk, corrected.document.id, "再次更正", served_on=doc_setup.CHECK_DAY)
    assert _documents(db) == {NOTICE_1: "已更正", NOTICE_2: "已签发"}
    assert _numbers(db)[NOTICE_3][0] is True
    with db.reader() as s:
        corrections = s.scalars(select(AuditEntry).where(AuditEntry.action == "correct")).all()
        assert len(corrections) == 1
    with pytest.raises(UserInputError, match="须说明原因"):
        docs.void_issued(desk, corrected.document.id, "  ")
    voided = docs.void_issued(desk, corrected.document.id, "送达前发现错误")
    assert (voided.number, voided.status) == (NOTICE_2, "已作废")
    assert _numbers(db)[NOTICE_2][:2] == (True, "送达前发现错误")


def test_photos_issue_the_record_first_then_reprint(db: Database, tmp_path: Path) -> None:
    ids = doc_setup.finished_check(db, tmp_path)
    desk = desk_for(db, "zhang")
    photos = docs.obtain_document(desk, "photos", ids["inspection"], served_on=doc_setup.CHECK_DAY)
    assert photos.new and photos.document.number == "青检记〔2026〕第001号照片附页"
    assert _documents(db) == {"青检记〔2026〕第001号": "已签发", photos.document.number: "已签发"}
    again = docs.obtain_document(desk, "photos", ids["inspection"], served_on=doc_setup.CHECK_DAY)
    assert (again.new, again.pdf) == (False, photos.pdf)
    choices = docs.document_choices(desk, ids["inspection"])
    assert [(c.doc_type, c.issued) for c in choices] == [("record", True), ("notice", False), ("photos", True)]
    rid = doc_setup.finished_review(db, tmp_path, ids)
    assert docs.latest_reinspection(desk, ids["inspection"]) == rid
    review_photos = docs.obtain_document(desk, "photos", ids["inspection"], rid, served_on=doc_setup.REVIEW_DAY)
    assert review_photos.document.number == "青复查〔2026〕第001号照片附页"


class _Recorded(Progress):
    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    def update(self, done: int, total: int | None = None, text: str | None = None) -> None:
        super().update(done, total, text)
        self.texts.append(self.state()[1].text)


def test_day_list_batch_progress_and_cancel(db: Database, tmp_path: Path) -> None:
    ids = doc_setup.finished_check(db, tmp_path)
    desk = desk_for(db, "zhang")
    docs.obtain_document(desk, "record", ids["inspection"], issued_at=datetime(2026, 11, 23, 10, 0))
    notice = docs.obtain_document(desk, "notice", ids["inspection"], issued_at=datetime(2026, 11, 23, 10, 5), served_on=doc_setup.CHECK_DAY)
    docs.void_issued(desk, notice.document.id, "写错")
    third = docs.obtain_document(desk, "notice", ids["inspection"], issued_at=datetime(2026, 11, 23, 10, 9), served_on=doc_setup.CHECK_DAY)
    day = docs.documents_of_day(desk, date(2026, 11, 23))
    assert [(d.number, d.issued_at.strftime("%H:%M"), d.place_name) for d in day] == [
        ("青检记〔2026〕第001号", "10:00", doc_setup.PLACE_NAME),
        (NOTICE_2, "10:09", doc_setup.PLACE_NAME),
    ]
    assert docs.documents_of_day(desk, date(2026, 11, 22)) == ()
    progress = _Recorded()
    pdf = docs.batch_pdf(desk, [d.id for d in day], progress)
    assert pdf.startswith(b"%PDF") and progress.state()[1].percent == 100
    assert "正在读取第 2 / 2 份文书…" in progress.texts
    assert "正在排版第 1 / 2 份文书…" in progress.texts and "正在排版第 2 / 2 份文书…" in progress.texts
    with db.reader() as s:
        assert docs.verify_pdf(s, pdf).kind == "batch"
    cancelled = Progress()
    cancelled.cancel()
    with pytest.raises(OperationCancelled):
        docs.batch_pdf(desk, [d.id for d in day], cancelled)
    with pytest.raises(UserInputError, match="没有可打印的文书"):
        docs.batch_pdf(desk, [])
    saved = tmp_path / "third.pdf"
    saved.write_bytes(third.pdf)
    assert docs.verify_pdf_file(desk, saved).ok
    with pytest.raises(UserInputError, match="无法读取文件"):
        docs.verify_pdf_file(desk, tmp_path / "missing.pdf")
