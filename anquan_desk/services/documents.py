"""Issuing the printed documents: snapshot from the database, number, PDF, stored and frozen.

An issued document is frozen: its content snapshot (with photo and signature bytes embedded as
base64, so it never depends on files) and the sha256 of its PDF are stored in ``Document``.
``reprint`` renders the stored snapshot again and proves the bytes are identical. A mistake is
put right by ``correct_document`` (a new document, new number, built again from the current
records; the old one becomes 已更正) or ``void_document`` (已作废; its number stays recorded).

``verify_pdf`` tells whether a PDF file is a document issued from this database and unchanged.
"""

from __future__ import annotations

import hashlib
import io
import re
import secrets
import warnings
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import zip_longest
from pathlib import Path
from typing import Literal

from PIL import Image, ImageOps
from sqlalchemy import select
from sqlalchemy.orm import Session

from anquan_desk.core import attachments as att
from anquan_desk.core import settings
from anquan_desk.core.audit import record_event
from anquan_desk.core.clock import local_to_utc, to_local
from anquan_desk.core.device import this_device
from anquan_desk.core.documents import texts
from anquan_desk.core.documents.snapshot import (
    DOC_TITLES,
    AppealInfo,
    ChecklistSummary,
    DocType,
    DocumentHeader,
    DocumentSnapshot,
    HazardEntry,
    InspectionRecordContent,
    InspectorInfo,
    NoticeContent,
    PhotoAppendix,
    PhotoImage,
    PhotoPair,
    PlaceInfo,
    Refusal,
    ReviewContent,
    ReviewOutcome,
    Signature,
    encode_image,
    snapshot_from_dict,
    snapshot_to_dict,
)
from anquan_desk.core.errors import AnquanError, NotFoundError, UserInputError
from anquan_desk.core.models import (
    AttachmentLink,
    Document,
    Hazard,
    Inspection,
    IssuedNumber,
    ItemResult,
    Place,
    Reinspection,
    ReinspectionResult,
    Township,
)
from anquan_desk.core.vocabulary import DocumentStatus, DocumentType, InspectionStatus, ItemOutcome
from anquan_desk.io.pdf.render import render_document, render_documents
from anquan_desk.services.numbering import allocate_number, township_or_fail, void_number

# Letters and digits that cannot be misread on paper (as the device short code).
SHORT_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
SHORT_CODE_LENGTH = 8
PHOTO_EDGE = 1200  # px on the long edge of a photo in a document: ~380 dpi in the 80 mm box
PHOTO_QUALITY = 80

DB_TYPE: dict[DocType, str] = {
    "record": DocumentType.RECORD.value,
    "notice": DocumentType.NOTICE.value,
    "order": DocumentType.ORDER.value,
    "review": DocumentType.REVIEW.value,
    "photos": DocumentType.PHOTOS.value,
}
SNAPSHOT_TYPE: dict[str, DocType] = {v: k for k, v in DB_TYPE.items()}


class DocumentIntegrityError(AnquanError):
    """A stored document no longer renders to the PDF that was issued."""


@dataclass(frozen=True)
class IssueContext:
    """Who issues where and when (defaults: this laptop, now)."""

    device_id: str
    issued_at: datetime  # local time, no zone, whole seconds


def _context(device_id: str | None, issued_at: datetime | None) -> IssueContext:
    moment = issued_at if issued_at is not None else datetime.now()
    if moment.tzinfo is not None:
        moment = to_local(moment).replace(tzinfo=None)
    return IssueContext(device_id or this_device().id, moment.replace(microsecond=0))


def _local(moment: datetime) -> datetime:
    return to_local(moment).replace(tzinfo=None, microsecond=0)


# --- settings -------------------------------------------------------------------------------------


def county_of(township: Township) -> str:
    """The county (district) above the township, from settings or the issuer's name."""
    county = settings.township_get(township, settings.COUNTY).strip()
    if county:
        return county
    match = re.match(r"^(.+?(?:自治县|县|区|市|旗))", township.issuer or "")
    return match.group(1) if match and match.group(1) != township.issuer else ""


def appeal_info(township: Township) -> AppealInfo:
    """复议机关 and 法院 for orders: the township's RECONSIDERATION_BODIES / COURT settings,
    by default the county's 人民政府 and 人民法院."""
    county = county_of(township) or "本县（区）"
    bodies = settings.township_get(township, settings.RECONSIDERATION_BODIES)
    if isinstance(bodies, str):
        bodies = [bodies]
    if not bodies:
        bodies = [f"{county}人民政府"]
    court = settings.township_get(township, settings.COURT) or f"{county}人民法院"
    return AppealInfo(tuple(str(b) for b in bodies), court)


def notice_type(township: Township) -> DocType:
    """责令限期整改指令书 where the township is authorised to enforce, else its own notice."""
    return "order" if township.enforcement_authorised else "notice"


# --- snapshot parts -------------------------------------------------------------------------------


def _place_info(place: Place) -> PlaceInfo:
    return PlaceInfo(
        name=place.name,
        address=place.address,
        credit_code=place.credit_code or "",
        responsible_person=place.responsible_person,
        title=place.responsible_title,
        phone=place.phone,
    )


def _inspectors(inspection: Inspection) -> tuple[InspectorInfo, ...]:
    return tuple(InspectorInfo(p.name, p.cert_no) for p in inspection.participants)


def _hazard_entries(inspection: Inspection) -> tuple[HazardEntry, ...]:
    day = _local(inspection.started_at).date()
    return tuple(
        HazardEntry(
            seq=n,
            code=h.code,
            description=h.description,
            location=h.location,
            basis=h.basis,
            requirement=h.requirement,
            # 立即整改 is stored as "due the day of the check".
            deadline=h.deadline if h.deadline is not None and h.deadline > day else None,
            grade="重大" if h.grade == "重大" else "一般",
        )
        for n, h in enumerate(sorted(inspection.hazards, key=lambda x: (x.seq, x.code)), start=1)
    )


def _signature(
    session: Session, store: att.AttachmentStore, inspection: Inspection
) -> tuple[Signature | None, Refusal | None]:
    if inspection.signature_refused:
        return None, Refusal(inspection.refusal_reason, inspection.refusal_witness)
    png: str | None = None
    for link in att.attachments_of(session, "inspection", inspection.id, "signature"):
        if inspection.signature_sha256 in (None, link.attachment.sha256):
            png = encode_image(store.read(link.attachment))
    return Signature(inspection.signer_name or inspection.place.responsible_person, png), None


def _document_image(data: bytes) -> str:
    """A photo reduced for print, deterministically (same input, same bytes), as base64."""
    with Image.open(io.BytesIO(data)) as opened:
        image = ImageOps.exif_transpose(opened)
        image.load()
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    if max(image.size) > PHOTO_EDGE:
        image.thumbnail((PHOTO_EDGE, PHOTO_EDGE), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=PHOTO_QUALITY)
    return encode_image(buf.getvalue())


def _photo(store: att.AttachmentStore, link: AttachmentLink | None, caption: str) -> PhotoImage | None:
    if link is None:
        return None
    try:
        data = store.read(link.attachment)
    except OSError as exc:
        raise UserInputError(f"照片文件缺失，无法出具文书：{link.attachment.original_name or link.attachment.sha256}") from exc
    return PhotoImage(data_base64=_document_image(data), caption=link.caption or caption)


def _finished_inspection(session: Session, inspection_id: str) -> Inspection:
    inspection = session.get(Inspection, inspection_id)
    if inspection is None:
        raise NotFoundError(f"检查记录 {inspection_id} 不存在。")
    if inspection.status != InspectionStatus.FINISHED.value or inspection.ended_at is None:
        raise UserInputError("只有已完成的检查才能出具文书，请先完成检查（签字或记录拒签）。")
    return inspection


def _finished_reinspection(session: Session, reinspection_id: str) -> Reinspection:
    reinspection = session.get(Reinspection, reinspection_id)
    if reinspection is None:
        raise NotFoundError(f"复查记录 {reinspection_id} 不存在。")
    if not reinspection.finished:
        raise UserInputError("只有已完成的复查才能出具整改复查意见书。")
    if not reinspection.results:
        raise UserInputError("该复查没有复查的隐患，不能出具整改复查意见书。")
    return reinspection


def current_document(
    session: Session,
    doc_type: DocType,
    *,
    inspection_id: str | None = None,
    reinspection_id: str | None = None,
    attached_to: str | None = None,
) -> Document | None:
    """The valid (已签发) document of this type for an inspection / re-inspection, if issued."""
    stmt = select(Document).where(
        Document.doc_type == DB_TYPE[doc_type], Document.status == DocumentStatus.ISSUED.value
    )
    if inspection_id is not None:
        stmt = stmt.where(Document.inspection_id == inspection_id)
    if reinspection_id is not None:
        stmt = stmt.where(Document.reinspection_id == reinspection_id)
    docs = list(session.scalars(stmt.order_by(Document.issued_at.desc(), Document.number.desc())))
    if attached_to is not None:
        docs = [d for d in docs if d.content.get("content", {}).get("attached_to") == attached_to]
    return docs[0] if docs else None


# --- snapshot builders ------------------------------------------------------------------------------


def _header(township: Township, doc_type: DocType, number: str, short_code: str, ctx: IssueContext) -> DocumentHeader:
    return DocumentHeader(
        doc_type=doc_type,
        number=number,
        issuer=township.issuer or f"{township.name}人民政府",
        township=township.name,
        issued_at=ctx.issued_at,
        short_code=short_code,
    )


def build_record(
    session: Session, store: att.AttachmentStore, inspection: Inspection, header: DocumentHeader
) -> InspectionRecordContent:
    checklists = []
    results = {r.item_id: r.outcome for r in session.scalars(
        select(ItemResult).where(ItemResult.inspection_id == inspection.id)
    )}
    for link in inspection.templates:
        items = [i.id for i in link.template.items]
        answered = [results[i] for i in items if i in results and results[i] != ItemOutcome.NOT_APPLICABLE.value]
        failed = sum(1 for o in answered if o == ItemOutcome.FAIL.value)
        checklists.append(ChecklistSummary(link.template.name, len(answered), failed))
    hazards = _hazard_entries(inspection)
    findings = inspection.findings.strip()
    if not findings:
        findings = (
            f"经现场检查，发现安全隐患 {len(hazards)} 项，详见下表。" if hazards else "经现场检查，未发现安全隐患。"
        )
    signature, refusal = _signature(session, store, inspection)
    assert inspection.ended_at is not None
    return InspectionRecordContent(
        header=header,
        place=_place_info(inspection.place),
        started_at=_local(inspection.started_at),
        ended_at=max(_local(inspection.ended_at), _local(inspection.started_at)),
        inspectors=_inspectors(inspection),
        check_site=inspection.location,
        accompanying_person=inspection.accompanying_person,
        method=inspection.method,
        checklists=tuple(sorted(checklists, key=lambda c: c.name)),
        findings=findings,
        hazards=hazards,
        signature=signature,
        refusal=refusal,
    )


def build_notice(
    session: Session, store: att.AttachmentStore, inspection: Inspection, township: Township, header: DocumentHeader
) -> NoticeContent:
    hazards = _hazard_entries(inspection)
    if not hazards:
        raise UserInputError("本次检查未发现隐患，无需出具整改通知书（指令书）。")
    record = current_document(session, "record", inspection_id=inspection.id)
    signature, refusal = _signature(session, store, inspection)
    is_order = header.doc_type == "order"
    return NoticeContent(
        header=header,
        place=_place_info(inspection.place),
        inspected_at=_local(inspection.started_at),
        inspectors=_inspectors(inspection),
        hazards=hazards,
        legal_consequence=texts.ORDER_LEGAL_CONSEQUENCE if is_order else texts.NOTICE_LEGAL_CONSEQUENCE,
        record_number=record.number if record is not None else "",
        appeal=appeal_info(township) if is_order else None,
        signature=signature,
        refusal=refusal,
    )


def _review_hazards(reinspection: Reinspection) -> list[tuple[Hazard, str, str, date | None]]:
    rows = [(r.hazard, r.outcome, r.note, r.new_deadline) for r in reinspection.results]
    return sorted(rows, key=lambda row: row[0].code)


def build_review(session: Session, reinspection: Reinspection, header: DocumentHeader) -> ReviewContent:
    rows = _review_hazards(reinspection)
    first_inspection = rows[0][0].inspection
    original = current_document(session, "order", inspection_id=first_inspection.id) or current_document(
        session, "notice", inspection_id=first_inspection.id
    )
    if original is not None:
        title, number, when = DOC_TITLES[SNAPSHOT_TYPE[original.doc_type]], original.number, _local(original.issued_at)
    else:
        # The rectification was demanded on paper or before this program: no number to cite.
        title = DOC_TITLES[notice_type(township_or_fail(session))]
        number = "无文号"
        when = _local(first_inspection.started_at)
    outcomes = tuple(
        ReviewOutcome(
            seq=n,
            description=f"【{h.location}】{h.description}" if h.location else h.description,
            result=outcome if outcome in ("已整改", "部分整改", "未整改") else "未整改",  # type: ignore[arg-type]
            note=note,
            new_deadline=new_deadline if outcome != "已整改" else None,
        )
        for n, (h, outcome, note, new_deadline) in enumerate(rows, start=1)
    )
    inspectors = tuple(
        InspectorInfo(str(i.get("name", "")), str(i.get("cert_no", "")))
        for i in reinspection.inspectors
        if isinstance(i, dict)
    )
    place = session.get(Place, reinspection.place_id)
    assert place is not None
    return ReviewContent(
        header=header,
        place=_place_info(place),
        original_title=title,
        original_number=number,
        original_date=when.date(),
        reviewed_at=_local(reinspection.inspected_at),
        inspectors=inspectors,
        outcomes=outcomes,
        opinion=reinspection.opinion,
        signature=Signature(reinspection.signer_name or place.responsible_person, None),
    )


def build_photos(
    session: Session, store: att.AttachmentStore, parent: Document, header: DocumentHeader
) -> PhotoAppendix:
    """Before/after pairs: a record's hazard photos, or a review's before and after photos."""
    pairs: list[PhotoPair] = []
    if parent.reinspection_id is not None:
        reinspection = session.get(Reinspection, parent.reinspection_id)
        assert reinspection is not None
        for n, (hazard, _outcome, _note, _d) in enumerate(_review_hazards(reinspection), start=1):
            before = att.attachments_of(session, "hazard", hazard.id, "photo")
            after = att.attachments_of(session, "hazard", hazard.id, "after")
            for b, a in zip_longest(before, after) or [(None, None)]:
                pairs.append(PhotoPair(n, hazard.description, _photo(store, b, "整改前"), _photo(store, a, "整改后")))
    else:
        assert parent.inspection_id is not None
        inspection = session.get(Inspection, parent.inspection_id)
        assert inspection is not None
        hazards = sorted(inspection.hazards, key=lambda x: (x.seq, x.code))
        for n, hazard in enumerate(hazards, start=1):
            for link in att.attachments_of(session, "hazard", hazard.id, "photo"):
                pairs.append(PhotoPair(n, hazard.description, _photo(store, link, hazard.location or "现场")))
        for link in att.attachments_of(session, "inspection", inspection.id, "photo"):
            pairs.append(PhotoPair(0, "现场照片", _photo(store, link, inspection.location or "现场")))
    if not pairs:
        raise UserInputError("没有可附的照片。")
    content = parent.content.get("content", {})
    return PhotoAppendix(
        header=header, place=PlaceInfo.from_dict(content["place"]), attached_to=parent.number, pairs=tuple(pairs)
    )


# --- issue ----------------------------------------------------------------------------------------


def _short_code(session: Session) -> str:
    while True:
        code = "".join(secrets.choice(SHORT_CODE_ALPHABET) for _ in range(SHORT_CODE_LENGTH))
        if session.scalar(select(Document.id).where(Document.short_code == code)) is None:
            return code


def _render(snapshot: DocumentSnapshot) -> tuple[dict[str, object], bytes]:
    """The stored form and its PDF, rendered from exactly what is stored."""
    stored = snapshot_to_dict(snapshot)
    return stored, render_document(snapshot_from_dict(stored))


def _store(
    session: Session,
    snapshot: DocumentSnapshot,
    *,
    place_id: str,
    inspection_id: str | None,
    reinspection_id: str | None,
    number_row: IssuedNumber | None,
    supersedes: Document | None = None,
) -> tuple[Document, bytes]:
    content, pdf = _render(snapshot)
    header = snapshot.header
    document = Document(
        doc_type=DB_TYPE[header.doc_type],
        number=header.number,
        short_code=header.short_code,
        status=DocumentStatus.ISSUED.value,
        place_id=place_id,
        inspection_id=inspection_id,
        reinspection_id=reinspection_id,
        issued_at=local_to_utc(header.issued_at),
        content=content,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        supersedes_id=supersedes.id if supersedes is not None else None,
    )
    session.add(document)
    session.flush()
    if number_row is not None:
        number_row.document_id = document.id
    if supersedes is not None:
        supersedes.status = DocumentStatus.SUPERSEDED.value
    session.flush()
    record_event(
        session, "issue", "documents", document.id, number=document.number, doc_type=document.doc_type,
        sha256=document.pdf_sha256, supersedes=document.supersedes_id,
    )
    return document, pdf


def _issue_for_inspection(
    session: Session,
    store: att.AttachmentStore,
    inspection: Inspection,
    doc_type: DocType,
    ctx: IssueContext,
    supersedes: Document | None = None,
) -> tuple[Document, bytes]:
    township = township_or_fail(session)
    if supersedes is None and current_document(session, doc_type, inspection_id=inspection.id) is not None:
        raise UserInputError(f"本次检查已出具{DOC_TITLES[doc_type]}；如需再次打印请重印，内容有误请更正。")
    allocated = allocate_number(session, township, doc_type, ctx.issued_at.year, ctx.device_id)
    header = _header(township, doc_type, allocated.number, _short_code(session), ctx)
    snapshot: DocumentSnapshot
    if doc_type == "record":
        snapshot = build_record(session, store, inspection, header)
    else:
        snapshot = build_notice(session, store, inspection, township, header)
    return _store(
        session, snapshot, place_id=inspection.place_id, inspection_id=inspection.id, reinspection_id=None,
        number_row=allocated.row, supersedes=supersedes,
    )


def issue_record(
    session: Session,
    store: att.AttachmentStore,
    inspection_id: str,
    *,
    device_id: str | None = None,
    issued_at: datetime | None = None,
) -> tuple[Document, bytes]:
    """现场检查记录 of a finished inspection."""
    inspection = _finished_inspection(session, inspection_id)
    return _issue_for_inspection(session, store, inspection, "record", _context(device_id, issued_at))


def issue_notice(
    session: Session,
    store: att.AttachmentStore,
    inspection_id: str,
    *,
    device_id: str | None = None,
    issued_at: datetime | None = None,
) -> tuple[Document, bytes]:
    """安全隐患整改通知书, or 责令限期整改指令书 where the township is authorised to enforce."""
    inspection = _finished_inspection(session, inspection_id)
    doc_type = notice_type(township_or_fail(session))
    return _issue_for_inspection(session, store, inspection, doc_type, _context(device_id, issued_at))


def _issue_review(
    session: Session, reinspection: Reinspection, ctx: IssueContext, supersedes: Document | None = None
) -> tuple[Document, bytes]:
    township = township_or_fail(session)
    if supersedes is None and current_document(session, "review", reinspection_id=reinspection.id) is not None:
        raise UserInputError("本次复查已出具整改复查意见书；如需再次打印请重印，内容有误请更正。")
    allocated = allocate_number(session, township, "review", ctx.issued_at.year, ctx.device_id)
    header = _header(township, "review", allocated.number, _short_code(session), ctx)
    snapshot = build_review(session, reinspection, header)
    first = _review_hazards(reinspection)[0][0]
    return _store(
        session, snapshot, place_id=reinspection.place_id, inspection_id=first.inspection_id,
        reinspection_id=reinspection.id, number_row=allocated.row, supersedes=supersedes,
    )


def issue_review(
    session: Session,
    store: att.AttachmentStore,
    reinspection_id: str,
    *,
    device_id: str | None = None,
    issued_at: datetime | None = None,
) -> tuple[Document, bytes]:
    """整改复查意见书 of a finished re-inspection (``store`` kept for a uniform signature)."""
    del store
    return _issue_review(session, _finished_reinspection(session, reinspection_id), _context(device_id, issued_at))


def _photo_number(session: Session, parent: Document) -> str:
    base = f"{parent.number}照片附页"
    number, n = base, 1
    while session.scalar(select(Document.id).where(Document.number == number)) is not None:
        n += 1
        number = f"{base}{n}"
    return number


def issue_photos(
    session: Session,
    store: att.AttachmentStore,
    document_id: str,
    *,
    issued_at: datetime | None = None,
    supersedes: Document | None = None,
) -> tuple[Document, bytes]:
    """照片附页 of an issued 现场检查记录 (hazard photos) or 整改复查意见书 (before/after pairs)."""
    parent = session.get(Document, document_id)
    if parent is None:
        raise NotFoundError("文书不存在。")
    if parent.doc_type not in (DocumentType.RECORD.value, DocumentType.REVIEW.value):
        raise UserInputError("照片附页只能附于现场检查记录或整改复查意见书。")
    if parent.status != DocumentStatus.ISSUED.value:
        raise UserInputError(f"文书 {parent.number} 状态为{parent.status}，不能再附照片。")
    if supersedes is None and current_document(session, "photos", attached_to=parent.number) is not None:
        raise UserInputError(f"文书 {parent.number} 已有照片附页；如需再次打印请重印。")
    township = township_or_fail(session)
    ctx = _context("", issued_at)
    header = _header(township, "photos", _photo_number(session, parent), _short_code(session), ctx)
    snapshot = build_photos(session, store, parent, header)
    return _store(
        session, snapshot, place_id=parent.place_id, inspection_id=parent.inspection_id,
        reinspection_id=parent.reinspection_id, number_row=None, supersedes=supersedes,
    )


def issue_or_reprint(
    session: Session,
    store: att.AttachmentStore,
    doc_type: DocType,
    *,
    inspection_id: str | None = None,
    reinspection_id: str | None = None,
) -> tuple[Document, bytes, bool]:
    """The valid document of this kind: reprinted if already issued, else issued now.
    Returns (document, pdf, newly issued?). ``photos`` is the appendix of the 现场检查记录
    (``inspection_id``) or of the 整改复查意见书 (``reinspection_id``), issuing that first if needed."""
    if doc_type == "photos":
        parent_type: DocType = "review" if reinspection_id is not None else "record"
        parent, _pdf, _new = issue_or_reprint(
            session, store, parent_type, inspection_id=inspection_id, reinspection_id=reinspection_id
        )
        existing = current_document(session, "photos", attached_to=parent.number)
        if existing is not None:
            return existing, reprint(session, existing.id), False
        document, pdf = issue_photos(session, store, parent.id)
        return document, pdf, True
    if doc_type == "review":
        if reinspection_id is None:
            raise UserInputError("请指定复查记录。")
        existing = current_document(session, "review", reinspection_id=reinspection_id)
        if existing is not None:
            return existing, reprint(session, existing.id), False
        document, pdf = issue_review(session, store, reinspection_id)
        return document, pdf, True
    if inspection_id is None:
        raise UserInputError("请指定检查记录。")
    if doc_type in ("notice", "order"):
        wanted = notice_type(township_or_fail(session))
        if doc_type != wanted:
            raise UserInputError(
                f"本乡镇{'已' if wanted == 'order' else '未'}获执法授权，出具的是{DOC_TITLES[wanted]}。"
            )
    existing = current_document(session, doc_type, inspection_id=inspection_id)
    if existing is not None:
        return existing, reprint(session, existing.id), False
    issue = issue_record if doc_type == "record" else issue_notice
    document, pdf = issue(session, store, inspection_id)
    return document, pdf, True


def latest_reinspection_of(session: Session, inspection_id: str) -> str | None:
    """The latest finished 复查 that covered a hazard of this inspection."""
    return session.scalars(
        select(Reinspection.id)
        .join(ReinspectionResult, ReinspectionResult.reinspection_id == Reinspection.id)
        .join(Hazard, Hazard.id == ReinspectionResult.hazard_id)
        .where(Hazard.inspection_id == inspection_id, Reinspection.finished.is_(True))
        .order_by(Reinspection.inspected_at.desc())
    ).first()


# --- after issue ------------------------------------------------------------------------------------


def _document(session: Session, document_id: str) -> Document:
    document = session.get(Document, document_id)
    if document is None:
        raise NotFoundError(f"文书 {document_id} 不存在。")
    return document


def snapshot_of(document: Document) -> DocumentSnapshot:
    return snapshot_from_dict(document.content)


def reprint(session: Session, document_id: str) -> bytes:
    """The issued PDF again, rendered from the stored snapshot; byte-identical or an error."""
    document = _document(session, document_id)
    pdf = render_document(snapshot_of(document))
    if hashlib.sha256(pdf).hexdigest() != document.pdf_sha256:
        raise DocumentIntegrityError(
            f"文书 {document.number} 重新生成的文件与签发时不一致（校验值不符），请联系管理员检查数据。"
        )
    record_event(session, "reprint", "documents", document.id, number=document.number)
    return pdf


def _store_for(session: Session) -> att.AttachmentStore:
    """The attachment store next to a SQLite database (as ``Database.attachments_dir``)."""
    from anquan_desk.core.db import default_data_dir, sqlite_path

    bind = session.get_bind()
    path = sqlite_path(str(bind.engine.url))
    root = path.parent / f"{path.stem}-attachments" if path is not None else default_data_dir() / "server-attachments"
    return att.AttachmentStore(root)


def correct_document(
    session: Session,
    document_id: str,
    reason: str,
    *,
    store: att.AttachmentStore | None = None,
    device_id: str | None = None,
    issued_at: datetime | None = None,
) -> tuple[Document, bytes]:
    """Issue the document again from the current records, with a new number; the old one
    becomes 已更正 and the new one points to it (``supersedes_id``)."""
    old = _document(session, document_id)
    if not reason.strip():
        raise UserInputError("更正文书须说明原因。")
    if old.status != DocumentStatus.ISSUED.value:
        raise UserInputError(f"文书 {old.number} 状态为{old.status}，不能更正。")
    store = store or _store_for(session)
    ctx = _context(device_id, issued_at)
    doc_type = SNAPSHOT_TYPE[old.doc_type]
    if doc_type == "photos":
        parent_number = old.content["content"]["attached_to"]
        parent = session.scalar(select(Document).where(Document.number == parent_number))
        if parent is None or parent.status != DocumentStatus.ISSUED.value:
            raise UserInputError("照片附页所附的文书已更正或作废，请先为新文书出具照片附页。")
        new, pdf = issue_photos(session, store, parent.id, issued_at=ctx.issued_at, supersedes=old)
    elif doc_type == "review":
        assert old.reinspection_id is not None
        new, pdf = _issue_review(session, _finished_reinspection(session, old.reinspection_id), ctx, old)
    else:
        assert old.inspection_id is not None
        inspection = _finished_inspection(session, old.inspection_id)
        new, pdf = _issue_for_inspection(session, store, inspection, doc_type, ctx, old)
    record_event(session, "correct", "documents", old.id, reason=reason.strip(), new_number=new.number)
    return new, pdf


def void_document(session: Session, document_id: str, reason: str) -> Document:
    """Mark a document 已作废; its number stays recorded (voided) and is never given again."""
    document = _document(session, document_id)
    if not reason.strip():
        raise UserInputError("作废文书须说明原因。")
    if document.status == DocumentStatus.VOID.value:
        raise UserInputError(f"文书 {document.number} 已作废。")
    document.status = DocumentStatus.VOID.value
    void_number(session, document.number, reason.strip())
    session.flush()
    record_event(session, "void", "documents", document.id, number=document.number, reason=reason.strip())
    return document


# --- batch -----------------------------------------------------------------------------------------


def documents_issued_on(session: Session, day: date, *, include_invalid: bool = False) -> list[Document]:
    """Documents issued on a local calendar day, in issue order (valid ones unless asked)."""
    start = local_to_utc(datetime.combine(day, time(0, 0)))
    end = local_to_utc(datetime.combine(day + timedelta(days=1), time(0, 0)))
    stmt = select(Document).where(Document.issued_at >= start, Document.issued_at < end)
    if not include_invalid:
        stmt = stmt.where(Document.status == DocumentStatus.ISSUED.value)
    return list(session.scalars(stmt.order_by(Document.issued_at, Document.number)))


def render_batch(session: Session, documents: list[Document]) -> bytes:
    """One PDF with the given documents (each from its stored snapshot, own page count)."""
    if not documents:
        raise UserInputError("没有可打印的文书。")
    return render_documents([snapshot_of(d) for d in documents])


# --- verify ----------------------------------------------------------------------------------------

VerifyKind = Literal["ok", "superseded", "void", "tampered", "batch", "foreign"]
_CODE_RE = re.compile(r"核验码[:：]\s*([" + SHORT_CODE_ALPHABET + r"]{" + str(SHORT_CODE_LENGTH) + r"})")


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    kind: VerifyKind
    message: str
    number: str = ""
    status: str = ""
    short_code: str = ""


def _codes_in_pdf(data: bytes) -> list[str]:
    """Short codes printed in the footer (or kept in the metadata) of a PDF; [] if unreadable."""
    try:
        from pypdf import PdfReader

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data))
            codes: list[str] = []
            metadata = reader.metadata
            subject = metadata.get("/Subject") if metadata is not None else None
            if isinstance(subject, str) and len(subject) == SHORT_CODE_LENGTH:
                codes.append(subject)
            for page in reader.pages[:60]:
                codes += _CODE_RE.findall(page.extract_text() or "")
    except Exception:  # any unreadable file simply is not ours
        return []
    return list(dict.fromkeys(codes))


def verify_pdf(session: Session, pdf_bytes: bytes) -> VerifyResult:
    """Is this PDF a document issued from this database, unchanged?"""
    digest = hashlib.sha256(pdf_bytes).hexdigest()
    document = session.scalar(select(Document).where(Document.pdf_sha256 == digest))
    if document is not None:
        title = DOC_TITLES[SNAPSHOT_TYPE[document.doc_type]]
        base = dict(number=document.number, status=document.status, short_code=document.short_code)
        if document.status == DocumentStatus.ISSUED.value:
            return VerifyResult(True, "ok", f"核验通过：{title} {document.number}，本系统签发，内容未改动。", **base)
        if document.status == DocumentStatus.SUPERSEDED.value:
            newer = session.scalar(select(Document).where(Document.supersedes_id == document.id))
            by = f"，已由 {newer.number} 取代" if newer is not None else ""
            return VerifyResult(
                False, "superseded", f"文书 {document.number} 是本系统签发的原件，但已更正{by}，不再有效。", **base
            )
        reason = session.scalar(select(IssuedNumber.void_reason).where(IssuedNumber.number == document.number))
        why = f"（原因：{reason}）" if reason else ""
        return VerifyResult(False, "void", f"文书 {document.number} 是本系统签发的原件，但已作废{why}，不再有效。", **base)
    codes = _codes_in_pdf(pdf_bytes)
    known = list(session.scalars(select(Document.number).where(Document.short_code.in_(codes)))) if codes else []
    if len(known) > 1:
        return VerifyResult(
            False, "batch",
            f"这是 {len(known)} 份文书的合并打印件，不能整体核验；请分别核验单份文书的 PDF 文件。",
        )
    for code in codes:
        document = session.scalar(select(Document).where(Document.short_code == code))
        if document is not None:
            return VerifyResult(
                False, "tampered",
                f"文书 {document.number} 的内容被改动：该文件与本系统签发时的文件不一致（核验码 {code}）。",
                number=document.number, status=document.status, short_code=code,
            )
    return VerifyResult(False, "foreign", "不是本系统签发的文书：在本数据库中找不到与该文件对应的文书。")


def verify_file(session: Session, path: Path) -> VerifyResult:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserInputError(f"无法读取文件“{path}”：{exc.strerror or exc}") from exc
    return verify_pdf(session, data)
