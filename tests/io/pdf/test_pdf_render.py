from __future__ import annotations

import hashlib
import io
import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from pdf_samples import (
    all_snapshots,
    drawn_characters,
    pdffonts,
    pdftotext,
    photo_jpeg,
    signature_png,
    squeeze,
)
from pypdf import PdfReader

from anquan_desk.core.documents import samples, texts
from anquan_desk.core.documents.snapshot import (
    DocumentSnapshot,
    HazardEntry,
    InspectionRecordContent,
    NoticeContent,
    PhotoAppendix,
    PhotoImage,
    Refusal,
    ReviewContent,
    snapshot_from_json,
    snapshot_to_json,
)
from anquan_desk.core.errors import UserInputError
from anquan_desk.io.pdf import qr_payload, render_document, render_documents, write_document
from anquan_desk.io.pdf.fonts import has_glyph, register_fonts

SNAPSHOTS = all_snapshots()
RARE_NAMES = "张堃 李喆 王昇 赵玥 陈祎 刘珺 孙镕 周赟 𠮷野家"


@pytest.fixture(scope="module")
def rendered() -> dict[str, bytes]:
    return {kind: render_document(snap) for kind, snap in SNAPSHOTS.items()}


def test_every_type_starts_a_pdf_on_a4(rendered: dict[str, bytes]) -> None:
    for kind, pdf in rendered.items():
        assert pdf.startswith(b"%PDF-"), kind
        page = PdfReader(io.BytesIO(pdf)).pages[0]
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842), kind


@pytest.mark.parametrize("kind", ["record", "notice", "order"])
def test_place_hazards_deadlines_number_and_basis_are_printed(kind: str, rendered: dict[str, bytes], tmp_path: Path) -> None:
    snap = SNAPSHOTS[kind]
    assert isinstance(snap, NoticeContent | InspectionRecordContent)
    text = squeeze(pdftotext(rendered[kind], tmp_path))
    assert snap.header.number in text
    assert snap.place.name in text
    assert snap.place.address in text
    for hazard in snap.hazards:
        assert squeeze(hazard.description) in text
        assert squeeze(hazard.basis) in text
    assert "立即整改" in text
    assert "2026年3月20日前" in text
    assert "2026年3月15日前" in text
    for inspector in snap.inspectors:
        assert inspector.name in text
        assert inspector.cert_no in text


def test_notice_wording(rendered: dict[str, bytes], tmp_path: Path) -> None:
    text = squeeze(pdftotext(rendered["notice"], tmp_path))
    assert "青溪县白沙镇人民政府" in text
    assert "安全隐患整改通知书" in text
    assert "《中华人民共和国安全生产法》第一百零二条" in text
    assert "《中华人民共和国消防法》第六十条" in text
    assert squeeze(texts.NOTICE_LEGAL_CONSEQUENCE) in text
    assert "（印章）" in text
    assert "2026年3月10日" in text
    raw = pdftotext(rendered["notice"], tmp_path)
    pages = len(PdfReader(io.BytesIO(rendered["notice"])).pages)
    for n in range(1, pages + 1):
        assert f"共 {pages} 页 第 {n} 页" in raw
    assert squeeze(texts.COPIES_NOTE["notice"]) in text
    assert "被检查单位负责人（签收）" in text


def test_order_has_2017_wording_and_appeal_periods(rendered: dict[str, bytes], tmp_path: Path) -> None:
    text = squeeze(pdftotext(rendered["order"], tmp_path))
    assert "安全生产行政执法文书" in text
    assert "责令限期整改指令书" in text
    assert "（青）应急责改〔2026〕15号" in text
    assert "经查，你单位存在下列问题" in text
    assert "现责令你单位对上述第1项问题立即整改，对上述第3项问题于2026年3月15日前整改完毕，对上述第2项问题于2026年3月20日前整改完毕" in text
    assert "由此造成事故的，依法追究有关人员的责任。" in text
    assert "如果不服本指令，可以依法在60日内向青溪县人民政府申请行政复议，或者在6个月内依法向青溪县人民法院提起行政诉讼" in text
    assert "但本指令不停止执行，法律另有规定的除外。" in text
    assert "安全生产监管行政执法人员（签名）" in text
    # The sample order was refused: the refusal is printed with its legal basis.
    assert "被检查单位负责人拒绝签字，原因：认为钢瓶摆放不影响安全，见证人：王昇（白沙镇红光社区网格员）" in text
    assert "（依据《中华人民共和国安全生产法》第六十八条）" in text


def test_record_identification_and_checklists(rendered: dict[str, bytes], tmp_path: Path) -> None:
    text = squeeze(pdftotext(rendered["record"], tmp_path))
    assert "现场检查记录" in text
    # a township's record: its staff, their 工作证号, its own duty to inspect (安全生产法第九条)
    assert (
        "我们是青溪县白沙镇人民政府检查人员张堃（工作证号：BS-2023-015）、李喆（工作证号：BS-2023-027），"
        "这是我们的工作证件（出示证件）。现依照《中华人民共和国安全生产法》第九条的规定对你单位进行安全检查" in text
    )
    assert "行政执法" not in text and "执法证号" not in text and "安全生产行政执法文书" not in text
    assert "2026年3月10日9时30分至3月10日10时45分" in text
    assert "四不两直" in text
    assert "餐饮场所燃气安全检查表" in text and "九小场所消防安全检查表" in text
    assert "被检查单位现场负责人（签名）" in text


def test_review_outcomes(rendered: dict[str, bytes], tmp_path: Path) -> None:
    snap = SNAPSHOTS["review"]
    assert isinstance(snap, ReviewContent)
    text = squeeze(pdftotext(rendered["review"], tmp_path))
    assert text.startswith("安全生产行政执法文书整改复查意见书（青）应急复查〔2026〕15号")  # the 2017 式样
    assert "本机关于2026年3月10日作出了责令限期整改的决定[（青）应急责改〔2026〕15号]" in text
    assert "安全生产监管行政执法人员（签名）" in text
    for outcome in snap.outcomes:
        assert outcome.result in text
        assert squeeze(outcome.note) in text
    assert "2026年3月31日前" in text
    assert squeeze(texts.COPIES_NOTE["review"]) in text


def test_photo_appendix_embeds_both_photos_of_each_pair(rendered: dict[str, bytes], tmp_path: Path) -> None:
    snap = SNAPSHOTS["photos"]
    assert isinstance(snap, PhotoAppendix)
    text = squeeze(pdftotext(rendered["photos"], tmp_path))
    assert "整改前" in text and "整改后" in text
    assert snap.attached_to in text
    for pair in snap.pairs:
        assert squeeze(pair.caption) in text
    reader = PdfReader(io.BytesIO(rendered["photos"]))
    # The sample reuses one before and one after photo: two embedded images, each drawn per pair.
    assert len([img for page in reader.pages for img in page.images]) == 2
    drawn = sum(page.get_contents().get_data().count(b" Do") for page in reader.pages)  # type: ignore[union-attr]
    assert drawn == 2 * len(snap.pairs)


def test_signature_image_is_drawn_when_present(rendered: dict[str, bytes]) -> None:
    notice_images = [i for p in PdfReader(io.BytesIO(rendered["notice"])).pages for i in p.images]
    assert len(notice_images) == 1
    assert notice_images[0].image is not None and notice_images[0].image.size == (300, 100)
    review_images = [i for p in PdfReader(io.BytesIO(rendered["review"])).pages for i in p.images]
    assert review_images == []  # signed by hand on paper


def test_every_font_is_embedded(rendered: dict[str, bytes], tmp_path: Path) -> None:
    for kind, pdf in rendered.items():
        fonts = pdffonts(pdf, tmp_path)
        assert fonts, kind
        assert all(f["emb"] == "yes" for f in fonts), (kind, fonts)
        assert all(f["uni"] == "yes" for f in fonts), (kind, fonts)


def test_same_snapshot_gives_identical_bytes_also_after_a_json_round_trip(rendered: dict[str, bytes]) -> None:
    for kind, snap in SNAPSHOTS.items():
        again = render_document(snapshot_from_json(snapshot_to_json(snap)))
        assert hashlib.sha256(again).hexdigest() == hashlib.sha256(rendered[kind]).hexdigest(), kind


def test_creation_date_comes_from_the_snapshot(rendered: dict[str, bytes]) -> None:
    info = PdfReader(io.BytesIO(rendered["notice"])).metadata
    assert info is not None
    assert info["/CreationDate"] == "D:20260310112000+08'00'"
    assert info["/Title"] == "安全隐患整改通知书 白沙安改〔2026〕第015号"


def test_each_page_carries_the_short_code(rendered: dict[str, bytes], tmp_path: Path) -> None:
    for kind, snap in SNAPSHOTS.items():
        pages = PdfReader(io.BytesIO(rendered[kind])).pages
        for page in pages:
            assert f"核验码：{snap.header.short_code}" in page.extract_text(), kind
    assert qr_payload("N00015QX") == "anquan:N00015QX"


def test_rare_name_characters_print_with_a_font_that_has_them(tmp_path: Path) -> None:
    register_fonts()
    notice = SNAPSHOTS["notice"]
    assert isinstance(notice, NoticeContent)
    notice = replace(
        notice,
        place=replace(notice.place, name=RARE_NAMES, responsible_person="周赟"),
        refusal=Refusal(reason="不在场", witness="刘珺"),
    )
    pdf = render_document(notice)
    text = pdftotext(pdf, tmp_path)
    for char in RARE_NAMES.replace(" ", ""):
        assert char in text, char
    assert "𠮷野家" in text  # U+20BB7 extracts as itself, not as U+20BB
    drawn = list(drawn_characters(pdf))
    used_fonts = {}
    for char, font in drawn:
        assert has_glyph(font, char), (char, font)
        used_fonts.setdefault(char, set()).add(font)
    for char in RARE_NAMES.replace(" ", ""):
        assert char in used_fonts, char
    assert used_fonts["𠮷"] == {"AnquanSongExt"}
    assert all(f["emb"] == "yes" for f in pdffonts(pdf, tmp_path))


def test_batch_counts_pages_per_document(tmp_path: Path) -> None:
    docs: list[DocumentSnapshot] = [samples.sample_notice(serial=n) for n in (1, 2, 3)] + [SNAPSHOTS["review"]]
    pdf = render_documents(docs)
    reader = PdfReader(io.BytesIO(pdf))
    single = len(PdfReader(io.BytesIO(render_document(docs[0]))).pages)
    assert len(reader.pages) == 3 * single + 1
    footers = ["".join(p.extract_text().split()) for p in reader.pages]
    assert sum(f"共{single}页第1页" in f for f in footers) == 3
    assert "共1页第1页" in footers[-1] and "V9MC3R6T" in footers[-1]
    text = squeeze(pdftotext(pdf, tmp_path))
    for n in (1, 2, 3):
        assert f"白沙安改〔2026〕第{n:03d}号" in text


def test_write_document_returns_the_sha256_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "notice.pdf"
    digest = write_document(SNAPSHOTS["notice"], path)
    assert digest == hashlib.sha256(path.read_bytes()).hexdigest()
    assert path.read_bytes() == render_document(SNAPSHOTS["notice"])


def test_batch_needs_documents() -> None:
    with pytest.raises(ValueError):
        render_documents([])


def test_photo_from_a_file_path_and_a_missing_after_photo(tmp_path: Path) -> None:
    photo = tmp_path / "现场.jpg"
    photo.write_bytes(photo_jpeg("#88aa66", (640, 480)))
    base = SNAPSHOTS["photos"]
    assert isinstance(base, PhotoAppendix)
    pair = replace(base.pairs[0], before=PhotoImage(path=str(photo), caption="检查时"), after=None)
    pdf = render_document(replace(base, pairs=(pair,)))
    reader = PdfReader(io.BytesIO(pdf))
    assert len([i for p in reader.pages for i in p.images]) == 1
    assert "（无照片）" in squeeze(pdftotext(pdf, tmp_path))


@pytest.mark.parametrize(
    ("photo", "message"),
    [
        (PhotoImage(data_base64="bm90IGFuIGltYWdl"), "第1项整改前照片，内嵌图片数据"),
        (PhotoImage(data_base64="***"), "不是有效的 base64"),
        (PhotoImage(path="/nonexistent/现场.jpg"), "文件“/nonexistent/现场.jpg”"),
    ],
)
def test_unreadable_photo_fails_with_a_chinese_message(photo: PhotoImage, message: str) -> None:
    base = SNAPSHOTS["photos"]
    assert isinstance(base, PhotoAppendix)
    broken = replace(base, pairs=(replace(base.pairs[0], before=photo),))
    with pytest.raises(UserInputError, match=re.escape(message)):
        render_document(broken)


def test_major_hazard_is_marked(tmp_path: Path) -> None:
    notice = SNAPSHOTS["notice"]
    assert isinstance(notice, NoticeContent)
    major = replace(notice, hazards=(replace(notice.hazards[0], grade="重大"), *notice.hazards[1:]))
    assert "（重大事故隐患）" in squeeze(pdftotext(render_document(major), tmp_path))


# --- posture, drafts and line breaking (issue 14) -------------------------------------------------

_CLOSING = "，。、；：？！）》”"


def _legacy(snapshot: InspectionRecordContent) -> InspectionRecordContent:
    """The snapshot as stored before the posture was recorded (no posture, no separate date)."""
    return replace(snapshot, header=replace(snapshot.header, posture="legacy", dated=None))


def test_every_type_in_both_modes_states_its_posture(tmp_path: Path) -> None:
    sig = samples.sample_record().signature
    assert sig is not None
    township = {
        "record": samples.sample_record(), "notice": samples.sample_notice(), "review": samples.sample_review("township"),
    }
    authorised = {
        "record": samples.sample_record(posture="authorised"), "order": samples.sample_order(),
        "review": samples.sample_review("authorised"),
    }
    for kind, snap in township.items():
        text = squeeze(pdftotext(render_document(snap), tmp_path))
        assert text.startswith(samples.ISSUER), kind
        for claim in ("应急", "安全生产行政执法文书", "行政执法人员", "执法证号", "决定", "本机关"):
            assert claim not in text, (kind, claim)
        assert "工作证号" in text, kind
    for kind, snap in authorised.items():
        text = squeeze(pdftotext(render_document(snap), tmp_path))
        assert text.startswith("安全生产行政执法文书"), kind
        assert "应急" in text and "工作证号" not in text, kind
    review = squeeze(pdftotext(render_document(township["review"]), tmp_path))
    assert review.startswith(samples.ISSUER + "整改复查意见白沙复查〔2026〕第015号")
    assert "于2026年3月10日向你单位（场所）送达了《安全隐患整改通知书》（白沙安改〔2026〕第015号）" in review


def test_a_legacy_snapshot_keeps_the_wording_it_was_issued_with(tmp_path: Path) -> None:
    record = squeeze(pdftotext(render_document(_legacy(samples.sample_record(posture="authorised"))), tmp_path))
    assert record.startswith(samples.ISSUER + "现场检查记录")
    assert "我们是青溪县白沙镇人民政府行政执法人员张堃、李喆，证件号码为33010020230015、33010020230027" in record
    review = samples.sample_review()
    old = replace(review, header=replace(review.header, posture="legacy", dated=None))
    text = squeeze(pdftotext(render_document(old), tmp_path))
    assert "本机关于2026年3月10日作出了责令限期整改指令书的决定[（青）应急责改〔2026〕15号]" in text


def test_a_draft_has_a_watermark_and_no_number_or_code(tmp_path: Path) -> None:
    from anquan_desk.core.documents.snapshot import DRAFT_NUMBER
    from anquan_desk.io.pdf.render import render_draft

    notice = samples.sample_notice()
    draft = replace(notice, header=replace(notice.header, number=DRAFT_NUMBER, short_code=""))
    text = squeeze(pdftotext(render_draft(draft), tmp_path))
    assert DRAFT_NUMBER in text and "草稿：未签发，无编号，不得送达" in text
    assert "核验码" not in text and "白沙安改" not in text
    reader = PdfReader(io.BytesIO(render_draft(draft)))
    assert all("草" in (page.extract_text() or "") for page in reader.pages)  # the watermark on every page


def _punctuated_record(posture: str) -> InspectionRecordContent:
    """A record whose findings would put closing punctuation at line starts if broken anywhere."""
    findings = "".join(f"第{n}处{'堆' * (n % 7)}：消防通道{'杂物' * (n % 3)}，已告知（现场）。" for n in range(1, 40))
    snap = replace(samples.sample_record(posture="authorised"), findings=findings)
    return replace(snap, header=replace(snap.header, posture=posture))  # type: ignore[arg-type]


def _line_starts(pdf: bytes, tmp_path: Path) -> list[str]:
    return [line.strip()[:1] for line in pdftotext(pdf, tmp_path).splitlines() if line.strip()]


def test_no_line_starts_with_closing_punctuation(tmp_path: Path) -> None:
    strict = _line_starts(render_document(_punctuated_record("authorised")), tmp_path)
    assert strict and not [c for c in strict if c in _CLOSING]
    # the same text broken the old way (a legacy snapshot) does: the test would catch the fault
    legacy = _line_starts(render_document(_punctuated_record("legacy")), tmp_path)
    assert [c for c in legacy if c in _CLOSING]


def test_line_breaking_rules_leave_legacy_layout_byte_identical(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Chinese line-breaking rules apply to new documents only: a stored (legacy) snapshot is
    laid out exactly as reportlab broke it when it was issued."""
    from reportlab.platypus import paragraph

    from anquan_desk.io.pdf import kinsoku

    old = _punctuated_record("legacy")
    with_rules = render_document(old)
    monkeypatch.setattr(paragraph, "wordSplit", kinsoku._ORIGINAL_WORD_SPLIT)
    monkeypatch.setattr(paragraph, "cjkFragSplit", kinsoku._ORIGINAL_CJK_SPLIT)
    assert render_document(old) == with_rules
    assert render_document(_punctuated_record("authorised")) != with_rules


def test_a_notice_closes_up_its_lines_rather_than_send_its_seal_to_a_page_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GB/T 9704 7.3.5.5: when the space left cannot hold the signatures, seal and date, the line
    spacing is adjusted. A notice that plain spacing would end with only 特此通知, the signatures and
    the seal on page 2 is laid out closer and fits on one page; one that needs two pages anyway keeps
    the plain spacing; the choice never costs a page."""
    from anquan_desk.io.pdf import render

    base = samples.sample_notice()
    closed_up = kept = 0
    for count in range(1, 9):
        hazards = tuple(replace(base.hazards[i % len(base.hazards)], seq=i + 1) for i in range(count))
        snapshot = replace(base, hazards=hazards)
        pdf = render_document(snapshot)
        with monkeypatch.context() as m:
            m.setattr(render, "_may_close_up", lambda _snapshot: False)
            plain = render_document(snapshot)
        pages, plain_pages = len(PdfReader(io.BytesIO(pdf)).pages), len(PdfReader(io.BytesIO(plain)).pages)
        assert pages <= plain_pages, count
        # a batch (trial layouts) decides as one document does (its real layouts)
        assert render._fits_tighter(snapshot) == (pages < plain_pages), count
        if pages < plain_pages:
            closed_up += 1
            first = squeeze(PdfReader(io.BytesIO(pdf)).pages[0].extract_text())
            # closed up, the seal and date are the third column of the signatures' row
            assert "发文机关（印章）" in first and "特此通知" in first, count
            assert squeeze(base.header.issuer) in first.split("发文机关（印章）", 1)[1], count
            assert all(squeeze(h.description)[:8] in first for h in hazards), count
        elif pdf != plain:
            raise AssertionError(f"{count} hazards: laid out closer without saving a page")
        else:
            kept += 1
    assert closed_up and kept  # both cases were met


def test_two_hazards_with_long_legal_bases_and_a_signature_fit_one_page() -> None:
    """Issue 14 §6 ("two hazards leave a third of page 1 blank"), as a township notice from a 烧烤店 check
    came out: two hazards whose bases cite two laws each, a three-law consequence paragraph, the
    responsible person's signature. Closed up, it is one page with the signatures and the seal."""
    base = samples.sample_notice(signature_png())
    hazards = (
        HazardEntry(seq=1, code="YH2026-BYCZ-0001", description="后门安全出口堆放啤酒箱", location="后门安全出口",
                    basis="《中华人民共和国消防法》第二十八条；《中华人民共和国安全生产法》第四十二条第二款",
                    requirement="立即清除堆放物品，打开锁闭的安全出口，营业期间保持畅通", deadline=None),
        HazardEntry(seq=2, code="YH2026-BYCZ-0002", description="液化气钢瓶紧贴灶台放置，距离不足1米", location="后厨",
                    basis="《城镇燃气管理条例》第二十七条第一款、第二十八条第（五）项",
                    requirement="调整钢瓶位置，直立放置，与灶具保持不小于1米的距离，空实瓶分开",
                    deadline=base.header.document_date + timedelta(days=7)),
    )
    consequence = (
        "逾期未整改或者整改不符合要求的，将依照《中华人民共和国消防法》第六十条第一款第（三）项、《中华人民共和国安全生产法》"
        "第一百零五条第（二）项、《城镇燃气管理条例》第四十九条第一款第（五）项等规定，移交有关部门依法查处。"
        "上表第2项隐患属燃气管理部门职责范围，将抄告燃气管理部门依法处理。"
    )
    pdf = render_document(replace(base, hazards=hazards, legal_consequence=consequence))
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) == 1
    text = squeeze(pages[0].extract_text())
    assert "特此通知" in text and "被检查单位负责人（签收）" in text and "发文机关（印章）" in text
    assert squeeze(base.header.issuer) in text.split("发文机关（印章）", 1)[1]
