"""Render document snapshots to PDF (A4, official style), deterministically.

``render_document(snapshot)`` gives the bytes of one document; ``render_documents(snapshots)`` one
PDF holding several (a print batch), each document with its own "共 X 页 第 Y 页".

Determinism: the PDF is built only from the snapshot; reportlab runs with ``invariant=1`` (fixed
file id), the creation date printed into the PDF is the snapshot's ``issued_at``, and font
subsetting depends only on the characters drawn. Rendering the same snapshot twice gives the same
bytes, so the stored sha256 proves a print-out matches the issued document.

Each page carries, in the footer, the document's verification code and a small QR code encoding
``anquan:<short_code>`` and the audit anchor (see ``qr_payload``); the anchor is printed under the code.
"""

from __future__ import annotations

import hashlib
import io
import itertools
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    Image,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from anquan_desk.core.documents import texts
from anquan_desk.core.documents.snapshot import (
    DOC_TITLES,
    DocumentHeader,
    DocumentSnapshot,
    HandoverContent,
    HazardEntry,
    InspectionRecordContent,
    InspectorInfo,
    NoticeContent,
    PhotoAppendix,
    PhotoImage,
    PlaceInfo,
    ReceiptContent,
    Refusal,
    ReviewContent,
    Signature,
    SupervisionContent,
    check_base64,
)
from anquan_desk.core.errors import UserInputError
from anquan_desk.io.pdf.fonts import BODY_CHAIN, HEI, SONG, TITLE_CHAIN, markup, register_fonts, split_runs
from anquan_desk.io.pdf.kinsoku import StrictParagraph

PAGE_W, PAGE_H = A4
MARGIN_X = 25 * mm
MARGIN_TOP = 22 * mm
MARGIN_BOTTOM = 28 * mm  # room for the footer with the QR code
CONTENT_W = PAGE_W - 2 * MARGIN_X
QR_SIZE = 14 * mm
RULE = 0.5  # thin table rules, pt

QR_PREFIX = "anquan:"
DRAFT_MARK = "草稿"
DRAFT_FOOTER = "草稿：未签发，无编号，不得送达"


def qr_payload(short_code: str, anchor: str = "") -> str:
    """What the QR code on every page encodes: ``anquan:<short_code>``, and ``;<anchor>`` — the audit
    chain's head when the document was issued — on documents issued since anchors are printed."""
    return f"{QR_PREFIX}{short_code};{anchor}" if anchor else f"{QR_PREFIX}{short_code}"


# --- text helpers ------------------------------------------------------------------------------------


def cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def cn_datetime(dt: datetime) -> str:
    return f"{cn_date(dt)}{dt.hour}时{dt.minute:02d}分"


def deadline_text(deadline: date | None) -> str:
    return "立即整改" if deadline is None else f"{cn_date(deadline)}前"


def _style(name: str, font: str = SONG, size: float = 12, leading: float | None = None, **kw: Any) -> ParagraphStyle:
    return ParagraphStyle(
        name, fontName=font, fontSize=size, leading=leading or size * 1.6, wordWrap="CJK", **kw
    )


#: Marks the styles of a document laid out with the current rules (Chinese line breaking, rows that
#: may split across pages, legible signatures); snapshots stored before those rules (posture
#: "legacy") keep the layout they were issued with, so their reprints stay byte-identical.
_STRICT = "+gb"


class _Styles:
    """``tight``: the line spacing GB/T 9704 (7.3.5.5) allows a document to be closed up to when its
    seal and date would otherwise go over to a page of their own (see :func:`_fits_tighter`)."""

    def __init__(self, strict: bool = False, tight: bool = False) -> None:
        self.strict = strict
        self.tight = tight
        x = (_STRICT if strict else "") + ("+tight" if tight else "")
        body, cell = (17.0, 13.5) if tight else (19.5, 15.0)
        self.banner = _style("banner" + x, HEI, 15, 22, alignment=TA_CENTER)
        self.title = _style("title" + x, HEI, 22, 30, alignment=TA_CENTER, spaceAfter=4)
        self.number = _style("number" + x, SONG, 12, 18, alignment=TA_CENTER, spaceAfter=10)
        self.body = _style("body" + x, SONG, 12, body, alignment=TA_JUSTIFY, firstLineIndent=24)
        self.plain = _style("plain" + x, SONG, 12, body, alignment=TA_LEFT)
        self.heading = _style("heading" + x, HEI, 12, body + 1.5, alignment=TA_LEFT, spaceBefore=4)
        self.cell = _style("cell" + x, SONG, 10.5, cell, alignment=TA_LEFT)
        self.cell_c = _style("cell_c" + x, SONG, 10.5, cell, alignment=TA_CENTER)
        self.cell_head = _style("cell_head" + x, HEI, 10.5, cell, alignment=TA_CENTER)
        self.right = _style("right" + x, SONG, 12, body, alignment=TA_RIGHT)
        self.note = _style("note" + x, SONG, 10.5, 16, alignment=TA_LEFT)


def _basis_part(basis: str) -> str:
    """“依据：…；” — or nothing, where a hazard has no recorded legal basis."""
    return f"依据：{basis}；" if basis else ""


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    chain = TITLE_CHAIN if style.fontName == HEI else BODY_CHAIN
    kind = StrictParagraph if style.name.endswith(_STRICT) else Paragraph
    return kind(markup(text, chain), style)


def _grid(
    data: list[list[Any]],
    widths: Sequence[float],
    header: bool = False,
    extra: Sequence[Any] = (),
    split_rows: bool = False,
    tight: bool = False,
) -> Table:
    """A ruled table; ``split_rows`` lets a long row continue on the next page; ``tight`` (a closed-up
    document, :class:`_Styles`) has less space above and below the text of a cell."""
    kwargs: dict[str, Any] = {"splitInRow": 1} if split_rows else {}
    table = Table(data, colWidths=list(widths), repeatRows=1 if header else 0, **kwargs)
    commands: list[Any] = [
        ("FONTNAME", (0, 0), (-1, -1), SONG),
        ("GRID", (0, 0), (-1, -1), RULE, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 2 if tight else 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2 if tight else 4),
    ]
    table.setStyle(TableStyle(commands + list(extra)))
    return table


class _DocStart(Flowable):  # type: ignore[misc]
    """Zero-size marker: tells the canvas which document the following pages belong to."""

    def __init__(self, index: int, header: DocumentHeader, reached: Callable[[int], None] | None = None) -> None:
        super().__init__()
        self.index = index
        self.header = header
        self.reached = reached
        self.width = self.height = 0

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv.anquan_doc = (self.index, self.header.short_code, self.header.anchor)
        if self.reached is not None:
            self.reached(self.index)


class _NumberedCanvas(Canvas):  # type: ignore[misc]
    """Holds pages back until the end so each can say "共 X 页 第 Y 页" for its own document."""

    def __init__(self, *args: Any, issued_at: datetime, draft: bool = False, **kwargs: Any) -> None:
        kwargs["initialFontName"] = SONG
        kwargs["invariant"] = 1
        super().__init__(*args, **kwargs)
        self._draft = draft
        self._held: list[dict[str, Any]] = []
        self.anquan_doc: tuple[int, str, str] = (0, "", "")
        stamp = f"D:{issued_at:%Y%m%d%H%M%S}+08'00'"
        self.setDateFormatter(lambda *_args: stamp)

    def showPage(self) -> None:
        self._held.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        totals = Counter(state["anquan_doc"][0] for state in self._held)
        seen: Counter[int] = Counter()
        for state in self._held:
            self.__dict__.update(state)
            index, short_code, anchor = state["anquan_doc"]
            seen[index] += 1
            if self._draft:
                self._watermark()
                self._draft_footer(seen[index], totals[index])
            else:
                self._footer(short_code, anchor, seen[index], totals[index])
            Canvas.showPage(self)
        Canvas.save(self)

    def _watermark(self) -> None:
        """A large grey 草稿 across the page: a preview is never mistaken for an issued document."""
        self.saveState()
        self.setFillColor(colors.Color(0.55, 0.55, 0.55, alpha=0.28))
        self.translate(PAGE_W / 2, PAGE_H / 2)
        self.rotate(40)
        runs = split_runs(DRAFT_MARK, TITLE_CHAIN)
        size = 150
        width = sum(stringWidth(r, f, size) for f, r in runs)
        x = -width / 2
        for font, run in runs:
            self.setFont(font, size)
            self.drawString(x, -size / 3, run)
            x += stringWidth(run, font, size)
        self.restoreState()

    def _draft_footer(self, page: int, total: int) -> None:
        y = 10 * mm
        self.setLineWidth(RULE)
        self.line(MARGIN_X, y + QR_SIZE + 2 * mm, PAGE_W - MARGIN_X, y + QR_SIZE + 2 * mm)
        _draw_text(self, PAGE_W / 2, y + 5 * mm, f"共 {total} 页 第 {page} 页", 10.5, center=True)
        _draw_text(self, MARGIN_X, y + 5 * mm, DRAFT_FOOTER, 9)

    def _footer(self, short_code: str, anchor: str, page: int, total: int) -> None:
        y = 10 * mm
        self.setLineWidth(RULE)
        self.line(MARGIN_X, y + QR_SIZE + 2 * mm, PAGE_W - MARGIN_X, y + QR_SIZE + 2 * mm)
        _draw_text(self, PAGE_W / 2, y + 5 * mm, f"共 {total} 页 第 {page} 页", 10.5, center=True)
        _draw_text(self, MARGIN_X, y + 5 * mm, f"核验码：{short_code}", 9)
        if anchor:  # the audit chain's head when the document was issued (anquan-desk audit verify --anchor)
            _draw_text(self, MARGIN_X, y + 1 * mm, f"审计锚点：{anchor}", 7)
        _draw_qr(self, qr_payload(short_code, anchor), PAGE_W - MARGIN_X - QR_SIZE, y, QR_SIZE)


@cache
def _qr_runs(payload: str) -> tuple[int, tuple[tuple[int, int, int], ...]]:
    """QR module count and the dark runs (row, first column, length); the encoding is slow, so cached."""
    qr = QrCodeWidget(payload, barLevel="M").qr
    qr.make()
    runs: list[tuple[int, int, int]] = []
    for r, row in enumerate(qr.modules):
        c = 0
        for dark, group in itertools.groupby(bool(m) for m in row):
            n = len(list(group))
            if dark:
                runs.append((r, c, n))
            c += n
    return qr.getModuleCount(), tuple(runs)


def _draw_qr(canvas: Canvas, payload: str, x: float, y: float, size: float, border: int = 2) -> None:
    """QR modules as one filled path straight on the canvas (renderPDF would add unembedded fonts)."""
    count, runs = _qr_runs(payload)
    box = size / (count + 2 * border)
    path = canvas.beginPath()
    for r, c, n in runs:
        path.rect(x + (c + border) * box, y + size - (r + border + 1) * box, n * box, box)
    canvas.setFillColor(colors.black)
    canvas.drawPath(path, stroke=0, fill=1)


def _draw_text(canvas: Canvas, x: float, y: float, text: str, size: float, center: bool = False) -> None:
    runs = split_runs(text, BODY_CHAIN)
    if center:
        x -= sum(stringWidth(r, f, size) for f, r in runs) / 2
    for font, run in runs:
        canvas.setFont(font, size)
        canvas.drawString(x, y, run)
        x += stringWidth(run, font, size)


# --- shared blocks -----------------------------------------------------------------------------------


def _title_block(s: _Styles, header: DocumentHeader) -> list[Flowable]:
    return [
        _p(texts.banner(header), s.banner),
        Spacer(1, 2 * mm),
        _p(texts.printed_title(header), s.title),
        _p(header.number, s.number),
    ]


def _place_table(s: _Styles, place: PlaceInfo, extra_rows: Sequence[tuple[str, str]] = ()) -> Table:
    w = [28 * mm, 58 * mm, 34 * mm, CONTENT_W - 120 * mm]
    person = place.responsible_person
    rows: list[list[Any]] = [
        [_p("被检查单位", s.cell_c), _p(place.name, s.cell), "", ""],
        [_p("地址", s.cell_c), _p(place.address, s.cell), "", ""],
        [_p("负责人", s.cell_c), _p(person, s.cell), _p("职务", s.cell_c), _p(place.title, s.cell)],
        [_p("联系电话", s.cell_c), _p(place.phone, s.cell), _p("统一社会信用代码", s.cell_c), _p(place.credit_code, s.cell)],
    ]
    spans: list[Any] = [("SPAN", (1, 0), (3, 0)), ("SPAN", (1, 1), (3, 1))]
    for label, value in extra_rows:
        spans.append(("SPAN", (1, len(rows)), (3, len(rows))))
        rows.append([_p(label, s.cell_c), _p(value, s.cell), "", ""])
    return _grid(rows, w, extra=spans, tight=s.tight)


def _inspector_line(inspectors: Sequence[InspectorInfo], label: str) -> str:
    return "、".join(f"{i.name}（{label}：{i.cert_no}）" if i.cert_no else i.name for i in inspectors)


def _signature_cell(s: _Styles, signature: Signature | None, refusal: Refusal | None) -> list[Flowable]:
    if refusal is not None:
        return [_p(texts.refusal_sentence(refusal.reason, refusal.witness), s.cell)]
    if signature is not None:
        png = signature.png_bytes()
        if png:
            reader = ImageReader(io.BytesIO(png))
            iw, ih = reader.getSize()
            # Closed up (tight), a signature is still legible at 14 mm (as a pen signs on a line).
            height = (14 if s.tight else 20 if s.strict else 12) * mm
            # (closed up, the signature shares its row with the seal: a third of the width)
            width = min(height * iw / ih, (44 if s.tight else 70 if s.strict else 55) * mm)
            return [
                Image(io.BytesIO(png), width=width, height=width * ih / iw, hAlign="LEFT"),
                _p(f"（{signature.signer}）", s.cell),
            ]
    return [Spacer(1, 10 * mm)]


def _signature_table(
    s: _Styles,
    header: DocumentHeader,
    inspectors: Sequence[InspectorInfo],
    unit_label: str,
    signature: Signature | None,
    refusal: Refusal | None,
    when: date,
    with_seal: bool = False,
) -> Table:
    """The signatures; ``with_seal`` (a closed-up notice) adds the issuer's seal and date as a third
    column instead of a block of their own below, so that they stay on the page with the body."""
    cert = "工作证号" if header.posture == "township" else "证号"
    left = [_p(f"{i.name}　　{cert}：{i.cert_no}", s.cell) for i in inspectors]
    right = _signature_cell(s, signature, refusal)
    heads = [_p(texts.inspector_signature_label(header), s.cell_head), _p(unit_label, s.cell_head)]
    cells: list[Any] = [left, [*right, _p(f"日期：{cn_date(when)}", s.cell)]]
    widths = [CONTENT_W / 2, CONTENT_W / 2]
    if with_seal:
        heads.append(_p("发文机关（印章）", s.cell_head))
        cells.append([Spacer(1, 12 * mm), _p(header.issuer, s.cell_c), _p(cn_date(header.document_date), s.cell_c)])
        widths = [CONTENT_W * 0.34, CONTENT_W * 0.34, CONTENT_W * 0.32]
    return _grid([heads, cells], widths, extra=[("VALIGN", (0, 1), (-1, 1), "TOP")], tight=s.tight)


def _seal_block(s: _Styles, header: DocumentHeader) -> list[Flowable]:
    return [
        Spacer(1, (5 if s.tight else 8) * mm),
        _p(f"{header.issuer}（印章）", s.right),
        _p(cn_date(header.document_date), s.right),
        Spacer(1, 4 * mm),
    ]


def _height(flowable: Flowable, width: float, height: float) -> float:
    return float(flowable.wrap(width, height)[1]) + float(flowable.getSpaceBefore()) + float(flowable.getSpaceAfter())


class _BodyWithClosing(KeepTogether):  # type: ignore[misc]
    """The last body paragraphs and the signature/seal block of a document.

    All on this page when they fit. Otherwise the body fills this page — paragraphs split across it —
    and only the end of the last paragraph goes over with the signatures and the seal: a seal never
    stands on a page without body text (GB/T 9704 practice) and the signatures never part from it,
    yet page 1 is not left a third blank because the whole block would not fit there."""

    def __init__(self, body: Sequence[Flowable], closing: Sequence[Flowable]) -> None:
        super().__init__([*body, *closing])
        self._body = list(body)
        self._closing = list(closing)

    def split(self, aW: float, aH: float) -> list[Flowable]:
        if getattr(self, "_wrapInfo", None) != (aW, aH):
            self.wrap(aW, aH)
        if aH >= self._H:
            return list(self._content)
        closing_h = sum(_height(f, aW, aH) for f in self._closing)
        placed: list[Flowable] = []
        room = aH
        for i, item in enumerate(self._body):
            rest = self._body[i + 1:]
            own = _height(item, aW, aH)
            if rest and own <= room:
                placed.append(item)  # whole here; what follows goes over with the seal
                room -= own
                continue
            if not rest and not isinstance(item, Paragraph) and own <= room:
                return [*placed, item, KeepTogether(self._closing)]  # signature rows end this page
            leading = float(item.style.leading) if isinstance(item, Paragraph) else 0.0
            if rest or room - closing_h < max(leading, 1.0):
                # as much as fits here, something left to go over with the closing
                limit = min(room, own - leading) if leading else room
            else:
                limit = room - closing_h  # the end of the body and the closing on this page
            parts = item.split(aW, limit) if limit >= max(leading, 1.0) else []
            if len(parts) == 2:
                return [*placed, parts[0], KeepTogether([parts[1], *rest, *self._closing])]
            break
        if placed:
            return [*placed, KeepTogether([*self._body[len(placed):], *self._closing])]
        return list(super().split(aW, aH))


def _close(story: list[Flowable], closing: list[Flowable], body: int = 1, gap: float = 4 * mm) -> None:
    """Append the signature/seal block with the last ``body`` flowables (see :class:`_BodyWithClosing`).

    A seal never stands on a page without body text (GB/T 9704 practice) or without the signature
    it goes with.
    """
    last = story[-body:]
    del story[-body:]
    story.append(_BodyWithClosing(last, [Spacer(1, gap), *closing] if gap else closing))


MAJOR_DEADLINE_CELL = "按治理方案（见下文重大事故隐患治理要求）"


def _hazard_table(s: _Styles, hazards: Sequence[HazardEntry], major_block: bool = False) -> Table:
    """The notice's hazards. With ``major_block`` (the snapshot says what a major hazard requires) a major
    hazard's 整改期限 is not given here as a plain deadline: its 治理 deadline is in that block."""
    w = [12 * mm, 50 * mm, 42 * mm, 34 * mm, CONTENT_W - 138 * mm]
    rows: list[list[Any]] = [[_p(t, s.cell_head) for t in ("序号", "隐患部位及问题", "整改要求", "依据", "整改期限")]]
    for h in hazards:
        problem = f"【{h.location}】{h.description}" if h.location else h.description
        major = h.grade == "重大"
        if major:
            problem += "（重大事故隐患）"
        rows.append(
            [
                _p(str(h.seq), s.cell_c),
                _p(problem, s.cell),
                _p(h.requirement, s.cell),
                _p(h.basis, s.cell),
                _p(MAJOR_DEADLINE_CELL if major and major_block else deadline_text(h.deadline), s.cell_c),
            ]
        )
    return _grid(rows, w, header=True, extra=[("VALIGN", (0, 1), (-1, -1), "TOP")], split_rows=s.strict,
                 tight=s.tight)


def _major_block(s: _Styles, paragraphs: Sequence[str]) -> list[Flowable]:
    """The 重大事故隐患 requirements of a notice/order (nothing for snapshots without them)."""
    if not paragraphs:
        return []
    return [_p("重大事故隐患治理要求：", s.heading), *(_p(text, s.body) for text in paragraphs)]


def _sign_box(s: _Styles, label: str, when: str = "年　　月　　日") -> Table:
    """A box for the receiving side to sign by hand on paper, with its date."""
    rows = [[_p(label, s.cell_head), _p("日期", s.cell_head)], [Spacer(1, 16 * mm), _p(when, s.cell_c)]]
    return _grid(rows, [CONTENT_W * 0.62, CONTENT_W * 0.38])


# --- the document types -----------------------------------------------------------------------------


def _record(s: _Styles, doc: InspectionRecordContent) -> list[Flowable]:
    h = doc.header
    span = f"{cn_datetime(doc.started_at)}至{doc.ended_at.month}月{doc.ended_at.day}日{doc.ended_at.hour}时{doc.ended_at.minute:02d}分"
    story: list[Flowable] = _title_block(s, h)
    story.append(
        _place_table(
            s,
            doc.place,
            [
                ("检查场所", doc.check_site or doc.place.name),
                ("检查时间", span),
                ("检查方式", doc.method),
                ("陪同人员", doc.accompanying_person),
            ],
        )
    )
    story.append(Spacer(1, 4 * mm))
    story.append(_p(texts.record_identification(h, doc.inspectors), s.body))
    story.append(_p("检查情况：", s.heading))
    if doc.findings:
        story.append(_p(doc.findings, s.body))
    if doc.checklists:
        rows: list[list[Any]] = [[_p(t, s.cell_head) for t in ("检查表", "检查项数", "不符合项数")]]
        for c in doc.checklists:
            rows.append([_p(c.name, s.cell), _p(str(c.items_checked), s.cell_c), _p(str(c.items_failed), s.cell_c)])
        story += [Spacer(1, 2 * mm), _grid(rows, [CONTENT_W - 60 * mm, 30 * mm, 30 * mm], header=True), Spacer(1, 2 * mm)]
    if doc.hazards:
        story.append(_p("发现的问题：", s.plain))
        for hz in doc.hazards:
            where = f"【{hz.location}】" if hz.location else ""
            story.append(
                _p(f"{hz.seq}. {where}{hz.description}（{_basis_part(hz.basis)}整改期限：{deadline_text(hz.deadline)}）", s.body)
            )
    else:
        story.append(_p("未发现安全隐患。", s.body))
    _close(
        story,
        [
                _signature_table(
                    s, h, doc.inspectors, "被检查单位现场负责人（签名）", doc.signature, doc.refusal, doc.ended_at.date()
                ),
                *_seal_block(s, h),
                _p(texts.COPIES_NOTE["record"], s.note),
        ],
    )
    return story


def _notice(s: _Styles, doc: NoticeContent) -> list[Flowable]:
    h = doc.header
    story: list[Flowable] = _title_block(s, h)
    story.append(
        _place_table(
            s,
            doc.place,
            [("检查时间", cn_datetime(doc.inspected_at)), ("检查人员", _inspector_line(doc.inspectors, texts.cert_label(h.posture)))],
        )
    )
    story += [Spacer(1, 4 * mm), _p(f"{doc.place.name}：", s.plain)]
    basis = f"（现场检查记录：{doc.record_number}）" if doc.record_number else ""
    story.append(_p(f"经检查，你单位（场所）存在以下安全隐患{basis}：", s.body))
    story += [Spacer(1, 2 * mm), _hazard_table(s, doc.hazards, bool(doc.major_hazard)), Spacer(1, 3 * mm)]
    story += _major_block(s, doc.major_hazard)
    story.append(
        _p(
            "请你单位按照上述整改要求和期限认真整改。整改期间，应当采取有效的防范措施，确保安全；"
            f"整改完成后，请将整改情况书面报告{h.issuer}，并申请复查。",
            s.body,
        )
    )
    story.append(_p(doc.legal_consequence, s.body))
    if h.posture != "legacy":
        # The closing formula of a 通知 (GB/T 9704 practice); as the last body paragraph it is what
        # the seal block keeps with it, so the long paragraphs above may stay on the first page.
        story.append(_p("特此通知。", s.body))
    _close(
        story,
        [
                _signature_table(
                    s, h, doc.inspectors, "被检查单位负责人（签收）", doc.signature, doc.refusal, h.document_date,
                    with_seal=s.tight,
                ),
                *([] if s.tight else _seal_block(s, h)),
                *([Spacer(1, 2 * mm)] if s.tight else []),
                _p(texts.COPIES_NOTE["notice"], s.note),
        ],
        body=2,
    )
    return story


def _deadline_sentence(hazards: Sequence[HazardEntry], major_block: bool = False) -> str:
    """The order's 现责令… sentence. With ``major_block`` the major hazards get no plain deadline here:
    the sentence points to the 治理要求 that follow (where their 治理 deadline is said)."""
    groups: dict[date | None, list[int]] = {}
    majors = [hz.seq for hz in hazards if major_block and hz.grade == "重大"]
    for hz in hazards:
        if hz.seq not in majors:
            groups.setdefault(hz.deadline, []).append(hz.seq)
    parts = []
    for deadline in sorted(groups, key=lambda d: (d is not None, d or date.min)):
        items = "、".join(str(n) for n in groups[deadline])
        if deadline is None:
            parts.append(f"对上述第{items}项问题立即整改")
        else:
            parts.append(f"对上述第{items}项问题于{cn_date(deadline)}前整改完毕")
    if majors:
        parts.append(f"对上述第{'、'.join(str(n) for n in majors)}项重大事故隐患按下列治理要求治理")
    return (
        "现责令你单位" + "，".join(parts) + "，达到有关法律法规规章和标准规定的要求。由此造成事故的，依法追究有关人员的责任。"
    )


def _order(s: _Styles, doc: NoticeContent) -> list[Flowable]:
    h = doc.header
    assert doc.appeal is not None  # enforced by NoticeContent
    story: list[Flowable] = _title_block(s, h)
    story.append(_p(f"被检查单位名称：{doc.place.name}", s.plain))
    story.append(_p(f"地址：{doc.place.address}", s.plain))
    story.append(Spacer(1, 2 * mm))
    story.append(_p(f"经查，你单位存在下列问题{'（' + doc.record_number + '）' if doc.record_number else ''}：", s.body))
    for hz in doc.hazards:
        where = f"【{hz.location}】" if hz.location else ""
        requirement = f"整改要求：{hz.requirement}。" if hz.requirement else ""
        basis = f"依据：{hz.basis}。" if hz.basis else ""
        story.append(_p(f"{hz.seq}. {where}{hz.description}。{basis}{requirement}", s.body))
    story.append(_p(_deadline_sentence(doc.hazards, bool(doc.major_hazard)), s.body))
    story += _major_block(s, doc.major_hazard)
    story.append(_p(doc.legal_consequence, s.body))
    story.append(_p(texts.appeal_sentence(doc.appeal.reconsideration_bodies, doc.appeal.court), s.body))
    widths = [70 * mm, 34 * mm, CONTENT_W - 104 * mm]
    style = [
        ("FONTNAME", (0, 0), (-1, -1), SONG),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LINEBELOW", (1, 0), (-1, -1), RULE, colors.black),
        ("TOPPADDING", (0, 0), (-1, -1), 6),
    ]
    # The officers' signature rows may end page 1; the unit's signature goes over with the seal (an order
    # with a long body otherwise left a third of page 1 blank: the whole block did not fit there).
    officers = Table(
        [[_p("安全生产监管行政执法人员（签名）：", s.cell), _p(i.name, s.cell), _p(f"证号：{i.cert_no}", s.cell)]
         for i in doc.inspectors],
        colWidths=widths,
    )
    officers.setStyle(TableStyle(style))
    unit = Table([[_p("被检查单位负责人（签名）：", s.cell), _signature_cell(s, doc.signature, doc.refusal), ""]],
                 colWidths=widths)
    unit.setStyle(TableStyle([*style, ("SPAN", (1, 0), (2, 0))]))
    story += [Spacer(1, 4 * mm), officers]
    _close(story, [unit, *_seal_block(s, h), _p(texts.COPIES_NOTE["order"], s.note)], body=4, gap=0)
    return story


def _review(s: _Styles, doc: ReviewContent) -> list[Flowable]:
    h = doc.header
    story: list[Flowable] = _title_block(s, h)
    story.append(_p(f"被复查单位名称：{doc.place.name}", s.plain))
    story.append(Spacer(1, 2 * mm))
    opening = texts.review_opening(
        h, doc.original_title, doc.original_number, doc.original_date, cn_datetime(doc.reviewed_at)
    )
    story.append(_p(opening, s.body))
    rows: list[list[Any]] = [[_p(t, s.cell_head) for t in ("序号", "原隐患", "复查结果", "复查情况说明", "新整改期限")]]
    for o in doc.outcomes:
        rows.append(
            [
                _p(str(o.seq), s.cell_c),
                _p(o.description, s.cell),
                _p(o.result, s.cell_c),
                _p(o.note, s.cell),
                _p(cn_date(o.new_deadline) + "前" if o.new_deadline else "—", s.cell_c),
            ]
        )
    story += [
        Spacer(1, 2 * mm),
        _grid(rows, [10 * mm, 58 * mm, 20 * mm, 44 * mm, CONTENT_W - 132 * mm], header=True,
              extra=[("VALIGN", (0, 1), (-1, -1), "TOP")], split_rows=s.strict),
        Spacer(1, 3 * mm),
    ]
    if doc.opinion:
        story.append(_p(f"复查意见：{doc.opinion}", s.body))
    _close(
        story,
        [
                _signature_table(
                    s, h, doc.inspectors, "被复查单位负责人（签名）", doc.signature, doc.refusal, doc.reviewed_at.date()
                ),
                *_seal_block(s, h),
                _p(texts.COPIES_NOTE["review"], s.note),
        ],
    )
    return story


class PhotoUnreadableError(UserInputError):
    """A photo in a snapshot cannot be decoded; nothing is written."""


def _photo(s: _Styles, photo: PhotoImage | None, box_w: float, box_h: float, where: str) -> Flowable:
    if photo is None:
        return _p("（无照片）", s.cell_c)
    try:
        source: Any = io.BytesIO(check_base64(photo.data_base64, where)) if photo.data_base64 is not None else str(photo.path)
        reader = ImageReader(source)
        iw, ih = reader.getSize()
    except UserInputError:
        raise
    except Exception as exc:  # reportlab/Pillow raise many kinds for a broken or missing image
        name = f"文件“{photo.path}”" if photo.path else "内嵌图片数据"
        raise PhotoUnreadableError(f"照片无法读取（{where}，{name}）：{exc}") from exc
    scale = min(box_w / iw, box_h / ih)
    if isinstance(source, io.BytesIO):
        source.seek(0)
    return Image(source, width=iw * scale, height=ih * scale)


def _photos(s: _Styles, doc: PhotoAppendix) -> list[Flowable]:
    h = doc.header
    story: list[Flowable] = [
        _p(h.issuer, s.banner),
        Spacer(1, 2 * mm),
        _p(DOC_TITLES["photos"], s.title),
        _p(f"（附于 {doc.attached_to}）", s.number),
        _p(f"被检查单位：{doc.place.name}　　地址：{doc.place.address}", s.plain),
        Spacer(1, 3 * mm),
    ]
    col = CONTENT_W / 2
    box_w, box_h = col - 8, 58 * mm
    for pair in doc.pairs:
        rows: list[list[Any]] = [
            [_p(f"{pair.hazard_seq}. {pair.caption}", s.cell), ""],
            [_p("整改前", s.cell_head), _p("整改后", s.cell_head)],
            [
                _photo(s, pair.before, box_w, box_h, f"第{pair.hazard_seq}项整改前照片"),
                _photo(s, pair.after, box_w, box_h, f"第{pair.hazard_seq}项整改后照片"),
            ],
            [
                _p(pair.before.caption if pair.before else "", s.cell_c),
                _p(pair.after.caption if pair.after else "", s.cell_c),
            ],
        ]
        table = _grid(rows, [col, col], extra=[("SPAN", (0, 0), (1, 0)), ("ALIGN", (0, 2), (-1, 2), "CENTER")])
        story += [KeepTogether([table]), Spacer(1, 5 * mm)]
    story += _seal_block(s, h)
    return story


def _pairs_table(s: _Styles, rows: Sequence[tuple[str, str]]) -> Table:
    data = [[_p(label, s.cell_c), _p(value, s.cell)] for label, value in rows]
    return _grid(data, [34 * mm, CONTENT_W - 34 * mm], extra=[("VALIGN", (0, 0), (-1, -1), "MIDDLE")])


def _supervision(s: _Styles, doc: SupervisionContent) -> list[Flowable]:
    h, hz = doc.header, doc.hazard
    story: list[Flowable] = _title_block(s, h)
    story.append(_p(f"{doc.place.name}：", s.plain))
    record = f"（现场检查记录：{doc.record_number}）" if doc.record_number else ""
    notice = f"，并已以{doc.notice_number}文书责成你单位整改" if doc.notice_number else ""
    story.append(
        _p(
            f"{cn_date(doc.found_on)}检查发现你单位（场所）存在下列重大事故隐患{record}{notice}。"
            f"{doc.supervising_unit}于{cn_date(doc.listed_on)}对该隐患挂牌督办（督办文号：{doc.supervision_no}），"
            "现将督办事项通知如下：",
            s.body,
        )
    )
    story += [
        Spacer(1, 2 * mm),
        _pairs_table(
            s,
            [
                ("被督办单位", doc.place.name),
                ("地址", doc.place.address),
                ("负责人", f"{doc.place.responsible_person}　{doc.place.phone}".strip()),
                ("隐患编号", hz.code),
                ("隐患部位", hz.location or "—"),
                ("隐患情况", f"{hz.description}（重大事故隐患）"),
                ("判定依据", hz.basis or "—"),
                ("整改要求", hz.requirement or "—"),
                ("挂牌日期", cn_date(doc.listed_on)),
                ("督办文号", doc.supervision_no),
                ("督办单位", doc.supervising_unit),
                ("治理期限", deadline_text(hz.deadline)),
            ],
        ),
        Spacer(1, 3 * mm),
    ]
    for n, text in enumerate(doc.requirements, start=1):
        story.append(_p(f"{_CN_ORDINALS[n - 1]}、{text}", s.body))
    story.append(_p("特此通知。", s.body))
    _close(story, [_sign_box(s, "被督办单位负责人（签收）"), *_seal_block(s, h), _p(texts.COPIES_NOTE["supervision"], s.note)])
    return story


_CN_ORDINALS = "一二三四五六七八九十"


def _handover(s: _Styles, doc: HandoverContent) -> list[Flowable]:
    h = doc.header
    story: list[Flowable] = _title_block(s, h)
    story.append(_p(f"{doc.department}：", s.plain))
    opening = texts.handover_opening(
        h.issuer, doc.department, doc.place.name, doc.place.address, cn_datetime(doc.inspected_at), h.posture
    )
    story.append(_p(opening, s.body))
    rows: list[list[Any]] = [[_p(t, s.cell_head) for t in ("序号", "隐患部位", "隐患情况", "依据", "照片")]]
    for item in doc.items:
        rows.append(
            [
                _p(str(item.seq), s.cell_c),
                _p(item.location or "—", s.cell),
                _p(item.description, s.cell),
                _p(item.basis or "—", s.cell),
                _p(f"{item.photos}张" if item.photos else "无", s.cell_c),
            ]
        )
    story += [
        Spacer(1, 2 * mm),
        _grid(rows, [12 * mm, 30 * mm, 58 * mm, 44 * mm, CONTENT_W - 144 * mm], header=True,
              extra=[("VALIGN", (0, 1), (-1, -1), "TOP")], split_rows=True),
        Spacer(1, 3 * mm),
    ]
    place = doc.place
    story.append(
        _p(
            f"被检查单位负责人：{place.responsible_person or '—'}，联系电话：{place.phone or '—'}。"
            f"检查人员：{'、'.join(i.name for i in doc.inspectors)}。",
            s.body,
        )
    )
    attachments: list[str] = []
    if doc.record_number:
        attachments.append(f"现场检查记录（文号：{doc.record_number}）复印件")
    if doc.notice_number:
        attachments.append(f"整改文书（文号：{doc.notice_number}）复印件")
    photos = sum(item.photos for item in doc.items)
    if photos:
        attachments.append(f"现场照片{photos}张")
    if attachments:
        listed = "；".join(f"{n}. {a}" for n, a in enumerate(attachments, start=1))
        story.append(_p(f"{texts.HANDOVER_ATTACHMENTS}{listed}。", s.body))
    if doc.contact:
        story.append(_p(f"联系人：{doc.contact}。", s.body))
    story.append(_p("特此函告。", s.body))
    _close(story, [*_seal_block(s, h), _p(texts.COPIES_NOTE["handover"], s.note)])
    return story


def _receipt(s: _Styles, doc: ReceiptContent) -> list[Flowable]:
    h = doc.header
    story: list[Flowable] = [
        _p(h.issuer, s.banner),
        Spacer(1, 2 * mm),
        _p(DOC_TITLES["receipt"], s.title),
        _p(f"送达文书：{doc.document_number}", s.number),
    ]
    left = doc.method == "留置送达"
    signed = "受送达人拒绝签收（留置送达）" if left else ""
    rows: list[list[Any]] = [
        [_p("送达文书名称", s.cell_c), _p(f"《{doc.document_title}》", s.cell)],
        [_p("文书编号", s.cell_c), _p(doc.document_number, s.cell)],
        [_p("受送达人", s.cell_c), _p(doc.recipient, s.cell)],
        [_p("送达地点", s.cell_c), _p(doc.address, s.cell)],
        [_p("送达方式", s.cell_c), _p(doc.method, s.cell)],
        [_p("送达人（签名）", s.cell_c), [_p("、".join(doc.servers), s.cell), Spacer(1, 10 * mm)]],
        [_p("收件人（签名）", s.cell_c), [_p(signed, s.cell), Spacer(1, 12 * mm)]],
        [_p("签收日期", s.cell_c), _p("年　　月　　日", s.cell)],
        [_p("见证人（签名）", s.cell_c), [_p(doc.witness if left else "—", s.cell), Spacer(1, 8 * mm)]],
        [_p("留置送达事由", s.cell_c), _p(doc.reason if left else "—", s.cell)],
        [_p("备注", s.cell_c), Spacer(1, 12 * mm)],
    ]
    story += [
        Spacer(1, 3 * mm),
        _grid(rows, [36 * mm, CONTENT_W - 36 * mm], extra=[("VALIGN", (0, 0), (-1, -1), "MIDDLE")]),
        Spacer(1, 3 * mm),
        _p(texts.RECEIPT_NOTE, s.note),
    ]
    _close(story, [*_seal_block(s, h), _p(texts.COPIES_NOTE["receipt"], s.note)])
    return story


_BUILDERS: dict[type, Callable[[_Styles, Any], list[Flowable]]] = {
    InspectionRecordContent: _record,
    ReviewContent: _review,
    PhotoAppendix: _photos,
    SupervisionContent: _supervision,
    HandoverContent: _handover,
    ReceiptContent: _receipt,
}


def _story_for(s: _Styles, snapshot: DocumentSnapshot) -> list[Flowable]:
    if isinstance(snapshot, NoticeContent):
        return _order(s, snapshot) if snapshot.header.doc_type == "order" else _notice(s, snapshot)
    return _BUILDERS[type(snapshot)](s, snapshot)


# --- public ------------------------------------------------------------------------------------------


def render_documents(
    snapshots: Sequence[DocumentSnapshot],
    *,
    on_document: Callable[[int, int], None] | None = None,
    draft: bool = False,
) -> bytes:
    """One PDF with every document, each starting on a new page with its own page count.

    ``draft`` draws a preview: 草稿 across every page and no verification code or QR code in the
    footer (the snapshot of a draft carries no number: ``DRAFT_NUMBER``).

    ``on_document(index, total)`` is called as the layout reaches each document (for progress;
    an exception it raises, such as a cancellation, stops the rendering)."""
    if not snapshots:
        raise ValueError("render_documents needs at least one snapshot")
    register_fonts()
    total = len(snapshots)
    reached = (lambda index: on_document(index, total)) if on_document is not None else None
    if total == 1 and _may_close_up(snapshots[0]):
        # One notice (issue, draft, reprint): laid out for real with plain spacing, and again closed
        # up only when the first takes more than a page — the choice :func:`_fits_tighter` makes, at
        # the cost of one layout (two at most) instead of a trial layout before the real one.
        plain, pages = _build(snapshots, [_PLAIN_STYLES[True]], reached, draft)
        if pages > 1:
            tight, tight_pages = _build(snapshots, [_TIGHT_STYLES], None, draft)
            if tight_pages < pages:
                return tight
        return plain
    return _build(snapshots, [_styles_for(snap) for snap in snapshots], reached, draft)[0]


def _build(
    snapshots: Sequence[DocumentSnapshot],
    styles: Sequence[_Styles],
    reached: Callable[[int], None] | None,
    draft: bool,
) -> tuple[bytes, int]:
    """The PDF of ``snapshots`` laid out with ``styles`` (one each), and its number of pages."""
    story: list[Flowable] = []
    for index, (snap, style) in enumerate(zip(snapshots, styles, strict=True)):
        if index:
            story.append(PageBreak())
        story.append(_DocStart(index, snap.header, reached))
        story += _story_for(style, snap)
    buffer = io.BytesIO()
    template = _template(buffer, snapshots)
    issued_at = max(s.header.issued_at for s in snapshots)

    def canvasmaker(*args: Any, **kwargs: Any) -> _NumberedCanvas:
        return _NumberedCanvas(*args, issued_at=issued_at, draft=draft, **kwargs)

    template.build(story, canvasmaker=canvasmaker)
    return buffer.getvalue(), int(template.page)


_PLAIN_STYLES = {strict: _Styles(strict) for strict in (False, True)}
_TIGHT_STYLES = _Styles(True, tight=True)


def _page_count(snapshot: DocumentSnapshot, styles: _Styles) -> int:
    """How many pages ``snapshot`` takes laid out with ``styles`` (a trial layout, nothing kept)."""
    template = _template(io.BytesIO(), [snapshot])
    template.build(_story_for(styles, snapshot))
    return int(template.page)


def _fits_tighter(snapshot: DocumentSnapshot) -> bool:
    """Whether a notice or order takes a page less with closer line spacing (GB/T 9704 7.3.5.5: when
    the space left cannot hold the seal and date, adjust the line spacing): two hazards no longer
    leave a third of page 1 blank with only 特此通知, the signatures and the seal on page 2. Decided
    from the snapshot alone, so a draft, the issued document and its reprint look the same.
    (Trial layouts: used for a batch of documents; one document decides on its real layouts.)"""
    if not _may_close_up(snapshot):
        return False
    plain = _page_count(snapshot, _PLAIN_STYLES[True])
    return plain > 1 and _page_count(snapshot, _TIGHT_STYLES) < plain


def _may_close_up(snapshot: DocumentSnapshot) -> bool:
    """Notices and orders of the current layouts may be closed up (stored legacy ones never)."""
    return snapshot.header.posture != "legacy" and isinstance(snapshot, NoticeContent)


def _styles_for(snapshot: DocumentSnapshot) -> _Styles:
    if _fits_tighter(snapshot):
        return _TIGHT_STYLES
    return _PLAIN_STYLES[snapshot.header.posture != "legacy"]


def _template(buffer: io.BytesIO, snapshots: Sequence[DocumentSnapshot]) -> BaseDocTemplate:
    first = snapshots[0].header
    template = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        invariant=1,
        title=f"{texts.printed_title(first)} {first.number}" if len(snapshots) == 1 else f"文书批量打印（{len(snapshots)}份）",
        author=first.issuer,
        creator="安全检查工作台",
        subject=first.short_code if len(snapshots) == 1 else "",
        initialFontName=SONG,
    )
    frame = Frame(MARGIN_X, MARGIN_BOTTOM, CONTENT_W, PAGE_H - MARGIN_TOP - MARGIN_BOTTOM, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    template.addPageTemplates([PageTemplate(id="a4", frames=[frame])])
    return template


def render_document(snapshot: DocumentSnapshot) -> bytes:
    """The PDF of one document, byte-identical for equal snapshots."""
    return render_documents([snapshot])


def render_draft(snapshot: DocumentSnapshot) -> bytes:
    """A preview of a document not issued yet: watermark 草稿, no number, no verification code."""
    return render_documents([snapshot], draft=True)


def write_document(snapshot: DocumentSnapshot, path: Path) -> str:
    """Render to ``path``; returns the sha256 (hex) of the bytes written, as stored on issue."""
    data = render_document(snapshot)
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()
