"""Issuing documents from the database: content, fonts, frozen reprint, correction, void, verify."""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest
from helpers import desk_for, doc_setup
from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select, text

from anquan_desk.core.db import Database
from anquan_desk.core.errors import UserInputError
from anquan_desk.core.models import Document, IssuedNumber
from anquan_desk.services import documents as docs
from anquan_desk.services import inspections as insp

ISSUED = datetime(2026, 11, 20, 10, 30)


@pytest.fixture(autouse=True)
def _device(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANQUAN_DEVICE_FILE", str(tmp_path / "device.json"))


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / f"t-{hashlib.sha256(data).hexdigest()[:8]}.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", "", out)


def fonts_embedded(data: bytes, tmp_path: Path) -> list[tuple[str, str]]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in out.splitlines()[2:] if line.strip()]
    # name … emb sub uni object ID: "emb" is the 5th field from the end
    return [(row[0], row[-5]) for row in rows]


def test_record_and_notice_content(db: Database, tmp_path: Path) -> None:
    ids = doc_setup.finished_check(db, tmp_path)
    store = db.attachment_store()
    with db.session("zhang") as s:
        record, record_pdf = docs.issue_record(s, store, ids["inspection"], issued_at=ISSUED)
        notice, notice_pdf = docs.issue_notice(s, store, ids["inspection"], issued_at=ISSUED)
        record_no, notice_no = record.number, notice.number
        assert (record.doc_type, record.status) == ("现场检查记录", "已签发")
        assert notice.doc_type == "安全隐患整改通知书" and notice.supersedes_id is None
        assert notice.pdf_sha256 == hashlib.sha256(notice_pdf).hexdigest()
        assert re.fullmatch(r"[23456789A-HJKMNP-Z]{8}", notice.short_code)
        assert notice.content["content"]["record_number"] == record_no
        # the signature image is embedded in the snapshot: the document never needs the files
        assert notice.content["content"]["signature"]["png_base64"]
    assert record_no == "青检记〔2026〕第001号"  # a township's own number: no 应急
    assert notice_no == "青安改〔2026〕第001号"
    for data, number in ((record_pdf, record_no), (notice_pdf, notice_no)):
        text = pdf_text(data, tmp_path)
        assert number in text
        assert doc_setup.PLACE_NAME in text and doc_setup.PLACE_ADDRESS in text
        for hazard, basis in (
            (doc_setup.HAZARD_GAS, doc_setup.BASIS_GAS),
            (doc_setup.HAZARD_CYLINDER, doc_setup.BASIS_CYLINDER),
            (doc_setup.HAZARD_EXIT, doc_setup.BASIS_EXIT),
        ):
            assert hazard in text
            assert basis in text
        assert "2026年11月27日前" in text  # 7 days
        assert "2026年11月23日前" in text  # 3 days
        assert "立即整改" in text  # deadline_days 0
        assert all(emb == "yes" for _name, emb in fonts_embedded(data, tmp_path))
    text = pdf_text(notice_pdf, tmp_path)
    assert "第一百零二条" in text  # the legal consequence
    assert "行政复议" not in text  # appeal rights only on the order
    assert "安全隐患整改通知书" in text and record_no in text
    record_text = pdf_text(record_pdf, tmp_path)
    assert "现场检查记录" in record_text and "张堃" in record_text
    # a township's staff show their 工作证号, never a 执法证号 or 行政执法人员 wording
    assert doc_setup.WORK_NO_LI in record_text and "33010020230027" not in record_text
    assert "行政执法人员" not in record_text and "检查人员" in record_text


def test_order_with_appeal_rights(db: Database, tmp_path: Path) -> None:
    ids = doc_setup.finished_check(db, tmp_path, enforcement=True, refuse=True)
    store = db.attachment_store()
    with db.session("zhang") as s:
        order, pdf = docs.issue_notice(s, store, ids["inspection"], issued_at=ISSUED)
        assert order.doc_type == "责令限期整改指令书"
        number = order.number
    assert number == "（青）应急责改〔2026〕1号"
    text = pdf_text(pdf, tmp_path)
    assert "责令限期整改指令书" in text and number in text
    assert "60日内向青溪县人民政府申请行政复议" in text
    assert "6个月内依法向青溪县人民法院提起行政诉讼" in text
    assert "拒绝签字" in text and "王五" in text and "第六十八条" in text
    for hazard in (doc_setup.HAZARD_GAS, doc_setup.HAZARD_CYLINDER, doc_setup.HAZARD_EXIT):
        assert hazard in text
    assert "2026年11月27日前整改完毕" in text


def test_order_appeal_bodies_from_settings(db: Database, tmp_path: Path) -> None:
    doc_setup.township(
        db, enforcement=True, settings={"reconsideration_bodies": ["青溪县人民政府", "青溪县应急管理局"],
                                        "court": "青溪县人民法院（行政庭）"},
    )
    ids = doc_setup.finished_check(db, tmp_path, with_township=False)
    with db.session("zhang") as s:
        _order, pdf = docs.issue_notice(s, db.attachment_store(), ids["inspection"], issued_at=ISSUED)
    text = pdf_text(pdf, tmp_path)
    assert "向青溪县人民政府或者青溪县应急管理局申请行政复议" in text
    assert "向青溪县人民法院（行政庭）提起行政诉讼" in text


def test_review_and_photo_appendices(db: Database, tmp_path: Path) -> None:
    ids = doc_setup.finished_check(db, tmp_path)
    store = db.attachment_store()
    with db.session("zhang") as s:
        record, _ = docs.issue_record(s, store, ids["inspection"], issued_at=ISSUED)
        notice, _ = docs.issue_notice(s, store, ids["inspection"], issued_at=ISSUED)
        photos, photos_pdf = docs.issue_photos(s, store, record.id, issued_at=ISSUED)
        notice_no, record_no = notice.number, record.number
        assert photos.doc_type == "照片附页" and photos.number == f"{record_no}照片附页"
        assert len(photos.content["content"]["pairs"]) == 2
    rid = doc_setup.finished_review(db, tmp_path, ids)
    with db.session("li") as s:
        review, review_pdf = docs.issue_review(s, store, rid, issued_at=datetime(2026, 11, 27, 11, 0))
        review_no = review.number
        review_photos, review_photos_pdf = docs.issue_photos(s, store, review.id, issued_at=datetime(2026, 11, 27, 11, 1))
        pairs = review_photos.content["content"]["pairs"]
        assert [(p["before"] is not None, p["after"] is not None) for p in pairs] == [(True, True), (True, False)]
    assert review_no == "青复查〔2026〕第001号"
    text = pdf_text(review_pdf, tmp_path)
    assert "整改复查意见" in text and review_no in text and doc_setup.PLACE_NAME in text
    # a township's notice is a 通知书, never a 决定
    assert f"2026年11月20日向你单位（场所）送达了《安全隐患整改通知书》（{notice_no}）" in text
    assert "决定" not in text and "本机关" not in text
    assert doc_setup.HAZARD_GAS in text and doc_setup.HAZARD_CYLINDER in text
    assert doc_setup.HAZARD_EXIT not in text  # not part of this 复查
    assert "已整改" in text and "部分整改" in text and "2026年12月5日前" in text
    assert "已安装报警器并联动切断阀" in text
    text = pdf_text(photos_pdf, tmp_path)
    assert "隐患整改照片对照表" in text and record_no in text and doc_setup.HAZARD_GAS in text
    assert "整改后" in pdf_text(review_photos_pdf, tmp_path)
    for data, n in ((photos_pdf, 2), (review_photos_pdf, 3)):
        path = tmp_path / "img.pdf"
        path.write_bytes(data)
        listing = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True)
        assert len(listing.stdout.splitlines()[2:]) == n
    for data in (review_pdf, photos_pdf, review_photos_pdf):
        assert all(emb == "yes" for _name, emb in fonts_embedded(data, tmp_path))


def test_reprint_is_byte_identical_and_detects_changed_content(db: Database, tmp_path: Path) -> None:
    ids = doc_setup.finished_check(db, tmp_path)
    store = db.attachment_store()
    with db.session("zhang") as s:
        notice, pdf = docs.issue_notice(s, store, ids["inspection"], issued_at=ISSUED)
        nid = notice.id
    with db.session("zhang") as s:
        again = docs.reprint(s, nid)
    assert hashlib.sha256(again).hexdigest() == hashlib.sha256(pdf).hexdigest()
    with db.session("x") as s:  # someone edits the stored snapshot behind the program's back
        doc = s.get(Document, nid)
        assert doc is not None
        content = dict(doc.content)
        content["content"] = {**content["content"], "legal_consequence": "（改动）"}
        doc.content = content
    with db.session("zhang") as s:  # the reprint is the file kept on issue, not the edited snapshot
        assert docs.reprint(s, nid) == again
    kept = store.path_for(hashlib.sha256(pdf).hexdigest(), "application/pdf")
    assert kept.read_bytes() == pdf
    kept.unlink()  # a document issued before files were kept: drawn again from its snapshot, checked
    if db.path is None:  # on a server the file is a row every laptop reads (the local copy is a cache)
        with db.session("x") as s:
            s.execute(text("DELETE FROM attachment_blobs WHERE sha256 = :sha"), {"sha": hashlib.sha256(pdf).hexdigest()})
    with db.session("zhang") as s, pytest.raises(docs.DocumentIntegrityError, match="不一致"):
        docs.reprint(s, nid)


def test_reprint_survives_a_new_layout(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A later version that draws documents differently still reprints what was issued, byte for byte;
    a kept file that was changed is not used."""
    ids = doc_setup.finished_check(db, tmp_path)
    store = db.attachment_store()
    with db.session("zhang") as s:
        notice, pdf = docs.issue_notice(s, store, ids["inspection"], issued_at=ISSUED)
        nid = notice.id
    monkeypatch.setattr(docs, "render_document", lambda snapshot: b"%PDF-1.4 another layout")
    with db.session("zhang") as s:
        assert docs.reprint(s, nid) == pdf
    kept = store.path_for(hashlib.sha256(pdf).hexdigest(), "application/pdf")
    kept.write_bytes(pdf.replace(b"ReportLab", b"ReportLeb", 1))
    with db.session("zhang") as s, pytest.raises(docs.DocumentIntegrityError, match="不一致"):
        docs.reprint(s, nid)


def test_a_document_issued_from_a_screen_or_the_command_line_keeps_its_file(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The desk-level way of issuing (the menu's and ``doc render``'s) keeps the issued PDF too — on a
    server in the database itself — so its reprint is that file after the layout has changed."""
    ids = doc_setup.finished_check(db, tmp_path)
    desk = desk_for(db, "zhang")
    issued = docs.obtain_document(desk, "notice", ids["inspection"], served_on=doc_setup.CHECK_DAY)
    sha = hashlib.sha256(issued.pdf).hexdigest()
    if db.url.startswith("postgresql"):
        with db.reader() as s:
            assert s.scalar(text("select data from attachment_blobs where sha256 = :h"), {"h": sha}) == issued.pdf
    assert db.attachment_store().path_for(sha, "application/pdf").read_bytes() == issued.pdf
    monkeypatch.setattr(docs, "render_document", lambda snapshot: b"%PDF-1.4 another layout")
    again = docs.obtain_document(desk, "notice", ids["inspection"])
    assert not again.new and again.pdf == issued.pdf


def test_only_finished_checks_and_no_double_issue(db: Database, tmp_path: Path) -> None:
    ids = doc_setup.finished_check(db, tmp_path)
    store = db.attachment_store()
    with db.session("zhang") as s:
        draft = insp.start_inspection(
            s, place_id=ids["place"], inspector_ids=[ids["a"], ids["b"]], template_ids=[ids["template"]]
        ).id
    with db.session("zhang") as s, pytest.raises(UserInputError, match="只有已完成的检查"):
        docs.issue_record(s, store, draft)
    with db.session("zhang") as s:
        docs.issue_notice(s, store, ids["inspection"], issued_at=ISSUED)
    with db.session("zhang") as s, pytest.raises(UserInputError, match="已出具"):
        docs.issue_notice(s, store, ids["inspection"], issued_at=ISSUED)
    with db.reader() as s:
        # the refused attempt took no number
        assert s.scalars(select(IssuedNumber.number)).all() == ["青安改〔2026〕第001号"]


def test_correction_supersedes_and_void_keeps_number(db: Database, tmp_path: Path) -> None:
    ids = doc_setup.finished_check(db, tmp_path)
    store = db.attachment_store()
    with db.session("zhang") as s:
        old, old_pdf = docs.issue_notice(s, store, ids["inspection"], issued_at=ISSUED)
        old_id = old.id
    with db.session("zhang") as s:  # the inspection is amended, then the notice corrected
        insp.amend_inspection(s, ids["inspection"], reason="隐患部位写错", hazards={ids["exit"]: {"location": "大堂北侧"}})
    with db.session("zhang") as s:
        new, new_pdf = docs.correct_document(
            s, old_id, "隐患部位写错", store=store, issued_at=datetime(2026, 11, 21, 9, 0), served_on=date(2026, 11, 21)
        )
        new_id, new_no = new.id, new.number
        assert new.supersedes_id == old_id
    with db.reader() as s:
        old_row = s.get(Document, old_id)
        assert old_row is not None and old_row.status == "已更正"
    assert new_no == "青安改〔2026〕第002号"
    assert "【大堂北侧】" in pdf_text(new_pdf, tmp_path)
    with db.session("v") as s:
        result = docs.verify_pdf(s, old_pdf)
        assert (result.ok, result.kind) == (False, "superseded")
        assert "已更正" in result.message and new_no in result.message
        docs.void_document(s, new_id, "送达前发现单位名称有误")
    with db.session("v") as s:
        result = docs.verify_pdf(s, new_pdf)
        assert (result.ok, result.kind, result.status) == (False, "void", "已作废")
        assert "送达前发现单位名称有误" in result.message
        voided = s.scalar(select(IssuedNumber).where(IssuedNumber.number == new_no))
        assert voided is not None and voided.voided and voided.void_reason == "送达前发现单位名称有误"
    with db.session("zhang") as s:  # a new notice after the void never reuses 002
        third, _ = docs.issue_notice(
            s, store, ids["inspection"], issued_at=datetime(2026, 11, 21, 10, 0), served_on=date(2026, 11, 21)
        )
        assert third.number == "青安改〔2026〕第003号"


def test_verify_ok_tampered_and_foreign(db: Database, tmp_path: Path) -> None:
    ids = doc_setup.finished_check(db, tmp_path)
    with db.session("zhang") as s:
        notice, pdf = docs.issue_notice(s, db.attachment_store(), ids["inspection"], issued_at=ISSUED)
        number = notice.number
    with db.reader() as s:
        ok = docs.verify_pdf(s, pdf)
        assert (ok.ok, ok.kind, ok.number) == (True, "ok", number)
        assert "核验通过" in ok.message
        # one byte changed in the content (the page count digit of the footer text stays readable)
        i = pdf.index(b"/Producer")
        flipped = pdf[:i] + b"/Producex" + pdf[i + 9 :]
        result = docs.verify_pdf(s, flipped)
        assert (result.ok, result.kind) == (False, "tampered")
        assert f"文书 {number} 的内容被改动" in result.message
        # re-saved by another program
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
        buf = io.BytesIO()
        writer.write(buf)
        result = docs.verify_pdf(s, buf.getvalue())
        assert (result.ok, result.kind) == (False, "tampered")
        # a PDF that is not ours at all
        other = io.BytesIO()
        canvas = Canvas(other)
        canvas.drawString(100, 700, "Hello")
        canvas.save()
        result = docs.verify_pdf(s, other.getvalue())
        assert (result.ok, result.kind) == (False, "foreign")
        assert "不是本系统签发的文书" in result.message
        assert docs.verify_pdf(s, b"not a pdf at all").kind == "foreign"


def test_batch_of_a_day(db: Database, tmp_path: Path) -> None:
    ids = doc_setup.finished_check(db, tmp_path)
    store = db.attachment_store()
    with db.session("zhang") as s:
        docs.issue_record(s, store, ids["inspection"], issued_at=ISSUED)
        docs.issue_notice(s, store, ids["inspection"], issued_at=datetime(2026, 11, 20, 23, 59))
    rid = doc_setup.finished_review(db, tmp_path, ids)
    with db.session("zhang") as s:
        docs.issue_review(s, store, rid, issued_at=datetime(2026, 11, 21, 0, 1))
    with db.reader() as s:
        day = docs.documents_issued_on(s, date(2026, 11, 20))
        assert [d.doc_type for d in day] == ["现场检查记录", "安全隐患整改通知书"]
        pdf = docs.render_batch(s, day)
        assert [d.doc_type for d in docs.documents_issued_on(s, date(2026, 11, 21))] == ["整改复查意见书"]
    reader = PdfReader(io.BytesIO(pdf))
    text = pdf_text(pdf, tmp_path)
    assert "现场检查记录" in text and "安全隐患整改通知书" in text and "整改复查意见书" not in text
    assert len(reader.pages) >= 2


def test_no_hazards_no_notice(db: Database, tmp_path: Path) -> None:
    ids = doc_setup.finished_check(db, tmp_path)
    store = db.attachment_store()
    with db.session("zhang") as s:
        iid = insp.start_inspection(
            s, place_id=ids["place"], inspector_ids=[ids["a"], ids["b"]], template_ids=[ids["template"]],
            started_at=datetime(2026, 11, 22, 9, 0),
        ).id
        for entry in insp.checklist_entries(s, iid):
            insp.record_answer(s, iid, entry.item.id, "合格")
    with db.session("zhang") as s:
        insp.finish_inspection(s, store, iid, signature_png=doc_setup.signature_png())
    with db.session("zhang") as s, pytest.raises(UserInputError, match="未发现隐患"):
        docs.issue_notice(s, store, iid)
    with db.session("zhang") as s:
        record, pdf = docs.issue_record(s, store, iid, issued_at=datetime(2026, 11, 22, 10, 0))
        assert record.number == "青检记〔2026〕第001号"
    assert "未发现安全隐患" in pdf_text(pdf, tmp_path)


def test_review_without_issued_notice_cites_no_number(db: Database, tmp_path: Path) -> None:
    ids = doc_setup.finished_check(db, tmp_path)
    rid = doc_setup.finished_review(db, tmp_path, ids)
    with db.session("li") as s:
        review, pdf = docs.issue_review(s, db.attachment_store(), rid, issued_at=datetime(2026, 11, 27, 11, 0))
        assert review.content["content"]["original_number"] == "无文号"
        assert docs.latest_reinspection_of(s, ids["inspection"]) == rid
    text = pdf_text(pdf, tmp_path)
    assert "青溪县白沙镇人民政府于2026年11月20日检查时对你单位（场所）存在的安全隐患提出了整改要求" in text
    assert "决定" not in text


def test_verify_a_batch_file_says_so(db: Database, tmp_path: Path) -> None:
    ids = doc_setup.finished_check(db, tmp_path)
    store = db.attachment_store()
    with db.session("zhang") as s:
        docs.issue_record(s, store, ids["inspection"], issued_at=ISSUED)
        docs.issue_notice(s, store, ids["inspection"], issued_at=ISSUED)
    with db.reader() as s:
        batch = docs.render_batch(s, docs.documents_issued_on(s, ISSUED.date()))
        result = docs.verify_pdf(s, batch)
    assert (result.ok, result.kind) == (False, "batch")
    assert "2 份文书的合并打印件" in result.message
