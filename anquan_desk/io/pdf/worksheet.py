"""Printable plan sheets: the grid's work sheet (网格巡查单) and the 双随机 draw record.

* :func:`render_worksheet` — A4 landscape, one table row per place in route order: risk colour
  (a coloured mark and the word), last inspection, open hazards with deadlines (those due for
  复查 marked), the month's task, and blank columns for 检查情况 and 签字.
* :func:`render_draw_record` — A4 portrait: seed, input digest, time, who drew, the scope, the
  table place → inspector pair, the 回避 list, signature lines, and an appendix with the whole
  candidate pool so anyone can repeat the draw (``anquan-desk plan verify``).

Fonts come from :mod:`anquan_desk.io.pdf.fonts` (embedded TrueType subsets, with per-character
fallback). Output is deterministic (reportlab ``invariant=1``).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from anquan_desk.core.clock import to_local
from anquan_desk.core.plans.draws import StoredDraw
from anquan_desk.core.plans.worksheet import SheetRow, Worksheet
from anquan_desk.io.pdf.fonts import BODY_CHAIN, HEI, SONG, TITLE_CHAIN, markup, register_fonts, string_width

__all__ = ["RISK_COLOURS", "render_draw_record", "render_worksheet", "write_pdf"]

RISK_COLOURS: dict[str, str] = {"红": "#D32F2F", "橙": "#F57C00", "黄": "#E0B000", "蓝": "#1565C0"}
RULE = 0.5


def _cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _style(name: str, font: str = SONG, size: float = 10, leading: float | None = None, **kw: Any) -> ParagraphStyle:
    return ParagraphStyle(name, fontName=font, fontSize=size, leading=leading or size * 1.45, wordWrap="CJK", **kw)


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    chain = TITLE_CHAIN if style.fontName == HEI else BODY_CHAIN
    return Paragraph(markup(text, chain), style)


def _risk(colour: str, style: ParagraphStyle) -> Paragraph:
    """A coloured square followed by the colour's word (readable on a black-and-white print too)."""
    return Paragraph(_risk_markup(colour), style)


def _risk_markup(colour: str) -> str:
    hex_ = RISK_COLOURS.get(colour, "#000000")
    return f'<font color="{hex_}">{markup("■", BODY_CHAIN)}</font>{markup(colour, BODY_CHAIN)}'


class _PagedCanvas(Canvas):  # type: ignore[misc]
    """Writes "共 N 页 第 M 页" (and a left footer) on every page once the page count is known."""

    def __init__(self, *args: Any, footer: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []
        self._footer_text = footer

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            width, _height = self._pagesize
            self.setFont(SONG, 9)
            text = f"共 {total} 页  第 {number} 页"
            self.drawString(width - 15 * mm - string_width(text, 9), 8 * mm, text)
            if self._footer_text:
                self.drawString(15 * mm, 8 * mm, self._footer_text)
            super().showPage()
        super().save()


def _build(
    story: list[Flowable], pagesize: tuple[float, float], *, title: str, author: str, footer: str, margin: float
) -> bytes:
    register_fonts()
    buffer = io.BytesIO()
    width, height = pagesize
    doc = BaseDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=16 * mm,
        invariant=1,
        title=title,
        author=author,
        creator="安全检查工作台",
        initialFontName=SONG,
    )
    frame = Frame(margin, 16 * mm, width - 2 * margin, height - margin - 16 * mm, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])

    def canvasmaker(*args: Any, **kwargs: Any) -> _PagedCanvas:
        return _PagedCanvas(*args, footer=footer, **kwargs)

    doc.build(story, canvasmaker=canvasmaker)
    return buffer.getvalue()


def _table(data: list[list[Any]], widths: Sequence[float], extra: Sequence[Any] = (), header_rows: int = 1) -> Table:
    table = Table(data, colWidths=list(widths), repeatRows=header_rows)
    commands: list[Any] = [
        ("FONTNAME", (0, 0), (-1, -1), SONG),
        ("GRID", (0, 0), (-1, -1), RULE, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.HexColor("#EEEEEE")),
    ]
    table.setStyle(TableStyle(commands + list(extra)))
    return table


# --------------------------------------------------------------------------- work sheet


def _hazard_text(row: SheetRow) -> str:
    if not row.hazards:
        return "无"
    lines = []
    for h in row.hazards:
        deadline = "立即整改" if h.deadline is None else f"限{h.deadline.month}月{h.deadline.day}日"
        marks = []
        if h.code in row.due_review:
            marks.append("到期复查")
        if h.overdue:
            marks.append("已逾期")
        if h.grade == "重大":
            marks.append("重大")
        mark = f"【{'，'.join(marks)}】" if marks else ""
        lines.append(f"{mark}{h.description}（{deadline}，{h.status}）")
    return f"{len(row.hazards)} 项：\n" + "\n".join(f"{n}. {t}" for n, t in enumerate(lines, start=1))


def _task_text(row: SheetRow) -> str:
    parts = []
    if row.routine_due:
        parts.append("例行巡查")
    if row.due_review:
        parts.append("隐患复查")
    if row.priority:
        parts.append("★重点领域")
    if row.status != "在营":
        parts.append(row.status)
    return "\n".join(parts) if parts else "—"


def render_worksheet(sheet: Worksheet, *, printed_at: datetime | None = None) -> bytes:
    """The grid's work sheet as PDF bytes (A4 landscape)."""
    register_fonts()
    pagesize = landscape(A4)
    margin = 12 * mm
    title_s = _style("title", HEI, 18, 26, alignment=TA_CENTER)
    info_s = _style("info", SONG, 10.5, 16, alignment=TA_LEFT)
    head_s = _style("head", HEI, 10, 13, alignment=TA_CENTER)
    cell_s = _style("cell", SONG, 9.5, 13, alignment=TA_LEFT)
    small_s = _style("small", SONG, 8.5, 12, alignment=TA_LEFT)
    center_s = _style("center", SONG, 9.5, 13, alignment=TA_CENTER)
    widths = [10 * mm, 62 * mm, 15 * mm, 22 * mm, 20 * mm, 76 * mm, 43 * mm, 25 * mm]

    story: list[Flowable] = [_p(sheet.title, title_s), Spacer(1, 2 * mm)]
    info = [
        f"乡镇（街道）：{sheet.township or '—'}",
        f"巡查日期：{_cn_date(sheet.day)}",
        f"场所：{len(sheet.rows)} 处（按巡查路线顺序）",
    ]
    if sheet.members:
        info.append("网格人员：" + "、".join(sheet.members))
    story.append(_p("    ".join(info), info_s))
    story.append(Spacer(1, 2 * mm))

    header = [
        _p(t, head_s)
        for t in ("序号", "场所名称 / 地址 / 负责人", "风险", "上次检查", "本月任务", "未销号隐患（整改期限、状态）",
                  "检查情况", "签字")
    ]
    data: list[list[Any]] = [header]
    for row in sheet.rows:
        name_block = [_p(row.name, cell_s), _p(row.address, small_s)]
        if row.responsible:
            name_block.append(_p(row.responsible, small_s))
        data.append(
            [
                _p(str(row.seq), center_s),
                name_block,
                _risk(row.risk_color, center_s),
                _p(row.last_inspected.isoformat() if row.last_inspected else "从未检查", center_s),
                _p(_task_text(row), center_s),
                _p(_hazard_text(row), small_s),
                "",
                "",
            ]
        )
    if len(data) == 1:
        data.append([_p("本网格没有在册场所", cell_s), "", "", "", "", "", "", ""])
    extra = [("SPAN", (0, 1), (-1, 1))] if not sheet.rows else []
    story.append(_table(data, widths, [*extra, ("VALIGN", (0, 1), (-1, -1), "TOP")]))
    story.append(Spacer(1, 4 * mm))
    legend = (
        "；“例行巡查”为按风险等级周期本月应检查；“隐患复查”为整改期限已到、应到场复查的隐患；"
        "“★重点领域”为本年度工作方案所列行业领域。"
    )
    colours = " ".join(_risk_markup(c) for c in RISK_COLOURS)
    story.append(Paragraph(markup("说明：风险等级 ") + colours + markup(legend), small_s))
    story.append(Spacer(1, 6 * mm))
    story.append(
        KeepTogether(
            [_p("巡查人员（签字）：____________________    ____________________      "
                "网格长（签字）：____________________      日期：________年____月____日", info_s)]
        )
    )
    printed = f"打印：{to_local(printed_at).strftime('%Y-%m-%d %H:%M')}" if printed_at else ""
    return _build(story, pagesize, title=sheet.title, author=sheet.township, footer=printed, margin=margin)


# --------------------------------------------------------------------------- draw record


def render_draw_record(draw: StoredDraw, *, township: str = "") -> bytes:
    """The 双随机 draw record as PDF bytes (A4 portrait)."""
    register_fonts()
    record = draw.record
    margin = 18 * mm
    title_s = _style("title", HEI, 18, 26, alignment=TA_CENTER)
    h2 = _style("h2", HEI, 12, 18, alignment=TA_LEFT, spaceBefore=6, spaceAfter=3)
    cell_s = _style("cell", SONG, 10, 14, alignment=TA_LEFT)
    mono_s = _style("mono", SONG, 8.5, 12, alignment=TA_LEFT)
    head_s = _style("head", HEI, 10, 14, alignment=TA_CENTER)
    center_s = _style("center", SONG, 10, 14, alignment=TA_CENTER)
    body_s = _style("body", SONG, 10.5, 17, alignment=TA_LEFT)
    content_w = A4[0] - 2 * margin

    try:
        drawn = to_local(datetime.fromisoformat(record.created_at)).strftime("%Y年%m月%d日 %H:%M:%S")
    except ValueError:
        drawn = record.created_at
    story: list[Flowable] = [_p(f"{township}双随机抽查抽取记录" if township else "双随机抽查抽取记录", title_s),
                             Spacer(1, 4 * mm)]
    meta = [
        ("抽取时间", drawn),
        ("抽取人", draw.drawn_by or "（未指定，见文末签字）"),
        ("抽取范围", draw.scope or "—"),
        ("候选场所", f"{len(record.places)} 处"),
        ("检查人员", "、".join(draw.inspector_label(c) for c in record.inspectors)),
        ("抽取数量", f"{record.count} 处"),
        ("随机种子", record.seed),
        ("输入摘要（SHA-256）", record.input_digest),
        ("抽取算法", record.algorithm),
    ]
    meta_rows = [[_p(k, head_s), _p(v, mono_s if k.startswith("输入摘要") else cell_s)] for k, v in meta]
    story.append(_table(meta_rows, [38 * mm, content_w - 38 * mm], header_rows=0,
                        extra=[("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#EEEEEE"))]))

    story.append(_p("一、抽取结果", h2))
    rows: list[list[Any]] = [[_p(t, head_s) for t in ("序号", "抽中场所", "所属网格", "检查组（执法证号）")]]
    for n, a in enumerate(record.assignments, start=1):
        place = draw.places.get(a.place)
        rows.append(
            [
                _p(str(n), center_s),
                _p(place.name if place else a.place, cell_s),
                _p(place.grid if place else "", cell_s),
                _p("\n".join(draw.inspector_label(c) for c in a.inspectors), cell_s),
            ]
        )
    story.append(_table(rows, [12 * mm, 62 * mm, 40 * mm, content_w - 114 * mm]))

    story.append(_p("二、回避情况", h2))
    if record.exclusions:
        ex_rows: list[list[Any]] = [[_p(t, head_s) for t in ("序号", "回避人员", "回避场所")]]
        for n, (inspector, place_id) in enumerate(record.exclusions, start=1):
            ex_rows.append([_p(str(n), center_s), _p(draw.inspector_label(inspector), cell_s),
                            _p(draw.place_name(place_id), cell_s)])
        story.append(_table(ex_rows, [12 * mm, 70 * mm, content_w - 82 * mm]))
    else:
        story.append(_p("无回避事项。", body_s))

    story.append(_p("三、复核方法", h2))
    story.append(
        _p(
            "本次抽取由程序按公开算法离线完成：以上述随机种子和输入摘要为准，任何人可用附表所列候选场所、"
            "检查人员和回避事项重新抽取，结果应与本记录完全一致。电子复核：命令行打印本记录时，"
            "在同一文件夹另存同名的 .json 抽取记录（程序窗口中用“另存记录 JSON…”保存），"
            "用命令 anquan-desk plan verify 该文件.json 复核。",
            body_s,
        )
    )
    story.append(Spacer(1, 8 * mm))
    story.append(
        KeepTogether(
            [
                _p("抽取人（签字）：________________      监督人（签字）：________________", body_s),
                Spacer(1, 4 * mm),
                _p("日期：________年____月____日", body_s),
            ]
        )
    )

    story.append(_p("附表：候选场所名录（抽取池）", h2))
    pool: list[list[Any]] = [[_p(t, head_s) for t in ("序号", "场所名称", "所属网格", "场所编号")]]
    for n, pid in enumerate(record.places, start=1):
        place = draw.places.get(pid)
        pool.append([_p(str(n), center_s), _p(place.name if place else "", cell_s),
                     _p(place.grid if place else "", cell_s), _p(pid, mono_s)])
    story.append(_table(pool, [12 * mm, 56 * mm, 40 * mm, content_w - 108 * mm]))
    footer = f"随机种子 {record.seed}  摘要 {record.input_digest[:16]}…"
    return _build(story, A4, title="双随机抽查抽取记录", author=township or draw.drawn_by, footer=footer,
                  margin=margin)


def write_pdf(render: Callable[[], bytes], path: Path) -> int:
    """Write the bytes ``render()`` gives to ``path``; returns the size."""
    data = render()
    path.write_bytes(data)
    return len(data)
