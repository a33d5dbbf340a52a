"""Issuing the printed documents: snapshot from the database, number, PDF, stored and frozen.

An issued document is frozen: its content snapshot (with photo and signature bytes embedded as
base64, so it never depends on files) and the sha256 of its PDF are stored in ``Document``.
``reprint`` renders the stored snapshot again and proves the bytes are identical. A mistake is
put right by ``correct_document`` (a new document, new number, built again from the current
records; the old one becomes 已更正) or ``void_document`` (已作废; its number stays recorded).

``verify_pdf`` tells whether a PDF file is a document issued from this database and unchanged.

Posture and dates
-----------------
Every snapshot records the township's posture (``DocumentHeader.posture``: its own work documents,
or the 2017 执法文书式样 where it is authorised to enforce) and the date the document bears
(``DocumentHeader.dated``), fixed on issue and kept on every reprint. A 现场检查记录 bears the day
of the check; any other document the day it is served: today for an act of today, else the
``served_on`` date the caller must give (:class:`ServiceDateNeeded` otherwise), between the act
and today. No deadline may precede that date (refused, naming the hazards) and a 复查意见 never
cites a document dated after it. :func:`preview_document` draws the draft of a document not issued
yet (watermark 草稿, no number) without writing anything.

Issuing in three steps
----------------------
Issuing is split so that the slow part — reducing the photos and drawing the PDF with reportlab —
runs outside any write transaction:

1. **plan** (:func:`plan_inspection_document`, :func:`plan_review`, :func:`plan_photos`): check
   that the document may be issued and take its number (:class:`IssuePlan`);
2. **build and render** (:func:`build_snapshot`, then the PDF): reads only;
3. **store** (:func:`store_issued`): the document with its number, frozen snapshot and PDF
   sha256, in one short unit of work.

The session-level functions (``issue_notice(session, …)`` …) run the three steps in one
transaction, as before. The entry points for screens and the command line
(:func:`obtain_document`, :func:`correct_issued`) commit the plan in a short unit of its own,
build and render with no write transaction open, then store in a second short unit. A number
taken in step 1 is spent whatever happens next: when building, rendering or storing fails it is
marked voided with the reason (:func:`~anquan_desk.services.numbering.spend_number`); after a
crash it stays recorded without a document, and :func:`~anquan_desk.services.numbering.
allocate_number` never gives a recorded number again. A document row is only ever written
together with its snapshot and the sha256 of its PDF, so no issued document lacks its PDF.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import logging
import re
import secrets
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import zip_longest
from pathlib import Path
from typing import Literal

from PIL import Image, ImageOps
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from anquan_desk.core import attachments as att
from anquan_desk.core import settings
from anquan_desk.core.audit import record_event
from anquan_desk.core.audit_check import current_anchor
from anquan_desk.core.checklists.store import default_library, item_legal_data
from anquan_desk.core.clock import local_to_utc, to_local
from anquan_desk.core.device import this_device
from anquan_desk.core.documents import texts
from anquan_desk.core.documents.snapshot import (
    DOC_TITLES,
    DRAFT_NUMBER,
    AppealInfo,
    ChecklistSummary,
    DocType,
    DocumentHeader,
    DocumentSnapshot,
    HandoverContent,
    HandoverItem,
    HazardEntry,
    InspectionRecordContent,
    InspectorInfo,
    NoticeContent,
    PhotoAppendix,
    PhotoImage,
    PhotoPair,
    PlaceInfo,
    Posture,
    ReceiptContent,
    Refusal,
    ReviewContent,
    ReviewOutcome,
    Signature,
    SupervisionContent,
    encode_image,
    snapshot_from_dict,
    snapshot_to_dict,
)
from anquan_desk.core.errors import AnquanError, NotFoundError, UserInputError
from anquan_desk.core.models import (
    AttachmentLink,
    ChecklistItem,
    Document,
    Hazard,
    Inspection,
    IssuedNumber,
    ItemResult,
    Place,
    Reinspection,
    ReinspectionResult,
    Township,
    User,
)
from anquan_desk.core.progress import NO_PROGRESS, Progress
from anquan_desk.core.vocabulary import DocumentStatus, DocumentType, InspectionStatus, ItemOutcome
from anquan_desk.io.pdf.render import cn_date, render_document, render_documents, render_draft
from anquan_desk.services import roles
from anquan_desk.services.desk import Desk
from anquan_desk.services.laptops import shown_hazard_number
from anquan_desk.services.numbering import allocate_number, spend_number, township_or_fail, void_number

log = logging.getLogger(__name__)

# Letters and digits that cannot be misread on paper (as the device short code).
SHORT_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
SHORT_CODE_LENGTH = 8
PHOTO_EDGE = 1200  # px on the long edge of a photo in a document: ~380 dpi in the 80 mm box
PHOTO_QUALITY = 80
PHOTOS_SUFFIX = "照片附页"  # a photo appendix is numbered after its document: "<number>照片附页[n]"

DB_TYPE: dict[DocType, str] = {
    "record": DocumentType.RECORD.value,
    "notice": DocumentType.NOTICE.value,
    "order": DocumentType.ORDER.value,
    "review": DocumentType.REVIEW.value,
    "photos": DocumentType.PHOTOS.value,
    "supervision": DocumentType.SUPERVISION.value,
    "handover": DocumentType.HANDOVER.value,
    "receipt": DocumentType.RECEIPT.value,
}
SNAPSHOT_TYPE: dict[str, DocType] = {v: k for k, v in DB_TYPE.items()}


class DocumentIntegrityError(AnquanError):
    """A stored document no longer renders to the PDF that was issued."""


class ServiceDateNeeded(UserInputError):
    """The act (检查 / 复查) was done before today: the document's date — the day it is served
    (送达日期) — must be given. Screens ask for it; the command line wants ``--served-on``."""

    def __init__(self, act: str, act_day: date, today: date) -> None:
        self.act_day = act_day
        self.today = today
        super().__init__(
            f"该{act}是{cn_date(act_day)}进行的，今天出具的文书须写明送达日期（文书的落款日期）："
            f"请填写送达被检查单位的日期，不早于{cn_date(act_day)}、不晚于今天（{cn_date(today)}）。"
        )


@dataclass(frozen=True)
class IssueContext:
    """Who issues where and when (defaults: this laptop, now), and the day the document is served."""

    device_id: str
    issued_at: datetime  # local time, no zone, whole seconds
    served_on: date | None = None  # 送达日期: the date the document bears; None = the day of issue


def _context(device_id: str | None, issued_at: datetime | None, served_on: date | None = None) -> IssueContext:
    moment = issued_at if issued_at is not None else datetime.now()
    if moment.tzinfo is not None:
        moment = to_local(moment).replace(tzinfo=None)
    return IssueContext(device_id or this_device().id, moment.replace(microsecond=0), served_on)


def posture_of(township: Township) -> Posture:
    """How the township's documents present it: authorised to enforce (2017 式样) or not."""
    return "authorised" if township.enforcement_authorised else "township"


def document_date(doc_type: DocType, act: str, act_day: date, ctx: IssueContext) -> date:
    """The date a document about an act of ``act_day`` bears, fixed now and kept on every reprint.

    A 现场检查记录 is the record made on site: it bears the day of the check. Any other document
    bears the day it is served: today for an act of today; for an older act the service date must
    be given (:class:`ServiceDateNeeded`), between the act and today."""
    today = ctx.issued_at.date()
    if doc_type == "record":
        return act_day
    served = ctx.served_on
    if served is None:
        if act_day < today:
            raise ServiceDateNeeded(act, act_day, today)
        return max(today, act_day)
    if served < act_day:
        raise UserInputError(
            f"送达日期{cn_date(served)}早于{act}日期{cn_date(act_day)}：文书不能早于它所依据的{act}。"
        )
    if served > today:
        raise UserInputError(f"送达日期{cn_date(served)}晚于今天（{cn_date(today)}）：文书不能预先注明日期。")
    return served


def _local(moment: datetime) -> datetime:
    return to_local(moment).replace(tzinfo=None, microsecond=0)


# --- what screens and the command line get -----------------------------------------------------------


@dataclass(frozen=True)
class DocumentInfo:
    """An issued document as plain data (no snapshot, no PDF)."""

    id: str
    doc_type: str  # as stored: 现场检查记录, 安全隐患整改通知书 …
    number: str
    status: str
    short_code: str
    place_name: str
    issued_at: datetime  # local time, no zone
    supersedes_id: str | None = None

    @property
    def kind(self) -> DocType:
        return SNAPSHOT_TYPE[self.doc_type]


@dataclass(frozen=True)
class DocumentPdf:
    """A document and its PDF; ``new`` when it was issued just now (else reprinted)."""

    document: DocumentInfo
    pdf: bytes
    new: bool = False


@dataclass(frozen=True)
class DocumentChoice:
    """One entry of a finished inspection's 打印文书 menu."""

    doc_type: DocType
    label: str
    enabled: bool
    state: str  # the document's number, or 未签发 / 无隐患
    issued: bool  # already issued: choosing it reprints


def _info(document: Document) -> DocumentInfo:
    return DocumentInfo(
        id=document.id,
        doc_type=document.doc_type,
        number=document.number,
        status=document.status,
        short_code=document.short_code,
        place_name=document.place.name,
        issued_at=_local(document.issued_at),
        supersedes_id=document.supersedes_id,
    )


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


def _work_no(session: Session, user_id: object) -> str:
    user = session.get(User, user_id) if isinstance(user_id, str) else None
    return user.work_no if user is not None else ""


def _inspectors(session: Session, inspection: Inspection, posture: Posture) -> tuple[InspectorInfo, ...]:
    """The inspectors with their 执法证号 (authorised) or 工作证号 (a township's staff)."""
    if posture == "township":
        return tuple(InspectorInfo(p.name, _work_no(session, p.user_id)) for p in inspection.participants)
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
    if attached_to is not None:
        # Appendices are numbered after their document (``_photo_number``): only those are read.
        stmt = stmt.where(Document.number.startswith(attached_to + PHOTOS_SUFFIX, autoescape=True))
    docs = list(session.scalars(stmt.order_by(Document.issued_at.desc(), Document.number.desc())))
    if attached_to is not None:
        docs = [d for d in docs if d.content.get("content", {}).get("attached_to") == attached_to]
    return docs[0] if docs else None


# --- snapshot builders ------------------------------------------------------------------------------


def _header(township: Township, plan: IssuePlan) -> DocumentHeader:
    return DocumentHeader(
        doc_type=plan.doc_type,
        number=plan.number,
        issuer=township.issuer or f"{township.name}人民政府",
        township=township.name,
        issued_at=plan.issued_at,
        short_code=plan.short_code,
        posture=posture_of(township),
        dated=plan.dated if plan.dated is not None else plan.issued_at.date(),
        anchor=plan.anchor,
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
        inspectors=_inspectors(session, inspection, header.posture),
        check_site=inspection.location,
        accompanying_person=inspection.accompanying_person,
        method=inspection.method,
        checklists=tuple(sorted(checklists, key=lambda c: c.name)),
        findings=findings,
        hazards=hazards,
        signature=signature,
        refusal=refusal,
    )


def _consequence(session: Session, inspection: Inspection, is_order: bool) -> str:
    """The consequence paragraph from each hazard's checklist item (its ``consequence`` and
    ``handover_to`` as the item's own template version keeps them — a township's edits included —
    else the library's item of the same code; free hazards fall back to the general rule)."""
    legal = item_legal_data(session, [h.item_id for h in inspection.hazards if h.item_id is not None])
    consequences: list[tuple[int, str]] = []
    handovers: list[tuple[int, str]] = []
    for n, hazard in enumerate(sorted(inspection.hazards, key=lambda x: (x.seq, x.code)), start=1):
        found = legal.get(hazard.item_id or "")
        consequences.append((n, found.consequence if found is not None else ""))
        if found is not None and found.handover_to:
            handovers.append((n, found.handover_to))
    return texts.hazard_consequence(consequences, handovers, order=is_order)


def build_notice(
    session: Session, store: att.AttachmentStore, inspection: Inspection, township: Township, header: DocumentHeader
) -> NoticeContent:
    hazards = _hazard_entries(inspection)
    if not hazards:
        raise UserInputError(NO_HAZARDS)
    record = current_document(session, "record", inspection_id=inspection.id)
    signature, refusal = _signature(session, store, inspection)
    is_order = header.doc_type == "order"
    major = [h for h in hazards if h.grade == "重大"]
    return NoticeContent(
        header=header,
        place=_place_info(inspection.place),
        inspected_at=_local(inspection.started_at),
        inspectors=_inspectors(session, inspection, header.posture),
        hazards=hazards,
        legal_consequence=_consequence(session, inspection, is_order),
        record_number=record.number if record is not None else "",
        appeal=appeal_info(township) if is_order else None,
        signature=signature,
        refusal=refusal,
        major_hazard=texts.major_hazard_paragraphs(
            [h.seq for h in major], header.posture, header.issuer, county_of(township), [h.deadline for h in major]
        ),
    )


def _dated(document: Document) -> date:
    """The date an issued document bears (its snapshot's 落款 date; the issue day for old ones)."""
    header = document.content.get("content", {}).get("header", {})
    dated = header.get("dated") if isinstance(header, dict) else None
    if isinstance(dated, str):
        return date.fromisoformat(dated)
    return _local(document.issued_at).date()


def _original_of(session: Session, inspection: Inspection) -> Document | None:
    """The valid 指令书 or 通知书 that demanded the rectification a 复查 checks."""
    return current_document(session, "order", inspection_id=inspection.id) or current_document(
        session, "notice", inspection_id=inspection.id
    )


def _review_hazards(reinspection: Reinspection) -> list[tuple[Hazard, str, str, date | None]]:
    rows = [(r.hazard, r.outcome, r.note, r.new_deadline) for r in reinspection.results]
    return sorted(rows, key=lambda row: row[0].code)


def build_review(session: Session, reinspection: Reinspection, header: DocumentHeader) -> ReviewContent:
    rows = _review_hazards(reinspection)
    first_inspection = rows[0][0].inspection
    original = _original_of(session, first_inspection)
    if original is not None:
        title, number, when = DOC_TITLES[SNAPSHOT_TYPE[original.doc_type]], original.number, _dated(original)
    else:
        # The rectification was demanded on paper or before this program: no number to cite.
        title = DOC_TITLES[notice_type(township_or_fail(session))]
        number = texts.NO_NUMBER
        when = _local(first_inspection.started_at).date()
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
    township = header.posture == "township"
    inspectors = tuple(
        InspectorInfo(
            str(i.get("name", "")),
            _work_no(session, i.get("user_id")) if township else str(i.get("cert_no", "")),
        )
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
        original_date=when,
        reviewed_at=_local(reinspection.inspected_at),
        inspectors=inspectors,
        outcomes=outcomes,
        opinion=reinspection.opinion,
        signature=Signature(reinspection.signer_name or place.responsible_person, None),
    )


@dataclass(frozen=True)
class _PhotoSlot:
    """Where one pair of the photo appendix comes from (the links, not yet the images)."""

    seq: int
    caption: str
    before: AttachmentLink | None
    before_caption: str
    after: AttachmentLink | None = None
    after_caption: str = "整改后"


def _photo_slots(session: Session, inspection_id: str | None, reinspection_id: str | None) -> list[_PhotoSlot]:
    """The photos an appendix would show: a 复查's before/after pairs, or an inspection's hazard
    and site photos."""
    slots: list[_PhotoSlot] = []
    if reinspection_id is not None:
        reinspection = session.get(Reinspection, reinspection_id)
        assert reinspection is not None
        for n, (hazard, _outcome, _note, _d) in enumerate(_review_hazards(reinspection), start=1):
            before = att.attachments_of(session, "hazard", hazard.id, "photo")
            after = att.attachments_of(session, "hazard", hazard.id, "after")
            for b, a in zip_longest(before, after):
                slots.append(_PhotoSlot(n, hazard.description, b, "整改前", a))
        return slots
    assert inspection_id is not None
    inspection = session.get(Inspection, inspection_id)
    assert inspection is not None
    hazards = sorted(inspection.hazards, key=lambda x: (x.seq, x.code))
    for n, hazard in enumerate(hazards, start=1):
        for link in att.attachments_of(session, "hazard", hazard.id, "photo"):
            slots.append(_PhotoSlot(n, hazard.description, link, hazard.location or "现场"))
    for link in att.attachments_of(session, "inspection", inspection.id, "photo"):
        slots.append(_PhotoSlot(0, "现场照片", link, inspection.location or "现场"))
    return slots


def build_photos(
    session: Session, store: att.AttachmentStore, parent: Document, header: DocumentHeader
) -> PhotoAppendix:
    """Before/after pairs: a record's hazard photos, or a review's before and after photos."""
    slots = _photo_slots(session, parent.inspection_id, parent.reinspection_id)
    if not slots:
        raise UserInputError(NO_PHOTOS)
    pairs = tuple(
        PhotoPair(
            slot.seq,
            slot.caption,
            _photo(store, slot.before, slot.before_caption),
            _photo(store, slot.after, slot.after_caption),
        )
        for slot in slots
    )
    content = parent.content.get("content", {})
    return PhotoAppendix(
        header=header, place=PlaceInfo.from_dict(content["place"]), attached_to=parent.number, pairs=pairs
    )


# --- issue: plan, build, render, store -----------------------------------------------------------------

NO_HAZARDS = "本次检查未发现隐患，无需出具整改通知书（指令书）。"
NO_PHOTOS = "没有可附的照片。"


@dataclass(frozen=True)
class IssuePlan:
    """A document about to be issued: checked, numbered (the number is taken), not yet built."""

    doc_type: DocType
    number: str
    number_id: str | None  # the IssuedNumber row taken for it (photo appendices have none)
    short_code: str
    issued_at: datetime  # local time, no zone, whole seconds
    place_id: str
    inspection_id: str | None = None
    reinspection_id: str | None = None
    parent_id: str | None = None  # photo appendix: the document it is attached to
    supersedes_id: str | None = None
    dated: date | None = None  # the date the document bears (落款); None: the day of issue
    hazard_id: str | None = None  # 挂牌督办通知书: the supervised hazard
    department: str = ""  # 隐患移交抄告函: the competent department it goes to
    receipt: ReceiptRequest | None = None  # 送达回证: how the parent document was served
    anchor: str = ""  # the audit chain's head when the number was taken (printed on the document)


def _short_code(session: Session) -> str:
    while True:
        code = "".join(secrets.choice(SHORT_CODE_ALPHABET) for _ in range(SHORT_CODE_LENGTH))
        if session.scalar(select(Document.id).where(Document.short_code == code)) is None:
            return code


def _ensure_not_issued(session: Session, plan: IssuePlan) -> None:
    """A first issue (no ``supersedes_id``) is refused when the document exists already."""
    if plan.supersedes_id is not None:
        return
    if plan.doc_type == "photos":
        assert plan.parent_id is not None
        parent = _document(session, plan.parent_id)
        if current_document(session, "photos", attached_to=parent.number) is not None:
            raise UserInputError(f"文书 {parent.number} 已有照片附页；如需再次打印请重印。")
    elif plan.doc_type == "review":
        if current_document(session, "review", reinspection_id=plan.reinspection_id) is not None:
            raise UserInputError("本次复查已出具整改复查意见书；如需再次打印请重印，内容有误请更正。")
    elif plan.doc_type in ("supervision", "handover", "receipt"):
        _ensure_extra_not_issued(session, plan)
    elif current_document(session, plan.doc_type, inspection_id=plan.inspection_id) is not None:
        raise UserInputError(f"本次检查已出具{DOC_TITLES[plan.doc_type]}；如需再次打印请重印，内容有误请更正。")


def _numbered_plan(
    session: Session, draft: IssuePlan, ctx: IssueContext
) -> IssuePlan:
    """``draft`` (checked) with its number taken and its short code drawn."""
    _ensure_not_issued(session, draft)
    year = (draft.dated or ctx.issued_at.date()).year  # the number's year is the document's
    allocated = allocate_number(session, township_or_fail(session), draft.doc_type, year, ctx.device_id)
    return dataclasses.replace(
        draft, number=allocated.number, number_id=allocated.row.id, short_code=_short_code(session),
        anchor=current_anchor(session).code,
    )


def _late_deadlines(what: str, dated: date, late: Sequence[tuple[int, str, date]], fix: str) -> UserInputError:
    items = "；".join(f"第{seq}项“{text}”（{what}{cn_date(deadline)}）" for seq, text, deadline in late)
    return UserInputError(
        f"文书日期为{cn_date(dated)}，以下隐患的{what}早于该日期，不能出具：{items}。"
        f"请先{fix}，或选择更早的送达日期。"
    )


def _check_deadlines(inspection: Inspection, dated: date) -> None:
    """No deadline of a notice / order may precede the date it bears (refused, naming the hazards)."""
    late = [
        (h.seq, h.description, h.deadline)
        for h in _hazard_entries(inspection)
        if h.deadline is not None and h.deadline < dated
    ]
    if late:
        raise _late_deadlines("整改期限", dated, late, "在检查记录中延长这些隐患的整改期限（或改为立即整改）")


def _inspection_draft(
    session: Session, inspection: Inspection, doc_type: DocType, ctx: IssueContext, supersedes: Document | None
) -> IssuePlan:
    """A checked plan without a number: the document's date fixed, every deadline checked against it."""
    township_or_fail(session)
    if doc_type != "record" and not inspection.hazards:
        raise UserInputError(NO_HAZARDS)
    dated = document_date(doc_type, "检查", _local(inspection.started_at).date(), ctx)
    if doc_type in ("notice", "order"):
        _check_deadlines(inspection, dated)
    return IssuePlan(
        doc_type=doc_type, number="", number_id=None, short_code="", issued_at=ctx.issued_at,
        place_id=inspection.place_id, inspection_id=inspection.id,
        supersedes_id=supersedes.id if supersedes is not None else None, dated=dated,
    )


def plan_inspection_document(
    session: Session,
    inspection: Inspection,
    doc_type: DocType,
    ctx: IssueContext,
    supersedes: Document | None = None,
) -> IssuePlan:
    """现场检查记录 / 整改通知书 / 指令书 of a finished inspection: checked, number taken."""
    return _numbered_plan(session, _inspection_draft(session, inspection, doc_type, ctx, supersedes), ctx)


def _review_draft(
    session: Session, reinspection: Reinspection, ctx: IssueContext, supersedes: Document | None
) -> IssuePlan:
    """A checked review plan without a number: dated, new deadlines and the original checked."""
    township_or_fail(session)
    rows = _review_hazards(reinspection)
    first = rows[0][0]
    dated = document_date("review", "复查", _local(reinspection.inspected_at).date(), ctx)
    late = [
        (n, h.description, new_deadline)
        for n, (h, outcome, _note, new_deadline) in enumerate(rows, start=1)
        if outcome != "已整改" and new_deadline is not None and new_deadline < dated
    ]
    if late:
        raise _late_deadlines("新整改期限", dated, late, "在复查记录中延长这些隐患的新整改期限")
    original = _original_of(session, first.inspection)
    if original is not None and _dated(original) > dated:
        raise UserInputError(
            f"原文书 {original.number} 的日期为{cn_date(_dated(original))}，晚于本文书日期{cn_date(dated)}："
            "复查意见不能引用日期在其之后的文书，请选择不早于原文书日期的送达日期。"
        )
    return IssuePlan(
        doc_type="review", number="", number_id=None, short_code="", issued_at=ctx.issued_at,
        place_id=reinspection.place_id, inspection_id=first.inspection_id, reinspection_id=reinspection.id,
        supersedes_id=supersedes.id if supersedes is not None else None, dated=dated,
    )


def plan_review(
    session: Session, reinspection: Reinspection, ctx: IssueContext, supersedes: Document | None = None
) -> IssuePlan:
    """整改复查意见书 of a finished re-inspection: checked, number taken."""
    return _numbered_plan(session, _review_draft(session, reinspection, ctx, supersedes), ctx)


def _photo_number(session: Session, parent: Document) -> str:
    base = f"{parent.number}{PHOTOS_SUFFIX}"
    number, n = base, 1
    while session.scalar(select(Document.id).where(Document.number == number)) is not None:
        n += 1
        number = f"{base}{n}"
    return number


def plan_photos(
    session: Session, parent: Document, ctx: IssueContext, supersedes: Document | None = None
) -> IssuePlan:
    """照片附页 of an issued 现场检查记录 or 整改复查意见书 (numbered after it; no number taken)."""
    if parent.doc_type not in (DocumentType.RECORD.value, DocumentType.REVIEW.value):
        raise UserInputError("照片附页只能附于现场检查记录或整改复查意见书。")
    if parent.status != DocumentStatus.ISSUED.value:
        raise UserInputError(f"文书 {parent.number} 状态为{parent.status}，不能再附照片。")
    township_or_fail(session)
    plan = IssuePlan(
        doc_type="photos", number=_photo_number(session, parent), number_id=None,
        short_code=_short_code(session), issued_at=ctx.issued_at, place_id=parent.place_id,
        inspection_id=parent.inspection_id, reinspection_id=parent.reinspection_id, parent_id=parent.id,
        supersedes_id=supersedes.id if supersedes is not None else None, dated=_dated(parent),
        anchor=current_anchor(session).code,
    )
    _ensure_not_issued(session, plan)
    return plan


def build_snapshot(session: Session, store: att.AttachmentStore, plan: IssuePlan) -> DocumentSnapshot:
    """The frozen content of a planned document, from the current records (reads only)."""
    township = township_or_fail(session)
    header = _header(township, plan)
    if plan.doc_type == "photos":
        assert plan.parent_id is not None
        return build_photos(session, store, _document(session, plan.parent_id), header)
    if plan.doc_type == "review":
        assert plan.reinspection_id is not None
        return build_review(session, _finished_reinspection(session, plan.reinspection_id), header)
    if plan.doc_type in ("supervision", "handover", "receipt"):
        return _build_extra(session, plan, township, header)
    assert plan.inspection_id is not None
    inspection = _finished_inspection(session, plan.inspection_id)
    if plan.doc_type == "record":
        return build_record(session, store, inspection, header)
    return build_notice(session, store, inspection, township, header)


def render_snapshot(snapshot: DocumentSnapshot) -> tuple[dict[str, object], bytes]:
    """The stored form of a snapshot and its PDF, rendered from exactly what is stored (no session)."""
    stored = snapshot_to_dict(snapshot)
    return stored, render_document(snapshot_from_dict(stored))


def store_issued(session: Session, plan: IssuePlan, content: dict[str, object], pdf: bytes) -> Document:
    """Write the issued document: number, frozen snapshot and PDF sha256 together; the document it
    supersedes becomes 已更正. Checks again that the plan still holds."""
    number_row: IssuedNumber | None = None
    if plan.number_id is not None:
        number_row = session.get(IssuedNumber, plan.number_id)
        if number_row is None or number_row.document_id is not None or number_row.voided:
            raise UserInputError(f"文书编号 {plan.number} 已不能使用，请重新出具。")
    supersedes: Document | None = None
    if plan.supersedes_id is not None:
        supersedes = _document(session, plan.supersedes_id)
        if supersedes.status != DocumentStatus.ISSUED.value:
            raise UserInputError(f"文书 {supersedes.number} 状态为{supersedes.status}，不能更正。")
    _ensure_not_issued(session, plan)
    if plan.number_id is None and session.scalar(select(Document.id).where(Document.number == plan.number)):
        raise UserInputError(f"文书编号 {plan.number} 已被占用，请重新出具。")
    document = Document(
        doc_type=DB_TYPE[plan.doc_type],
        number=plan.number,
        short_code=plan.short_code,
        status=DocumentStatus.ISSUED.value,
        place_id=plan.place_id,
        inspection_id=plan.inspection_id,
        reinspection_id=plan.reinspection_id,
        issued_at=local_to_utc(plan.issued_at),
        content=content,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        supersedes_id=plan.supersedes_id,
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
    return document


def _issue_in_session(session: Session, store: att.AttachmentStore, plan: IssuePlan) -> tuple[Document, bytes]:
    """Build, render and store a plan inside the caller's transaction."""
    content, pdf = render_snapshot(build_snapshot(session, store, plan))
    document = store_issued(session, plan, content, pdf)
    _keep_issued_file(session, store, document, pdf)
    return document, pdf


def _keep_issued_file(session: Session, store: att.AttachmentStore, document: Document, pdf: bytes) -> None:
    """The issued file itself is kept (content-addressed, with the record on a server): a reprint is
    that file, whatever later versions of the program change in the layout."""
    store.put_in(session, att.StoredFile(document.pdf_sha256, pdf, att.PDF_MIME, None, None, None))


def issue_record(
    session: Session,
    store: att.AttachmentStore,
    inspection_id: str,
    *,
    device_id: str | None = None,
    issued_at: datetime | None = None,
    served_on: date | None = None,
) -> tuple[Document, bytes]:
    """现场检查记录 of a finished inspection (it bears the day of the check)."""
    inspection = _finished_inspection(session, inspection_id)
    plan = plan_inspection_document(session, inspection, "record", _context(device_id, issued_at, served_on))
    return _issue_in_session(session, store, plan)


def issue_notice(
    session: Session,
    store: att.AttachmentStore,
    inspection_id: str,
    *,
    device_id: str | None = None,
    issued_at: datetime | None = None,
    served_on: date | None = None,
) -> tuple[Document, bytes]:
    """安全隐患整改通知书, or 责令限期整改指令书 where the township is authorised to enforce. For a
    check before the day of issue give ``served_on`` (:class:`ServiceDateNeeded` otherwise)."""
    inspection = _finished_inspection(session, inspection_id)
    doc_type = notice_type(township_or_fail(session))
    plan = plan_inspection_document(session, inspection, doc_type, _context(device_id, issued_at, served_on))
    return _issue_in_session(session, store, plan)


def issue_review(
    session: Session,
    store: att.AttachmentStore,
    reinspection_id: str,
    *,
    device_id: str | None = None,
    issued_at: datetime | None = None,
    served_on: date | None = None,
) -> tuple[Document, bytes]:
    """整改复查意见书 of a finished re-inspection (``served_on`` for a 复查 before today)."""
    reinspection = _finished_reinspection(session, reinspection_id)
    plan = plan_review(session, reinspection, _context(device_id, issued_at, served_on))
    return _issue_in_session(session, store, plan)


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
    plan = plan_photos(session, parent, _context("", issued_at), supersedes)
    return _issue_in_session(session, store, plan)


def _existing(
    session: Session, doc_type: DocType, inspection_id: str | None, reinspection_id: str | None
) -> Document | None:
    """The valid document asked for (``photos`` excepted), after checking the request."""
    if doc_type == "review":
        if reinspection_id is None:
            raise UserInputError("请指定复查记录。")
        return current_document(session, "review", reinspection_id=reinspection_id)
    if inspection_id is None:
        raise UserInputError("请指定检查记录。")
    if doc_type in ("notice", "order"):
        wanted = notice_type(township_or_fail(session))
        if doc_type != wanted:
            raise UserInputError(
                f"本乡镇{'已' if wanted == 'order' else '未'}获执法授权，出具的是{DOC_TITLES[wanted]}。"
            )
    return current_document(session, doc_type, inspection_id=inspection_id)


def _parent_type(reinspection_id: str | None) -> DocType:
    return "review" if reinspection_id is not None else "record"


def issue_or_reprint(
    session: Session,
    store: att.AttachmentStore,
    doc_type: DocType,
    *,
    inspection_id: str | None = None,
    reinspection_id: str | None = None,
    served_on: date | None = None,
) -> tuple[Document, bytes, bool]:
    """The valid document of this kind: reprinted if already issued, else issued now.
    Returns (document, pdf, newly issued?). ``photos`` is the appendix of the 现场检查记录
    (``inspection_id``) or of the 整改复查意见书 (``reinspection_id``), issuing that first if needed."""
    if doc_type == "photos":
        parent, _pdf, _new = issue_or_reprint(
            session, store, _parent_type(reinspection_id), inspection_id=inspection_id,
            reinspection_id=reinspection_id, served_on=served_on,
        )
        existing = current_document(session, "photos", attached_to=parent.number)
        if existing is not None:
            return existing, reprint(session, existing.id), False
        document, pdf = issue_photos(session, store, parent.id)
        return document, pdf, True
    existing = _existing(session, doc_type, inspection_id, reinspection_id)
    if existing is not None:
        return existing, reprint(session, existing.id), False
    if doc_type == "review":
        assert reinspection_id is not None
        document, pdf = issue_review(session, store, reinspection_id, served_on=served_on)
    else:
        assert inspection_id is not None
        issue = issue_record if doc_type == "record" else issue_notice
        document, pdf = issue(session, store, inspection_id, served_on=served_on)
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


def _archived(store: att.AttachmentStore | None, pdf_sha256: str) -> bytes | None:
    """The PDF kept when the document was issued, if the store has it and it is unchanged."""
    if store is None:
        return None
    try:
        path = store.path_for(pdf_sha256, att.PDF_MIME)
        data = path.read_bytes() if path.exists() else None
    except (att.AttachmentRecordError, OSError):
        return None  # a server without the file, an unreadable copy: render it again below
    return data if data is not None and hashlib.sha256(data).hexdigest() == pdf_sha256 else None


def _rendered_again(
    number: str, snapshot: DocumentSnapshot, pdf_sha256: str, store: att.AttachmentStore | None = None
) -> bytes:
    """The issued PDF, proved byte-identical to the one issued (no session): the file kept on issue,
    else (a document issued before files were kept, or the file lost) rendered again from its
    snapshot."""
    kept = _archived(store, pdf_sha256)
    if kept is not None:
        return kept
    pdf = render_document(snapshot)
    if hashlib.sha256(pdf).hexdigest() != pdf_sha256:
        raise DocumentIntegrityError(
            f"文书 {number} 重新生成的文件与签发时不一致（校验值不符）：签发时保存的文件已不在，"
            "而存档内容被改动或程序的版式已更新。请联系管理员用 audit verify 检查数据；"
            "需要再次交付时可用“更正”重新出具。"
        )
    return pdf


def _note_reprint(session: Session, document_id: str, number: str) -> None:
    record_event(session, "reprint", "documents", document_id, number=number)


def reprint(session: Session, document_id: str) -> bytes:
    """The issued PDF again, rendered from the stored snapshot; byte-identical or an error."""
    document = _document(session, document_id)
    pdf = _rendered_again(document.number, snapshot_of(document), document.pdf_sha256, _store_for(session))
    _note_reprint(session, document.id, document.number)
    return pdf


def _store_for(session: Session) -> att.AttachmentStore:
    """The attachment store of the session's database (as ``Database.attachment_store``)."""
    from anquan_desk.core.db import default_data_dir, server_tag, sqlite_path

    engine = session.get_bind().engine
    url = engine.url.render_as_string(hide_password=True)
    path = sqlite_path(url)
    if path is not None:
        return att.AttachmentStore(path.parent / f"{path.stem}-attachments")
    root = default_data_dir() / "server-cache" / f"{server_tag(url)}-attachments"
    if engine.dialect.name == "postgresql":
        return att.ServerAttachmentStore(root, engine)
    return att.AttachmentStore(root)


def plan_correction(session: Session, document_id: str, reason: str, ctx: IssueContext) -> IssuePlan:
    """The document that will supersede ``document_id``: built again from the current records,
    with a new number (taken now)."""
    old = _document(session, document_id)
    if not reason.strip():
        raise UserInputError("更正文书须说明原因。")
    if old.status != DocumentStatus.ISSUED.value:
        raise UserInputError(f"文书 {old.number} 状态为{old.status}，不能更正。")
    doc_type = SNAPSHOT_TYPE[old.doc_type]
    if doc_type == "photos":
        parent_number = old.content["content"]["attached_to"]
        parent = session.scalar(select(Document).where(Document.number == parent_number))
        if parent is None or parent.status != DocumentStatus.ISSUED.value:
            raise UserInputError("照片附页所附的文书已更正或作废，请先为新文书出具照片附页。")
        return plan_photos(session, parent, ctx, supersedes=old)
    if doc_type == "review":
        assert old.reinspection_id is not None
        return plan_review(session, _finished_reinspection(session, old.reinspection_id), ctx, old)
    if doc_type in ("supervision", "handover", "receipt"):
        return _plan_extra_correction(session, old, doc_type, ctx)
    assert old.inspection_id is not None
    return plan_inspection_document(session, _finished_inspection(session, old.inspection_id), doc_type, ctx, old)


def _note_correction(session: Session, old_id: str, reason: str, new_number: str) -> None:
    record_event(session, "correct", "documents", old_id, reason=reason.strip(), new_number=new_number)


def correct_document(
    session: Session,
    document_id: str,
    reason: str,
    *,
    store: att.AttachmentStore | None = None,
    device_id: str | None = None,
    issued_at: datetime | None = None,
    served_on: date | None = None,
) -> tuple[Document, bytes]:
    """Issue the document again from the current records, with a new number; the old one
    becomes 已更正 and the new one points to it (``supersedes_id``)."""
    plan = plan_correction(session, document_id, reason, _context(device_id, issued_at, served_on))
    new, pdf = _issue_in_session(session, store or _store_for(session), plan)
    _note_correction(session, document_id, reason, new.number)
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


def _issued_on(day: date, include_invalid: bool) -> list[ColumnElement[bool]]:
    """The conditions for documents issued on a local calendar day."""
    start = local_to_utc(datetime.combine(day, time(0, 0)))
    end = local_to_utc(datetime.combine(day + timedelta(days=1), time(0, 0)))
    conditions = [Document.issued_at >= start, Document.issued_at < end]
    if not include_invalid:
        conditions.append(Document.status == DocumentStatus.ISSUED.value)
    return conditions


def documents_issued_on(session: Session, day: date, *, include_invalid: bool = False) -> list[Document]:
    """Documents issued on a local calendar day, in issue order (valid ones unless asked)."""
    stmt = select(Document).where(*_issued_on(day, include_invalid)).order_by(Document.issued_at, Document.number)
    return list(session.scalars(stmt))


def _render_batch(snapshots: Sequence[DocumentSnapshot], progress: Progress = NO_PROGRESS) -> bytes:
    if not snapshots:
        raise UserInputError("没有可打印的文书。")
    total = len(snapshots)

    def drawn(done: int, _total: int) -> None:
        progress.check()
        progress.update(total + done, 2 * total, f"正在排版第 {done + 1} / {total} 份文书…")

    pdf = render_documents(snapshots, on_document=drawn)
    progress.update(2 * total, 2 * total, f"已排版 {total} 份文书")
    return pdf


def render_batch(session: Session, documents: list[Document]) -> bytes:
    """One PDF with the given documents (each from its stored snapshot, own page count)."""
    return _render_batch([snapshot_of(d) for d in documents])


# --- verify ----------------------------------------------------------------------------------------

VerifyKind = Literal["ok", "superseded", "void", "tampered", "batch", "encrypted", "foreign", "database"]
_CODE_RE = re.compile(r"核验码[:：]\s*([" + SHORT_CODE_ALPHABET + r"]{" + str(SHORT_CODE_LENGTH) + r"})")
#: The short code as reportlab writes it into the document information (plain bytes, near the end).
_SUBJECT_RE = re.compile(
    rb"/Subject\s*\(([" + SHORT_CODE_ALPHABET.encode() + rb"]{" + str(SHORT_CODE_LENGTH).encode() + rb"})\)"
)
#: A file is verified from memory up to this size (an issued document is a few MB); a larger one is
#: only hashed and searched for its code, in pieces.
MAX_VERIFY_BYTES = 64 * 1024 * 1024
_VERIFY_PAGES = 60
#: Marks every issued document carries near its start: reportlab's header and the embedded fonts.
_REPORTLAB = b"ReportLab Generated PDF document"
_OUR_FONTS = (b"+UMingCN", b"+WenQuanYiMicroHei")
_STREAM_RE = re.compile(rb"<<([^<>]{0,400})>>\s*stream\r?\n")
_BFCHAR_RE = re.compile(rb"<([0-9A-Fa-f]{2,4})>\s*<([0-9A-Fa-f]{4,8})>")
#: A damaged copy is compared with at most this many documents drawn again, started within this time.
_RENDERED_CANDIDATES = 3
_RENDER_SECONDS = 10.0


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    kind: VerifyKind
    message: str
    number: str = ""
    status: str = ""
    short_code: str = ""


@dataclass(frozen=True)
class _PdfMarks:
    codes: list[str]  # short codes found (metadata, page footers, raw document information)
    readable: bool  # pypdf read its structure and pages
    encrypted: bool  # encrypted, and it does not open without a password


def _pdf_marks(data: bytes) -> _PdfMarks:
    """Short codes printed in the footer or kept in the metadata of a PDF, read quietly (no pypdf
    output) and bounded (the first pages); a damaged structure still gives the raw metadata's code."""
    from pypdf import PdfReader

    from anquan_desk.io.plan_text import quiet_pypdf

    codes = [code.decode() for code in _SUBJECT_RE.findall(data)]
    readable = False
    with quiet_pypdf(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                try:
                    opened = bool(reader.decrypt(""))
                except Exception:  # AES without the crypto library, damaged encryption dictionary …
                    opened = False
                if not opened:
                    return _PdfMarks(list(dict.fromkeys(codes)), False, True)
            metadata = reader.metadata
            subject = metadata.get("/Subject") if metadata is not None else None
            if isinstance(subject, str) and len(subject) == SHORT_CODE_LENGTH:
                codes.append(subject)
            for page in reader.pages[:_VERIFY_PAGES]:
                codes += _CODE_RE.findall(page.extract_text() or "")
            readable = True
        except Exception:  # any unreadable structure or page: what was found so far stands
            pass
    return _PdfMarks(list(dict.fromkeys(codes)), readable, False)


def _ours_by_look(data: bytes) -> bool:
    """Does the file carry the marks of this program's documents: reportlab's header and one of our
    fonts, or (re-saved by another program) subsets of both our fonts?"""
    fonts = sum(1 for font in _OUR_FONTS if font in data)
    if fonts == len(_OUR_FONTS):
        return True
    return _REPORTLAB in data[:256] and (fonts > 0 or _font_maps(data)[1])


def _font_maps(data: bytes) -> tuple[str, bool]:
    """The characters of the font subsets' ToUnicode maps found in the raw bytes, and whether a map
    names one of our fonts. reportlab numbers a subset's characters in the order the document first
    draws them and writes these maps near the start of the file: they survive when the end (pages,
    metadata, xref) is cut off."""
    import zlib

    found: list[str] = []
    ours = False
    examined = 0
    for match in _STREAM_RE.finditer(data):
        header = match.group(1)
        if b"/FlateDecode" not in header or b"/ASCII85Decode" in header or b"/Subtype /Image" in header:
            continue
        length = re.search(rb"/Length (\d+)", header)
        if length is None or int(length.group(1)) > 256 * 1024:
            continue
        examined += 1
        if examined > 400:
            break
        body = data[match.end() : match.end() + int(length.group(1))]
        try:
            text = zlib.decompressobj().decompress(body, 1024 * 1024)
        except zlib.error:
            continue
        if b"begincmap" not in text:
            continue
        ours = ours or any(font in text for font in _OUR_FONTS)
        for _code, unicode in _BFCHAR_RE.findall(text):
            try:
                found.append(bytes.fromhex(unicode.decode()).decode("utf-16-be"))
            except (ValueError, UnicodeDecodeError):
                continue
    return "".join(found), ours


def _strings_in(value: object, out: set[str]) -> None:
    """Every non-ASCII character of the strings in a stored snapshot (base64 images are ASCII)."""
    if isinstance(value, str):
        out.update(ch for ch in value if ord(ch) > 127)
    elif isinstance(value, dict):
        for item in value.values():
            _strings_in(item, out)
    elif isinstance(value, list):
        for item in value:
            _strings_in(item, out)


def _mostly_same_start(data: bytes, original: bytes) -> bool:
    """Is ``data`` the start of ``original``, byte for byte in at least 9 blocks of 10?"""
    if len(data) > len(original) or data[:1024] != original[:1024]:
        return False
    if original.startswith(data):
        return True
    block = 4096
    total = (len(data) + block - 1) // block
    same = sum(
        1 for k in range(0, len(data), block) if data[k : k + block] == original[k : k + block]
    )
    return same * 10 >= total * 9


def _damaged_copy_of(session: Session, data: bytes) -> Document | None:
    """The issued document that a damaged or cut-off file is a copy of, if one can be proved: the
    characters its fonts carry narrow the documents down (title, number, place, then the snapshot's
    text), and the best few are drawn again and compared byte for byte."""
    import time as clock

    drawn = {ch for ch in _font_maps(data)[0] if ord(ch) > 127}
    if len(drawn) < 10:
        return None

    def fits(text: str) -> bool:
        return all(ch in drawn for ch in text if ord(ch) > 127)

    rows = session.execute(
        select(Document.id, Document.doc_type, Document.number, Place.name)
        .join(Place, Place.id == Document.place_id)
        .order_by(Document.issued_at.desc())
    ).all()
    titled = [
        (doc_id, number, place)
        for doc_id, doc_type, number, place in rows
        if fits(DOC_TITLES[SNAPSHOT_TYPE[doc_type]])
    ]
    # Cut short, a file may keep only the title font's map: then the newest documents of its type.
    ids = [doc_id for doc_id, number, place in titled if fits(number) and fits(place)]
    ids = (ids or [doc_id for doc_id, _number, _place in titled])[:50]
    scored: list[tuple[int, int, str]] = []
    for rank, doc_id in enumerate(ids):
        content = session.scalar(select(Document.content).where(Document.id == doc_id))
        chars: set[str] = set()
        _strings_in(content, chars)
        scored.append((len(drawn - chars), rank, doc_id))
    deadline = clock.monotonic() + _RENDER_SECONDS
    for _missing, _rank, doc_id in sorted(scored)[:_RENDERED_CANDIDATES]:
        document = session.get(Document, doc_id)
        if document is None or clock.monotonic() > deadline:
            continue
        try:
            original = render_document(snapshot_of(document))
        except Exception:  # a snapshot that no longer renders cannot prove anything
            log.warning("verify: document %s does not render", document.number, exc_info=True)
            continue
        if _mostly_same_start(data, original):
            return document
    return None


def _verdict(session: Session, document: Document) -> VerifyResult:
    """The answer for a file identical to the PDF issued as ``document``."""
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


def _by_codes(session: Session, codes: Sequence[str]) -> VerifyResult | None:
    """A file whose bytes differ from every issued PDF but that carries short codes."""
    known = list(session.scalars(select(Document.number).where(Document.short_code.in_(codes))))
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
    return None


_FOREIGN = "不是本系统签发的文书：在本数据库中找不到与该文件对应的文书。"
_CHANGED = "数据库被改动"


def _against_chain(session: Session, digest: str, document: Document | None) -> VerifyResult | None:
    """The chain, not the row, says what was issued: a ``documents`` row whose PDF hash, number or
    status differs from its chained ``issue``/``correct``/``void`` events, or an issued PDF that no
    row carries any more, is reported as 数据库被改动 (None: the row agrees with the chain)."""
    from anquan_desk.core.audit_check import chained_document, issued_with_hash

    conn = session.connection()
    if document is None:
        original = issued_with_hash(conn, digest)
        if original is None:
            return None
        return VerifyResult(
            False, "database",
            f"{_CHANGED}：该文件是本系统签发的文书 {original.number} 的原件（审计记录为证），"
            "但数据库中该文书的 PDF 校验值已被改动。请运行 anquan-desk audit verify 查明。",
            number=original.number, status=original.status,
        )
    base = dict(number=document.number, status=document.status, short_code=document.short_code)
    chained = chained_document(conn, document.id)
    if chained is None:
        return VerifyResult(
            False, "database", f"{_CHANGED}：文书 {document.number} 在审计记录中没有签发记录，不能作为有效文书。", **base
        )
    if chained.pdf_sha256 != document.pdf_sha256:
        return VerifyResult(
            False, "database",
            f"{_CHANGED}：文书 {document.number} 的 PDF 校验值与签发时的审计记录不符，该文件不是签发原件。", **base
        )
    if chained.number != document.number:
        return VerifyResult(
            False, "database",
            f"{_CHANGED}：该文件签发时的文书编号为 {chained.number}，数据库中却为 {document.number}。", **base
        )
    if chained.status != document.status:
        return VerifyResult(
            False, "database",
            f"{_CHANGED}：文书 {document.number} 在数据库中的状态为“{document.status}”，"
            f"审计记录表明它{chained.status}，以审计记录为准，不能作为有效文书。", **base
        )
    return None


def verify_pdf(session: Session, pdf_bytes: bytes) -> VerifyResult:
    """Is this PDF a document issued from this database, unchanged?

    A copy whose bytes differ is 被改动 when it still carries a document's short code (footer,
    metadata) or, cut off or damaged, when its start proves it a copy of one (:func:`_damaged_copy_of`)."""
    digest = hashlib.sha256(pdf_bytes).hexdigest()
    document = session.scalar(select(Document).where(Document.pdf_sha256 == digest))
    against_chain = _against_chain(session, digest, document)
    if against_chain is not None:
        return against_chain
    if document is not None:
        return _verdict(session, document)
    if b"%PDF-" not in pdf_bytes[:1024]:
        return VerifyResult(False, "foreign", "不是本系统签发的文书：该文件不是 PDF 文件。")
    marks = _pdf_marks(pdf_bytes)
    by_code = _by_codes(session, marks.codes)
    if by_code is not None:
        return by_code
    complete = marks.readable and b"%%EOF" in pdf_bytes[-2048:]
    ours = _ours_by_look(pdf_bytes)
    if ours and (not complete or not marks.codes):
        copy = _damaged_copy_of(session, pdf_bytes)
        if copy is not None:
            how = "已加密另存" if marks.encrypted else ("不完整（被截断）或已损坏" if not complete else "与原件不一致")
            return VerifyResult(
                False, "tampered",
                f"文书 {copy.number} 的内容被改动：该文件{how}，与本系统签发时的文件不一致（核验码 {copy.short_code}）。",
                number=copy.number, status=copy.status, short_code=copy.short_code,
            )
    if marks.encrypted:
        if ours:
            return VerifyResult(
                False, "encrypted",
                "该文件是加密另存过的本系统格式文书，内容被改动、已无法核验：本系统签发的文书从不加密，"
                "这不是签发原件。请向出具单位索取原件。",
            )
        return VerifyResult(
            False, "encrypted", "该 PDF 已加密，无法核验：本系统签发的文书从不加密，这不是本系统签发的原件。"
        )
    if not complete and ours:
        return VerifyResult(
            False, "tampered",
            "文件不完整或已损坏（内容被改动）：它带有本系统文书的特征，但已无法确认是哪一份文书。"
            "被改动的文件不能作为有效文书，请向出具单位索取原件重新核验。",
        )
    if not complete:
        return VerifyResult(False, "foreign", "不是本系统签发的文书：该 PDF 文件不完整或已损坏，在本数据库中找不到与之对应的文书。")
    return VerifyResult(False, "foreign", _FOREIGN)


def _verify_large(session: Session, fh: io.BufferedReader, size: int) -> VerifyResult:
    """A file over ``MAX_VERIFY_BYTES``: hashed and searched for a short code in pieces."""
    digest = hashlib.sha256()
    codes: list[str] = []
    tail = b""
    for chunk in iter(lambda: fh.read(1024 * 1024), b""):
        digest.update(chunk)
        window = tail + chunk
        codes += [code.decode() for code in _SUBJECT_RE.findall(window)]
        tail = window[-64:]
    document = session.scalar(select(Document).where(Document.pdf_sha256 == digest.hexdigest()))
    against_chain = _against_chain(session, digest.hexdigest(), document)
    if against_chain is not None:
        return against_chain
    if document is not None:
        return _verdict(session, document)
    by_code = _by_codes(session, list(dict.fromkeys(codes)))
    if by_code is not None:
        return by_code
    return VerifyResult(
        False, "foreign",
        f"不是本系统签发的文书：文件有 {size // (1024 * 1024)} MB，远大于本系统的任何文书，"
        "在本数据库中找不到与之对应的文书。",
    )


def verify_file(session: Session, path: Path) -> VerifyResult:
    """:func:`verify_pdf` on a file. What is not a PDF (a photo, an empty file, a folder) raises a
    :class:`~anquan_desk.core.errors.FileInputError` naming the file; memory stays bounded."""
    import os

    from anquan_desk.core.errors import FileInputError, Location

    where = Location(file=str(path))
    try:
        if path.is_dir():
            raise FileInputError("这是一个文件夹，不是 PDF 文件，无法核验。", where)
        with path.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            head = fh.read(1024)
            if size == 0:
                raise FileInputError("文件是空的（0 字节），不是 PDF 文件，无法核验。", where)
            if b"%PDF-" not in head:
                kind = att.describe_content(head)
                what = f"，而是{kind}" if kind else ""
                raise FileInputError(f"这不是 PDF 文件{what}，无法核验。请选择本系统签发的 PDF 文书。", where)
            fh.seek(0)
            if size > MAX_VERIFY_BYTES:
                return _verify_large(session, fh, size)
            data = fh.read()
    except OSError as exc:
        reason = {FileNotFoundError: "文件不存在", PermissionError: "没有读取该文件的权限"}.get(type(exc))
        raise UserInputError(f"无法读取文件“{path}”：{reason or exc.strerror or exc}") from exc
    return verify_pdf(session, data)


# --- entry points: screens and the command line ------------------------------------------------------


def document_info(desk: Desk, document_id: str) -> DocumentInfo:
    """One document as plain data."""
    with desk.query() as session:
        return _info(_document(session, document_id))


def notice_kind(desk: Desk) -> DocType:
    """``order`` where the township is authorised to enforce, else ``notice``."""
    with desk.query() as session:
        return notice_type(township_or_fail(session))


def latest_reinspection(desk: Desk, inspection_id: str) -> str | None:
    """The latest finished 复查 that covered a hazard of this inspection (its id)."""
    with desk.query() as session:
        return latest_reinspection_of(session, inspection_id)


def document_choices(desk: Desk, inspection_id: str) -> tuple[DocumentChoice, ...]:
    """The 打印文书 menu of an inspection: 现场检查记录, 整改通知书 (or 指令书), 照片附页 — empty
    until the inspection is finished. A small read, quick enough to build a menu with."""
    with desk.query() as session:
        inspection = session.get(Inspection, inspection_id)
        if inspection is None or inspection.status != InspectionStatus.FINISHED.value:
            return ()
        kind = notice_type(township_or_fail(session))
        hazards = len(inspection.hazards)
        record = current_document(session, "record", inspection_id=inspection_id)
        notice = current_document(session, kind, inspection_id=inspection_id)
        photos = current_document(session, "photos", attached_to=record.number) if record is not None else None
        return (
            DocumentChoice("record", DOC_TITLES["record"], True, record.number if record else "未签发", record is not None),
            DocumentChoice(
                kind, DOC_TITLES[kind], hazards > 0,
                notice.number if notice else ("未签发" if hazards else "无隐患"), notice is not None,
            ),
            DocumentChoice("photos", "照片附页", hazards > 0, photos.number if photos else "未签发", photos is not None),
        )


def is_issued(desk: Desk, doc_type: DocType, inspection_id: str | None, reinspection_id: str | None = None) -> bool:
    """Is the valid document of this kind issued already (choosing it reprints)?"""
    with desk.query() as session:
        if doc_type != "photos":
            return _existing(session, doc_type, inspection_id, reinspection_id) is not None
        parent = _existing(session, _parent_type(reinspection_id), inspection_id, reinspection_id)
        return parent is not None and current_document(session, "photos", attached_to=parent.number) is not None


def service_date_needed(
    desk: Desk,
    doc_type: DocType,
    inspection_id: str | None = None,
    reinspection_id: str | None = None,
    *,
    issued_at: datetime | None = None,
) -> date | None:
    """The day of the act when issuing ``doc_type`` now must ask for the service date (送达日期):
    the document is not issued yet and its act (检查 / 复查) was before today; else None."""
    ctx = _context("preview", issued_at)
    kind: DocType = _parent_type(reinspection_id) if doc_type == "photos" else doc_type
    if kind == "record":
        return None
    with desk.query() as session:
        if _existing(session, kind, inspection_id, reinspection_id) is not None:
            return None
        if kind == "review":
            assert reinspection_id is not None
            act = _local(_finished_reinspection(session, reinspection_id).inspected_at).date()
        else:
            assert inspection_id is not None
            act = _local(_finished_inspection(session, inspection_id).started_at).date()
    return act if act < ctx.issued_at.date() else None


def correction_date_needed(desk: Desk, document_id: str, *, issued_at: datetime | None = None) -> date | None:
    """The day of the act when correcting this document now must ask for the new document's
    service date (a notice, order or review of an act before today); else None."""
    ctx = _context("preview", issued_at)
    with desk.query() as session:
        document = _document(session, document_id)
        kind = SNAPSHOT_TYPE[document.doc_type]
        if kind in ("record", "photos"):
            return None
        if kind == "review":
            assert document.reinspection_id is not None
            act = _local(_finished_reinspection(session, document.reinspection_id).inspected_at).date()
        else:
            assert document.inspection_id is not None
            act = _local(_finished_inspection(session, document.inspection_id).started_at).date()
    return act if act < ctx.issued_at.date() else None


def _draft_plan(
    session: Session, doc_type: DocType, inspection_id: str | None, reinspection_id: str | None, ctx: IssueContext
) -> IssuePlan:
    """The plan a document would be issued with, checked, with no number taken (for a preview)."""
    if doc_type == "photos":
        parent = _existing(session, _parent_type(reinspection_id), inspection_id, reinspection_id)
        if parent is None:
            title = DOC_TITLES[_parent_type(reinspection_id)]
            raise UserInputError(f"请先签发{title}，再出具它的照片附页。")
        if not _photo_slots(session, inspection_id, reinspection_id):
            raise UserInputError(NO_PHOTOS)
        plan = plan_photos(session, parent, ctx)
        return dataclasses.replace(plan, short_code="")
    if _existing(session, doc_type, inspection_id, reinspection_id) is not None:
        raise UserInputError(f"{DOC_TITLES[doc_type]}已签发，请直接重印。")
    if doc_type == "review":
        assert reinspection_id is not None
        plan = _review_draft(session, _finished_reinspection(session, reinspection_id), ctx, None)
    else:
        assert inspection_id is not None
        plan = _inspection_draft(session, _finished_inspection(session, inspection_id), doc_type, ctx, None)
    return dataclasses.replace(plan, number=DRAFT_NUMBER)


def preview_document(
    desk: Desk,
    doc_type: DocType,
    inspection_id: str | None = None,
    reinspection_id: str | None = None,
    *,
    served_on: date | None = None,
    issued_at: datetime | None = None,
) -> bytes:
    """A draft of the document that issuing would produce now: the same content and date, watermark
    草稿, no number (``DRAFT_NUMBER``), no verification code. Writes nothing and takes no number;
    refused as issuing would be (:class:`ServiceDateNeeded`, a deadline before the document date …)."""
    roles.require(desk, "documents.issue_order" if doc_type == "order" else "documents.issue")
    ctx = _context("preview", issued_at, served_on)
    with desk.query() as session:
        plan = _draft_plan(session, doc_type, inspection_id, reinspection_id, ctx)
        snapshot = build_snapshot(session, desk.attachments, plan)
    return render_draft(snapshot)


def _reprinted(desk: Desk, document_id: str, progress: Progress) -> DocumentPdf:
    """Render an issued document again (no transaction open), then note the reprint."""
    with desk.query() as session:
        document = _document(session, document_id)
        info, snapshot, sha = _info(document), snapshot_of(document), document.pdf_sha256
    progress.update(1, 3, f"正在生成 {info.number} 的 PDF…")
    pdf = _rendered_again(info.number, snapshot, sha, desk.attachments)
    progress.update(2, 3, "正在记录重印…")
    with desk.unit() as session:
        _note_reprint(session, info.id, info.number)
    progress.update(3, 3)
    return DocumentPdf(info, pdf, new=False)


def _issued(
    desk: Desk,
    plan_in: Callable[[Session], IssuePlan],
    progress: Progress,
    after: Callable[[Session, Document], None] | None = None,
) -> DocumentPdf:
    """Plan (number taken, committed), build and render with no write transaction open, store.

    When anything after the plan fails the number is spent (voided with the reason); after a
    crash it stays recorded without a document. Either way it is never given again."""
    progress.update(0, 4, "正在检查并占用文书编号…")
    with desk.unit() as session:
        plan = plan_in(session)
    try:
        progress.update(1, 4, "正在整理文书内容和照片…")
        with desk.query() as session:
            snapshot = build_snapshot(session, desk.attachments, plan)
        progress.update(2, 4, f"正在生成 {plan.number} 的 PDF…")
        content, pdf = render_snapshot(snapshot)
        progress.update(3, 4, "正在保存文书…")
        with desk.unit() as session:
            document = store_issued(session, plan, content, pdf)
            _keep_issued_file(session, desk.attachments, document, pdf)
            if after is not None:
                after(session, document)
            info = _info(document)
    except BaseException as exc:
        if plan.number_id is not None:
            _spend(desk, plan, exc)
        raise
    progress.update(4, 4)
    return DocumentPdf(info, pdf, new=True)


def _spend(desk: Desk, plan: IssuePlan, error: BaseException) -> None:
    assert plan.number_id is not None
    detail = str(error) if isinstance(error, AnquanError) else f"{type(error).__name__}: {error}"
    reason = f"签发未完成，编号作废：{detail}" if detail else "签发未完成，编号作废"
    try:
        with desk.unit() as session:
            spend_number(session, plan.number_id, reason)
    except Exception:  # the number stays recorded without a document: still never given again
        log.exception("could not mark the unused number %s as voided", plan.number)


def obtain_document(
    desk: Desk,
    doc_type: DocType,
    inspection_id: str | None = None,
    reinspection_id: str | None = None,
    *,
    issued_at: datetime | None = None,
    served_on: date | None = None,
    progress: Progress = NO_PROGRESS,
) -> DocumentPdf:
    """The valid document of this kind with its PDF: reprinted if already issued (its date as
    issued), else issued now (see "Issuing in three steps"). ``photos`` is the appendix of the
    现场检查记录 (``inspection_id``) or of the 整改复查意见书 (``reinspection_id``), which is issued
    first if needed. A notice, order or review of an act before today needs ``served_on`` (the
    date the document bears); without it :class:`ServiceDateNeeded` is raised and nothing is taken."""
    roles.require(desk, "documents.issue_order" if doc_type == "order" else "documents.issue")
    if doc_type == "photos":
        return _obtain_photos(desk, inspection_id, reinspection_id, issued_at, served_on, progress)
    with desk.query() as session:
        existing = _existing(session, doc_type, inspection_id, reinspection_id)
        existing_id = existing.id if existing is not None else None
    if existing_id is not None:
        return _reprinted(desk, existing_id, progress)
    ctx = _context(None, issued_at, served_on)

    def plan_in(session: Session) -> IssuePlan:
        if doc_type == "review":
            assert reinspection_id is not None
            return plan_review(session, _finished_reinspection(session, reinspection_id), ctx)
        assert inspection_id is not None
        return plan_inspection_document(session, _finished_inspection(session, inspection_id), doc_type, ctx)

    return _issued(desk, plan_in, progress)


def _obtain_photos(
    desk: Desk,
    inspection_id: str | None,
    reinspection_id: str | None,
    issued_at: datetime | None,
    served_on: date | None,
    progress: Progress,
) -> DocumentPdf:
    parent_type = _parent_type(reinspection_id)
    with desk.query() as session:
        parent = _existing(session, parent_type, inspection_id, reinspection_id)
        parent_id = parent.id if parent is not None else None
        photos = current_document(session, "photos", attached_to=parent.number) if parent is not None else None
        photos_id = photos.id if photos is not None else None
        if photos_id is None:
            # Refused before the document it is attached to takes a number (as in one transaction).
            if parent is None and reinspection_id is not None:
                _finished_reinspection(session, reinspection_id)
            elif parent is None:
                assert inspection_id is not None
                _finished_inspection(session, inspection_id)
            if not _photo_slots(session, inspection_id, reinspection_id):
                raise UserInputError(NO_PHOTOS)
    if photos_id is not None:
        return _reprinted(desk, photos_id, progress)
    if parent_id is None:
        parent_id = obtain_document(
            desk, parent_type, inspection_id, reinspection_id, issued_at=issued_at, served_on=served_on,
            progress=progress,
        ).document.id
    ctx = _context("", issued_at)
    attach_to = parent_id
    return _issued(desk, lambda session: plan_photos(session, _document(session, attach_to), ctx), progress)


def correct_issued(
    desk: Desk,
    document_id: str,
    reason: str,
    *,
    issued_at: datetime | None = None,
    served_on: date | None = None,
    progress: Progress = NO_PROGRESS,
) -> DocumentPdf:
    """更正: the document issued again from the current records with a new number (returned, with
    its PDF); the old one becomes 已更正. A notice/order/review of an act before today needs
    ``served_on`` (the date of the new document), as on first issue."""
    roles.require(desk, "documents.correct")
    ctx = _context(None, issued_at, served_on)

    def noted(session: Session, new: Document) -> None:
        _note_correction(session, document_id, reason, new.number)

    return _issued(desk, lambda session: plan_correction(session, document_id, reason, ctx), progress, noted)


def void_issued(desk: Desk, document_id: str, reason: str) -> DocumentInfo:
    """作废: the document becomes 已作废; its number stays recorded and is never given again."""
    with desk.unit() as session:
        roles.check(session, desk.actor, "documents.void")
        return _info(void_document(session, document_id, reason))


def documents_of_day(desk: Desk, day: date) -> tuple[DocumentInfo, ...]:
    """The valid documents issued on a local calendar day, in issue order (without their content)."""
    stmt = (
        select(
            Document.id, Document.doc_type, Document.number, Document.status, Document.short_code, Place.name,
            Document.issued_at, Document.supersedes_id,
        )
        .join(Place, Place.id == Document.place_id)
        .where(*_issued_on(day, include_invalid=False))
        .order_by(Document.issued_at, Document.number)
    )
    with desk.query() as session:
        rows = session.execute(stmt).all()
    return tuple(
        DocumentInfo(
            id=r.id, doc_type=r.doc_type, number=r.number, status=r.status, short_code=r.short_code,
            place_name=r.name, issued_at=_local(r.issued_at), supersedes_id=r.supersedes_id,
        )
        for r in rows
    )


def batch_pdf(desk: Desk, document_ids: Sequence[str], progress: Progress = NO_PROGRESS) -> bytes:
    """One PDF with the given documents in order, each from its stored snapshot (cancellable)."""
    snapshots: list[DocumentSnapshot] = []
    total = len(document_ids)
    with desk.query() as session:
        for n, document_id in enumerate(document_ids):
            progress.check()
            document = session.get(Document, document_id)
            if document is not None:
                snapshots.append(snapshot_of(document))
            progress.update(n + 1, 2 * total, f"正在读取第 {n + 1} / {total} 份文书…")
            session.expunge_all()  # the snapshots are kept, the rows (with their content) need not be
    return _render_batch(snapshots, progress)


def verify_pdf_file(desk: Desk, path: Path) -> VerifyResult:
    """Is the PDF file at ``path`` a document issued from this database, unchanged? An unreadable
    file raises a UserInputError with a Chinese message."""
    with desk.query() as session:
        return verify_file(session, path)


# --- 挂牌督办通知书, 隐患移交抄告函, 送达回证 (issue 14 §4) ------------------------------------------------------
#
# The three are issued like the others (plan with number → build and render with no write open → store) and
# frozen the same way. A 挂牌督办通知书 is issued for one supervised major hazard (services.hazards.supervise
# first) and bears the day it is served, not before its 挂牌日期; a 移交抄告函 goes to one competent department
# with the hazards of one inspection whose library item names that department (``handover_to``); a 送达回证
# proves an issued document served and is numbered after it (no series of its own).
#
# NOTE: the documents table's CHECK constraint (0001, ck_documents_doc_type) does not list these types yet:
# storing them needs a migration that rebuilds it from DocumentType (see the report of issue 14).

NOT_SUPERVISED = "隐患 {code} 尚未挂牌督办：请先登记挂牌日期、督办文号和督办单位（挂牌督办），再出具挂牌督办通知书。"
RECEIPT_SUFFIX = "送达回证"


@dataclass(frozen=True)
class ReceiptRequest:
    """How an issued document was served (送达回证): 直接送达, or 留置送达 with a witness and the reason.
    Empty fields take the document's own: recipient = the unit (and its head), address = its address,
    servers = the inspectors named in the document."""

    method: str = "直接送达"
    witness: str = ""
    reason: str = ""
    recipient: str = ""
    address: str = ""
    servers: tuple[str, ...] = ()

    def checked(self) -> ReceiptRequest:
        if self.method not in ("直接送达", "留置送达"):
            raise UserInputError(f"送达方式“{self.method}”无效，应为直接送达或留置送达。")
        if self.method == "留置送达" and not (self.witness.strip() and self.reason.strip()):
            raise UserInputError("留置送达须填写见证人姓名和留置事由（如受送达人拒绝签收）。")
        return self


@dataclass(frozen=True)
class HandoverGroup:
    """The hazards of an inspection that go to one competent department."""

    department: str
    hazard_count: int
    issued_number: str = ""  # the valid letter already issued to it, if any


def _content_of(document: Document) -> dict[str, object]:
    content = document.content.get("content", {})
    return content if isinstance(content, dict) else {}


def _current_where(
    session: Session, doc_type: DocType, key: Callable[[dict[str, object]], bool], **where: str | None
) -> Document | None:
    """The newest valid document of ``doc_type`` matching the row filters and ``key`` on its content."""
    stmt = select(Document).where(Document.doc_type == DB_TYPE[doc_type], Document.status == DocumentStatus.ISSUED.value)
    for column, value in where.items():
        stmt = stmt.where(getattr(Document, column) == value)
    for document in session.scalars(stmt.order_by(Document.issued_at.desc(), Document.number.desc())):
        if key(_content_of(document)):
            return document
    return None


def _current_supervision(session: Session, hazard: Hazard) -> Document | None:
    def same(content: dict[str, object]) -> bool:
        hz = content.get("hazard")
        return isinstance(hz, dict) and hz.get("code") == hazard.code

    return _current_where(session, "supervision", same, inspection_id=hazard.inspection_id)


def _current_handover(session: Session, inspection_id: str, department: str) -> Document | None:
    return _current_where(
        session, "handover", lambda c: c.get("department") == department, inspection_id=inspection_id
    )


def _current_receipt(session: Session, parent: Document) -> Document | None:
    return _current_where(session, "receipt", lambda c: c.get("document_number") == parent.number, place_id=parent.place_id)


def _ensure_extra_not_issued(session: Session, plan: IssuePlan) -> None:
    if plan.doc_type == "supervision":
        assert plan.hazard_id is not None
        hazard = session.get(Hazard, plan.hazard_id)
        if hazard is not None and _current_supervision(session, hazard) is not None:
            raise UserInputError(f"隐患 {shown_hazard_number(session, hazard.code)} 已出具挂牌督办通知书；如需再次打印请重印，内容有误请更正。")
    elif plan.doc_type == "handover":
        assert plan.inspection_id is not None
        if _current_handover(session, plan.inspection_id, plan.department) is not None:
            raise UserInputError(f"本次检查已向{plan.department}出具移交抄告函；如需再次打印请重印，内容有误请更正。")
    elif plan.doc_type == "receipt":
        assert plan.parent_id is not None
        parent = _document(session, plan.parent_id)
        if _current_receipt(session, parent) is not None:
            raise UserInputError(f"文书 {parent.number} 已出具送达回证；如需再次打印请重印，有误请作废后重新出具。")


# --- 挂牌督办通知书 ----------------------------------------------------------------------------------------


def _supervised_hazard(session: Session, hazard_id: str) -> Hazard:
    hazard = session.get(Hazard, hazard_id)
    if hazard is None:
        raise NotFoundError("找不到该隐患，可能已被删除。")
    if hazard.grade != "重大":
        raise UserInputError(f"隐患 {shown_hazard_number(session, hazard.code)} 是一般隐患：只有重大事故隐患才挂牌督办。")
    if not hazard.supervised or hazard.listed_on is None or not hazard.supervision_no:
        raise UserInputError(NOT_SUPERVISED.format(code=shown_hazard_number(session, hazard.code)))
    _finished_inspection(session, hazard.inspection_id)
    return hazard


def _hazard_entry(hazard: Hazard) -> HazardEntry:
    entries = _hazard_entries(hazard.inspection)
    return next(e for e in entries if e.code == hazard.code)


def _supervision_draft(
    session: Session, hazard: Hazard, ctx: IssueContext, supersedes: Document | None
) -> IssuePlan:
    """A checked 挂牌督办通知书 plan without a number: dated (not before the 挂牌日期), deadline checked."""
    township_or_fail(session)
    assert hazard.listed_on is not None
    dated = document_date("supervision", "挂牌督办", hazard.listed_on, ctx)
    entry = _hazard_entry(hazard)
    if entry.deadline is not None and entry.deadline < dated:
        raise _late_deadlines("整改期限", dated, [(entry.seq, entry.description, entry.deadline)],
                              "延长该隐患的治理期限")
    return IssuePlan(
        doc_type="supervision", number="", number_id=None, short_code="", issued_at=ctx.issued_at,
        place_id=hazard.inspection.place_id, inspection_id=hazard.inspection_id, hazard_id=hazard.id,
        supersedes_id=supersedes.id if supersedes is not None else None, dated=dated,
    )


def build_supervision(
    session: Session, hazard: Hazard, township: Township, header: DocumentHeader
) -> SupervisionContent:
    assert hazard.listed_on is not None
    inspection = hazard.inspection
    record = current_document(session, "record", inspection_id=inspection.id)
    notice = _original_of(session, inspection)
    entry = _hazard_entry(hazard)
    return SupervisionContent(
        header=header,
        place=_place_info(inspection.place),
        hazard=entry,
        found_on=_local(inspection.started_at).date(),
        listed_on=hazard.listed_on,
        supervision_no=hazard.supervision_no,
        supervising_unit=hazard.supervising_unit or header.issuer,
        requirements=texts.supervision_paragraphs(header.issuer, county_of(township), deadline=entry.deadline),
        record_number=record.number if record is not None else "",
        notice_number=notice.number if notice is not None else "",
    )


# --- 隐患移交抄告函 ---------------------------------------------------------------------------------------


def _handover_hazards(session: Session, inspection: Inspection) -> dict[str, list[tuple[int, Hazard]]]:
    """Department → (number in the documents, hazard) of the hazards whose library item names it."""
    items = {item.code: item for item in default_library().items}
    item_ids = [h.item_id for h in inspection.hazards if h.item_id is not None]
    rows = session.execute(select(ChecklistItem.id, ChecklistItem.code).where(ChecklistItem.id.in_(item_ids))).all()
    codes = {item_id: code for item_id, code in rows}
    groups: dict[str, list[tuple[int, Hazard]]] = {}
    for n, hazard in enumerate(sorted(inspection.hazards, key=lambda x: (x.seq, x.code)), start=1):
        found = items.get(codes.get(hazard.item_id or "", ""))
        if found is not None and found.handover_to:
            groups.setdefault(found.handover_to, []).append((n, hazard))
    return groups


def _handover_draft(
    session: Session, inspection: Inspection, department: str, ctx: IssueContext, supersedes: Document | None
) -> IssuePlan:
    township_or_fail(session)
    groups = _handover_hazards(session, inspection)
    if department not in groups:
        listed = "、".join(groups) or "无"
        raise UserInputError(f"本次检查没有属于{department}职责范围的隐患，不能出具移交抄告函（可移交的部门：{listed}）。")
    dated = document_date("handover", "检查", _local(inspection.started_at).date(), ctx)
    return IssuePlan(
        doc_type="handover", number="", number_id=None, short_code="", issued_at=ctx.issued_at,
        place_id=inspection.place_id, inspection_id=inspection.id, department=department,
        supersedes_id=supersedes.id if supersedes is not None else None, dated=dated,
    )


def build_handover(session: Session, inspection: Inspection, department: str, header: DocumentHeader) -> HandoverContent:
    groups = _handover_hazards(session, inspection)
    if department not in groups:
        raise UserInputError(f"本次检查没有属于{department}职责范围的隐患。")
    items = tuple(
        HandoverItem(
            seq=n, description=h.description, location=h.location, basis=h.basis,
            photos=len(att.attachments_of(session, "hazard", h.id, "photo")),
        )
        for n, h in groups[department]
    )
    record = current_document(session, "record", inspection_id=inspection.id)
    notice = _original_of(session, inspection)
    inspectors = _inspectors(session, inspection, header.posture)
    return HandoverContent(
        header=header,
        department=department,
        place=_place_info(inspection.place),
        inspected_at=_local(inspection.started_at),
        inspectors=inspectors,
        items=items,
        record_number=record.number if record is not None else "",
        notice_number=notice.number if notice is not None else "",
    )


# --- 送达回证 ------------------------------------------------------------------------------------------------


def _receipt_number(session: Session, parent: Document) -> str:
    base = f"{parent.number}{RECEIPT_SUFFIX}"
    number, n = base, 1
    while session.scalar(select(Document.id).where(Document.number == number)) is not None:
        n += 1
        number = f"{base}{n}"
    return number


def _receipt_plan(
    session: Session, parent: Document, request: ReceiptRequest, ctx: IssueContext, supersedes: Document | None
) -> IssuePlan:
    """送达回证 of an issued document (numbered after it): dated the day of service — the document's own
    date unless ``served_on`` says later (never before it, never after today)."""
    township_or_fail(session)
    kind = SNAPSHOT_TYPE[parent.doc_type]
    if kind in ("photos", "receipt"):
        raise UserInputError("照片附页和送达回证随其文书送达，不单独出具送达回证。")
    if parent.status != DocumentStatus.ISSUED.value:
        raise UserInputError(f"文书 {parent.number} 状态为{parent.status}，不能出具送达回证。")
    request.checked()
    own = _dated(parent)
    served = ctx.served_on or own
    today = ctx.issued_at.date()
    if served < own:
        raise UserInputError(f"送达日期{cn_date(served)}早于文书日期{cn_date(own)}：文书不能在作出之前送达。")
    if served > today:
        raise UserInputError(f"送达日期{cn_date(served)}晚于今天（{cn_date(today)}）：送达回证不能预先注明日期。")
    plan = IssuePlan(
        doc_type="receipt", number="", number_id=None, short_code="", issued_at=ctx.issued_at,
        place_id=parent.place_id, inspection_id=parent.inspection_id, reinspection_id=parent.reinspection_id,
        parent_id=parent.id, receipt=request, supersedes_id=supersedes.id if supersedes is not None else None,
        dated=served,
    )
    _ensure_not_issued(session, plan)
    return plan


def _names_in(content: dict[str, object]) -> tuple[str, ...]:
    inspectors = content.get("inspectors")
    if not isinstance(inspectors, list):
        return ()
    return tuple(str(i.get("name", "")) for i in inspectors if isinstance(i, dict) and i.get("name"))


def build_receipt(parent: Document, request: ReceiptRequest, header: DocumentHeader) -> ReceiptContent:
    snapshot = snapshot_of(parent)
    content = _content_of(parent)
    place = getattr(snapshot, "place", None)
    recipient = request.recipient.strip()
    if not recipient:
        if isinstance(snapshot, HandoverContent):
            recipient = snapshot.department
        elif isinstance(place, PlaceInfo):
            recipient = f"{place.name}（负责人：{place.responsible_person}）" if place.responsible_person else place.name
    address = request.address.strip()
    if not address and isinstance(place, PlaceInfo) and not isinstance(snapshot, HandoverContent):
        address = place.address
    servers = tuple(n.strip() for n in request.servers if n.strip()) or _names_in(content)
    if not servers:
        raise UserInputError("请填写送达人（至少一人）。")
    return ReceiptContent(
        header=header,
        document_title=texts.printed_title(snapshot.header),
        document_number=parent.number,
        recipient=recipient,
        address=address,
        method="留置送达" if request.method == "留置送达" else "直接送达",
        servers=servers,
        witness=request.witness.strip() if request.method == "留置送达" else "",
        reason=request.reason.strip() if request.method == "留置送达" else "",
    )


# --- dispatch ----------------------------------------------------------------------------------------------


def _build_extra(session: Session, plan: IssuePlan, township: Township, header: DocumentHeader) -> DocumentSnapshot:
    if plan.doc_type == "supervision":
        assert plan.hazard_id is not None
        return build_supervision(session, _supervised_hazard(session, plan.hazard_id), township, header)
    if plan.doc_type == "handover":
        assert plan.inspection_id is not None
        return build_handover(session, _finished_inspection(session, plan.inspection_id), plan.department, header)
    assert plan.parent_id is not None and plan.receipt is not None
    return build_receipt(_document(session, plan.parent_id), plan.receipt, header)


def _plan_extra_correction(session: Session, old: Document, doc_type: DocType, ctx: IssueContext) -> IssuePlan:
    content = _content_of(old)
    if doc_type == "receipt":
        raise UserInputError("送达回证有误的，请作废后重新出具。")
    assert old.inspection_id is not None
    if doc_type == "handover":
        inspection = _finished_inspection(session, old.inspection_id)
        draft = _handover_draft(session, inspection, str(content.get("department", "")), ctx, old)
        return _numbered_plan(session, draft, ctx)
    hz = content.get("hazard")
    code = hz.get("code") if isinstance(hz, dict) else None
    hazard = session.scalar(select(Hazard).where(Hazard.inspection_id == old.inspection_id, Hazard.code == code))
    if hazard is None:
        raise UserInputError(f"找不到挂牌督办通知书 {old.number} 所督办的隐患。")
    return _numbered_plan(session, _supervision_draft(session, _supervised_hazard(session, hazard.id), ctx, old), ctx)


# --- entry points ------------------------------------------------------------------------------------------


def _require_supervision(desk: Desk) -> None:
    roles.require(desk, "documents.issue")
    roles.require(desk, "hazards.supervise")


def supervision_notice(
    desk: Desk,
    hazard_id: str,
    *,
    served_on: date | None = None,
    issued_at: datetime | None = None,
    progress: Progress = NO_PROGRESS,
) -> DocumentPdf:
    """重大事故隐患挂牌督办通知书 of a supervised hazard: reprinted if issued, else issued now. Refused
    (Chinese) for a hazard not 挂牌督办 yet; a 挂牌日期 before today needs ``served_on``."""
    _require_supervision(desk)
    with desk.query() as session:
        existing = _current_supervision(session, _supervised_hazard(session, hazard_id))
        existing_id = existing.id if existing is not None else None
    if existing_id is not None:
        return _reprinted(desk, existing_id, progress)
    ctx = _context(None, issued_at, served_on)

    def plan_in(session: Session) -> IssuePlan:
        draft = _supervision_draft(session, _supervised_hazard(session, hazard_id), ctx, None)
        return _numbered_plan(session, draft, ctx)

    return _issued(desk, plan_in, progress)


def preview_supervision_notice(
    desk: Desk, hazard_id: str, *, served_on: date | None = None, issued_at: datetime | None = None
) -> bytes:
    """The draft (草稿, no number) of a 挂牌督办通知书 not issued yet; writes nothing."""
    _require_supervision(desk)
    ctx = _context("preview", issued_at, served_on)
    with desk.query() as session:
        hazard = _supervised_hazard(session, hazard_id)
        if _current_supervision(session, hazard) is not None:
            raise UserInputError(f"隐患 {shown_hazard_number(session, hazard.code)} 已出具挂牌督办通知书，请直接重印。")
        plan = dataclasses.replace(_supervision_draft(session, hazard, ctx, None), number=DRAFT_NUMBER)
        return render_draft(build_snapshot(session, desk.attachments, plan))


def handover_groups(desk: Desk, inspection_id: str) -> tuple[HandoverGroup, ...]:
    """The departments the hazards of a finished inspection go to (one letter each), with the letter
    already issued to each."""
    with desk.query() as session:
        inspection = _finished_inspection(session, inspection_id)
        out = []
        for department, hazards in _handover_hazards(session, inspection).items():
            letter = _current_handover(session, inspection_id, department)
            out.append(HandoverGroup(department, len(hazards), letter.number if letter is not None else ""))
        return tuple(out)


def handover_letter(
    desk: Desk,
    inspection_id: str,
    department: str,
    *,
    served_on: date | None = None,
    issued_at: datetime | None = None,
    progress: Progress = NO_PROGRESS,
) -> DocumentPdf:
    """隐患移交抄告函 to ``department`` for the hazards of an inspection within its remit: reprinted if
    issued, else issued now (a check before today needs ``served_on``: the day the letter is sent)."""
    roles.require(desk, "documents.issue")
    with desk.query() as session:
        _finished_inspection(session, inspection_id)
        existing = _current_handover(session, inspection_id, department)
        existing_id = existing.id if existing is not None else None
    if existing_id is not None:
        return _reprinted(desk, existing_id, progress)
    ctx = _context(None, issued_at, served_on)

    def plan_in(session: Session) -> IssuePlan:
        inspection = _finished_inspection(session, inspection_id)
        return _numbered_plan(session, _handover_draft(session, inspection, department, ctx, None), ctx)

    return _issued(desk, plan_in, progress)


def preview_handover_letter(
    desk: Desk, inspection_id: str, department: str, *, served_on: date | None = None,
    issued_at: datetime | None = None,
) -> bytes:
    """The draft (草稿, no number) of a 移交抄告函 not issued yet; writes nothing."""
    roles.require(desk, "documents.issue")
    ctx = _context("preview", issued_at, served_on)
    with desk.query() as session:
        inspection = _finished_inspection(session, inspection_id)
        if _current_handover(session, inspection_id, department) is not None:
            raise UserInputError(f"本次检查已向{department}出具移交抄告函，请直接重印。")
        plan = dataclasses.replace(_handover_draft(session, inspection, department, ctx, None), number=DRAFT_NUMBER)
        return render_draft(build_snapshot(session, desk.attachments, plan))


def service_receipt(
    desk: Desk,
    document_id: str,
    request: ReceiptRequest = ReceiptRequest(),
    *,
    served_on: date | None = None,
    issued_at: datetime | None = None,
    progress: Progress = NO_PROGRESS,
) -> DocumentPdf:
    """送达回证 of an issued document (直接送达 / 留置送达 with witness and reason): reprinted if issued,
    else issued now, dated ``served_on`` (default: the document's own date)."""
    roles.require(desk, "documents.issue")
    with desk.query() as session:
        existing = _current_receipt(session, _document(session, document_id))
        existing_id = existing.id if existing is not None else None
    if existing_id is not None:
        return _reprinted(desk, existing_id, progress)
    ctx = _context(None, issued_at, served_on)

    def plan_in(session: Session) -> IssuePlan:
        parent = _document(session, document_id)
        plan = _receipt_plan(session, parent, request, ctx, None)
        return dataclasses.replace(plan, number=_receipt_number(session, parent), short_code=_short_code(session))

    return _issued(desk, plan_in, progress)


def preview_service_receipt(
    desk: Desk, document_id: str, request: ReceiptRequest = ReceiptRequest(), *, served_on: date | None = None,
    issued_at: datetime | None = None,
) -> bytes:
    """The draft (草稿) of a 送达回证 not issued yet; writes nothing."""
    roles.require(desk, "documents.issue")
    ctx = _context("preview", issued_at, served_on)
    with desk.query() as session:
        parent = _document(session, document_id)
        plan = dataclasses.replace(_receipt_plan(session, parent, request, ctx, None), number=DRAFT_NUMBER)
        return render_draft(build_snapshot(session, desk.attachments, plan))


@dataclass(frozen=True)
class ExtraChoice:
    """One entry for a 挂牌督办通知书, 隐患移交抄告函 or 送达回证 in a finished inspection's 打印文书 menu.

    ``key`` is what the document is issued for: the hazard id (supervision), the department (handover) or
    the id of the served document (receipt). ``act_day``: issuing now must ask the 送达日期, no earlier
    than this day (None: it need not be asked). ``since``: a receipt's earliest 送达日期 (its document's date)."""

    doc_type: DocType
    label: str
    key: str
    enabled: bool
    state: str  # the document's number, or 未签发 / 未挂牌督办
    issued: bool
    act_day: date | None = None
    since: date | None = None
    inspection_id: str = ""


RECEIPT_PARENTS: tuple[DocType, ...] = ("notice", "order", "handover", "supervision")


def extra_document_choices(
    desk: Desk, inspection_id: str, *, issued_at: datetime | None = None
) -> tuple[ExtraChoice, ...]:
    """The 打印文书 menu entries after :func:`document_choices`: a 挂牌督办通知书 per major hazard (enabled
    once it is 挂牌督办), a 移交抄告函 per department some hazard goes to, a 送达回证 per valid notice, order,
    letter or supervision notice issued. Empty until the inspection is finished. A small read."""
    today = _context("preview", issued_at).issued_at.date()
    out: list[ExtraChoice] = []
    with desk.query() as session:
        inspection = session.get(Inspection, inspection_id)
        if inspection is None or inspection.status != InspectionStatus.FINISHED.value:
            return ()
        checked_on = _local(inspection.started_at).date()
        for hazard in sorted(inspection.hazards, key=lambda x: (x.seq, x.code)):
            if hazard.grade != "重大":
                continue
            listed = hazard.supervised and hazard.listed_on is not None and bool(hazard.supervision_no)
            notice = _current_supervision(session, hazard) if listed else None
            out.append(ExtraChoice(
                "supervision", f"{DOC_TITLES['supervision']}（隐患 {shown_hazard_number(session, hazard.code)}）", hazard.id, listed,
                notice.number if notice is not None else ("未签发" if listed else "未挂牌督办"), notice is not None,
                act_day=hazard.listed_on if listed and notice is None and hazard.listed_on is not None
                and hazard.listed_on < today else None, inspection_id=inspection_id,
            ))
        for department in _handover_hazards(session, inspection):
            letter = _current_handover(session, inspection_id, department)
            out.append(ExtraChoice(
                "handover", f"{DOC_TITLES['handover']}（{department}）", department, True,
                letter.number if letter is not None else "未签发", letter is not None,
                act_day=checked_on if letter is None and checked_on < today else None, inspection_id=inspection_id,
            ))
        served = session.scalars(
            select(Document)
            .where(
                Document.inspection_id == inspection_id,
                Document.status == DocumentStatus.ISSUED.value,
                Document.doc_type.in_([DB_TYPE[t] for t in RECEIPT_PARENTS]),
            )
            .order_by(Document.issued_at, Document.number)
        ).all()
        for parent in served:
            receipt = _current_receipt(session, parent)
            out.append(ExtraChoice(
                "receipt", f"{DOC_TITLES['receipt']}（{parent.number}）", parent.id, True,
                receipt.number if receipt is not None else "未签发", receipt is not None, since=_dated(parent),
                inspection_id=inspection_id,
            ))
    return tuple(out)


def hazard_by_reference(desk: Desk, reference: str) -> str:
    """The id of the hazard ``reference`` names: its 隐患编号 or its id (for the command line)."""
    text = reference.strip()
    with desk.query() as session:
        found = session.get(Hazard, text) or session.scalar(select(Hazard).where(Hazard.code == text))
        if found is None:
            raise NotFoundError(f"找不到隐患“{text}”：请给出隐患编号（如台账所列）或隐患 ID。")
        return found.id


def document_by_reference(desk: Desk, reference: str) -> str:
    """The id of the issued document ``reference`` names: its number, short code or id."""
    text = reference.strip()
    with desk.query() as session:
        found = session.get(Document, text) or session.scalars(
            select(Document).where((Document.number == text) | (Document.short_code == text))
        ).first()
        if found is None:
            raise NotFoundError(f"找不到文书“{text}”：请给出文书编号或核验码。")
        return found.id
